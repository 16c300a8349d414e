"""graph.gexf: the graph for Gephi (with its timeline) and graphology.

In: a graph following docs/graph-contract.md. Out: GEXF 1.3, written as
text, indented and escaped as xml.etree's `indent` and `tostring` do
(networkx's `write_gexf` reads a list as dynamic triples, writes the
relation as the edge's `type` and cannot write `kind`; an element tree
took half the writing time):

- `<node id label start end>` with `viz:color` from `palette.TYPE_COLORS`
  and `viz:size` growing with the degree; the other node attributes as
  static `<attvalue>`s (lists joined with `" | "`, one type per key).
- `<edge id source target label kind weight start end>`: `label` and
  `kind` are the relation, `weight` the evidence count (at least 1: Gephi
  deletes edges of weight 0). The relation is also the attribute
  `relation`, never `type`: in GEXF an edge's `type` is directed /
  undirected / mutual, and graphology refuses any other value. `kind` is
  GEXF 1.3's edge kind: Gephi merges parallel edges of one pair unless
  their kinds differ, so `kind` keeps `PARTICIPATED_IN` and `SHOWCASED`
  between the same pair as two edges. Evidence is a short text plus
  `evidence_count`, as in GraphML.
- When any node or edge has `start`/`end`, the graph is
  `mode="dynamic" timeformat="date"` and those bounds become the element's
  interval (`"2024-05"` -> 2024-05-01 .. 2024-05-31) so Gephi's timeline can
  play it; a bound that is no date is left out. Otherwise `mode="static"`.
- Attribute ids are the attribute names: graphology-gexf 0.13 uses an
  attribute's id, not its title, unless the id is a number. Names that
  graphology or Gephi read as visual variables (`label`, `color`, `size`,
  `x`, `y`, `z`, `shape`, `thickness`, `weight`, `kind`) get an `attr_`
  prefix.
- Ids, labels and values lose the characters XML 1.0 forbids; ids that
  cleaning makes equal get `~2`, `~3`, … Edge ids are unique.
- Graph attributes are never written (Gephi rejects some); the file has no
  timestamp, so the same graph gives the same bytes.
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any, Mapping

import networkx as nx

from graphkit.export.atomic import atomic_write
from graphkit.export.palette import color_for, hex_to_rgb
from graphkit.export.scalars import GraphScalars, edge_weight, iso_day, unify_types, xml_text

__all__ = ["gexf_text", "node_size", "write_gexf"]

NS_GEXF = "http://gexf.net/1.3"
NS_VIZ = "http://gexf.net/1.3/viz"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd"

# Names read as element properties by graphology-gexf or Gephi, not data.
_VISUAL = frozenset({"label", "color", "size", "x", "y", "z", "shape", "thickness", "weight", "kind"})
_NODE_SKIP = frozenset({"id", "label", "start", "end"})
_EDGE_SKIP = frozenset({"id", "label", "start", "end", "type", "weight", "evidence", "evidence_count"})
_GEXF_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
_ATTR_SPECIAL = re.compile('[&<>"\r\n\t]')
_ATTR_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                 ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def node_size(degree: int) -> float:
    """viz:size for a node of `degree` (in + out, parallel edges counted)."""
    return round(10.0 + 5.0 * math.sqrt(max(0, degree)), 2)


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _attr_name(name: Any) -> str:
    name = xml_text(str(name)).strip()
    return f"attr_{name}" if name in _VISUAL else name


def _interval(attrs: Mapping[str, Any]) -> tuple[str | None, str | None]:
    start = iso_day(attrs.get("start")) if attrs.get("start") is not None else None
    end = iso_day(attrs.get("end"), end=True) if attrs.get("end") is not None else None
    if start and end and start > end:
        start, end = end, start
    return start, end


def _node_rows(G: nx.Graph, scalars: GraphScalars) -> list[dict[str, Any]]:
    rows = []
    ids = scalars.ids
    for node in scalars.nodes:
        data = G.nodes[node]
        values: dict[str, Any] = {}
        for name, value in data.items():
            if str(name) in _NODE_SKIP:
                continue
            scalar, key = scalars.scalar(value), _attr_name(name)
            if key and scalar is not None:
                values[key] = scalar
        if not isinstance(values.get("type"), str) or not values["type"]:
            values["type"] = "UNKNOWN"
        label = scalars.scalar(data.get("label"))
        label = label if isinstance(label, str) and label.strip() else ids[node]
        degree = G.degree(node)
        rows.append({
            "id": ids[node],
            "label": label,
            "interval": _interval(data),
            "values": dict(sorted(values.items())),
            "color": hex_to_rgb(color_for(data.get("type"))),
            "size": node_size(degree if isinstance(degree, int) else 0),
        })
    return rows


def _edge_rows(scalars: GraphScalars) -> list[dict[str, Any]]:
    rows = []
    ids = scalars.ids
    for u, v, key, data in scalars.edges:
        relation = scalars.scalar(data.get("type"))
        relation = relation if isinstance(relation, str) and relation else "RELATED_TO"
        values: dict[str, Any] = {"relation": relation}
        for name, value in data.items():
            if str(name) in _EDGE_SKIP:
                continue
            scalar, attr = scalars.scalar(value), _attr_name(name)
            if attr and scalar is not None:
                values[attr] = scalar
        evidence = data.get("evidence")
        if isinstance(evidence, (list, tuple)):
            summary = scalars.summary(evidence)
            if summary:
                values["evidence"] = summary
            values["evidence_count"] = len(evidence)
        elif scalars.scalar(evidence) is not None:
            values["evidence"] = scalars.scalar(evidence)
        rows.append({
            "id": key,
            "source": ids[u],
            "target": ids[v],
            "relation": relation,
            "weight": edge_weight(data),
            "interval": _interval(data),
            "values": dict(sorted(values.items())),
        })
    return rows


def _attr(text: str) -> str:
    """An attribute value escaped as xml.etree 3.11 escapes it (`_escape_attrib`)."""
    if _ATTR_SPECIAL.search(text):
        for char, entity in _ATTR_ESCAPES:
            text = text.replace(char, entity)
    return text


def _tag(name: str, attrs: Mapping[str, str], close: bool = False) -> str:
    body = "".join(f' {key}="{_attr(value)}"' for key, value in attrs.items())
    return f"<{name}{body} />" if close else f"<{name}{body}>"


def _attributes(cls: str, types: Mapping[str, type]) -> list[str]:
    if not types:
        return []
    return [f'  <attributes class="{cls}" mode="static">',
            *(f"   {_tag('attribute', {'id': n, 'title': n, 'type': _GEXF_TYPES[types[n]]}, True)}"
              for n in sorted(types)),
            "  </attributes>"]


def _attvalues(values: Mapping[str, Any], types: Mapping[str, type]) -> list[str]:
    if not values:
        return []
    lines = ["    <attvalues>"]
    for name, value in values.items():
        kind = types[name]
        if kind is str and not isinstance(value, str):
            value = _format(value)
        elif kind is float:
            value = float(value)
        lines.append(f'     <attvalue for="{_attr(name)}" value="{_attr(_format(value))}" />')
    lines.append("    </attvalues>")
    return lines


def _with_interval(attrs: dict[str, str], interval: tuple[str | None, str | None]) -> dict[str, str]:
    start, end = interval
    if start:
        attrs["start"] = start
    if end:
        attrs["end"] = end
    return attrs


def _element(name: str, attrs: dict[str, str], children: list[str]) -> list[str]:
    if not children:
        return [f"   {_tag(name, attrs, True)}"]
    return [f"   {_tag(name, attrs)}", *children, f"   </{name}>"]


def gexf_text(G: nx.Graph, *, shared: GraphScalars | None = None) -> str:
    """The GEXF document `write_gexf` writes, as a string.

    Built as text, indented and escaped as `ET.indent` and `ET.tostring`
    (Python 3.11) wrote it from an element tree, which took half the time.
    `shared`: the scalars the other writers use too (see GraphScalars).
    """
    scalars = GraphScalars.of(G, shared)
    nodes = _node_rows(G, scalars)
    edges = _edge_rows(scalars)
    node_types = unify_types(row["values"] for row in nodes)
    edge_types = unify_types(row["values"] for row in edges)
    dynamic = any(any(row["interval"]) for row in (*nodes, *edges))

    root = {"xmlns": NS_GEXF, "xmlns:viz": NS_VIZ, "xmlns:xsi": NS_XSI,
            "xsi:schemaLocation": SCHEMA_LOCATION, "version": "1.3"}
    graph_attrs = {"defaultedgetype": "directed" if G.is_directed() else "undirected"}
    if dynamic:
        graph_attrs.update(mode="dynamic", timeformat="date")
    else:
        graph_attrs["mode"] = "static"
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', _tag("gexf", root),
             " <meta>", "  <creator>graphkit</creator>",
             "  <description>Event knowledge graph built from news articles</description>", " </meta>",
             f" {_tag('graph', graph_attrs)}",
             *_attributes("node", node_types), *_attributes("edge", edge_types)]

    node_lines = []
    for row in nodes:
        r, g, b = row["color"]
        attrs = _with_interval({"id": row["id"], "label": row["label"]}, row["interval"])
        node_lines += _element("node", attrs, [
            *_attvalues(row["values"], node_types),
            f'    <viz:color r="{r}" g="{g}" b="{b}" />',
            f'    <viz:size value="{_attr(_format(row["size"]))}" />'])
    lines += ["  <nodes>", *node_lines, "  </nodes>"] if node_lines else ["  <nodes />"]

    edge_lines = []
    for row in edges:
        attrs = _with_interval({"id": row["id"], "source": row["source"], "target": row["target"],
                                "label": row["relation"], "kind": row["relation"],
                                "weight": str(row["weight"])}, row["interval"])
        edge_lines += _element("edge", attrs, _attvalues(row["values"], edge_types))
    lines += ["  <edges>", *edge_lines, "  </edges>"] if edge_lines else ["  <edges />"]
    lines += [" </graph>", "</gexf>"]
    return "\n".join(lines) + "\n"


def write_gexf(G: nx.Graph, path: str | os.PathLike[str], *, shared: GraphScalars | None = None) -> Path:
    """Write `G` as GEXF 1.3 to `path`, atomically; return the path.

    Example:
        write_gexf(G, "outputs/graph.gexf")
        # <node id="org:huawei" label="华为" start="2024-05-01" end="2024-06-02">
        #   <attvalues><attvalue for="type" value="ORG" /> ...
        #   <viz:color r="0" g="114" b="178" /><viz:size value="17.07" />

    Raises:
        OutputError: the file cannot be written; a previous file is kept.
    """
    return atomic_write(path, gexf_text(G, shared=shared))
