"""graphkit query: profiles, neighbours and paths; names in both languages."""
from __future__ import annotations

import json
import sys

import pytest
from conftest import run_cli

from graphkit.cli import make_parser

from graphkit.analysis import query
from graphkit.analysis.names import AmbiguousNameError, NameIndex, UnknownNameError, normalize_name
from graphkit.analysis.sample import ZH, GraphBuilder, sample_graph, write_graph_json
from graphkit.errors import GraphkitError




@pytest.fixture
def built(tmp_path):
    write_graph_json(sample_graph(), tmp_path)
    return tmp_path


@pytest.mark.parametrize("text, folded", [
    ("KylinSoft", "kylinsoft"),
    ("ＫｙｌｉｎＳｏｆｔ", "kylinsoft"),
    ("Kylin Soft", "kylinsoft"),
    ("麒麟 软件", "麒麟软件"),
    ("openEuler & Operating Systems Track", "openeuleroperatingsystemstrack"),
    ("C++", "c++"),
    ("⽉", "月"),                 # Kangxi radical
    ("——", "——"),              # only punctuation: kept rather than emptied
])
def test_names_normalize(text, folded):
    assert normalize_name(text) == folded


@pytest.mark.parametrize("name", ["麒麟软件", "KylinSoft", "kylinsoft", "ＫＹＬＩＮＳＯＦＴ", "org:kylinsoft", " Kylin-Soft "])
def test_names_resolve_both_languages(name):
    assert NameIndex(sample_graph()).resolve(name, ("ORG",)) == "org:kylinsoft"


def test_query_org_same_output_for_every_name(built, capsys):
    outputs = {name: run_cli(capsys, "query", str(built), "org", name)
               for name in ("麒麟软件", "KylinSoft", "ｋｙｌｉｎｓｏｆｔ", "org:kylinsoft")}
    assert len(set(outputs.values())) == 1
    code, out, err = outputs["麒麟软件"]
    assert code == 0 and err == ""
    assert out.splitlines()[:3] == ["KylinSoft (org:kylinsoft)", "aliases: KylinSoft, 麒麟软件",
                                    "first seen: 2024-04-08  last seen: 2024-04-12  articles: 1"]
    assert "  2024-04-08  FOSSASIA Summit 2024 — Hanoi (event:fossasia-summit-2024)" in out
    assert f"“OpenAtom openEuler与中科院软件所、华为、麒麟软件等合作伙伴共同参展。” [{ZH}, 2024-04-12]" in out
    assert "  Xu Guodong — 工程师 (person:xu-guodong)" in out
    assert "  NestOS (product:nestos)" in out


def test_query_org_json(built, capsys):
    code, out, _ = run_cli(capsys, "query", str(built), "org", "KylinSoft", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "org" and data["id"] == "org:kylinsoft"
    assert [(e["label"], e["date"], e["venue"]) for e in data["events"]] == [
        ("FOSSASIA Summit 2024", "2024-04-08", "Hanoi")]
    assert data["events"][0]["evidence"][0]["article"] == ZH
    assert run_cli(capsys, "query", str(built), "--json", "org", "麒麟软件")[1] == out


def test_query_event_profile(built, capsys):
    code, out, _ = run_cli(capsys, "query", str(built), "event", "fossasia summit 2024")
    assert code == 0
    assert out.startswith("FOSSASIA Summit 2024 (event:fossasia-summit-2024)\n")
    assert "date: 2024-04-08  venue: Hanoi  articles: 2" in out
    assert "Partners (5)" in out and "  KylinSoft (org:kylinsoft)" in out
    assert "  Xiong Wei — openEuler (person:xiong-wei)" in out
    assert "  “Ushering in a Future of Digital Intelligence” by Xiong Wei" in out


def test_query_person_profile(built, capsys):
    code, out, _ = run_cli(capsys, "query", str(built), "person", "熊伟")
    assert code == 0
    assert out.startswith("Xiong Wei (person:xiong-wei)\naliases: Xiong Wei, 熊伟, 熊博\n")
    assert "  openEuler — 执行总监 (org:openeuler)" in out
    assert "  2024-04-08  FOSSASIA Summit 2024 — Hanoi (event:fossasia-summit-2024)" in out
    assert "  “Ushering in a Future of Digital Intelligence” at FOSSASIA Summit 2024 (2024-04-08)" in out


@pytest.mark.parametrize("kind, expected", [
    (None, [("PARTICIPATED_IN", "event:fossasia-summit-2024"),
            ("PARTICIPATED_IN", "event:openeuler-developer-day-2023")]),
    ("event", [("PARTICIPATED_IN", "event:fossasia-summit-2024"),
               ("PARTICIPATED_IN", "event:openeuler-developer-day-2023")]),
    ("participated_in", [("PARTICIPATED_IN", "event:fossasia-summit-2024"),
                         ("PARTICIPATED_IN", "event:openeuler-developer-day-2023")]),
    ("PERSON", []),
])
def test_query_neighbors_type_filter(kind, expected):
    result = query.neighbors(sample_graph(), "华为", kind)
    assert [(n.relation, n.id) for n in result.neighbors] == expected


def test_query_neighbors_both_directions(built, capsys):
    code, out, _ = run_cli(capsys, "query", str(built), "neighbors", "KylinSoft")
    assert code == 0
    assert "  <-[AFFILIATED_WITH]- Xu Guodong (person:xu-guodong, PERSON)" in out
    assert "  -[SHOWCASED]-> NestOS (product:nestos, PRODUCT)" in out


def test_query_neighbors_bad_type(built, capsys):
    code, out, err = run_cli(capsys, "query", str(built), "neighbors", "KylinSoft", "--type", "COMPANY")
    assert code == 1 and "not a node type" in err


def test_query_path_prints_hops_with_relation_and_evidence(built, capsys):
    code, out, _ = run_cli(capsys, "query", str(built), "path", "熊伟", "麒麟软件")
    assert code == 0
    assert out.splitlines() == [
        "Xiong Wei (person:xiong-wei) → KylinSoft (org:kylinsoft): 2 hops",
        "  1. Xiong Wei (person:xiong-wei) -[PRESENTED_AT]-> FOSSASIA Summit 2024 (event:fossasia-summit-2024)",
        f"       “openEuler社区执行总监熊伟发表了主旨演讲。” [{ZH}, 2024-04-12]",
        "  2. FOSSASIA Summit 2024 (event:fossasia-summit-2024) <-[PARTICIPATED_IN]- KylinSoft (org:kylinsoft)",
        f"       “OpenAtom openEuler与中科院软件所、华为、麒麟软件等合作伙伴共同参展。” [{ZH}, 2024-04-12]",
    ]


def test_query_path_json(built, capsys):
    code, out, _ = run_cli(capsys, "query", str(built), "path", "UnionTech", "Linaro", "--json")
    data = json.loads(out)
    assert code == 0 and data["kind"] == "path"
    assert [h["relation"] for h in data["hops"]] == ["PARTICIPATED_IN"] * 4
    assert [h["target"] for h in data["hops"]][-1] == "org:linaro"
    assert all(h["evidence"]["sentence"] for h in data["hops"])


def test_query_path_unconnected_is_an_error():
    G = sample_graph()
    G.add_node("org:lonely", id="org:lonely", type="ORG", label="Lonely", aliases=["Lonely"], articles=[])
    with pytest.raises(GraphkitError, match="no path between org:lonely"):
        query.shortest_path(G, "Lonely", "Huawei")


def ambiguous_graph():
    b = GraphBuilder()
    b.node("org:kylinsoft", "KylinSoft", "麒麟软件", "Kylin")
    b.node("org:kylin-os", "Kylin OS Team", "Kylin")
    b.node("person:kylin", "Kylin")
    return b.G


def test_query_ambiguous_name_lists_candidates(tmp_path, capsys):
    write_graph_json(ambiguous_graph(), tmp_path)
    code, out, err = run_cli(capsys, "query", str(tmp_path), "org", "kylin")
    assert code == 1 and out == ""
    assert "matches 2 ORGs: org:kylin-os (ORG, Kylin OS Team); org:kylinsoft (ORG, KylinSoft)" in err
    code, out, _ = run_cli(capsys, "query", str(tmp_path), "org", "kylin", "--json")
    assert code == 1
    assert json.loads(out)["candidates"] == [
        {"id": "org:kylin-os", "type": "ORG", "label": "Kylin OS Team"},
        {"id": "org:kylinsoft", "type": "ORG", "label": "KylinSoft"}]
    # an id always settles it, and so does a type
    assert run_cli(capsys, "query", str(tmp_path), "org", "org:kylinsoft")[0] == 0
    assert run_cli(capsys, "query", str(tmp_path), "person", "kylin")[0] == 0


def test_query_neighbors_ambiguous_across_types():
    with pytest.raises(AmbiguousNameError) as exc:
        query.neighbors(ambiguous_graph(), "Kylin")
    assert [c.id for c in exc.value.candidates] == ["org:kylin-os", "org:kylinsoft", "person:kylin"]


@pytest.mark.parametrize("argv, unknown, types, message", [
    (["org", "Microsoft"], "Microsoft", ("ORG",), "graphkit: error: no ORG named 'Microsoft'\n"),
    (["org", "熊伟"], "熊伟", ("ORG",), "no ORG named '熊伟'; it names person:xiong-wei (PERSON, Xiong Wei)\n"),
    (["event", "FOSSASIA"], "FOSSASIA", ("EVENT",), "did you mean: event:fossasia-summit-2024"),
    (["path", "熊伟", "nobody"], "nobody", None, "no node named 'nobody'"),
])
def test_query_unknown_names_exit_1(built, capsys, argv, unknown, types, message):
    code, out, err = run_cli(capsys, "query", str(built), *argv)
    assert code == 1 and out == ""
    assert message in err
    with pytest.raises(UnknownNameError):
        NameIndex(sample_graph()).resolve(unknown, types)


def test_query_missing_graph_says_run_build_first(tmp_path, capsys):
    code, _, err = run_cli(capsys, "query", str(tmp_path / "nowhere"), "org", "Huawei")
    assert code == 1 and "graph.json" in err and "run graphkit build first" in err


@pytest.mark.parametrize("argv", [["query"], ["query", "out", "org"], ["query", "out", "path"]])
def test_query_help_has_examples(capsys, argv):
    with pytest.raises(SystemExit):
        make_parser().parse_args([*argv, "--help"])
    assert "Example:\n  graphkit query" in capsys.readouterr().out
