"""graph.json: the graph as networkx node-link JSON, the file other tools read.

In: a graph following docs/graph-contract.md. Out: `nx.node_link_data(G,
edges="edges")` written as UTF-8 JSON, byte-identical for the same graph:
nodes sorted by id, edges by (source, target, key), each edge's evidence
sorted, object keys sorted, `ensure_ascii=False`, `indent=1`.

Lists stay lists and evidence stays a list of dicts (the scorer
`shared/eval/score.py` reads nodes' id, type, label, aliases, articles,
value and edges' source, target, type, articles). The graph attributes
(`G.graph`, e.g. the article table) are kept: JSON can hold them.

Whatever the text, the file is valid JSON: lone surrogates become U+FFFD
(UTF-8 cannot encode them), NaN and infinities become null (JSON has none),
tuples and sets become lists.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import networkx as nx

from graphkit.export.atomic import atomic_write
from graphkit.export.scalars import json_safe, sort_evidence

__all__ = ["graph_to_json", "write_json"]


def _edge_order(edge: dict[str, Any]) -> tuple[str, str, str]:
    return (str(edge.get("source")), str(edge.get("target")), str(edge.get("key", "")))


def graph_to_json(G: nx.Graph) -> str:
    """The JSON text `write_json` writes (ends with a newline)."""
    data = json_safe(nx.node_link_data(G, edges="edges"))
    data["nodes"] = sorted(data.get("nodes", []), key=lambda n: str(n.get("id")))
    edges = sorted(data.get("edges", []), key=_edge_order)
    for edge in edges:
        if isinstance(edge.get("evidence"), list):
            edge["evidence"] = sort_evidence(edge["evidence"])
    data["edges"] = edges
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False) + "\n"


def write_json(G: nx.Graph, path: str | os.PathLike[str]) -> Path:
    """Write `G` as node-link JSON to `path`, atomically; return the path.

    Example:
        write_json(G, "outputs/graph.json")
        # {"directed": true, "edges": [{"articles": ["zh/a.md"], "key":
        #  "org:huawei|PARTICIPATED_IN|event:summit", "source": "org:huawei", ...

    Raises:
        OutputError: the file cannot be written; a previous file is kept.
    """
    return atomic_write(path, graph_to_json(G))
