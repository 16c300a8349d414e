"""graph.html in a real browser: Debian chromium, headless, driven over the
Chrome DevTools Protocol by Playwright (its driver only, never `playwright
install`: the browser is /usr/bin/chromium). `bash .ci/html-setup.sh` installs
both. Skipped only when /usr/bin/chromium is absent.

Each test loads a page through file://, records every request, console error,
uncaught exception and dialog, and waits for `window.graphkit.ready` (the
layout has settled and physics is off).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import networkx as nx
import pytest

from graphkit.export.html import write_html
from test_export_html import XSS_IMG, XSS_SCRIPT, hostile_graph, random_graph, sample_graph

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
READY_TIMEOUT_MS = 20_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (bash .ci/html-setup.sh)"),
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


class Loaded:
    """A page and everything it did: requests, console errors, dialogs."""

    def __init__(self, context, path: Path):
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = page = context.new_page()
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("dialog", self._dialog)
        start = time.perf_counter()
        page.goto(self.url)
        # Predicates are functions: a string expression would be eval()ed, which the page's CSP refuses.
        page.wait_for_function("() => window.graphkit && window.graphkit.ready === true", timeout=READY_TIMEOUT_MS)
        self.ready_seconds = time.perf_counter() - start

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]

    def assert_clean(self):
        assert self.errors == []
        assert self.foreign_requests() == []
        assert self.dialogs == []

    def node_point(self, node_id: str) -> tuple[float, float]:
        """Where node_id is drawn, in page coordinates, once a click there would hit it."""
        return self._settled_point("getNodeAt", "net.getPositions([id])[id]", node_id)

    def edge_point(self, edge_id: str) -> tuple[float, float]:
        """The middle of edge_id as drawn, in page coordinates, once a click there would hit it."""
        return self._settled_point("getEdgeAt", "net.body.edges[id].edgeType.getPoint(0.5)", edge_id)

    def _settled_point(self, hit: str, canvas_point: str, item_id: str) -> tuple[float, float]:
        """The item's point in page coordinates, read when two animation frames agree on it and
        vis-network finds the item there: the view can still move just after `ready` (the
        status line collapsing resizes the canvas), and a click read too early lands elsewhere."""
        handle = self.page.wait_for_function(
            """([id, last]) => {
                const net = window.graphkit.network;
                const p = net.canvasToDOM(%s);
                const box = document.getElementById('network').getBoundingClientRect();
                const point = [box.left + p.x, box.top + p.y];
                const same = last.point && last.point[0] === point[0] && last.point[1] === point[1];
                last.point = point;
                return same && net.%s({x: p.x, y: p.y}) === id ? point : false;
            }""" % (canvas_point, hit),
            arg=[item_id, {}], polling="raf")
        return tuple(handle.json_value())

    def panel_text(self) -> str:
        return self.js("document.getElementById('panel').hidden ? '' : document.getElementById('panel-body').textContent")

    def selected_nodes(self) -> list[str]:
        return self.js("window.graphkit.network.getSelectedNodes()")

    def search(self, text: str) -> None:
        box = self.page.locator("#search")
        box.fill("")
        box.press_sequentially(text, delay=20)
        self.page.wait_for_function(
            "q => document.querySelector('#results li') && window.graphkit.network.getSelectedNodes().length > 0 && "
            "document.getElementById('search').value === q",
            arg=text,
        )
        self.page.wait_for_timeout(250)  # the search is debounced by 150 ms


def load(browser, G: nx.MultiDiGraph, path: Path) -> Loaded:
    write_html(G, path)
    return Loaded(browser, path)


def drawn_counts(page: Loaded) -> dict:
    return page.js("""() => {
        const net = window.graphkit.network;
        return {
            dataset: net.body.data.nodes.length,
            drawn: Object.keys(net.body.nodes).length,
            edges: Object.keys(net.body.edges).length,
            physics: net.physics.physicsEnabled,
            physicsOption: net.physics.options.enabled,
        };
    }""")


def test_html_browser_sample_graph_offline_and_settled(browser, tmp_path):
    G = sample_graph()
    page = load(browser, G, tmp_path / "graph.html")
    counts = drawn_counts(page)
    assert counts == {"dataset": G.number_of_nodes(), "drawn": G.number_of_nodes(),
                      "edges": G.number_of_edges(), "physics": False, "physicsOption": False}
    assert page.requests == [page.url]
    page.assert_clean()
    legend = page.js("[...document.querySelectorAll('#types label')].map(l => l.textContent)")
    assert [t.rstrip("0123456789") for t in legend] == ["ORG", "PERSON", "EVENT", "VENUE", "DATE", "VERSION", "PRODUCT", "TALK"]

    page.search("Huawei")
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "graph.png"))
    page.assert_clean()
    page.page.close()


@pytest.mark.parametrize("query, expected_id, expected_label", [
    ("Huawei", "org:huawei", "华为"),          # English alias -> Chinese label
    ("华为", "org:huawei", "华为"),
    ("huawei", "org:huawei", "华为"),          # case-insensitive
    ("麒麟软件", "org:kylinsoft", "KylinSoft"),  # Chinese alias -> English label
    ("熊伟", "person:xiong-wei", "Xiong Wei"),
    ("FOSSASIA 峰会", "event:fossasia-summit-2024", "FOSSASIA Summit 2024"),
])
def test_html_browser_search_matches_label_and_aliases(browser, tmp_path, query, expected_id, expected_label):
    page = load(browser, sample_graph(), tmp_path / "graph.html")
    page.search(query)
    assert page.selected_nodes() == [expected_id]
    assert page.js("id => window.graphkit.nodes.get(id).label", expected_id) == expected_label
    assert expected_label in page.panel_text()
    page.assert_clean()
    page.page.close()


def test_html_browser_node_click_shows_evidence_with_article(browser, tmp_path):
    page = load(browser, sample_graph(), tmp_path / "graph.html")
    x, y = page.node_point("org:huawei")
    page.page.mouse.click(x, y)
    page.page.wait_for_function("() => !document.getElementById('panel').hidden")
    text = page.panel_text()
    assert "华为" in text and "Huawei" in text
    assert "华为参加了在曼谷举办的 FOSSASIA Summit 2024。" in text          # evidence sentence
    assert "华为亮相 FOSSASIA Summit 2024" in text and "2024-04-10" in text  # its article's title and date
    assert "relations/participation.yaml#zh-canjia" in text and "0.90" in text  # extractor rule, confidence
    assert "华为开源专家熊伟发表了演讲。" in text                               # incoming edge's evidence too
    page.assert_clean()
    page.page.close()


def test_html_browser_edge_click_shows_its_evidence(browser, tmp_path):
    page = load(browser, sample_graph(), tmp_path / "graph.html")
    edge = "event:fossasia-summit-2024|HELD_AT|venue:true-digital-park"
    x, y = page.edge_point(edge)
    page.page.mouse.click(x, y)
    page.page.wait_for_function("() => !document.getElementById('panel').hidden")
    assert page.js("window.graphkit.network.getSelectedEdges()") == [edge]
    text = page.panel_text()
    assert "HELD_AT" in text and "True Digital Park" in text
    assert "The summit was held at True Digital Park, Bangkok." in text
    assert "FOSSASIA Summit 2024 recap" in text and "2024-04-12" in text
    assert "relations/held.yaml#en-held-at" in text
    page.assert_clean()
    page.page.close()


def test_html_browser_filters(browser, tmp_path):
    G = sample_graph()
    page = load(browser, G, tmp_path / "graph.html")
    visible = "() => Object.values(window.graphkit.network.body.nodes).filter(n => !n.options.hidden).map(n => n.id).sort()"
    everything = sorted(G.nodes)
    assert page.js(visible) == everything

    page.page.locator("#types input[value=ORG]").uncheck()
    assert page.js(visible) == sorted(n for n in G.nodes if G.nodes[n]["type"] != "ORG")
    page.page.locator("#types input[value=ORG]").check()
    assert page.js(visible) == everything

    event = "event:fossasia-summit-2024"
    page.page.select_option("#event", event)
    assert page.js(visible) == sorted({event, *G.successors(event), *G.predecessors(event)})
    page.page.select_option("#event", "")

    page.page.select_option("#year", "2023")
    assert page.js(visible) == ["org:kylinsoft", "product:openeuler", "version:kylin-v10"]
    hidden_edges = page.js("() => Object.values(window.graphkit.network.body.edges).filter(e => e.options.hidden).length")
    assert hidden_edges == G.number_of_edges() - 2  # KylinSoft RELEASED V10 and SHOWCASED openEuler stay
    page.page.click("#reset")
    assert page.js(visible) == everything
    page.assert_clean()
    page.page.close()


def test_html_browser_hostile_text_is_inert(browser, tmp_path):
    G = hostile_graph()
    page = load(browser, G, tmp_path / "graph.html")
    assert drawn_counts(page)["drawn"] == G.number_of_nodes()
    assert page.js("document.querySelectorAll('script').length") == 3
    # the text shows as text: search for it, open its node, hover it, open its edges
    page.search("Evil")
    assert page.selected_nodes() == ["org:evil"]
    text = page.panel_text()
    assert f"Evil {XSS_IMG}" in text and f"Evil {XSS_IMG} joined {XSS_SCRIPT}" in text
    assert XSS_SCRIPT + "<!--" in text  # an article title
    page.search(XSS_SCRIPT[:10])
    page.page.wait_for_timeout(400)  # let the focus animation end
    x, y = page.node_point(XSS_SCRIPT)
    page.page.mouse.move(x - 30, y - 30)
    page.page.mouse.move(x, y, steps=5)
    page.page.wait_for_timeout(600)  # tooltipDelay is 250 ms
    tooltip = page.js("(document.querySelector('div.vis-tooltip') || {}).textContent || ''")
    assert XSS_SCRIPT in tooltip
    page.page.mouse.click(x, y)
    for edge in page.js("() => Object.keys(window.graphkit.network.body.edges)"):
        page.js("id => window.graphkit.selectEdge(id)", edge)
    page.page.wait_for_timeout(300)
    assert page.js("document.querySelectorAll('img, svg[onload], iframe, object, embed').length") == 0
    assert page.js("document.querySelectorAll('script').length") == 3
    page.assert_clean()  # no alert(), confirm() or prompt() dialog, no error
    page.page.close()


def test_html_browser_mid_size_graph_settles_then_stops_physics(browser, tmp_path):
    # Between SEED_MIN_NODES and PHYSICS_MAX_NODES: physics runs from our layout, then stops.
    G = random_graph(400, 700)
    page = load(browser, G, tmp_path / "graph.html")
    assert page.js("window.graphkit.data.physics") is True
    counts = drawn_counts(page)
    assert counts["dataset"] == counts["drawn"] == 400
    assert counts["physics"] is False and counts["physicsOption"] is False
    assert page.ready_seconds < 20
    page.assert_clean()
    page.page.close()


def test_html_browser_2000_nodes_ready_fast(browser, tmp_path):
    G = random_graph(2000, 4000)
    path = tmp_path / "graph.html"
    start = time.perf_counter()
    write_html(G, path)
    write_seconds = time.perf_counter() - start
    page = Loaded(browser, path)
    counts = drawn_counts(page)
    assert counts["dataset"] == counts["drawn"] == 2000
    assert counts["edges"] == 4000
    assert counts["physics"] is False
    assert page.ready_seconds < 20
    page.search("Alias 1234")
    assert page.selected_nodes()[0].endswith("n01234")
    page.page.select_option("#year", index=1)  # filtering 6,000 items stays quick
    page.page.select_option("#year", "")
    page.assert_clean()
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "graph-2000.png"))
    timings = {
        "nodes": 2000,
        "edges": 4000,
        "file_bytes": path.stat().st_size,
        "write_html_seconds": round(write_seconds, 2),
        "page_ready_seconds": round(page.ready_seconds, 2),
        "page_ready_ms_after_navigation_start": page.js("window.graphkit.readyMs"),
    }
    (ARTIFACTS / "timings-2000.json").write_text(json.dumps(timings, indent=2) + "\n", encoding="utf-8")
    print(timings)
    page.page.close()
