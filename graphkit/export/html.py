"""Write the event graph as one self-contained, offline, interactive HTML page.

In: the ``networkx.MultiDiGraph`` of ``docs/graph-contract.md``, with article
metadata in ``G.graph["articles"] = {article_id: {"title", "date", "lang"}}``.
Out: ``graph.html``, which loads nothing from anywhere: the vis-network 9.1.2
JavaScript and CSS are inlined, the graph is embedded as JSON, and a
Content-Security-Policy forbids every connection. The page colours and shapes
nodes by type (with a legend), sizes them by degree, searches labels and
aliases in both languages (``Huawei`` finds the node labelled 华为), filters by
type, by event (the event and its neighbours) and by year, and shows a side
panel with the evidence sentences of a clicked node or edge: article title and
date, extractor rule, confidence.

Layout: graphs of up to ``PHYSICS_MAX_NODES`` nodes are laid out by
vis-network's physics, which is switched off once stabilised (above
``SEED_MIN_NODES`` it starts from positions computed here, so a short
stabilisation is enough); larger graphs get positions computed here (a numpy
Fruchterman-Reingold per connected component, components packed in rows) and
never run physics: a 2,000-node graph is drawn and ready in about a second.

What we take from pyvis 0.3.2: the vis-network asset it ships
(``pyvis/templates/lib/vis-9.1.2``), found without importing pyvis, read at
write time and inlined, and the vis options its ``Network``/``Options``
objects give for our settings (solver, stabilisation, edge smoothing, drag
behaviour), kept here as data: importing pyvis loads IPython, a tenth of a
second of every build; a test compares them with pyvis's. numpy is imported
only to lay out a graph of more than ``SEED_MIN_NODES`` nodes. Nodes and edges go into ``net.nodes`` /
``net.edges`` directly: ``add_edge`` scans for duplicates linearly (40k edges
took 59 s) and ``from_nx`` rewrites the graph it is given.

Why our own template (``templates/graph.html``) instead of pyvis's: every pyvis
mode loads Bootstrap from a CDN (``local`` loads vis-network from one too);
``heading`` is rendered unescaped and ``options`` with ``|safe``; and once any
title contains ``href`` pyvis switches to a popup that sets ``innerHTML`` to
every title. Ours holds article text (labels, aliases, titles, sentences) only
inside ``<script type="application/json">`` with ``< > &`` and U+2028/2029
escaped, reads it with ``JSON.parse`` and puts it into the DOM with
``textContent`` alone; vis-network tooltips get plain strings, which vis 9.1.2
sets with ``innerText``.

The same graph gives a byte-identical file: nodes and edges are sorted by id,
JSON keys are sorted and positions come from a seeded layout (identical on one
machine and numpy version; floating-point kernels may differ between CPUs).

Refuses nothing: any attribute value is shown (unknown types as text, NaN as
null, lone surrogates escaped); a node type outside the palette is grey.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import math
import os
import re
import sys
from collections import Counter
from itertools import chain, repeat
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import networkx as nx

from graphkit.export.atomic import atomic_path
from graphkit.export.evidence_json import EvidenceJSON
from graphkit.export.palette import DEFAULT_COLOR, TYPE_COLORS

if TYPE_CHECKING:
    import numpy as np

__all__ = ["write_html", "render_html", "pyvis_options", "TYPE_COLORS", "TYPE_SHAPES", "PHYSICS_MAX_NODES"]

# TYPE_COLORS (imported above) is the palette every drawing writer shares.
# vis-network shapes whose size follows the node's `size` (label drawn below).
TYPE_SHAPES: dict[str, str] = {
    "ORG": "square",
    "PERSON": "dot",
    "EVENT": "star",
    "VENUE": "triangle",
    "DATE": "diamond",
    "VERSION": "hexagon",
    "PRODUCT": "triangleDown",
    "TALK": "dot",  # told apart from PERSON by its dashed border
}
DEFAULT_SHAPE = "dot"

PHYSICS_MAX_NODES = 500    # above this, positions are computed here, physics stays off
SEED_MIN_NODES = 150       # above this, physics starts from positions computed here
LABEL_MAX_CHARS = 40       # longer labels are cut on the canvas; the panel shows them whole
EDGE_LABEL_MAX_NODES = 500  # edge type drawn on the canvas only for graphs this small

VIS_VERSION = "vis-9.1.2"
_TEMPLATE = Path(__file__).with_name("templates") / "graph.html"
_MARKER = re.compile(r"/\*@(VIS_CSS|VIS_JS|DATA)@\*/")
# Characters that must not appear raw inside an inline <script>: `<` (closing
# tag, `<!--`), `>` and `&` (habit, harmless to escape), U+2028/2029 (line
# terminators in old JS engines) and lone surrogates (not encodable as UTF-8).
_SCRIPT_UNSAFE = "<>&\u2028\u2029"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def write_html(G: nx.MultiDiGraph, path: str | os.PathLike[str]) -> None:
    """Write ``G`` as a self-contained interactive page at ``path``.

    The file is written to a temporary file in the same folder and moved into
    place, so a reader never sees half a page. ``G`` is not changed.

    Args:
        G: the graph of docs/graph-contract.md, e.g. a node ``org:huawei`` with
            ``label="华为"``, ``aliases=["Huawei", "华为"]``, ``type="ORG"``.
        path: where to write, usually ``outputs/graph.html``.

    Raises:
        OutputError: the file cannot be written (graphkit.export.atomic).
    """
    chunks = _page_chunks(G)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.writelines(chunks)


def render_html(G: nx.MultiDiGraph) -> str:
    """Return the page for ``G`` as a string (what ``write_html`` writes)."""
    return b"".join(_page_chunks(G)).decode("utf-8")


def _page_chunks(G: nx.MultiDiGraph) -> Iterator[bytes]:
    """The page as UTF-8, piece by piece: at 10,000 articles its graph data is
    130 MB of JSON, which is never held whole (as text it took 0.7 GB)."""
    data = _page_data(G)
    assets = _vis_assets()
    parts = {
        "VIS_CSS": lambda: [assets["css"].encode("utf-8")],
        "VIS_JS": lambda: [assets["js"].encode("utf-8")],
        "DATA": lambda: _script_json(data),
    }
    template = _TEMPLATE.read_text(encoding="utf-8")
    seen = Counter(m.group(1) for m in _MARKER.finditer(template))
    if seen != Counter(parts.keys()):
        raise RuntimeError(f"{_TEMPLATE}: expected each of {sorted(parts)} once, found {dict(seen)}")
    return _fill(_MARKER.split(template), parts)


def _fill(pieces: list[str], parts: dict[str, Callable[[], Iterable[bytes]]]) -> Iterator[bytes]:
    # One pass: inserted text (the vis bundle has `/*@` nowhere, but data could) is not rescanned.
    for i, piece in enumerate(pieces):  # text, marker name, text, ...
        yield from parts[piece]() if i % 2 else [piece.encode("utf-8")]


# --- data --------------------------------------------------------------------


def _page_data(G: nx.MultiDiGraph) -> dict[str, Any]:
    articles = _articles(G)
    article_years = _article_years(articles)
    node_ids = sorted(G.nodes, key=str)
    n = len(node_ids)
    physics = 0 < n <= PHYSICS_MAX_NODES
    # Above SEED_MIN_NODES, vis-network starts from our layout, so a short stabilisation is enough.
    positions = _layout(G, node_ids) if n > SEED_MIN_NODES else {}

    vis_nodes = []
    node_info: dict[str, Any] = {}
    for node in node_ids:
        attrs = G.nodes[node]
        nid = str(node)
        ntype = str(attrs.get("type", ""))
        label = _text(attrs.get("label", nid)) or nid
        color = TYPE_COLORS.get(ntype, DEFAULT_COLOR)
        degree = G.degree(node)
        vis = {
            "id": nid,
            "label": _shorten(label, LABEL_MAX_CHARS),
            # Plain string: vis-network 9.1.2 shows it with innerText.
            "title": f"{label}\n{ntype or '?'} · {nid}",
            "shape": TYPE_SHAPES.get(ntype, DEFAULT_SHAPE),
            "color": _node_color(color),
            "size": round(min(60.0, 10.0 + 4.0 * math.sqrt(degree)), 1),
        }
        if ntype == "TALK":
            vis["shapeProperties"] = {"borderDashes": [4, 3]}
            vis["borderWidth"] = 2
        if nid in positions:
            vis["x"], vis["y"] = positions[nid]
        vis_nodes.append(vis)

        info = {k: _plain(v) for k, v in attrs.items() if v is not None}
        info["label"] = label
        info["type"] = ntype
        info["degree"] = degree
        info["years"] = _years(attrs, article_years)
        node_info[nid] = info

    vis_edges = []
    edge_info: dict[str, Any] = {}
    edges = sorted(G.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2])))
    evidence_json = EvidenceJSON()
    used_ids: set[str] = set()
    parallel: Counter[tuple[str, str]] = Counter()
    for u, v, key, attrs in edges:
        src, dst = str(u), str(v)
        eid = _unique_id(str(key), used_ids)
        etype = str(attrs.get("type", key))
        weight = attrs.get("weight")
        n_evidence = len(attrs.get("evidence") or ())
        pair = (min(src, dst), max(src, dst))
        rank = parallel[pair]
        parallel[pair] += 1
        vis = {
            "id": eid,
            "from": src,
            "to": dst,
            "title": f"{etype}\n{n_evidence} evidence sentence{'s' if n_evidence != 1 else ''}",
            "width": round(1.0 + min(4.0, math.log2(1 + _number(weight, n_evidence))), 2),
        }
        if n <= EDGE_LABEL_MAX_NODES:
            vis["label"] = _shorten(etype, LABEL_MAX_CHARS)
        if rank:
            # Parallel edges of a multigraph: fan them out instead of drawing one over another.
            vis["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": round(0.2 * rank, 2)}
        vis_edges.append(vis)

        info = _edge_info(attrs, evidence_json)
        info["type"] = etype
        info["source"] = src
        info["target"] = dst
        info["years"] = _years(attrs, article_years)
        edge_info[eid] = info

    types_present = Counter(info["type"] for info in node_info.values())
    type_order = [t for t in TYPE_COLORS if t in types_present]
    type_order += sorted(t for t in types_present if t not in TYPE_COLORS)
    legend = [
        {
            "type": t,
            "color": TYPE_COLORS.get(t, DEFAULT_COLOR),
            "shape": TYPE_SHAPES.get(t, DEFAULT_SHAPE),
            "dashed": t == "TALK",
            "count": types_present[t],
        }
        for t in type_order
    ]
    return {
        "format": 1,
        "articles": articles,
        "nodes": vis_nodes,
        "edges": vis_edges,
        "info": {"nodes": node_info, "edges": edge_info},
        "legend": legend,
        "physics": physics,
        "options": _vis_options(n, physics),
    }


class _Encoded(str):
    """JSON text made beforehand (an edge's evidence), written as it is."""


class _WithEncoded(dict):
    """A dict with str keys some of whose values are _Encoded."""


def _edge_info(attrs: dict[str, Any], evidence_json: EvidenceJSON) -> dict[str, Any]:
    """An edge's attributes as JSON values; its evidence, most of the page, encoded already."""
    evidence = attrs.get("evidence")
    text = evidence_json.encode(evidence) if type(evidence) is list else None
    if text is None or not all(type(k) is str for k in attrs):
        return {k: _plain(a) for k, a in attrs.items() if a is not None}
    info = _WithEncoded((k, _plain(a)) for k, a in attrs.items() if a is not None and k != "evidence")
    info["evidence"] = _Encoded(text)
    return info


def _articles(G: nx.MultiDiGraph) -> dict[str, dict[str, str]]:
    raw = G.graph.get("articles")
    if not isinstance(raw, dict):
        raw = {}
    out = {}
    for aid in sorted(raw, key=str):
        meta = raw[aid] if isinstance(raw[aid], dict) else {}
        out[str(aid)] = {k: _text(meta[k]) for k in ("title", "date", "lang") if meta.get(k) is not None}
    return out


def pyvis_options(physics: bool) -> dict[str, Any]:
    """What pyvis 0.3.2 gives for ``Network(directed=True)`` with, when ``physics``,
    ``force_atlas_2based(gravity=-60, central_gravity=0.01, spring_length=150,
    spring_strength=0.08, damping=0.4, overlap=0.2)`` and stabilisation on, else
    physics and stabilisation off; then ``set_edge_smooth("continuous")`` ("dynamic",
    pyvis's default, adds a hidden support node per edge to the physics),
    ``inherit_edge_colors(False)`` and ``toggle_hide_edges_on_drag(not physics)``.
    """
    options: dict[str, Any] = {
        "configure": {"enabled": False},
        "edges": {"color": {"inherit": False}, "smooth": {"enabled": True, "type": "continuous"}},
        "interaction": {"dragNodes": True, "hideEdgesOnDrag": not physics, "hideNodesOnDrag": False},
        "physics": {"enabled": physics, "stabilization": {
            "enabled": physics, "fit": True, "iterations": 1000, "onlyDynamicEdges": False, "updateInterval": 50}},
    }
    if physics:
        options["physics"]["solver"] = "forceAtlas2Based"
        options["physics"]["forceAtlas2Based"] = {
            "avoidOverlap": 0.2, "centralGravity": 0.01, "damping": 0.4, "gravitationalConstant": -60,
            "springConstant": 0.08, "springLength": 150}
    return options


def _vis_options(n_nodes: int, physics: bool) -> dict[str, Any]:
    options = pyvis_options(physics)
    iterations = 600 if n_nodes <= SEED_MIN_NODES else 200
    options["physics"]["stabilization"].update({"iterations": iterations, "updateInterval": 25})
    if not physics:
        options["edges"]["smooth"] = {"enabled": False}
    # What pyvis's Options does not model.
    options["layout"] = {"randomSeed": 7, "improvedLayout": physics and n_nodes <= SEED_MIN_NODES}
    options["interaction"].update({"hover": True, "tooltipDelay": 250, "navigationButtons": False})
    options["nodes"] = {
        "borderWidth": 1,
        "borderWidthSelected": 4,
        "font": {"size": 14, "face": "system-ui, 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif"},
        "scaling": {"label": {"drawThreshold": 6}},
    }
    options["edges"].update({
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
        "color": {"color": "#9AA5B1", "highlight": "#1F2933", "hover": "#52606D", "inherit": False},
        "font": {"size": 10, "color": "#52606D", "strokeWidth": 3, "align": "middle"},
        "selectionWidth": 2,
    })
    return options


@functools.lru_cache(maxsize=64)
def _node_color(color: str) -> dict[str, Any]:
    """One dict per palette colour, shared by its nodes (only read): shading it for every
    node took a tenth of the page's data at 1,000 articles."""
    border = _shade(color, 0.65)
    return {
        "background": color,
        "border": border,
        "highlight": {"background": _shade(color, 1.25), "border": "#1F2933"},
        "hover": {"background": _shade(color, 1.15), "border": border},
    }


def _shade(color: str, factor: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    if factor <= 1:
        r, g, b = (round(c * factor) for c in (r, g, b))
    else:
        r, g, b = (round(c + (255 - c) * (factor - 1)) for c in (r, g, b))
    return f"#{r:02X}{g:02X}{b:02X}"


_YEAR = re.compile(r"(?:[a-z]+:)?(\d{4})(?:-|$)")


def _year(value: Any) -> int | None:
    return _year_of(str.__str__(value)) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)
def _year_of(text: str) -> int | None:
    m = _YEAR.match(text.strip())
    return int(m.group(1)) if m and 1000 <= int(m.group(1)) <= 2999 else None


def _article_years(articles: dict[str, dict[str, str]]) -> dict[str, int]:
    """Each dated article's year, looked up once: every evidence sentence names its article."""
    return {aid: year for aid, meta in articles.items() if (year := _year(meta.get("date")))}


def _years(attrs: dict[str, Any], article_years: dict[str, int]) -> list[int]:
    """Years a node or edge belongs to: its start..end span, DATE value, article dates."""
    years: set[int] = set()
    start, end = _year(attrs.get("start")), _year(attrs.get("end"))
    if start and end and 0 <= end - start <= 50:
        years.update(range(start, end + 1))
    for key in ("start", "end", "value", "date"):
        y = _year(attrs.get(key))
        if y:
            years.add(y)
    article_ids = set(map(str, attrs.get("articles") or ()))
    evidence = attrs.get("evidence") or ()
    if type(evidence) is list and set(map(type, evidence)) == {dict}:  # in C: thousands of sentences
        article_ids.update(map(str, map(dict.get, evidence, repeat("article"))))
    else:
        article_ids.update(str(e.get("article")) for e in evidence if isinstance(e, dict))
    years.update(article_years[a] for a in article_ids if a in article_years)
    return sorted(years)


def _layout(G: nx.MultiDiGraph, node_ids: list[Any], seed: int = 42) -> dict[str, tuple[int, int]]:
    """Positions in pixels: each connected component laid out alone, then packed in rows.

    Laid out together, a force layout flings isolated nodes and small
    components far from the main one, and fitting the view to them shrinks it
    to a dot. So every component gets its own Fruchterman-Reingold layout,
    scaled to an area proportional to its size, and components are placed
    largest first in rows of a wide rectangle.
    """
    if not node_ids:
        return {}
    import numpy as np

    index = {node: i for i, node in enumerate(node_ids)}
    simple = nx.Graph()
    simple.add_nodes_from(range(len(node_ids)))
    simple.add_edges_from((index[u], index[v]) for u, v in G.edges() if u != v)
    components = sorted((sorted(c) for c in nx.connected_components(simple)), key=lambda c: (-len(c), c[0]))

    gap = 60.0
    boxes = []
    for comp in components:
        if len(comp) == 1:
            coords = np.zeros((1, 2))
        elif len(comp) == 2:
            coords = np.array([[-45.0, 0.0], [45.0, 0.0]])
        else:
            local = {node: i for i, node in enumerate(comp)}
            pairs = sorted({(min(local[u], local[v]), max(local[u], local[v])) for u, v in simple.subgraph(comp).edges()})
            coords = _fruchterman_reingold(len(comp), pairs, seed)
            coords -= coords.mean(axis=0)
            radius = float(np.sqrt((coords * coords).sum(axis=1)).max()) or 1.0
            coords *= 60.0 * math.sqrt(len(comp)) / radius
        coords -= coords.min(axis=0)
        boxes.append((comp, coords, coords.max(axis=0)))

    area = sum((w + gap) * (h + gap) for _, _, (w, h) in boxes)
    row_width = max(max(w for _, _, (w, _h) in boxes), math.sqrt(area * 1.6))
    positions: dict[str, tuple[int, int]] = {}
    x = y = row_height = 0.0
    for comp, coords, (w, h) in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for i, node in enumerate(comp):
            positions[str(node_ids[node])] = (int(round(x + coords[i, 0])), int(round(y + coords[i, 1])))
        x += w + gap
        row_height = max(row_height, h)
    return positions


def _fruchterman_reingold(n: int, pairs: list[tuple[int, int]], seed: int) -> np.ndarray:
    """Fruchterman-Reingold in the unit square for one connected component, in numpy.

    Not ``nx.spring_layout``: networkx 3.6.1 needs scipy for 500+ nodes
    (ModuleNotFoundError otherwise; scipy is no dependency of graphkit) and its
    dense fallback holds several n x n x 2 arrays. Here repulsion is summed in
    row blocks with matrix products, so memory stays near 32 MB whatever n, and
    the number of iterations shrinks for very large graphs to bound the time.
    """
    import numpy as np

    src = np.array([p[0] for p in pairs], dtype=np.intp)
    dst = np.array([p[1] for p in pairs], dtype=np.intp)
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    k2 = 1.0 / n  # k = sqrt(area / n), the ideal edge length, with area 1
    k = math.sqrt(k2)
    iterations = max(15, min(50, int(2e8 / (n * n))))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    block = max(1, 2_000_000 // n)
    ones = np.ones(n)
    # The block's matrix and products, allocated once: a fresh 3.5 MB array per step came
    # from mmap and its page faults each time (0.13 -> 0.11 s at 1,000 articles; same bits).
    w_buffer = np.empty((min(block, n), n))
    product = np.empty((min(block, n), n))
    for _ in range(iterations):
        # Repulsion k^2/d along (p_i - p_j), summed as p_i * sum_j w_ij - (W @ P)_i with
        # w_ij = k^2 / d_ij^2. Squared distances come from one product,
        # [x y |p|^2 1] . [-2x -2y 1 |p|^2]^T.
        sq = (pos * pos).sum(axis=1)
        left = np.column_stack((pos, sq, ones))
        right_t = np.ascontiguousarray(np.column_stack((-2.0 * pos, ones, sq)).T)
        disp = np.empty((n, 2))
        for s in range(0, n, block):
            e = min(n, s + block)
            # einsum and sums, not `@`: BLAS splits these sums between its threads differently
            # with the number of cores, which changed the last bits and so the whole layout
            # from one machine to the next; its threads also cost more than the products.
            w = np.einsum("ik,kj->ij", left[s:e], right_t, out=w_buffer[:e - s])
            np.maximum(w, 1e-6, out=w)
            np.divide(k2, w, out=w)
            w[np.arange(e - s), np.arange(s, e)] = 0.0
            pull_x = np.multiply(w, pos[:, 0], out=product[:e - s]).sum(axis=1)          # W @ P
            pull_y = np.multiply(w, pos[:, 1], out=product[:e - s]).sum(axis=1)
            weight = w.sum(axis=1)
            disp[s:e, 0] = pos[s:e, 0] * weight - pull_x
            disp[s:e, 1] = pos[s:e, 1] * weight - pull_y
        # Attraction d^2/k along each edge.
        delta = pos[src] - pos[dst]
        pull = delta * np.sqrt((delta * delta).sum(axis=1))[:, None] / k
        np.add.at(disp, src, -pull)
        np.add.at(disp, dst, pull)
        length = np.maximum(np.sqrt((disp * disp).sum(axis=1)), 1e-9)[:, None]
        pos += disp / length * np.minimum(length, temperature)
        temperature -= cooling
    return pos


# --- assets and serialisation -------------------------------------------------


def _pyvis_dir() -> Path:
    """pyvis's package folder, found without importing pyvis (which imports IPython)."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pyvis is not installed: graph.html inlines the vis-network it ships")
    return Path(next(iter(spec.submodule_search_locations)))


def _vis_assets() -> dict[str, str]:
    """vis-network's JS and CSS from pyvis's package, made safe to inline."""
    lib = _pyvis_dir() / "templates" / "lib" / VIS_VERSION
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    # core-js (bundled in vis 9.1.2) builds an ActiveX iframe document from the
    # string "<script>"; written raw inside our <script> it would be counted as
    # a tag by tools. "\x3c" is the same string to JavaScript.
    js = js.replace('"<script>"', '"\\x3cscript>"')
    for name, text, closer in (("vis-network.min.js", js, "</script"), ("vis-network.css", css, "</style")):
        lowered = text.lower()
        for bad in ("<script", closer, "<!--"):
            if bad in lowered:
                raise RuntimeError(f"{lib / name}: contains {bad!r}, cannot be inlined safely; check the pyvis version")
    return {"js": js, "css": css}


def _script_json(obj: Any) -> Iterator[bytes]:
    """UTF-8 JSON that is safe as the content of a <script> element and parses back unchanged.

    Written in pieces of about a megabyte; the JSON is what `json.dumps(obj,
    sort_keys=True, separators=(",", ":"))` gives.
    """
    batch: list[str] = []
    size = 0
    for text in _json_chunks(obj, 3):
        batch.append(text)
        size += len(text)
        if size >= _BATCH:
            yield _script_safe("".join(batch))
            batch, size = [], 0
    if batch:
        yield _script_safe("".join(batch))


_BATCH = 1 << 20
_DUMPS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def _json_chunks(value: Any, depth: int) -> Iterator[str]:
    """Compact JSON of `value`, sorted keys; dicts `depth` levels down come a member at a time."""
    if depth and type(value) is dict and value and all(type(k) is str for k in value):
        first = True
        for key in sorted(value):
            yield ("{" if first else ",") + encode_basestring(key) + ":"
            yield from _json_chunks(value[key], depth - 1)
            first = False
        yield "}"
    elif type(value) is _WithEncoded:
        yield _spliced_json(value)
    else:
        yield _DUMPS(value)


def _spliced_json(obj: _WithEncoded) -> str:
    """`_DUMPS(obj)` with its _Encoded values written as they are."""
    members: list[str] = []
    plain: dict[str, Any] = {}
    for key in sorted(obj):
        value = obj[key]
        if type(value) is _Encoded:
            if plain:
                members.append(_DUMPS(plain)[1:-1])
                plain = {}
            members.append(encode_basestring(key) + ":" + value)
        else:
            plain[key] = value
    if plain:
        members.append(_DUMPS(plain)[1:-1])
    return "{" + ",".join(members) + "}"


def _script_safe(text: str) -> bytes:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, rare: escaped like the characters below
        data = _LONE_SURROGATE.sub(_escape, text).encode("utf-8")
    # bytes.replace runs at memchr speed, a regex over the text 30 times slower.
    # UTF-8 is self-synchronising: these byte strings only match whole characters.
    # A three-byte one is looked for in the str first, five times faster.
    for char in _SCRIPT_UNSAFE:
        if char in text:
            data = data.replace(char.encode("utf-8"), _escape(char).encode("ascii"))
    return data


def _escape(char: str | re.Match[str]) -> str:
    char = char if isinstance(char, str) else char.group()
    return f"\\u{ord(char):04x}"


_SAME_IN_JSON = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> Any:
    """A JSON value for any attribute value; sets sorted so output stays deterministic."""
    kind = type(value)
    if kind in _SAME_IN_JSON:
        return value
    if kind is list and _json_ready(value):
        return value    # evidence, aliases, articles: most of the page, used as they are
    if kind is dict:
        return {(k if type(k) is str else str(k)): (v if type(v) in _SAME_IN_JSON else _plain(v))
                for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _SAME_IN_JSON else _plain(v) for v in value]
    return _plain_other(value)


def _json_ready(items: list[Any]) -> bool:
    """Whether `_plain` would return an equal list: strings, ints, bools and None, or
    flat dicts of those and finite floats under string keys (evidence). Checked in C."""
    kinds = set(map(type, items))
    if kinds <= _SAME_IN_JSON:
        return True
    if kinds != {dict} or not set(map(type, chain.from_iterable(items))) <= {str}:
        return False
    values = list(chain.from_iterable(map(dict.values, items)))
    kinds = set(map(type, values))
    if not kinds <= _SAME_IN_JSON | {float}:
        return False
    return float not in kinds or all(map(math.isfinite, [v for v in values if type(v) is float]))


def _plain_other(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    np = sys.modules.get("numpy")   # a numpy value means numpy is imported
    if np is not None and isinstance(value, np.generic):
        return _plain(value.item())
    return str(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _number(value: Any, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    return float(default)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unique_id(candidate: str, used: set[str]) -> str:
    eid, i = candidate, 1
    while eid in used:
        i += 1
        eid = f"{candidate}#{i}"
    used.add(eid)
    return eid
