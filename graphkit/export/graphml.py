"""graph.graphml: the graph for Gephi, yEd, igraph and graphology.

In: a graph following docs/graph-contract.md. Out: the GraphML networkx
3.6 writes (`named_key_ids=True`, pretty-printed, XML declaration, UTF-8),
byte for byte, for a copy of the graph in which every value is a GraphML
scalar. `graphml_text` builds that document as text: networkx's lxml writer
makes an Element per `<data>` and took half the time; a test compares the
two. What the copy changes, and why:

- Lists are joined with `" | "`; evidence becomes a short text (the first
  three sentences with their article ids) plus `evidence_count`; None,
  NaN and empty lists are left out; each key has one type across all nodes
  (and across all edges). networkx raises on lists, dicts and None, and
  writes two `<key>`s for a name used with two types (igraph then refuses
  the file).
- Every string, ids and keys included, loses the characters XML 1.0
  forbids; ids that cleaning makes equal get `~2`, `~3`, … Edge ids are the
  edge keys, unique in the file (graphology refuses a repeated edge id).
- Key ids are the attribute names, so Gephi, which looks a key up by id
  before `attr.name` and reads ids `d3`/`d7` as labels, finds `label`.
  Node and edge attributes must then have distinct names (two `<key
  id="type">` would be invalid): on edges, `type` is written `relation`
  (as in GEXF and CSV) and the other names that nodes also use get an
  `edge_` prefix (`edge_articles`, `edge_confidence`, `edge_start`,
  `edge_end`). A node attribute named `weight`, `relation`, `evidence` or
  `evidence_count` would become `node_weight` and so on.
- The node attribute `id` is left out: it repeats `<node id>`, igraph reads
  that id into a vertex attribute `id` and drops it when a key has the same
  name. Every node gets `label` (its id when missing) and `type`.
- Edge `weight` is the evidence count, at least 1: Gephi deletes edges of
  weight 0.
- Graph attributes are never written (Gephi rejects some).

Gephi's GraphML importer has no edge kind, so it merges parallel edges of
one pair (summing weights); the GEXF file keeps them apart.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Mapping

import networkx as nx
from networkx.readwrite.graphml import GraphML

from graphkit.export.atomic import atomic_write
from graphkit.export.scalars import GraphScalars, coerce_records, edge_weight, xml_text

__all__ = ["graphml_graph", "graphml_text", "write_graphml"]

# Node attribute names of the graph contract: an edge attribute may not
# share one (see the module docstring), whatever a given graph holds.
CONTRACT_NODE_ATTRS = frozenset({
    "id", "type", "label", "aliases", "articles", "confidence", "rules",
    "value", "series", "edition", "date", "venue", "start", "end",
})
EDGE_RENAMES = {"type": "relation"}
# Names the edges always use: a node attribute with one of them is renamed.
EDGE_ONLY = frozenset({"weight", "relation", "evidence", "evidence_count"})


def _node_records(G: nx.Graph, scalars: GraphScalars) -> list[tuple[str, dict[str, Any]]]:
    out = []
    ids = scalars.ids
    for node in scalars.nodes:
        record: dict[str, Any] = {}
        for name, value in G.nodes[node].items():
            name = xml_text(str(name))
            if not name or name == "id":
                continue
            if name in EDGE_ONLY:
                name = f"node_{name}"
            scalar = scalars.scalar(value)
            if scalar is not None:
                record[name] = scalar
        if not isinstance(record.get("label"), str) or not record["label"].strip():
            record["label"] = ids[node]
        if not isinstance(record.get("type"), str) or not record["type"]:
            record["type"] = "UNKNOWN"
        out.append((ids[node], dict(sorted(record.items()))))
    return out


def _edge_name(name: str, node_names: set[str]) -> str:
    if name in EDGE_RENAMES:
        return EDGE_RENAMES[name]
    if name in node_names or name == "id":
        return f"edge_{name}"
    return name


def _edge_records(scalars: GraphScalars, node_names: set[str]):
    out = []
    ids = scalars.ids
    for u, v, key, data in scalars.edges:
        record: dict[str, Any] = {}
        for name, value in data.items():
            name = xml_text(str(name))
            if not name or name in ("weight", "evidence", "evidence_count"):
                continue
            scalar = scalars.scalar(value)
            if scalar is not None:
                record[_edge_name(name, node_names)] = scalar
        evidence = data.get("evidence")
        if isinstance(evidence, (list, tuple)):
            summary = scalars.summary(evidence)
            if summary:
                record["evidence"] = summary
            record["evidence_count"] = len(evidence)
        elif scalars.scalar(evidence) is not None:
            record["evidence"] = scalars.scalar(evidence)
        record["weight"] = edge_weight(data)
        out.append((ids[u], ids[v], key, dict(sorted(record.items()))))
    return out


def graphml_graph(G: nx.Graph, *, shared: GraphScalars | None = None) -> nx.MultiDiGraph:
    """The GraphML-ready copy of `G` that `write_graphml` writes.

    Node ids are XML-clean, edge keys unique, values scalars with one type
    per key, no graph attributes. `G` itself is not changed. `shared`: the
    scalars the other writers use too (see GraphScalars).
    """
    scalars = GraphScalars.of(G, shared)
    nodes = _node_records(G, scalars)
    node_names = set(CONTRACT_NODE_ATTRS)
    for _, record in nodes:
        node_names.update(record)
    edges = _edge_records(scalars, node_names)

    node_data = coerce_records([rec for _, rec in nodes])
    edge_data = coerce_records([rec for *_, rec in edges])
    H = nx.MultiDiGraph() if G.is_directed() else nx.MultiGraph()
    for (node, _), rec in zip(nodes, node_data):
        H.add_node(node, **rec)
    for (u, v, key, _), rec in zip(edges, edge_data):
        H.add_edge(u, v, key=key, **rec)
    return H


# What networkx 3.6's lxml writer (prettyprint, named_key_ids) writes, built as
# text: lxml took half of write_graphml's time, one Element per <data>.
_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    f'<graphml xmlns="{GraphML.NS_GRAPHML}" xmlns:xsi="{GraphML.NS_XSI}" '
    f'xsi:schemaLocation="{GraphML.SCHEMALOCATION}">'
)
_XML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
# libxml2 escapes these in text (xmlEscapeContent) and attribute values.
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTR_SPECIAL = re.compile('[&<>"\n\r\t]')
_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
_ATTR_ESCAPES = _TEXT_ESCAPES + (('"', "&quot;"), ("\n", "&#10;"), ("\t", "&#9;"))


def _escape(text: str, special: re.Pattern[str], escapes: tuple[tuple[str, str], ...]) -> str:
    if special.search(text):
        for char, entity in escapes:
            text = text.replace(char, entity)
    return text


def _attr(text: str) -> str:
    return _escape(text, _ATTR_SPECIAL, _ATTR_ESCAPES)


def _xml_type(value: Any) -> str:
    try:
        return _XML_TYPES[type(value)]
    except KeyError as err:  # as networkx's GraphML.get_xml_type
        raise TypeError(f"GraphML does not support type {type(value)} as data values.") from err


def _element(tag: str, attrs: str, data: Mapping[Any, Any]) -> str:
    if not data:
        return f"<{tag} {attrs}/>\n"
    rows = "".join(f'  <data key="{_attr(str(name))}">{_escape(str(value), _TEXT_SPECIAL, _TEXT_ESCAPES)}</data>\n'
                   for name, value in data.items())
    return f"<{tag} {attrs}>\n{rows}</{tag}>\n"


def graphml_text(H: nx.Graph) -> str:
    """`nx.write_graphml(H, prettyprint=True, named_key_ids=True)`'s document, as a string.

    For the copy `graphml_graph` makes: no graph attributes, no defaults.
    Elements come in networkx's order; keys in reverse order of first use,
    as networkx inserts each new key before the others.
    """
    elements = [("node", f'id="{_attr(str(n))}"', d) for n, d in H.nodes(data=True)]
    edges = H.edges(keys=True, data=True) if H.is_multigraph() else ((u, v, None, d) for u, v, d in H.edges(data=True))
    elements += [("edge", f'source="{_attr(str(u))}" target="{_attr(str(v))}" id="{_attr(str(k))}"', d)
                 for u, v, k, d in edges]
    keys: dict[tuple[str, str, str], None] = {}
    for scope, _, data in elements:
        for name, value in data.items():
            keys.setdefault((str(name), _xml_type(value), scope))
    parts = [_HEAD]
    parts += [f'<key id="{_attr(name)}" for="{scope}" attr.name="{_attr(name)}" attr.type="{kind}"/>\n'
              for name, kind, scope in reversed(keys)]
    parts.append(f'<graph edgedefault="{"directed" if H.is_directed() else "undirected"}">')
    parts += [_element(tag, attrs, data) for tag, attrs, data in elements]
    parts.append("</graph></graphml>")
    return "".join(parts)


def write_graphml(G: nx.Graph, path: str | os.PathLike[str], *, shared: GraphScalars | None = None) -> Path:
    """Write `G` as GraphML to `path`, atomically; return the path.

    Example:
        write_graphml(G, "outputs/graph.graphml")
        # <key id="label" for="node" attr.name="label" attr.type="string"/>
        # <node id="org:huawei"><data key="label">Huawei</data>
        #   <data key="aliases">Huawei | 华为</data> ...

    Raises:
        OutputError: the file cannot be written; a previous file is kept.
    """
    return atomic_write(path, graphml_text(graphml_graph(G, shared=shared)))
