"""JSON, GraphML, GEXF and CSV writers, checked with the real readers.

The graph is built by hand following docs/graph-contract.md: Chinese labels,
two edges of different types between one pair, an ORG without `value` and a
DATE with one, and hostile text (NUL, \\x0b, a lone surrogate, HTML, `]]>`,
quotes, `&`, backslashes, newlines) in labels, aliases, ids and evidence.

Readers: json, lxml (strict), networkx, igraph, graphology on Node
(`@pytest.mark.node`, tests/js), Java's StAX parser (what Gephi's importers
use) and Apache commons-csv configured as Gephi's spreadsheet importer.
"""
from __future__ import annotations

import copy
import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import igraph
import networkx as nx
import pytest
from lxml import etree

from graphkit.export import (
    TYPE_COLORS,
    write_csv,
    write_gexf,
    write_graphml,
    write_json,
)
from graphkit.export.graphml import graphml_graph, graphml_text
from graphkit.export.palette import hex_to_rgb
from graphkit.export.scalars import GraphScalars

JS_DIR = Path(__file__).parent / "js"
COMMONS_CSV = Path("/usr/share/java/commons-csv.jar")

HOSTILE = "x\x00\x0b<img src=x onerror=alert(1)></script>]]>\"'&\ud800 end"
HOSTILE_CLEAN = "x<img src=x onerror=alert(1)></script>]]>\"'& end"
HOSTILE_ID = "person:hostile\x00\ud800"
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

LABELS = {
    "org:huawei": "华为",
    "org:kylinsoft": "麒麟软件",
    "event:openeuler-summit-2024": "openEuler Summit 2024",
    "date:2024-05": "2024年5月",
    "venue:beijing": "北京",
    "person:hostile": "熊伟",
    "person:hostile~2": HOSTILE_CLEAN,
}
TYPES = {
    "org:huawei": "ORG", "org:kylinsoft": "ORG", "event:openeuler-summit-2024": "EVENT",
    "date:2024-05": "DATE", "venue:beijing": "VENUE", "person:hostile": "PERSON",
    "person:hostile~2": "PERSON",
}
# (source, relation, target) after cleaning; two parallel pairs.
RELATIONS = sorted([
    ("org:huawei", "PARTICIPATED_IN", "event:openeuler-summit-2024"),
    ("org:huawei", "SHOWCASED", "event:openeuler-summit-2024"),
    ("org:kylinsoft", "PARTICIPATED_IN", "event:openeuler-summit-2024"),
    ("event:openeuler-summit-2024", "HELD_ON", "date:2024-05"),
    ("event:openeuler-summit-2024", "HELD_AT", "venue:beijing"),
    ("person:hostile", "AFFILIATED_WITH", "org:kylinsoft"),
    ("person:hostile~2", "AFFILIATED_WITH", "org:kylinsoft"),
    ("person:hostile~2", "PRESENTED_AT", "event:openeuler-summit-2024"),
])


def _evidence(article, sentence, start):
    return {"article": article, "sentence": sentence, "start": start, "end": start + len(sentence),
            "extractor": "relations/participation.yaml#joined", "confidence": 0.8}


def build_graph(reverse: bool = False) -> nx.MultiDiGraph:
    """The contract graph; `reverse` inserts everything in the opposite order."""
    G = nx.MultiDiGraph()
    G.graph["articles"] = {
        "zh/summit.md": {"title": "openEuler Summit 2024 在北京举行", "date": "2024-05-20", "lang": "zh"},
        "en/summit.md": {"title": "Huawei & KylinSoft at the summit", "date": "2024-05-21", "lang": "en"},
    }
    G.graph["note"] = HOSTILE  # never written to GraphML or GEXF
    base = {"articles": ["en/summit.md", "zh/summit.md"], "confidence": 0.9}
    nodes = [
        ("org:huawei", dict(type="ORG", label="华为", aliases=["Huawei", "华为", "华为技术有限公司"],
                            rules=["gazetteers/orgs.yaml#huawei"], start="2024-05-20", end="2024-05-21")),
        ("org:kylinsoft", dict(type="ORG", label="麒麟软件", aliases=["KylinSoft", "麒麟软件"],
                               rules=["gazetteers/orgs.yaml#kylinsoft"], confidence=1)),
        ("event:openeuler-summit-2024", dict(type="EVENT", label="openEuler Summit 2024",
                                             aliases=["openEuler Summit 2024", "openEuler峰会2024"],
                                             rules=["gazetteers/events.yaml#summit"], series="openEuler Summit",
                                             edition="2024", date="date:2024-05", venue="venue:beijing",
                                             start="2024-05", end="2024-05")),
        ("date:2024-05", dict(type="DATE", label="2024年5月", aliases=["2024年5月", "May 2024"],
                              rules=["patterns/dates.yaml#ym"], value="2024-05", start="2024-05", end="2024-05")),
        ("venue:beijing", dict(type="VENUE", label="北京", aliases=["Beijing", "北京"],
                               rules=["gazetteers/venues.yaml#beijing"])),
        ("person:hostile", dict(type="PERSON", label="熊伟", aliases=["Xiong Wei", "熊伟"],
                                rules=["gazetteers/people.yaml#xiong-wei"])),
        (HOSTILE_ID, dict(type="PERSON", label=HOSTILE,
                          aliases=[HOSTILE, "line\nbreak", "semi;colon", "tab\there",
                                   "literal \\n is no newline", "C:\\path\\"],
                          rules=["ner/zh_core_web_sm"], start="not a date", end="2024-13-45")),
    ]
    for node, attrs in reversed(nodes) if reverse else nodes:
        G.add_node(node, id=node, **{**base, **attrs})

    def edge(u, rel, v, evidence, **extra):
        articles = sorted({e["article"] for e in evidence})
        return (u, v, f"{u}|{rel}|{v}", dict(type=rel, articles=articles, evidence=evidence,
                                             confidence=0.75, weight=len(evidence), **extra))

    edges = [
        edge("org:huawei", "PARTICIPATED_IN", "event:openeuler-summit-2024",
             [_evidence("zh/summit.md", "华为参加了openEuler Summit 2024。", 12),
              _evidence("en/summit.md", "Huawei joined </script> the summit.", 40)],
             start="2024-05-20", end="2024-05-21"),
        edge("org:huawei", "SHOWCASED", "event:openeuler-summit-2024",
             [_evidence("zh/summit.md", "华为在峰会上展示了鸿蒙4.0。", 80)]),
        edge("org:kylinsoft", "PARTICIPATED_IN", "event:openeuler-summit-2024", []),
        edge("event:openeuler-summit-2024", "HELD_ON", "date:2024-05",
             [_evidence("zh/summit.md", "峰会于2024年5月举行。", 0)]),
        edge("event:openeuler-summit-2024", "HELD_AT", "venue:beijing",
             [_evidence("zh/summit.md", HOSTILE + "\n第二行", 30)]),
        edge("person:hostile", "AFFILIATED_WITH", "org:kylinsoft",
             [_evidence("zh/summit.md", "熊伟来自麒麟软件。", 5)], role="工程师"),
        edge(HOSTILE_ID, "AFFILIATED_WITH", "org:kylinsoft",
             [_evidence("zh/summit.md", "x", 1), _evidence("en/summit.md", "y", 2),
              _evidence("en/summit.md", "z", 3), _evidence("zh/summit.md", "w", 9)], role="CTO & <b>"),
        edge(HOSTILE_ID, "PRESENTED_AT", "event:openeuler-summit-2024",
             [_evidence("en/summit.md", "A talk.", 7)]),
    ]
    for u, v, key, attrs in reversed(edges) if reverse else edges:
        G.add_edge(u, v, key=key, **attrs)
    return G


@pytest.fixture
def graph() -> nx.MultiDiGraph:
    return build_graph()


def _xml_strict(path: Path) -> etree._ElementTree:
    return etree.parse(str(path), etree.XMLParser(recover=False, resolve_entities=False))


def _assert_xml_clean(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")  # strict: no lone surrogates
    assert not XML_FORBIDDEN.search(text)
    assert text.startswith("<?xml version=")


# ---------------------------------------------------------------- JSON

def test_export_json_node_link_round_trip(graph, tmp_path):
    path = write_json(graph, tmp_path / "graph.json")
    data = json.loads(path.read_bytes().decode("utf-8"))
    assert data["directed"] is True and data["multigraph"] is True
    ids = [n["id"] for n in data["nodes"]]
    assert ids == sorted(ids) and len(ids) == 7
    keys = [(e["source"], e["target"], e["key"]) for e in data["edges"]]
    assert keys == sorted(keys) and len(keys) == 8
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["org:huawei"]["label"] == "华为"
    assert nodes["org:huawei"]["aliases"] == ["Huawei", "华为", "华为技术有限公司"]
    assert nodes["date:2024-05"]["value"] == "2024-05"
    assert "value" not in nodes["org:huawei"]
    assert data["graph"]["articles"]["zh/summit.md"]["lang"] == "zh"
    back = nx.node_link_graph(data, edges="edges")
    assert back.number_of_nodes() == 7 and back.number_of_edges() == 8


def test_export_json_has_what_the_scorer_reads(graph, tmp_path):
    data = json.loads((write_json(graph, tmp_path / "graph.json")).read_text(encoding="utf-8"))
    for node in data["nodes"]:
        assert {"id", "type", "label", "aliases", "articles"} <= node.keys()
        assert isinstance(node["aliases"], list) and isinstance(node["articles"], list)
    for edge in data["edges"]:
        assert {"source", "target", "type", "articles"} <= edge.keys()
        assert isinstance(edge["evidence"], list)
        assert all(isinstance(e, dict) for e in edge["evidence"])
    parallel = [e["type"] for e in data["edges"]
                if (e["source"], e["target"]) == ("org:huawei", "event:openeuler-summit-2024")]
    assert sorted(parallel) == ["PARTICIPATED_IN", "SHOWCASED"]


def test_export_json_evidence_sorted(graph, tmp_path):
    data = json.loads((write_json(graph, tmp_path / "graph.json")).read_text(encoding="utf-8"))
    for edge in data["edges"]:
        order = [(e["article"], e["start"]) for e in edge["evidence"]]
        assert order == sorted(order)


def test_export_json_lone_surrogate_replaced_not_fatal(graph, tmp_path):
    raw = (write_json(graph, tmp_path / "graph.json")).read_bytes()
    text = raw.decode("utf-8")  # would raise on an encoded surrogate
    data = json.loads(text)
    hostile = next(n for n in data["nodes"] if n["id"].startswith("person:hostile\x00"))
    assert hostile["label"] == HOSTILE.replace("\ud800", "\ufffd")


def test_export_json_deterministic(tmp_path):
    a = write_json(build_graph(), tmp_path / "a.json").read_bytes()
    b = write_json(build_graph(reverse=True), tmp_path / "b.json").read_bytes()
    assert a == b


# ---------------------------------------------------------------- GraphML

def test_export_graphml_strict_xml_and_no_graph_attributes(graph, tmp_path):
    path = write_graphml(graph, tmp_path / "graph.graphml")
    _assert_xml_clean(path)
    root = _xml_strict(path).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert root.findall("g:graph/g:data", ns) == []
    assert root.findall("g:key[@for='graph']", ns) == []
    assert HOSTILE_CLEAN.encode("utf-8").replace(b"&", b"&amp;") not in path.read_bytes()  # escaped


def test_export_graphml_keys_named_unique_and_distinct(graph, tmp_path):
    root = _xml_strict(write_graphml(graph, tmp_path / "graph.graphml")).getroot()
    keys = root.findall("{http://graphml.graphdrawing.org/xmlns}key")
    ids = [k.get("id") for k in keys]
    assert len(ids) == len(set(ids)), "one <key id> per name, node and edge names distinct"
    for key in keys:
        assert key.get("id") == key.get("attr.name")
        # Gephi reads key ids d3 / d7 as node / edge label.
        assert key.get("id") not in ("d3", "d7")
    by_name = {(k.get("for"), k.get("id")): k.get("attr.type") for k in keys}
    assert by_name[("node", "label")] == "string"
    assert by_name[("node", "type")] == "string"
    assert by_name[("node", "confidence")] == "double"  # 0.9 and 1 unified
    assert by_name[("edge", "weight")] in ("long", "int")
    assert by_name[("edge", "relation")] == "string"
    assert ("node", "weight") not in by_name and ("node", "id") not in by_name


@pytest.mark.parametrize("directed", [True, False])
def test_export_graphml_text_is_what_networkx_writes(graph, tmp_path, directed):
    # graphml_text replaces networkx's lxml writer: same bytes, escapes included.
    H = graphml_graph(graph if directed else graph.to_undirected())
    H.add_node("esc <&>\"\t\r\n'", label="text <&>\"\t\r\n' ]]> 华为", flag=True, n=3, x=-0.0)
    H.add_node("bare")
    H.add_edge("bare", "esc <&>\"\t\r\n'", key="k <&>\"", relation="A\rB")
    nx.write_graphml(H, tmp_path / "nx.graphml", encoding="utf-8", prettyprint=True, named_key_ids=True)
    assert graphml_text(H).encode("utf-8") == (tmp_path / "nx.graphml").read_bytes()


def test_export_shared_scalars_same_bytes(graph, tmp_path):
    # graphkit build hands one GraphScalars to GraphML, GEXF and CSV; alone each makes its own.
    shared = GraphScalars(graph)
    for sub, kw in (("alone", {}), ("shared", {"shared": shared})):
        write_graphml(graph, tmp_path / sub / "graph.graphml", **kw)
        write_gexf(graph, tmp_path / sub / "graph.gexf", **kw)
        write_csv(graph, tmp_path / sub, **kw)
    for name in ("graph.graphml", "graph.gexf", "nodes.csv", "edges.csv", "neo4j/nodes.csv", "neo4j/edges.csv"):
        assert (tmp_path / "alone" / name).read_bytes() == (tmp_path / "shared" / name).read_bytes()
    with pytest.raises(ValueError):
        write_gexf(build_graph(), tmp_path / "other.gexf", shared=shared)


def test_export_graphml_networkx_reads_it_back(graph, tmp_path):
    H = nx.read_graphml(write_graphml(graph, tmp_path / "graph.graphml"))
    assert isinstance(H, nx.MultiDiGraph)
    assert H.number_of_nodes() == 7 and H.number_of_edges() == 8
    assert {n: d["label"] for n, d in H.nodes(data=True)} == LABELS
    assert {n: d["type"] for n, d in H.nodes(data=True)} == TYPES
    assert H.nodes["date:2024-05"]["value"] == "2024-05"
    assert "value" not in H.nodes["org:huawei"]
    assert H.nodes["org:huawei"]["aliases"] == "Huawei | 华为 | 华为技术有限公司"
    got = sorted((u, d["relation"], v) for u, v, d in H.edges(data=True))
    assert got == RELATIONS
    keys = [k for _, _, k in H.edges(keys=True)]
    assert len(keys) == len(set(keys))
    edge = H.edges["person:hostile~2", "org:kylinsoft", "person:hostile~2|AFFILIATED_WITH|org:kylinsoft"]
    assert edge["evidence_count"] == 4 and edge["weight"] == 4
    assert edge["evidence"].count("[") == 3  # first three sentences, with article ids
    assert edge["role"] == "CTO & <b>"
    kylin = H.edges["org:kylinsoft", "event:openeuler-summit-2024",
                    "org:kylinsoft|PARTICIPATED_IN|event:openeuler-summit-2024"]
    assert kylin["evidence_count"] == 0 and kylin["weight"] == 1  # Gephi drops weight 0


def test_export_graphml_igraph_reads_it(graph, tmp_path):
    g = igraph.Graph.Read_GraphML(str(write_graphml(graph, tmp_path / "graph.graphml")))
    assert g.vcount() == 7 and g.ecount() == 8
    assert g.is_directed()
    assert sorted(g.vs["label"]) == sorted(LABELS.values())
    assert sorted(g.vs["id"]) == sorted(LABELS)  # igraph keeps <node id> as "id"
    assert sorted(g.es["relation"]) == sorted(r for _, r, _ in RELATIONS)


def test_export_graphml_does_not_change_the_graph(graph, tmp_path):
    before = copy.deepcopy(graph)
    write_graphml(graph, tmp_path / "graph.graphml")
    write_gexf(graph, tmp_path / "graph.gexf")
    write_csv(graph, tmp_path)
    write_json(graph, tmp_path / "graph.json")
    assert nx.utils.graphs_equal(graph, before)
    assert graph.graph == before.graph


def test_export_graphml_one_type_per_key(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("a", type="ORG", label="A", score=1, flag=True, mixed="x", when=None)
    G.add_node("b", type="ORG", label="B", score=2.5, flag=False, mixed=3)
    G.add_edge("a", "b", key="a|X|b", type="X", weight=2, extra=1)
    G.add_edge("b", "a", key="b|X|a", type="X", weight=1, extra="one")
    path = write_graphml(G, tmp_path / "g.graphml")
    root = _xml_strict(path).getroot()
    types = {(k.get("for"), k.get("id")): k.get("attr.type")
             for k in root.findall("{http://graphml.graphdrawing.org/xmlns}key")}
    assert types[("node", "score")] == "double"
    assert types[("node", "flag")] == "boolean"
    assert types[("node", "mixed")] == "string"
    assert types[("edge", "extra")] == "string"
    assert ("node", "when") not in types  # None is left out
    g = igraph.Graph.Read_GraphML(str(path))
    assert g.vcount() == 2 and g.ecount() == 2


def test_export_graphml_deterministic(tmp_path):
    a = write_graphml(build_graph(), tmp_path / "a.graphml").read_bytes()
    b = write_graphml(build_graph(reverse=True), tmp_path / "b.graphml").read_bytes()
    assert a == b


# ---------------------------------------------------------------- GEXF

GEXF = "{http://gexf.net/1.3}"
VIZ = "{http://gexf.net/1.3/viz}"


def test_export_gexf_strict_xml_dynamic_dates(graph, tmp_path):
    path = write_gexf(graph, tmp_path / "graph.gexf")
    _assert_xml_clean(path)
    root = _xml_strict(path).getroot()
    assert root.tag == f"{GEXF}gexf" and root.get("version") == "1.3"
    graph_el = root.find(f"{GEXF}graph")
    assert graph_el.get("mode") == "dynamic" and graph_el.get("timeformat") == "date"
    assert graph_el.get("defaultedgetype") == "directed"
    nodes = {n.get("id"): n for n in graph_el.iter(f"{GEXF}node")}
    assert (nodes["org:huawei"].get("start"), nodes["org:huawei"].get("end")) == ("2024-05-20", "2024-05-21")
    assert (nodes["date:2024-05"].get("start"), nodes["date:2024-05"].get("end")) == ("2024-05-01", "2024-05-31")
    assert nodes["person:hostile~2"].get("start") is None and nodes["person:hostile~2"].get("end") is None
    for el in graph_el.iter():
        for bound in ("start", "end"):
            if el.get(bound) is not None:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", el.get(bound))
    assert not graph_el.findall(f"{GEXF}data")


def test_export_gexf_static_without_dates(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("org:a", type="ORG", label="甲")
    G.add_node("org:b", type="ORG", label="乙")
    G.add_edge("org:a", "org:b", key="org:a|X|org:b", type="X")
    graph_el = _xml_strict(write_gexf(G, tmp_path / "g.gexf")).getroot().find(f"{GEXF}graph")
    assert graph_el.get("mode") == "static" and graph_el.get("timeformat") is None


def test_export_gexf_viz_relation_weight_kind(graph, tmp_path):
    root = _xml_strict(write_gexf(graph, tmp_path / "graph.gexf")).getroot()
    for node in root.iter(f"{GEXF}node"):
        color = node.find(f"{VIZ}color")
        assert color is not None, node.get("id")
        expected = hex_to_rgb(TYPE_COLORS[TYPES[node.get("id")]])
        assert tuple(int(color.get(c)) for c in "rgb") == expected
        assert float(node.find(f"{VIZ}size").get("value")) >= 10
    titles = {a.get("title") for a in root.iter(f"{GEXF}attribute")
              if a.getparent().get("class") == "edge"}
    assert "type" not in titles and "relation" in titles
    edges = list(root.iter(f"{GEXF}edge"))
    ids = [e.get("id") for e in edges]
    assert len(ids) == len(set(ids)) == 8
    for e in edges:
        assert e.get("type") in (None, "directed")
        assert e.get("kind") == e.get("label") and e.get("kind") in {r for _, r, _ in RELATIONS}
        assert int(e.get("weight")) >= 1
    heavy = next(e for e in edges if e.get("id") == "person:hostile~2|AFFILIATED_WITH|org:kylinsoft")
    assert heavy.get("weight") == "4"


def test_export_gexf_networkx_reads_it_back(graph, tmp_path):
    H = nx.read_gexf(write_gexf(graph, tmp_path / "graph.gexf"))
    assert isinstance(H, nx.MultiDiGraph)
    assert H.number_of_nodes() == 7 and H.number_of_edges() == 8
    assert {n: d["label"] for n, d in H.nodes(data=True)} == LABELS
    assert {n: d["type"] for n, d in H.nodes(data=True)} == TYPES
    assert all("color" in d["viz"] for _, d in H.nodes(data=True))
    assert H.nodes["date:2024-05"]["value"] == "2024-05"
    assert "value" not in H.nodes["org:kylinsoft"]
    assert sorted((u, d["relation"], v) for u, v, d in H.edges(data=True)) == RELATIONS
    assert all("type" not in d for *_, d in H.edges(data=True))


def test_export_gexf_deterministic(tmp_path):
    a = write_gexf(build_graph(), tmp_path / "a.gexf").read_bytes()
    b = write_gexf(build_graph(reverse=True), tmp_path / "b.gexf").read_bytes()
    assert a == b


# ---------------------------------------------------------------- CSV

def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def test_export_csv_gephi_headers_and_rows(graph, tmp_path):
    paths = write_csv(graph, tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in paths) == [
        "edges.csv", "neo4j/edges.csv", "neo4j/nodes.csv", "nodes.csv"]
    node_header, edge_header = _header(tmp_path / "nodes.csv"), _header(tmp_path / "edges.csv")
    assert node_header[:3] == ["Id", "Label", "type"]
    assert edge_header[:7] == ["Source", "Target", "Type", "Kind", "Id", "Label", "Weight"]
    for header in (node_header, edge_header):
        # Gephi matches names case-insensitively and rejects a repeated one.
        assert len({h.lower() for h in header}) == len(header)
    nodes = {r["Id"]: r for r in _read_csv(tmp_path / "nodes.csv")}
    assert {i: r["Label"] for i, r in nodes.items()} == LABELS
    assert nodes["org:huawei"]["aliases"] == "Huawei | 华为 | 华为技术有限公司"
    assert nodes["date:2024-05"]["value"] == "2024-05" and nodes["org:huawei"]["value"] == ""
    hostile = nodes["person:hostile~2"]["aliases"]
    assert "line\nbreak" in hostile  # newline kept, inside quotes
    assert "C:\\\\path\\\\" in hostile  # backslashes doubled for Gephi's escape
    edges = _read_csv(tmp_path / "edges.csv")
    assert len(edges) == 8
    assert {r["Type"] for r in edges} == {"Directed"}
    assert sorted((r["Source"], r["Kind"], r["Target"]) for r in edges) == RELATIONS
    assert all(r["Kind"] == r["Label"] == r["relation"] for r in edges)
    assert all(int(r["Weight"]) >= 1 for r in edges)
    assert {r["Source"] for r in edges} | {r["Target"] for r in edges} <= set(nodes)


def test_export_csv_neo4j_headers_and_rows(graph, tmp_path):
    write_csv(graph, tmp_path)
    node_header = _header(tmp_path / "neo4j" / "nodes.csv")
    edge_header = _header(tmp_path / "neo4j" / "edges.csv")
    assert node_header[:3] == ["id:ID", ":LABEL", "label"]
    assert {"aliases:string[]", "articles:string[]", "rules:string[]", "confidence:double"} <= set(node_header)
    assert edge_header[:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert {"articles:string[]", "weight:long", "evidence_count:long"} <= set(edge_header)
    nodes = {r["id:ID"]: r for r in _read_csv(tmp_path / "neo4j" / "nodes.csv")}
    assert {i: r[":LABEL"] for i, r in nodes.items()} == TYPES
    assert nodes["org:huawei"]["aliases:string[]"].split(";") == ["Huawei", "华为", "华为技术有限公司"]
    hostile = nodes["person:hostile~2"]["aliases:string[]"].split(";")
    assert "line break" in hostile and "semi\uff1bcolon" in hostile and "tab here" in hostile
    assert "C:\\path\\" in hostile  # no backslash escaping for neo4j
    edges = _read_csv(tmp_path / "neo4j" / "edges.csv")
    assert sorted((r[":START_ID"], r[":TYPE"], r[":END_ID"]) for r in edges) == RELATIONS
    kylin = next(r for r in edges if r[":START_ID"] == "org:kylinsoft")
    assert kylin["weight:long"] == "0" and kylin["articles:string[]"] == ""
    for path in (tmp_path / "neo4j" / "nodes.csv", tmp_path / "neo4j" / "edges.csv"):
        for row in _read_csv(path):
            for value in row.values():
                assert "\n" not in value and "\r" not in value
                assert not XML_FORBIDDEN.search(value)


def test_export_csv_deterministic(tmp_path):
    write_csv(build_graph(), tmp_path / "a")
    write_csv(build_graph(reverse=True), tmp_path / "b")
    for name in ("nodes.csv", "edges.csv", "neo4j/nodes.csv", "neo4j/edges.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# ---------------------------------------------------------------- graphology (Node)

def _node_ready() -> bool:
    return shutil.which("node") is not None and (JS_DIR / "node_modules" / "graphology").is_dir()


node_only = pytest.mark.skipif(not _node_ready(), reason="needs node and `npm ci` in tests/js")


def _graphology(path: Path) -> dict:
    proc = subprocess.run(["node", str(JS_DIR / "check_graph.mjs"), str(path)],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.node
@node_only
@pytest.mark.parametrize("writer,name", [(write_graphml, "graph.graphml"), (write_gexf, "graph.gexf")])
def test_export_graphology_reads_file(graph, tmp_path, writer, name):
    path = writer(graph, tmp_path / name)
    out = _graphology(path)
    assert out["xml_errors"] == []
    assert out["nodes"] == 7 and out["edges"] == 8
    assert out["multi"] is True and out["type"] == "directed"
    assert out["labels_sample"] == LABELS
    assert len(out["edge_ids"]) == len(set(out["edge_ids"])) == 8
    assert "type" in out["node_attributes"]
    assert "type" not in out["edge_attributes"] and "relation" in out["edge_attributes"]
    if name.endswith(".gexf"):
        for node, color in out["colors_sample"].items():
            assert color == "rgb({},{},{})".format(*hex_to_rgb(TYPE_COLORS[TYPES[node]]))


# ---------------------------------------------------------------- Gephi's own parsers (Java)

STAX_CHECK = r"""
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import javax.xml.stream.*;

// StAX parse of FILE, as Gephi's ImporterGraphML / ImporterGEXF do.
public class StaxCheck {
    public static void main(String[] args) throws Exception {
        Reader reader = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8);
        XMLInputFactory f = XMLInputFactory.newInstance();
        if (f.isPropertySupported("javax.xml.stream.isValidating")) {
            f.setProperty("javax.xml.stream.isValidating", Boolean.FALSE);
        }
        XMLStreamReader x = f.createXMLStreamReader(reader);
        int n = 0;
        while (x.hasNext()) if (x.next() == XMLStreamReader.START_ELEMENT) n++;
        System.out.println("{\"elements\": " + n + "}");
    }
}
"""

CSV_CHECK = r"""
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.List;
import org.apache.commons.csv.*;

// commons-csv with the CSVFormat of Gephi's SpreadsheetUtils.configureCSVParser;
// prints {"header": [...], "records": [[...]]}, non-ASCII escaped as in JSON.
public class GephiCsvCheck {
    static String q(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
    public static void main(String[] args) throws Exception {
        Reader reader = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8);
        CSVFormat fmt = CSVFormat.DEFAULT
            .withDelimiter(',').withEscape('\\').withIgnoreEmptyLines(true).withNullString("")
            .withIgnoreSurroundingSpaces(true).withTrim(true).withFirstRecordAsHeader()
            .withAllowMissingColumnNames(false).withIgnoreHeaderCase(false);
        CSVParser p = new CSVParser(reader, fmt);
        StringBuilder out = new StringBuilder("{\"header\": [");
        List<String> names = p.getHeaderNames();
        for (int i = 0; i < names.size(); i++) out.append(i > 0 ? ", " : "").append(q(names.get(i)));
        out.append("], \"records\": [");
        boolean first = true;
        for (CSVRecord r : p) {
            out.append(first ? "[" : ", [");
            first = false;
            for (int i = 0; i < r.size(); i++) out.append(i > 0 ? ", " : "").append(q(r.get(i)));
            out.append("]");
        }
        System.out.println(out.append("]}"));
    }
}
"""


def _java(tmp_path: Path, name: str, source: str, path: Path, classpath: str | None = None) -> dict:
    # Java 11+ runs a single source file directly: no build step.
    java_file = tmp_path / f"{name}.java"
    java_file.write_text(source, encoding="utf-8")
    cmd = ["java"] + (["-cp", classpath] if classpath else []) + [str(java_file), str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


java_only = pytest.mark.skipif(shutil.which("java") is None, reason="needs a JDK (java on PATH)")


@java_only
def test_export_java_stax_parses_graphml_and_gexf(graph, tmp_path):
    graphml = write_graphml(graph, tmp_path / "graph.graphml")
    gexf = write_gexf(graph, tmp_path / "graph.gexf")
    assert _java(tmp_path, "StaxCheck", STAX_CHECK, graphml)["elements"] > 15
    assert _java(tmp_path, "StaxCheck", STAX_CHECK, gexf)["elements"] > 15


@java_only
@pytest.mark.skipif(not COMMONS_CSV.exists(), reason="needs Debian's libcommons-csv-java")
def test_export_gephi_csv_parser_reads_values_intact(graph, tmp_path):
    write_csv(graph, tmp_path)
    for name, special in (("nodes.csv", {"id", "label"}),
                          ("edges.csv", {"source", "target", "type", "kind", "id", "label"})):
        gephi = _java(tmp_path, "GephiCsvCheck", CSV_CHECK, tmp_path / name, str(COMMONS_CSV))
        assert special <= {h.lower() for h in gephi["header"]}
        with open(tmp_path / name, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        assert len(gephi["records"]) == len(rows)
        for theirs, ours in zip(gephi["records"], rows):
            # What Gephi stores is the value before the backslash doubling.
            expected = [v.replace("\\\\", "\\").strip() or None for v in ours]
            assert theirs == expected
    nodes = _java(tmp_path, "GephiCsvCheck", CSV_CHECK, tmp_path / "nodes.csv", str(COMMONS_CSV))
    labels = {r[0]: r[1] for r in nodes["records"]}
    assert labels == LABELS
    aliases = next(r for r in nodes["records"] if r[0] == "person:hostile~2")[3]
    assert "line\nbreak" in aliases and "literal \\n is no newline" in aliases
    assert aliases.endswith("C:\\path\\")


@pytest.mark.parametrize("rows", [
    [["Id", "Label"], ["org:huawei", "华为"]],
    [["a,b", "c"], ['say "hi"', ""], ["line\nbreak", "x"], ["cr\rhere", "y"]],
    [[""]], [["only"]], [["", ""]], [], [[]],
    [[1, None, 2.5], ["a", "b"]],
])
def test_export_csv_render_matches_csv_module(rows):
    import io

    from graphkit.export.csvout import _render

    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    assert _render(rows) == buf.getvalue().encode("utf-8")
