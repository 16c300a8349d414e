"""What analysts take away besides the graph files: report, queries and diffs.

- `load_graph(out_dir)`: read OUT_DIR/graph.json back into a MultiDiGraph.
- `write_report(G, out_dir, filters)`: report.md, report.html,
  participation.csv and (with matplotlib) heatmap.png.
- `org_profile`, `event_profile`, `person_profile`, `neighbors`,
  `shortest_path`: one question each, names in either language.
- `diff_graphs(old, new)`: what changed between two builds.

The names below are imported on first use, so that `graphkit build`, which
needs only the report, does not load the query and diff modules.
"""
from __future__ import annotations

import importlib

_HOMES = {
    "GraphDiff": "diff", "diff_graphs": "diff",
    "Facts": "facts", "Filters": "facts", "Scope": "facts",
    "load_graph": "load",
    "AmbiguousNameError": "names", "NameIndex": "names", "NameLookupError": "names",
    "UnknownNameError": "names", "normalize_name": "names",
    "event_profile": "query", "neighbors": "query", "org_profile": "query",
    "person_profile": "query", "shortest_path": "query",
    "CSV_COLUMNS": "report", "build_report": "report", "write_report": "report",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f"graphkit.analysis.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
