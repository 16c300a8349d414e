"""The partner-participation report: content, filters, escaping, CSV, heat map, CLI."""
from __future__ import annotations

import base64
import csv
import hashlib
import re
import sys

import pytest
from conftest import run_cli

from graphkit.cli import make_parser

from graphkit.analysis.facts import Filters
from graphkit.analysis.load import load_graph
from graphkit.analysis.names import NameLookupError
from graphkit.analysis.report import CSV_COLUMNS, build_report, render_html, render_markdown, write_report
from graphkit.analysis.sample import DEVDAY, EN, SUMMIT, ZH, sample_graph, write_graph_json
from graphkit.errors import GraphkitError

HOSTILE = "<img src=x onerror=alert(1)>"
FOSSASIA = "event:fossasia-summit-2024"




def hostile_graph():
    G = sample_graph()
    G.add_node("org:evil", id="org:evil", type="ORG", label=HOSTILE, aliases=[HOSTILE, "=HYPERLINK(1)"],
               articles=[ZH])
    G.add_edge("org:evil", FOSSASIA, key=f"org:evil|PARTICIPATED_IN|{FOSSASIA}",
               type="PARTICIPATED_IN", articles=[ZH], weight=1, confidence=1.0,
               evidence=[{"article": ZH, "sentence": "</details><script>alert(2)</script>",
                          "start": 0, "end": 9, "extractor": "x", "confidence": 1.0}])
    G.add_node("product:bad", id="product:bad", type="PRODUCT", label='"><a href="https://evil.example">x',
               aliases=[], articles=[ZH])
    G.add_edge("org:evil", "product:bad", key="org:evil|SHOWCASED|product:bad", type="SHOWCASED",
               articles=[ZH], evidence=[{"article": ZH, "sentence": "javascript:alert(3)", "start": 0,
                                         "end": 1, "extractor": "x", "confidence": 1.0}])
    return G


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_report_partners_sorted_by_events_then_name():
    report = build_report(sample_graph())
    assert [p.id for p in report.partners] == [
        "org:openeuler", "org:huawei", "org:iscas", "org:kylinsoft", "org:linaro", "org:uniontech"]
    assert "org:hunan-university" not in {p.id for p in report.partners}   # mentioned, took part in nothing


def test_report_kylinsoft_profile_lists_fossasia_with_date_venue_people_talks_products():
    report = build_report(sample_graph())
    kylin = next(p for p in report.partners if p.id == "org:kylinsoft")
    assert [(e.label, e.date, e.venue) for e in kylin.events] == [("FOSSASIA Summit 2024", "2024-04-08", "Hanoi")]
    assert kylin.events[0].evidence[0].sentence == "OpenAtom openEuler与中科院软件所、华为、麒麟软件等合作伙伴共同参展。"
    assert [(p.label, p.roles) for p in kylin.people] == [("Xu Guodong", ("工程师",))]
    assert [(t.label, t.event, [s.label for s in t.speakers]) for t in kylin.talks] == [
        ("NestOS：面向云原生的操作系统", "FOSSASIA Summit 2024", ["Xu Guodong"])]
    assert [p.label for p in kylin.products] == ["NestOS"]
    assert kylin.versions == ()
    assert (kylin.first_seen, kylin.last_seen, kylin.articles) == ("2024-04-08", "2024-04-12", (ZH,))


def test_report_openeuler_first_last_seen_and_versions():
    oe = build_report(sample_graph()).partners[0]
    assert [e.date for e in oe.events] == ["2023-04-20", "2023-12-15", "2024-04-08"]
    assert (oe.first_seen, oe.last_seen) == ("2023-04-20", "2024-04-15")
    assert len(oe.articles) == 4
    assert [v.label for v in oe.versions] == ["openEuler 24.03 LTS"]
    assert [(p.label, p.roles) for p in oe.people] == [("Xiong Wei", ("执行总监",))]


def test_report_events_by_date_with_partners_speakers_talks():
    events = build_report(sample_graph()).events
    assert [(e.date, e.label, e.venue) for e in events] == [
        ("2023-04-20", "openEuler Developer Day 2023", "Shanghai"),
        ("2023-12-15", "openEuler Summit 2023", "Beijing"),
        ("2024-04-08", "FOSSASIA Summit 2024", "Hanoi")]
    fossasia = events[-1]
    assert [p.label for p in fossasia.partners] == ["Huawei", "ISCAS", "KylinSoft", "Linaro", "openEuler"]
    assert [(s.label, s.orgs) for s in fossasia.speakers] == [("Xiong Wei", ("openEuler",)),
                                                              ("Xu Guodong", ("KylinSoft",))]
    assert [t.label for t in fossasia.talks] == ["NestOS：面向云原生的操作系统",
                                                 "Ushering in a Future of Digital Intelligence"]


def test_report_heatmap_rows_cols_cells():
    heat = build_report(sample_graph()).heatmap
    assert [r[1] for r in heat.rows] == ["openEuler", "Huawei", "ISCAS", "KylinSoft", "Linaro", "UnionTech"]
    assert [c[2] for c in heat.cols] == ["2023-04-20", "2023-12-15", "2024-04-08"]
    assert heat.cells == ((1, 1, 2), (1, 0, 1), (0, 1, 1), (0, 0, 1), (0, 0, 1), (0, 1, 0))


def test_report_pairs_seen_together():
    pairs = build_report(sample_graph()).pairs
    assert [(p.a, p.b, len(p.events)) for p in pairs[:3]] == [
        ("Huawei", "openEuler", 2), ("ISCAS", "openEuler", 2), ("Huawei", "ISCAS", 1)]
    assert len(pairs) == 12


def test_report_markdown_cites_evidence_references():
    text = render_markdown(build_report(sample_graph()))
    section = text.split("### 4. KylinSoft")[1].split("### 5.")[0]
    line = next(x for x in section.splitlines() if x.startswith("- FOSSASIA Summit 2024"))
    assert line.startswith("- FOSSASIA Summit 2024 — 2024-04-08, Hanoi [a")
    ref = re.search(r"\[(a\d+)\]", line).group(1)
    evidence = next(x for x in text.split("## Evidence")[1].splitlines() if x.startswith(f"- [{ref}]"))
    assert f"`{ZH}`" in evidence and "OpenAtom openEuler与中科院软件所、华为、麒麟软件等合作伙伴共同参展。" in evidence
    cited = set(re.findall(r"\[(a\d+)\]", text.split("## Evidence")[0]))
    listed = set(re.findall(r"^- \[(a\d+)\]", text.split("## Evidence")[1], re.M))
    assert cited == listed and len(listed) == 10


def test_report_html_details_hold_sentences():
    page = render_html(build_report(sample_graph()))
    assert "<details><summary>evidence (1)</summary><ul><li><q>麒麟软件展示了基于openEuler的云原生操作系统NestOS。</q>" in page
    assert 'id="n-org-kylinsoft"' in page and 'href="#n-event-fossasia-summit-2024"' in page


def test_report_html_escapes_hostile_text_and_loads_nothing():
    page = render_html(build_report(hostile_graph()))
    assert HOSTILE not in page
    assert html_escaped(HOSTILE) in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert 'href="https://evil.example"' not in page
    assert "<img" not in page.lower()


def html_escaped(text: str) -> str:
    import html
    return html.escape(text, quote=True)


def test_report_html_csp_is_strict_and_matches_the_stylesheet():
    page = render_html(build_report(sample_graph()))
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "script-src" not in csp
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp
    assert ' style="' not in page     # inline style attributes would be blocked by the CSP


def test_report_csv_header_and_rows(tmp_path):
    write_report(sample_graph(), tmp_path)
    rows = read_csv(tmp_path / "participation.csv")
    assert rows[0] == ["org_id", "org", "event_id", "event", "date", "venue", "roles", "people",
                       "products", "versions", "evidence_count", "articles"]
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 11
    by_key = {(r[0], r[2]): dict(zip(rows[0], r)) for r in rows[1:]}
    assert by_key[("org:kylinsoft", FOSSASIA)] == {
        "org_id": "org:kylinsoft", "org": "KylinSoft", "event_id": FOSSASIA,
        "event": "FOSSASIA Summit 2024", "date": "2024-04-08", "venue": "Hanoi", "roles": "工程师",
        "people": "Xu Guodong", "products": "NestOS", "versions": "", "evidence_count": "1",
        "articles": ZH}
    oe = by_key[("org:openeuler", FOSSASIA)]
    assert (oe["evidence_count"], oe["articles"]) == ("2", f"{EN} | {ZH}")
    assert (oe["people"], oe["products"], oe["versions"]) == ("Xiong Wei", "EulerCopilot", "openEuler 24.03 LTS")
    assert by_key[("org:uniontech", "event:openeuler-summit-2023")]["articles"] == SUMMIT
    assert [r[0] for r in rows[1:4]] == ["org:openeuler"] * 3     # partners in report order


def test_report_csv_defuses_formulas(tmp_path):
    G = hostile_graph()
    G.nodes["org:evil"]["label"] = "=HYPERLINK(\"x\")"
    write_report(G, tmp_path)
    evil = next(r for r in read_csv(tmp_path / "participation.csv") if r[0] == "org:evil")
    assert evil[1] == "'=HYPERLINK(\"x\")"


@pytest.mark.parametrize("filters, partners, events, csv_rows", [
    (Filters(), ["org:openeuler", "org:huawei", "org:iscas", "org:kylinsoft", "org:linaro", "org:uniontech"], 3, 10),
    (Filters(since="2024-01-01"), ["org:huawei", "org:iscas", "org:kylinsoft", "org:linaro", "org:openeuler"], 1, 5),
    (Filters(until="2023-12-31"), ["org:openeuler", "org:huawei", "org:iscas", "org:uniontech"], 2, 5),
    (Filters(since="2023-06", until="2023-12"), ["org:iscas", "org:openeuler", "org:uniontech"], 1, 3),
    (Filters(orgs=("麒麟软件",)), ["org:kylinsoft"], 1, 1),
    (Filters(orgs=("ＫＹＬＩＮ soft", "华为")), ["org:huawei", "org:kylinsoft"], 2, 3),
    (Filters(events=("fossasia summit",)), ["org:huawei", "org:iscas", "org:kylinsoft", "org:linaro", "org:openeuler"], 1, 5),
    (Filters(lang="en"), ["org:linaro", "org:openeuler"], 1, 2),
    (Filters(lang="zh"), ["org:openeuler", "org:huawei", "org:iscas", "org:kylinsoft", "org:uniontech"], 3, 9),
])
def test_report_filters_cut_rows(tmp_path, filters, partners, events, csv_rows):
    report = build_report(sample_graph(), filters)
    assert [p.id for p in report.partners] == partners
    assert len(report.events) == events
    write_report(sample_graph(), tmp_path, filters)
    assert len(read_csv(tmp_path / "participation.csv")) == csv_rows + 1


def test_report_lang_filter_keeps_only_that_languages_evidence():
    oe = build_report(sample_graph(), Filters(lang="en")).partners[1]
    assert oe.id == "org:openeuler"
    assert {e.article for ev in oe.events for e in ev.evidence} == {EN}
    assert [v.label for v in oe.versions] == ["openEuler 24.03 LTS"]   # stated in English
    assert oe.products == () and oe.people == ()                       # stated in Chinese only
    assert oe.articles == (EN,)


def test_report_event_filter_limits_facts_to_its_articles():
    report = build_report(sample_graph(), Filters(events=("FOSSASIA Summit 2024",)))
    assert [e.id for e in report.events] == [FOSSASIA]
    oe = next(p for p in report.partners if p.id == "org:openeuler")
    assert {a for a in oe.articles} == {ZH, EN}
    assert DEVDAY not in {e.article for ev in oe.events for e in ev.evidence}


def test_report_org_filter_keeps_all_partners_of_its_events_and_its_pairs():
    report = build_report(sample_graph(), Filters(orgs=("KylinSoft",)))
    assert [p.label for p in report.events[0].partners] == ["Huawei", "ISCAS", "KylinSoft", "Linaro", "openEuler"]
    assert {frozenset((p.a_id, p.b_id)) for p in report.pairs} == {
        frozenset(("org:kylinsoft", o)) for o in ("org:huawei", "org:iscas", "org:linaro", "org:openeuler")}
    assert "Filters: org: KylinSoft." in render_markdown(report)


def test_report_unknown_org_filter_is_a_user_error():
    with pytest.raises(NameLookupError, match="no ORG named 'Microsoft'"):
        build_report(sample_graph(), Filters(orgs=("Microsoft",)))


def test_report_output_is_deterministic(tmp_path):
    first = [p.read_bytes() for p in write_report(sample_graph(), tmp_path / "a")]
    second = [p.read_bytes() for p in write_report(sample_graph(), tmp_path / "b")]
    assert first == second


def test_report_heatmap_png_with_matplotlib(tmp_path):
    pytest.importorskip("matplotlib")
    paths = write_report(sample_graph(), tmp_path)
    assert tmp_path / "heatmap.png" in paths
    assert (tmp_path / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![Partner × event heat map](heatmap.png)" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_report_heatmap_png_dollar_labels_are_text(tmp_path):
    # matplotlib reads "$...$" as mathtext and raised on "<script>$$" (found by test_robust_hostile).
    pytest.importorskip("matplotlib")
    G = hostile_graph()
    G.nodes["org:evil"]["label"] = "<script>alert(1)</script>$$"
    assert tmp_path / "heatmap.png" in write_report(G, tmp_path)


def test_report_without_matplotlib_skips_png_with_a_note(tmp_path, monkeypatch):
    (tmp_path / "heatmap.png").write_bytes(b"stale")
    monkeypatch.setitem(sys.modules, "matplotlib", None)    # import matplotlib -> ImportError
    paths = write_report(sample_graph(), tmp_path)
    assert [p.name for p in paths] == ["report.md", "report.html", "participation.csv"]
    assert not (tmp_path / "heatmap.png").exists()
    assert "matplotlib is not installed" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_report_cli_writes_files_and_prints_paths(tmp_path, capsys):
    write_graph_json(sample_graph(), tmp_path)
    code, out, err = run_cli(capsys, "report", str(tmp_path), "--org", "麒麟软件", "-o", str(tmp_path / "r"))
    assert code == 0
    assert out.splitlines()[:3] == [str(tmp_path / "r" / n) for n in ("report.md", "report.html", "participation.csv")]
    rows = read_csv(tmp_path / "r" / "participation.csv")
    assert [r[0] for r in rows[1:]] == ["org:kylinsoft"]
    assert "files written to" in err and "org: 麒麟软件" in err


def test_report_cli_without_graph_says_run_build_first(tmp_path, capsys):
    code, out, err = run_cli(capsys, "report", str(tmp_path))
    assert code == 1 and out == ""
    assert str(tmp_path / "graph.json") in err and "run graphkit build first" in err


def test_report_cli_rejects_bad_date(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        run_cli(capsys, "report", str(tmp_path), "--since", "2024/04/01")
    assert exc.value.code == 2


def test_report_cli_since_after_until_is_a_user_error(tmp_path, capsys):
    write_graph_json(sample_graph(), tmp_path)
    code, _, err = run_cli(capsys, "report", str(tmp_path), "--since", "2024-05-01", "--until", "2024-01-01")
    assert code == 1 and "is after --until" in err


def test_report_cli_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        make_parser().parse_args(["report", "--help"])
    assert "Example:\n  graphkit report" in capsys.readouterr().out


def test_report_md_escapes_markdown_and_html():
    text = render_markdown(build_report(hostile_graph()))
    assert HOSTILE not in text and "\\<img src=x onerror=alert(1)\\>" in text
    assert "<script>" not in text


def test_report_event_without_date_is_dated_by_its_articles():
    G = sample_graph()
    del G.nodes["event:openeuler-summit-2023"]["date"]
    G.remove_edge("event:openeuler-summit-2023", "date:2023-12-15")
    G.graph["articles"][ZH]["date"] = "2024-02-30"       # impossible dates count as unknown
    report = build_report(G, Filters(since="2023-12-16", until="2023-12-16"))
    assert [(e.id, e.date) for e in report.events] == [("event:openeuler-summit-2023", "2023-12-16")]
    assert [p.label for p in report.partners] == ["ISCAS", "openEuler", "UnionTech"]


@pytest.mark.parametrize("content, message", [
    ("{not json", "cannot read the graph"),
    ("[1, 2]", "not networkx node-link JSON"),
    ('{"nodes": [{"no_id": 1}], "edges": []}', "not networkx node-link JSON"),
])
def test_report_load_graph_refuses_broken_files(tmp_path, content, message):
    (tmp_path / "graph.json").write_text(content, encoding="utf-8")
    with pytest.raises(GraphkitError, match=message):
        load_graph(tmp_path)


def test_report_load_graph_reads_links_key_and_file_path(tmp_path):
    import json

    import networkx as nx
    data = nx.node_link_data(sample_graph(), edges="links")
    (tmp_path / "old.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    G = load_graph(tmp_path / "old.json")
    assert G.is_multigraph() and G.is_directed()
    assert G.number_of_edges() == 26 and G.graph["articles"][ZH]["lang"] == "zh"


@pytest.mark.parametrize("where, found", [
    ("nowhere", False),
    ("evidence sentence", True),       # a list of flat dicts, read in one pass
    ("alias", True),                   # a list of strings inside a record
    ("attribute key", True),
    ("nested value", True),            # a dict inside a record, read one by one
    ("object's str", True),            # json.dumps(default=str)
])
def test_report_has_surrogates_finds_them_at_every_depth(where, found):
    from graphkit.analysis.report import _has_surrogates

    class Odd:
        def __str__(self):
            return "odd \udc00" if where == "object's str" else "odd"

    evidence = [{"article": ZH, "sentence": "华为 \ud800" if where == "evidence sentence" else "华为",
                 "start": 0, "end": 2, "extractor": "x", "confidence": 1.0}]
    record = {"id": "org:huawei", "aliases": ["Huawei", "华为\udfff" if where == "alias" else "华为"],
              "evidence": evidence, "extra": {"deep": ["\ud83d" if where == "nested value" else "ok"]},
              ("k\ud800" if where == "attribute key" else "k"): 1, "odd": Odd()}
    records = [record, {"id": "event:summit"}]
    record["self"] = records           # a cycle is read once
    assert _has_surrogates({"nodes": records, "edges": [evidence]}) is found


def test_report_has_surrogates_refuses_keys_json_refuses():
    from graphkit.analysis.report import _has_surrogates

    with pytest.raises(TypeError, match="tuple"):
        _has_surrogates({"nodes": [{"id": "a"}, {("a", 1): "b"}]})


def test_report_survives_a_lone_surrogate_in_a_label(tmp_path):
    G = sample_graph()
    G.nodes["org:kylinsoft"]["label"] = "Kylin\ud800Soft"
    write_report(G, tmp_path)
    # Replaced by U+FFFD, as graph.json holds it: the report and the graph agree.
    assert "Kylin\ufffdSoft" in (tmp_path / "report.md").read_text(encoding="utf-8")
