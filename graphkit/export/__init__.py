"""File writers for the event graph: JSON, GraphML, GEXF, CSV.

Each writer takes a graph following docs/graph-contract.md, writes
atomically (a failed write keeps the previous file) and is deterministic
(same graph, same bytes). `TYPE_COLORS` is the node palette shared with the
HTML page. `write_html` (graphkit/export/html.py) is re-exported lazily, so
that importing the other writers does not load the page's dependencies.
"""
from __future__ import annotations

from graphkit.export.atomic import atomic_path, atomic_write
from graphkit.export.csvout import write_csv
from graphkit.export.gexf import write_gexf
from graphkit.export.graphml import write_graphml
from graphkit.export.jsonout import write_json
from graphkit.export.palette import DEFAULT_COLOR, TYPE_COLORS, color_for

__all__ = [
    "DEFAULT_COLOR",
    "TYPE_COLORS",
    "atomic_path",
    "atomic_write",
    "color_for",
    "write_csv",
    "write_gexf",
    "write_graphml",
    "write_html",
    "write_json",
]


def __getattr__(name: str):
    if name == "write_html":
        from graphkit.export.html import write_html

        return write_html
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
