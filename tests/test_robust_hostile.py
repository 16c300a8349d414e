"""Hostile text: whatever an article says, every output stays valid and inert.

- GraphML and GEXF parse with lxml in strict mode (recover=False), whatever
  characters the graph holds: XML-forbidden controls, U+FFFE/U+FFFF, lone
  surrogates (impossible in a UTF-8 file, but a decoder with
  errors="surrogateescape" or a JSON "\\ud800" escape can make them), so the
  writers are tested with graphs that hold them;
- graph.json is valid JSON;
- no article text appears unescaped in graph.html or report.html: a payload
  such as `<script>alert(1)</script>` or `<img src=x onerror=...>` never
  appears raw, in labels, aliases, titles or evidence sentences.

Hypothesis example counts are kept small (the build test runs the real
pipeline per example) so the suite stays fast.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphkit.analysis.report import write_report
from graphkit.export import write_gexf, write_graphml, write_html, write_json
from graphkit.pipeline import BuildOptions, run_build
from robust_util import parse_xml_strict

PAYLOADS = (
    "<script>alert(1)</script>",
    "</script><script>alert(2)</script>",
    '<img src=x onerror="alert(3)">',
    "\"'><svg onload=alert(4)>",
    "<!--",
    "]]><x>&amp;&#0;&lt;",
    "javascript:alert(5)",
    "{{7*7}} ${alert(6)} $\\frac{",
)
CONTROLS = "".join(chr(c) for c in range(0x20)) + "\x7f\x85\u2028\u2029\ufeff\ufffe\uffff"

# Text an article might hold: any printable Unicode, controls, CJK, emoji,
# Markdown and HTML fragments.
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
fragments = st.sampled_from(PAYLOADS + (
    "# 标题", "**粗体**", "[链接](http://x.org/a?b=<c>)", "`code`", "| a | b |\n|---|---|",
    "<div><p>段落</p></div>", "&nbsp;&lt;&#x1F600;", "😀👍🏽", "華為", "⽉", "\u0301", CONTROLS,
))
article_text = st.lists(st.one_of(any_text, fragments), min_size=1, max_size=6).map("".join)
# Writers see strings the reader cannot produce: lone surrogates included.
graph_text = st.lists(st.one_of(
    st.text(max_size=30),                            # includes lone surrogates (category Cs)
    fragments,
    st.sampled_from(["\ud800", "\udfff", "\ud83d\ude00", "a\udc80b"]),
), min_size=1, max_size=5).map("".join)

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _hostile_graph(texts: list[str]) -> nx.MultiDiGraph:
    """A contract graph (docs/graph-contract.md) whose every string is hostile."""
    a, b, c, d = texts
    aid = f"zh/{a[:10]}.md"
    G = nx.MultiDiGraph()
    G.graph["articles"] = {aid: {"title": b, "date": "2024-05-01", "lang": "zh"}}
    G.add_node(f"org:{a[:8]}", id=f"org:{a[:8]}", type="ORG", label=a, aliases=[a, c],
               articles=[aid], confidence=0.9, rules=[f"gazetteers/orgs.yaml#{c[:5]}"])
    G.add_node("event:x", id="event:x", type="EVENT", label=b, aliases=[b], articles=[aid],
               confidence=1.0, rules=["patterns/events.yaml#x"], date="2024-05-01",
               start="2024-05-01", end="2024-05-01")
    G.add_node("person:p", id="person:p", type="PERSON", label=d, aliases=[d, "张三"],
               articles=[aid], confidence=1.0, rules=[])
    ev = {"article": aid, "sentence": c, "start": 0, "end": len(c), "extractor": d[:20],
          "confidence": 0.8}
    G.add_edge(f"org:{a[:8]}", "event:x", key=f"org:{a[:8]}|PARTICIPATED_IN|event:x",
               type="PARTICIPATED_IN", articles=[aid], evidence=[ev], confidence=0.8, weight=1,
               start="2024-05-01", end="2024-05-01")
    G.add_edge("person:p", f"org:{a[:8]}", key=f"person:p|AFFILIATED_WITH|org:{a[:8]}",
               type="AFFILIATED_WITH", articles=[aid], evidence=[ev], confidence=0.7, weight=1,
               role=d)
    return G


def _dangerous(text: str) -> bool:
    return any(ch in text for ch in "<>&\"") and len(text) >= 4


@functools.lru_cache(maxsize=None)
def _page_without_articles(name: str) -> str:
    """graph.html or report.html of an empty graph: the page's own code (vis-network holds
    `"#000000"`, so `000"` is in every page) is not article text."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="graphkit-empty-page-"))
    G = nx.MultiDiGraph()
    G.graph["articles"] = {}
    write_html(G, folder / "graph.html")
    write_report(G, folder)
    return (folder / name).read_text(encoding="utf-8")


def _assert_inert(html: str, texts: list[str], where: str) -> None:
    for t in texts:
        if _dangerous(t):
            assert html.count(t) <= _page_without_articles(where).count(t), \
                f"{where}: article text appears unescaped: {t!r}"
    for raw in ("<script>alert(", "<img src=x", "<svg onload", "</script><script>alert"):
        assert raw not in html, f"{where}: {raw!r} appears raw"


def _assert_xml_json(out: Path) -> None:
    parse_xml_strict(out / "graph.graphml")
    parse_xml_strict(out / "graph.gexf")
    json.loads((out / "graph.json").read_text(encoding="utf-8"))


@SETTINGS
@given(texts=st.lists(graph_text, min_size=4, max_size=4))
def test_robust_writers_hostile_strings_stay_valid(tmp_path_factory, texts):
    out = tmp_path_factory.mktemp("w")
    G = _hostile_graph([f"Q{i}{t}" for i, t in enumerate(texts)])
    write_json(G, out / "graph.json")
    write_graphml(G, out / "graph.graphml")
    write_gexf(G, out / "graph.gexf")
    write_html(G, out / "graph.html")
    write_report(G, out)
    _assert_xml_json(out)
    for name in ("graph.html", "report.html"):
        _assert_inert((out / name).read_text(encoding="utf-8"), texts, name)


@SETTINGS
@given(payload=st.sampled_from(PAYLOADS), extra=graph_text)
def test_robust_writers_payload_in_every_field(tmp_path_factory, payload, extra):
    out = tmp_path_factory.mktemp("p")
    texts = [payload + extra, extra + payload, f"{payload} {payload}", payload]
    G = _hostile_graph(texts)
    write_html(G, out / "graph.html")
    write_report(G, out)
    for name in ("graph.html", "report.html"):
        html = (out / name).read_text(encoding="utf-8")
        _assert_inert(html, texts, name)
        assert payload not in html or not _dangerous(payload)


ARTICLE = """---
title: {title}
date: 2024-05-01
---

华为与麒麟软件参加了openEuler Developer Day 2024。{body}

{body}会议于2024年5月24日在北京举行，Huawei 的熊伟发表了演讲。

- {body}
"""


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(title=article_text, body=article_text)
def test_robust_build_any_article_text(tmp_path_factory, title, body):
    tmp = tmp_path_factory.mktemp("b")
    (tmp / "in").mkdir()
    # the title goes through YAML: a JSON string is valid YAML and carries any text
    text = ARTICLE.format(title=json.dumps(title or "t", ensure_ascii=False), body=body)
    (tmp / "in" / "a.md").write_bytes(text.encode("utf-8", "surrogatepass"))
    result = run_build([tmp / "in"], tmp / "out", BuildOptions(jobs=1, report=True))
    out = tmp / "out"
    _assert_xml_json(out)
    texts = [title, body] + [p for p in PAYLOADS if p in title or p in body]
    for name in ("graph.html", "report.html"):
        _assert_inert((out / name).read_text(encoding="utf-8"), texts, name)
    records = [json.loads(ln) for ln in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1
    if "error" in records[0]:
        # mostly control characters (binary), or a title PyYAML refuses: skipped, and said so
        assert records[0]["error"].startswith(("binary file", "malformed YAML")), records[0]
        assert len((out / "errors.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    else:
        assert result.graph.number_of_nodes() > 0, "the fixed sentence always gives nodes"


def test_robust_build_payload_article_reaches_the_page(tmp_path):
    """Not vacuous: the payload title and sentence really are in the outputs, escaped."""
    (tmp_path / "in").mkdir()
    payload = "<script>alert(1)</script>"
    text = ARTICLE.format(title=json.dumps(payload), body=f"华为说{payload}。")
    (tmp_path / "in" / "a.md").write_text(text, encoding="utf-8")
    run_build([tmp_path / "in"], tmp_path / "out", BuildOptions(jobs=1))
    page = (tmp_path / "out" / "graph.html").read_text(encoding="utf-8")
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert payload not in page and payload not in report
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    data = json.loads((tmp_path / "out" / "graph.json").read_text(encoding="utf-8"))
    assert payload in json.dumps(data, ensure_ascii=False)
    assert re.search(r"<script>alert", page) is None
