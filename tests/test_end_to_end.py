"""The whole pipeline on the bundled seed articles: facts the text states must be in the graph."""
from __future__ import annotations

import json
import subprocess
import sys

import networkx as nx
import pytest

from graphkit.pipeline import BuildOptions, run_build
from graphkit.types import ArticleRecord


@pytest.fixture(scope="module")
def built(tmp_path_factory, examples_dir):
    out = tmp_path_factory.mktemp("seeds")
    result = run_build([examples_dir], out, BuildOptions(report=False))
    return result, out


def _node(graph, type_, name):
    hits = [n for n, d in graph.nodes(data=True) if d["type"] == type_ and name in d["aliases"]]
    assert len(hits) == 1, (type_, name, hits)
    return hits[0]


def _has_edge(graph, source, type_, target):
    return any(d["type"] == type_ for d in graph.get_edge_data(source, target, default={}).values())


def test_end_to_end_fossasia_is_one_event_across_languages(built):
    graph = built[0].graph
    event = _node(graph, "EVENT", "FOSSASIA Summit 2024")
    articles = graph.nodes[event]["articles"]
    assert "000_67abb11d709915a6.txt" in articles      # Chinese report
    assert "001_93b270255030ad57.txt" in articles      # English report
    assert graph.nodes[event]["series"] == "fossasia-summit"
    assert graph.nodes[event]["edition"] == "2024"


def test_end_to_end_event_facts(built):
    graph = built[0].graph
    event = _node(graph, "EVENT", "FOSSASIA Summit 2024")
    xiong = _node(graph, "PERSON", "熊伟")
    assert "Xiong Wei" in graph.nodes[xiong]["aliases"]
    assert _has_edge(graph, xiong, "PRESENTED_AT", event)
    assert _has_edge(graph, event, "HELD_AT", _node(graph, "VENUE", "Hanoi"))
    date = _node(graph, "DATE", "4月8日")
    assert graph.nodes[date]["value"] == "2024-04-08"
    assert _has_edge(graph, event, "HELD_ON", date)


def test_end_to_end_kylinsoft_is_one_node(built):
    graph = built[0].graph
    assert _node(graph, "ORG", "麒麟软件") == _node(graph, "ORG", "KylinSoft")


def test_end_to_end_every_edge_has_evidence(built):
    graph = built[0].graph
    for u, v, data in graph.edges(data=True):
        assert data["evidence"], (u, v, data["type"])
        for ev in data["evidence"]:
            assert ev["article"] in data["articles"]
            assert ev["sentence"] and ev["end"] > ev["start"]
            assert ev["extractor"]


def test_end_to_end_graphml_round_trip(built):
    graph, out = built[0].graph, built[1]
    back = nx.read_graphml(out / "graph.graphml")
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    for _, data in back.nodes(data=True):
        assert all(value is not None and not isinstance(value, list) for value in data.values())
        assert data["label"] and data["type"]


def test_end_to_end_outputs_and_records(built):
    result, out = built
    for name in ("graph.json", "graph.graphml", "graph.gexf", "graph.html", "articles.jsonl",
                 "nodes.csv", "edges.csv", "errors.jsonl", "merge_candidates.csv"):
        assert (out / name).stat().st_size > 0 or name == "errors.jsonl", name
    lines = [json.loads(line) for line in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 5
    assert {line["lang"] for line in lines} == {"zh", "en"}
    assert all(line["mentions"] > 0 and line["relations"] > 0 for line in lines)
    data = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    assert len(data["nodes"]) == result.graph.number_of_nodes()
    assert len(data["edges"]) == result.graph.number_of_edges()


def test_end_to_end_python_api(examples_dir):
    import graphkit

    graph = graphkit.build_graph(examples_dir)
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_nodes() > 50


def test_end_to_end_cli_summary(tmp_path, examples_dir):
    proc = subprocess.run([sys.executable, "-m", "graphkit", "build", str(examples_dir), "--out", str(tmp_path / "o"),
                           "--no-report"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "articles used: 5" in proc.stderr
    assert "PARTICIPATED_IN" in proc.stderr and "seconds:" in proc.stderr


@pytest.mark.parametrize("record", [
    ArticleRecord("zh/a.md", "zh/a.md", title="华为", date="2024-05-01", lang="zh", mentions=3,
                  relations=0, warnings=("no date", "duplicate title")),
    ArticleRecord("en/b.md", "en/b.md", error="bad UTF-8", stage="read"),
])
def test_end_to_end_record_lines_hold_the_fields_asdict_gives(record):
    from dataclasses import asdict

    from graphkit.pipeline import _record_dict

    expected = {k: v for k, v in asdict(record).items() if v not in (None, (), "")}
    expected["warnings"] = list(record.warnings)
    expected = {k: v for k, v in expected.items() if v != []}
    assert _record_dict(record) == expected
    assert json.dumps(_record_dict(record), sort_keys=True) == json.dumps(expected, sort_keys=True)
