"""Read the graph that `graphkit build` wrote, for the report, query and diff commands.

In: an output folder holding `graph.json` (networkx node-link JSON with an
`edges` key; `graph.articles` maps article ids to `{title, date, lang}`), or
the path of such a file. Out: a `networkx.MultiDiGraph`. It refuses a
missing file (and says to run `graphkit build` first) and a file that is not
node-link JSON, with a `GraphkitError` naming the path.
"""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from graphkit.errors import GraphkitError

__all__ = ["GRAPH_FILE", "graph_path", "load_graph"]

GRAPH_FILE = "graph.json"


def graph_path(out: str | Path) -> Path:
    """The graph file for `out`: `out/graph.json`, or `out` itself when it is a file."""
    out = Path(out)
    return out if out.is_file() else out / GRAPH_FILE


def load_graph(out: str | Path) -> nx.MultiDiGraph:
    """Load `OUT_DIR/graph.json` as the MultiDiGraph the build made.

    Args:
        out: the build's output folder (or the graph.json file itself).

    Returns:
        The graph, with `G.graph["articles"]` always a dict (empty when the
        file has none).

    Raises:
        GraphkitError: the file is missing, unreadable or not node-link JSON.
    """
    path = graph_path(out)
    if not path.is_file():
        raise GraphkitError(f"{path}: no graph found; run graphkit build first "
                            f"(graphkit build ARTICLES... --out {Path(out)})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GraphkitError(f"{path}: cannot read the graph: {exc}; "
                            "run graphkit build again") from exc
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise GraphkitError(f"{path}: not networkx node-link JSON (no 'nodes' list); "
                            "run graphkit build again")
    edges_key = "edges" if "edges" in data or "links" not in data else "links"
    data.setdefault(edges_key, [])
    # networkx 3.6 numbers a node without "id" instead of refusing it.
    if not all(isinstance(n, dict) and "id" in n for n in data["nodes"]) or not all(
            isinstance(e, dict) and "source" in e and "target" in e for e in data[edges_key]):
        raise GraphkitError(f"{path}: not networkx node-link JSON (a node without 'id' or an "
                            "edge without 'source'/'target'); run graphkit build again")
    try:
        G = nx.node_link_graph(data, edges=edges_key, multigraph=True, directed=True)
    except (KeyError, TypeError, nx.NetworkXError) as exc:
        raise GraphkitError(f"{path}: not networkx node-link JSON: {exc!r}; "
                            "run graphkit build again") from exc
    if not (G.is_multigraph() and G.is_directed()):
        # node_link_graph follows the file's own "directed"/"multigraph" flags.
        G = nx.MultiDiGraph(G)
    if not isinstance(G.graph.get("articles"), dict):
        G.graph["articles"] = {}
    return G
