"""graph.html without a browser: offline, escaped, parseable, deterministic.

The graph builders here are shared with tests/test_html_browser.py.
"""
from __future__ import annotations

import copy
import json
import random
import re

import networkx as nx
import pytest

from graphkit.export import html as html_export
from graphkit.export.html import PHYSICS_MAX_NODES, TYPE_COLORS, pyvis_options, write_html

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "</script><script>alert(2)</script>"
TYPES = ("ORG", "PERSON", "EVENT", "VENUE", "DATE", "VERSION", "PRODUCT", "TALK")

ARTICLES = {
    "zh/20240408-fossasia.md": {"title": "华为亮相 FOSSASIA Summit 2024", "date": "2024-04-10", "lang": "zh"},
    "en/2024-fossasia-recap.md": {"title": "FOSSASIA Summit 2024 recap", "date": "2024-04-12", "lang": "en"},
    "zh/20230601-kylin.md": {"title": "麒麟软件发布新版本", "date": "2023-06-01", "lang": "zh"},
}


def _evidence(article, sentence, extractor, confidence, start=0):
    return {
        "article": article,
        "sentence": sentence,
        "start": start,
        "end": start + len(sentence),
        "extractor": extractor,
        "confidence": confidence,
    }


def _add_edge(G, u, etype, v, evidence, **attrs):
    key = f"{u}|{etype}|{v}"
    arts = sorted({e["article"] for e in evidence})
    G.add_edge(u, v, key=key, type=etype, articles=arts, evidence=evidence,
               confidence=max(e["confidence"] for e in evidence), weight=len(evidence), **attrs)


def sample_graph() -> nx.MultiDiGraph:
    """A small bilingual graph as docs/graph-contract.md describes it."""
    zh, en, ky = "zh/20240408-fossasia.md", "en/2024-fossasia-recap.md", "zh/20230601-kylin.md"
    G = nx.MultiDiGraph(articles=copy.deepcopy(ARTICLES))
    node = G.add_node
    node("org:huawei", id="org:huawei", type="ORG", label="华为", aliases=["Huawei", "华为"],
         articles=[en, zh], confidence=0.95, rules=["gazetteers/orgs.yaml#huawei"], start="2024-04-10", end="2024-04-12")
    node("org:kylinsoft", id="org:kylinsoft", type="ORG", label="KylinSoft", aliases=["KylinSoft", "麒麟软件"],
         articles=[ky, zh], confidence=0.9, rules=["gazetteers/orgs.yaml#kylinsoft"], start="2023-06-01", end="2024-04-10")
    node("event:fossasia-summit-2024", id="event:fossasia-summit-2024", type="EVENT", label="FOSSASIA Summit 2024",
         aliases=["FOSSASIA Summit 2024", "FOSSASIA 峰会 2024"], articles=[en, zh], confidence=0.97,
         rules=["gazetteers/events.yaml#fossasia-summit"], series="FOSSASIA Summit", edition="2024",
         date="date:2024-04-08", venue="venue:true-digital-park", start="2024-04-08", end="2024-04-10")
    node("venue:true-digital-park", id="venue:true-digital-park", type="VENUE", label="True Digital Park",
         aliases=["True Digital Park"], articles=[en], confidence=0.8, rules=["gazetteers/venues.yaml#tdp"],
         start="2024-04-12", end="2024-04-12")
    node("date:2024-04-08", id="date:2024-04-08", type="DATE", label="2024-04-08", aliases=["2024年4月8日"],
         articles=[zh], confidence=0.99, rules=["patterns/dates.yaml#zh-date"], value="2024-04-08",
         start="2024-04-08", end="2024-04-08")
    node("person:xiong-wei", id="person:xiong-wei", type="PERSON", label="Xiong Wei", aliases=["Xiong Wei", "熊伟"],
         articles=[zh], confidence=0.85, rules=["gazetteers/people.yaml#xiong-wei"], start="2024-04-10", end="2024-04-10")
    node("talk:openeuler-intro", id="talk:openeuler-intro", type="TALK", label="openEuler 社区介绍",
         aliases=["openEuler 社区介绍"], articles=[zh], confidence=0.7, rules=["relations/talks.yaml#title"])
    node("product:openeuler", id="product:openeuler", type="PRODUCT", label="openEuler", aliases=["openEuler", "欧拉"],
         articles=[ky, zh], confidence=0.9, rules=["gazetteers/products.yaml#openeuler"])
    node("version:kylin-v10", id="version:kylin-v10", type="VERSION", label="麒麟 V10", aliases=["V10", "麒麟 V10"],
         articles=[ky], confidence=0.75, rules=["patterns/versions.yaml#dotted-version"])

    _add_edge(G, "org:huawei", "PARTICIPATED_IN", "event:fossasia-summit-2024", [
        _evidence(zh, "华为参加了在曼谷举办的 FOSSASIA Summit 2024。", "relations/participation.yaml#zh-canjia", 0.9),
        _evidence(en, "Huawei took part in FOSSASIA Summit 2024 in Bangkok.", "relations/participation.yaml#en-took-part", 0.85, 120),
    ], start="2024-04-10", end="2024-04-12")
    _add_edge(G, "org:kylinsoft", "PARTICIPATED_IN", "event:fossasia-summit-2024", [
        _evidence(zh, "麒麟软件也在 FOSSASIA Summit 2024 设立了展台。", "relations/participation.yaml#zh-zhantai", 0.8, 40),
    ], start="2024-04-10", end="2024-04-10")
    _add_edge(G, "event:fossasia-summit-2024", "HELD_AT", "venue:true-digital-park", [
        _evidence(en, "The summit was held at True Digital Park, Bangkok.", "relations/held.yaml#en-held-at", 0.9, 10),
    ])
    _add_edge(G, "event:fossasia-summit-2024", "HELD_ON", "date:2024-04-08", [
        _evidence(zh, "2024年4月8日，FOSSASIA Summit 2024 开幕。", "relations/held.yaml#zh-date", 0.95, 0),
    ])
    _add_edge(G, "person:xiong-wei", "AFFILIATED_WITH", "org:huawei", [
        _evidence(zh, "华为开源专家熊伟发表了演讲。", "relations/affiliation.yaml#zh-de", 0.8, 80),
    ], role="开源专家")
    _add_edge(G, "person:xiong-wei", "PRESENTED_AT", "event:fossasia-summit-2024", [
        _evidence(zh, "熊伟在 FOSSASIA Summit 2024 上做了主题演讲。", "relations/presented.yaml#zh-yanjiang", 0.75, 80),
    ])
    _add_edge(G, "person:xiong-wei", "PRESENTED", "talk:openeuler-intro", [
        _evidence(zh, "熊伟带来了《openEuler 社区介绍》。", "relations/presented.yaml#zh-title", 0.7, 100),
    ])
    _add_edge(G, "talk:openeuler-intro", "AT", "event:fossasia-summit-2024", [
        _evidence(zh, "《openEuler 社区介绍》是本届峰会的亮点。", "relations/talks.yaml#zh-at", 0.6, 130),
    ])
    _add_edge(G, "org:huawei", "SHOWCASED", "product:openeuler", [
        _evidence(zh, "华为在展台展示了 openEuler。", "relations/showcased.yaml#zh-zhanshi", 0.8, 60),
    ])
    _add_edge(G, "org:kylinsoft", "RELEASED", "version:kylin-v10", [
        _evidence(ky, "麒麟软件发布了麒麟 V10。", "relations/released.yaml#zh-fabu", 0.85, 5),
    ], start="2023-06-01", end="2023-06-01")
    _add_edge(G, "org:kylinsoft", "SHOWCASED", "product:openeuler", [
        _evidence(ky, "麒麟软件基于 openEuler 推出了新产品。", "relations/showcased.yaml#zh-jiyu", 0.6, 30),
    ])
    return G


def hostile_graph() -> nx.MultiDiGraph:
    """The sample graph with article text that tries to break out of the page."""
    G = sample_graph()
    G.graph["articles"]["zh/20240408-fossasia.md"]["title"] = f"华为 {XSS_IMG} {XSS_SCRIPT}"
    G.graph["articles"]["evil.md"] = {"title": XSS_SCRIPT + "<!--", "date": "2024-04-11", "lang": "en"}
    G.nodes["org:huawei"]["aliases"] = ["Huawei", "华为", XSS_IMG]
    G.add_node("org:evil", id="org:evil", type="ORG", label=f"Evil {XSS_IMG}",
               aliases=[XSS_SCRIPT, "a\u2028b\u2029c", "lone \ud800 surrogate", "nul \x00 char"],
               articles=["evil.md"], confidence=0.5, rules=[XSS_IMG])
    G.add_node(XSS_SCRIPT, id=XSS_SCRIPT, type=XSS_IMG, label=XSS_SCRIPT, aliases=[], articles=[])
    _add_edge(G, "org:evil", "PARTICIPATED_IN", "event:fossasia-summit-2024", [
        _evidence("evil.md", f"Evil {XSS_IMG} joined {XSS_SCRIPT}", XSS_IMG, 0.5),
        _evidence("zh/20240408-fossasia.md", "<svg onload=alert(3)> & </style>", "x", 0.4),
    ], role=XSS_SCRIPT)
    _add_edge(G, XSS_SCRIPT, XSS_IMG, "org:evil", [_evidence("evil.md", XSS_SCRIPT, XSS_SCRIPT, 0.1)])
    return G


def random_graph(n: int, m: int, seed: int = 7) -> nx.MultiDiGraph:
    """n nodes, about m edges, every attribute the contract lists."""
    rng = random.Random(seed)
    articles = {f"a{i:03d}.md": {"title": f"Article {i} 文章", "date": f"{2019 + i % 6}-0{1 + i % 9}-1{i % 10}",
                                  "lang": "zh" if i % 2 else "en"} for i in range(200)}
    G = nx.MultiDiGraph(articles=articles)
    ids = []
    for i in range(n):
        t = TYPES[i % len(TYPES)]
        nid = f"{t.lower()}:n{i:05d}"
        ids.append(nid)
        arts = sorted(rng.sample(sorted(articles), 2))
        G.add_node(nid, id=nid, type=t, label=f"{t.title()} {i} 节点", aliases=[f"Alias {i}", f"别名{i}"],
                   articles=arts, confidence=round(rng.random(), 3), rules=[f"rules/x.yaml#r{i % 17}"])
    seen = set()
    while len(seen) < m:
        u, v = rng.sample(ids, 2)
        if (u, v) in seen:
            continue
        seen.add((u, v))
        art = f"a{rng.randrange(200):03d}.md"
        _add_edge(G, u, "PARTICIPATED_IN", v, [_evidence(art, f"{u} met {v}.", "relations/r.yaml#x", 0.5)])
    return G


def embedded_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="graphkit-data">(.*?)</script>', page, re.S)
    assert m, "data block missing"
    return json.loads(m.group(1))


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "graph.html"
    write_html(hostile_graph(), path)
    return path.read_text(encoding="utf-8")


def test_export_html_has_no_external_urls(page):
    attrs = re.findall(r"""\b(?:src|href|action|poster|data)\s*=\s*["']?\s*([^"'\s>]*)""", page, re.I)
    assert attrs, "expected at least the favicon link"
    for value in attrs:
        assert not re.match(r"(?:https?:)?//", value, re.I), value
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"@import", page, re.I)


def test_export_html_inlines_vis_network_from_pyvis(page):
    assert "vis-network" in page and "@version 9.1.2" in page
    assert 'vis-network.min.js"' not in page and "bootstrap" not in page.lower()


def test_export_html_has_strict_csp(page):
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">") in page


@pytest.mark.parametrize("raw", [
    "<img src=x onerror",
    "<script>alert(2)",
    "<svg onload",
    "<!--",
    "\u2028",
    "\u2029",
])
def test_export_html_hostile_text_never_raw(page, raw):
    assert raw.lower() not in page.lower()


def test_export_html_script_tags_balanced(page):
    opening = len(re.findall(r"<script\b", page, re.I))
    closing = len(re.findall(r"</script", page, re.I))
    assert opening == closing == 3  # data, vis-network, the page's own code
    assert len(re.findall(r"<style\b", page, re.I)) == len(re.findall(r"</style", page, re.I)) == 2


def test_export_html_data_round_trips(page):
    data = embedded_data(page)
    G = hostile_graph()
    assert len(data["nodes"]) == G.number_of_nodes()
    assert len(data["edges"]) == G.number_of_edges()
    assert data["info"]["nodes"]["org:evil"]["label"] == f"Evil {XSS_IMG}"
    assert data["info"]["nodes"][XSS_SCRIPT]["label"] == XSS_SCRIPT
    assert data["articles"]["evil.md"]["title"] == XSS_SCRIPT + "<!--"
    assert "a\u2028b\u2029c" in data["info"]["nodes"]["org:evil"]["aliases"]
    sentences = [e["sentence"] for e in data["info"]["edges"]["org:evil|PARTICIPATED_IN|event:fossasia-summit-2024"]["evidence"]]
    assert f"Evil {XSS_IMG} joined {XSS_SCRIPT}" in sentences


def test_export_html_sample_graph_data(tmp_path):
    path = tmp_path / "graph.html"
    write_html(sample_graph(), path)
    data = embedded_data(path.read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["org:huawei"]["label"] == "华为"
    assert set(data["info"]["nodes"]["org:huawei"]["aliases"]) == {"华为", "Huawei"}
    assert nodes["org:huawei"]["color"]["background"] == TYPE_COLORS["ORG"]
    assert nodes["event:fossasia-summit-2024"]["shape"] == "star"
    # size grows with degree: the event has the most edges
    assert nodes["event:fossasia-summit-2024"]["size"] > nodes["version:kylin-v10"]["size"]
    assert data["info"]["nodes"]["org:kylinsoft"]["years"] == [2023, 2024]
    assert data["info"]["edges"]["org:kylinsoft|RELEASED|version:kylin-v10"]["years"] == [2023]
    assert [t["type"] for t in data["legend"]] == list(TYPES)
    assert data["physics"] is True and all("x" not in n for n in data["nodes"])
    assert data["options"]["physics"]["stabilization"]["enabled"] is True
    assert data["articles"]["zh/20240408-fossasia.md"]["title"] == "华为亮相 FOSSASIA Summit 2024"


def test_export_html_big_graph_has_positions_and_no_physics(tmp_path):
    G = random_graph(PHYSICS_MAX_NODES + 100, 900)
    path = tmp_path / "graph.html"
    write_html(G, path)
    data = embedded_data(path.read_text(encoding="utf-8"))
    assert data["physics"] is False
    assert data["options"]["physics"]["enabled"] is False
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in data["nodes"])
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) > 0.95 * len(data["nodes"])


def test_export_html_deterministic(tmp_path):
    a, b, c = tmp_path / "a.html", tmp_path / "b.html", tmp_path / "c.html"
    write_html(hostile_graph(), a)
    write_html(hostile_graph(), b)
    G = hostile_graph()
    # The same graph built in another order gives the same file.
    H = nx.MultiDiGraph(**G.graph)
    H.add_nodes_from(reversed(list(G.nodes(data=True))))
    H.add_edges_from(reversed(list(G.edges(keys=True, data=True))))
    write_html(H, c)
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()


def test_export_html_deterministic_with_layout(tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_html(random_graph(600, 900), a)
    write_html(random_graph(600, 900), b)
    assert a.read_bytes() == b.read_bytes()


def test_export_html_does_not_change_graph(tmp_path):
    G = hostile_graph()
    before = (copy.deepcopy(dict(G.nodes(data=True))), copy.deepcopy(list(G.edges(keys=True, data=True))),
              copy.deepcopy(G.graph))
    write_html(G, tmp_path / "graph.html")
    assert (dict(G.nodes(data=True)), list(G.edges(keys=True, data=True)), G.graph) == before


def test_export_html_atomic_replace(tmp_path):
    path = tmp_path / "graph.html"
    path.write_text("old", encoding="utf-8")
    write_html(sample_graph(), path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html"]


def test_export_html_empty_graph(tmp_path):
    path = tmp_path / "graph.html"
    write_html(nx.MultiDiGraph(), path)
    data = embedded_data(path.read_text(encoding="utf-8"))
    assert data["nodes"] == [] and data["edges"] == [] and data["physics"] is False


def test_export_html_duplicate_edge_keys_get_unique_ids(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("a", type="ORG", label="A")
    G.add_node("b", type="EVENT", label="B")
    G.add_edge("a", "b", type="PARTICIPATED_IN")  # key 0
    G.add_edge("b", "a", type="PARTICIPATED_IN")  # key 0 again
    G.add_edge("a", "b", type="SHOWCASED")        # key 1
    path = tmp_path / "graph.html"
    write_html(G, path)
    ids = [e["id"] for e in embedded_data(path.read_text(encoding="utf-8"))["edges"]]
    assert len(ids) == len(set(ids)) == 3


def test_export_html_palette_covers_every_type():
    assert set(TYPES) <= set(TYPE_COLORS)
    assert set(TYPES) <= set(html_export.TYPE_SHAPES)


@pytest.mark.parametrize("physics", [True, False])
def test_export_html_options_are_pyvis_options(physics):
    # graph.html keeps pyvis's options as data (importing pyvis loads IPython); they must not drift.
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line")
    if physics:
        net.force_atlas_2based(gravity=-60, central_gravity=0.01, spring_length=150, spring_strength=0.08,
                               damping=0.4, overlap=0.2)
        net.toggle_stabilization(True)
    else:
        net.toggle_physics(False)
        net.toggle_stabilization(False)
    net.set_edge_smooth("continuous")
    net.inherit_edge_colors(False)
    net.toggle_hide_edges_on_drag(not physics)
    assert pyvis_options(physics) == json.loads(net.options.to_json())

