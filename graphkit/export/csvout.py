"""nodes.csv / edges.csv for Gephi, and neo4j/nodes.csv / neo4j/edges.csv.

In: a graph following docs/graph-contract.md and an output folder. Out:
two pairs of UTF-8 CSV files (no BOM, `\\n` line ends, RFC 4180 quoting by
the csv module), because the two readers want incompatible headers:

Gephi's spreadsheet importer (Gephi 0.9-0.10, ImportNodesProcess /
ImportEdgesProcess) recognises the columns `Id`, `Label` (nodes) and
`Source`, `Target`, `Type`, `Kind`, `Id`, `Label`, `Weight` (edges) by
name, case-insensitively; `id:ID` is just another column to it. So:

- `nodes.csv`: `Id, Label, type, aliases, articles, confidence, rules,
  value, …` (contract attributes first, any others after, sorted).
- `edges.csv`: `Source, Target, Type, Kind, Id, Label, Weight, relation,
  articles, …`. `Type` is `Directed` (Gephi's edge direction, not the
  relation); `Kind` and `Label` are the relation: Gephi merges parallel
  edges of one pair unless their kinds differ. `Weight` is the evidence
  count, at least 1 (Gephi deletes edges of weight 0); `evidence_count`
  has the true count.
- Gephi parses with commons-csv and `\\` as escape character: `\\n` in a
  value would turn into a newline and a value ending in `\\` would swallow
  the closing quote. Backslashes are therefore doubled in the Gephi
  files. Newlines stay, inside quotes.

`neo4j-admin database import` wants typed headers and cannot read a
newline inside a field unless told `--multiline-fields`:

- `neo4j/nodes.csv`: `id:ID, :LABEL, label, type, aliases:string[], …`;
  `:LABEL` is the node type.
- `neo4j/edges.csv`: `:START_ID, :END_ID, :TYPE, key, articles:string[],
  …`; `:TYPE` is the relation; `weight:long` is the contract's weight.
- Arrays are `;`-delimited (neo4j's default); a `;` inside an element
  becomes `；` (U+FF1B) since neo4j has no way to escape it. Newlines and
  tabs become spaces. Empty fields mean "no property".

Everywhere: lists joined with `" | "` in the Gephi files, evidence as a
short text plus `evidence_count`, None left empty, the characters XML
forbids (NUL and other controls, lone surrogates) removed. The four files
are written to temporary files first and renamed only when all four are
written, so a failed write (disk full) replaces none of them.
"""
from __future__ import annotations

import csv
import io
import os
import re
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Iterable, Mapping

import networkx as nx

from graphkit.export.atomic import atomic_path
from graphkit.export.scalars import GraphScalars, edge_weight, to_scalar, unify_types, xml_text

__all__ = ["csv_tables", "write_csv"]

NODE_ORDER = ("type", "aliases", "articles", "confidence", "rules", "value",
              "series", "edition", "date", "venue", "start", "end")
EDGE_ORDER = ("relation", "articles", "confidence", "role", "start", "end",
              "evidence_count", "evidence")
_GEPHI_NODE_SPECIAL = {"id", "label"}
_GEPHI_EDGE_SPECIAL = {"source", "target", "type", "kind", "id", "label", "weight"}
_NEO4J_TYPES = {bool: "boolean", int: "long", float: "double"}
_WS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
# What xml_text removes or _WS replaces: text without any is written as it is.
_NEO4J_SPECIAL = re.compile("[\x00-\x1f\x85\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def _order(names: Iterable[str], first: tuple[str, ...]) -> list[str]:
    names = set(names)
    return [n for n in first if n in names] + sorted(names - set(first))


def _gephi_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\\", "\\\\")


def _neo4j_text(text: str) -> str:
    if not _NEO4J_SPECIAL.search(text):
        return text
    return _WS.sub(" ", xml_text(text))


def _neo4j_cell(value: Any, is_array: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_array:
        items = value if isinstance(value, (list, tuple)) else [value]
        if type(items) is list and all(type(i) is str and i for i in items):
            joined = ";".join(items)   # nearly always nothing to change: one check for all items
            if joined.count(";") == len(items) - 1 and not _NEO4J_SPECIAL.search(joined):
                return joined
        texts = [_neo4j_text(str(i)).replace(";", "\uff1b") for i in items if i is not None]
        return ";".join(t for t in texts if t)
    return _neo4j_text(str(value))


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, set, frozenset))


def _plain(attrs: Mapping[str, Any], skip: set[str],
           scalars: GraphScalars) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scalars for Gephi, raw values for neo4j) of the attributes not skipped."""
    gephi, raw = {}, {}
    for name, value in attrs.items():
        name = xml_text(str(name)).strip()
        if not name or name in skip:
            continue
        scalar = scalars.scalar(value)
        if scalar is None:
            continue
        gephi[name] = scalar
        raw[name] = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
    return gephi, raw


def csv_tables(G: nx.Graph, *, shared: GraphScalars | None = None) -> dict[str, list[list[str]]]:
    """The four tables `write_csv` writes, as rows of strings, by relative path.

    `shared`: the scalars the other writers use too (see GraphScalars).
    """
    scalars = GraphScalars.of(G, shared)
    ids = scalars.ids
    node_rows = []
    for node in scalars.nodes:
        data = G.nodes[node]
        gephi, raw = _plain(data, {"id", "label"}, scalars)
        gephi.setdefault("type", "UNKNOWN")
        raw.setdefault("type", "UNKNOWN")
        label = scalars.scalar(data.get("label"))
        label = label if isinstance(label, str) and label.strip() else ids[node]
        node_rows.append((ids[node], label, gephi, raw))

    edge_rows = []
    for u, v, key, data in scalars.edges:
        gephi, raw = _plain(data, {"type", "weight", "evidence", "evidence_count", "id", "key"}, scalars)
        relation = scalars.scalar(data.get("type"))
        relation = relation if isinstance(relation, str) and relation else "RELATED_TO"
        gephi["relation"] = relation
        evidence = data.get("evidence")
        if isinstance(evidence, (list, tuple)):
            summary = scalars.summary(evidence)
            if summary:
                gephi["evidence"] = raw["evidence"] = summary
            gephi["evidence_count"] = raw["evidence_count"] = len(evidence)
        elif scalars.scalar(evidence) is not None:
            gephi["evidence"] = raw["evidence"] = scalars.scalar(evidence)
        weight = data.get("weight")
        if isinstance(weight, int) and not isinstance(weight, bool):
            raw["weight"] = weight
        edge_rows.append((ids[u], ids[v], key, relation, edge_weight(data), gephi, raw))

    tables: dict[str, list[list[str]]] = {}

    # Gephi. Column names are compared case-insensitively by Gephi and a
    # repeated one is an error, so attributes never reuse a special name.
    node_names = _order({n for *_, g, _ in node_rows for n in g}, NODE_ORDER)
    node_names = [n for n in node_names if n.lower() not in _GEPHI_NODE_SPECIAL]
    rows = [["Id", "Label", *node_names]]
    for node_id, label, gephi, _ in node_rows:
        rows.append([_gephi_cell(node_id), _gephi_cell(label), *(_gephi_cell(gephi.get(n)) for n in node_names)])
    tables["nodes.csv"] = rows

    edge_names = _order({n for *_, g, _ in edge_rows for n in g}, EDGE_ORDER)
    edge_names = [n for n in edge_names if n.lower() not in _GEPHI_EDGE_SPECIAL]
    rows = [["Source", "Target", "Type", "Kind", "Id", "Label", "Weight", *edge_names]]
    for src, dst, key, relation, weight, gephi, _ in edge_rows:
        rows.append([_gephi_cell(src), _gephi_cell(dst), "Directed" if G.is_directed() else "Undirected",
                     _gephi_cell(relation), _gephi_cell(key), _gephi_cell(relation), str(weight),
                     *(_gephi_cell(gephi.get(n)) for n in edge_names)])
    tables["edges.csv"] = rows

    # neo4j-admin: one typed header; a name takes the type of its values.
    tables["neo4j/nodes.csv"] = _neo4j_table(
        ["id:ID", ":LABEL", "label"],
        [[node_id, raw.get("type"), label] for node_id, label, _, raw in node_rows],
        [raw for *_, raw in node_rows], NODE_ORDER, {"id", "label"})
    tables["neo4j/edges.csv"] = _neo4j_table(
        [":START_ID", ":END_ID", ":TYPE", "key"],
        [[src, dst, relation, key] for src, dst, key, relation, *_ in edge_rows],
        [raw for *_, raw in edge_rows], ("articles", "confidence", "weight", "role", "start",
                                          "end", "evidence_count", "evidence"), {"key"})
    return tables


def _neo4j_table(fixed: list[str], fixed_rows: list[list[Any]], raws: list[dict[str, Any]],
                 first: tuple[str, ...], skip: set[str]) -> list[list[str]]:
    names = [n for n in _order({n for raw in raws for n in raw}, first) if n not in skip]
    arrays = {n for n in names if any(_is_list(raw.get(n)) for raw in raws)}
    scalar_types = unify_types({n: v for n, v in raw.items() if n in names and n not in arrays} for raw in raws)
    header = list(fixed)
    for name in names:
        if name in arrays:
            header.append(f"{name}:string[]")
        elif scalar_types.get(name) in _NEO4J_TYPES:
            header.append(f"{name}:{_NEO4J_TYPES[scalar_types[name]]}")
        else:
            header.append(name)
    rows = [header]
    for fixed_values, raw in zip(fixed_rows, raws):
        cells = [_neo4j_cell(v, False) for v in fixed_values]
        if header[1] == ":LABEL":
            cells[1] = cells[1].replace(";", "\uff1b") or "UNKNOWN"
        for name in names:
            value = raw.get(name)
            if name in arrays or scalar_types.get(name) is not str or value is None:
                cells.append(_neo4j_cell(value, name in arrays))
            else:
                cells.append(_neo4j_cell(value if isinstance(value, str) else to_scalar(value), False))
        rows.append(cells)
    return rows


# What makes the csv module quote a cell (with lineterminator "\n"); "\r" is left to it.
_CSV_QUOTED = re.compile('[",\n]')


def _render(rows: list[list[str]]) -> bytes:
    """The rows as `csv.writer(lineterminator="\\n", quoting=QUOTE_MINIMAL)` writes them.

    Built with str.join and substring tests per row, in C: the csv module
    copies every character one by one and took half of the CSV writer's time.
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    lines = [_line(row, writer, buf) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _line(row: list[Any], writer: Any, buf: io.StringIO) -> str:
    """One row without its line end; a cell with a comma, a quote or a newline is
    quoted (quotes doubled). Rows with a cell that is no str, with a "\r" or with a
    single cell (a lone empty cell is written "") are left to the csv module."""
    try:
        line = ",".join(row)
    except TypeError:
        line = None
    if line is None or len(row) < 2 or "\r" in line:
        writer.writerow(row)
        line = buf.getvalue()[:-1]
        buf.seek(0)
        buf.truncate()
        return line
    # `in` runs at memchr speed; a regex scans a line several times slower.
    if line.count(",") == len(row) - 1 and '"' not in line and "\n" not in line:
        return line
    return ",".join([f'"{cell.replace(chr(34), chr(34) * 2)}"' if _CSV_QUOTED.search(cell) else cell
                     for cell in row])


def write_csv(G: nx.Graph, out_dir: str | os.PathLike[str], *, shared: GraphScalars | None = None) -> list[Path]:
    """Write Gephi and neo4j CSV files into `out_dir`; return their paths.

    Writes `nodes.csv`, `edges.csv`, `neo4j/nodes.csv`, `neo4j/edges.csv`.
    Import into neo4j with:
        neo4j-admin database import full --nodes=neo4j/nodes.csv
            --relationships=neo4j/edges.csv neo4j

    Raises:
        OutputError: a file cannot be written; the previous files are kept.
    """
    out = Path(out_dir)
    payloads = {name: _render(rows) for name, rows in csv_tables(G, shared=shared).items()}
    paths = []
    with ExitStack() as stack:
        for name, payload in payloads.items():
            target = out / name
            tmp = stack.enter_context(atomic_path(target))
            with open(tmp, "wb") as fh:
                fh.write(payload)
            paths.append(target)
    return paths
