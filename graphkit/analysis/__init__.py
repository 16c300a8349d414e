"""What analysts take away besides the graph files: report, queries and diffs.

- `load_graph(out_dir)`: read OUT_DIR/graph.json back into a MultiDiGraph.
- `write_report(G, out_dir, filters)`: report.md, report.html,
  participation.csv and (with matplotlib) heatmap.png.
- `org_profile`, `event_profile`, `person_profile`, `neighbors`,
  `shortest_path`: one question each, names in either language.
- `diff_graphs(old, new)`: what changed between two builds.
"""
from graphkit.analysis.diff import GraphDiff, diff_graphs
from graphkit.analysis.facts import Facts, Filters, Scope
from graphkit.analysis.load import load_graph
from graphkit.analysis.names import (
    AmbiguousNameError,
    NameIndex,
    NameLookupError,
    UnknownNameError,
    normalize_name,
)
from graphkit.analysis.query import (
    event_profile,
    neighbors,
    org_profile,
    person_profile,
    shortest_path,
)
from graphkit.analysis.report import CSV_COLUMNS, build_report, write_report

__all__ = [
    "CSV_COLUMNS",
    "AmbiguousNameError",
    "Facts",
    "Filters",
    "GraphDiff",
    "NameIndex",
    "NameLookupError",
    "Scope",
    "UnknownNameError",
    "build_report",
    "diff_graphs",
    "event_profile",
    "load_graph",
    "neighbors",
    "normalize_name",
    "org_profile",
    "person_profile",
    "shortest_path",
    "write_report",
]
