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

How: the file is streamed, one node or edge at a time, into the atomic
temporary file; no copy of the graph and no whole-file string is held (at
10,000 articles they took about 1 GiB). `json.dumps(indent=...)` runs
Python's slow pure-Python encoder (CPython 3.11 uses its C encoder only
without `indent`), so plain records (dicts, lists, str, int, bool, None,
finite floats, no surrogates) are written by `_plain_json`, which gives the
same bytes; any other record goes through `json_safe` and `json.dumps`
exactly as the file was always made.
"""
from __future__ import annotations

import functools
import json
import math
import os
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Callable, Iterator

import networkx as nx

from graphkit.export.atomic import atomic_path, sync_early
from graphkit.export.evidence_json import EvidenceJSON
from graphkit.export.scalars import JSON_SCALARS, flat_records, json_safe, sort_evidence

__all__ = ["graph_to_json", "iter_graph_json", "write_json"]

_RECORD = "\n  "        # newline and indent of a node or edge (depth 2)
_TOP = "\n "            # newline and indent of a top-level key (depth 1)


class _NotPlain(Exception):
    """A value `json_safe` would change: its record takes the exact path."""


class _Encoded(str):
    """JSON text made beforehand (an edge's evidence), written as it is."""


def _plain_json(value: Any, pad: str) -> str:
    """`value` as `json.dumps(indent=1, sort_keys=True, ensure_ascii=False)` writes it
    where `pad` is the newline and indent of its own line; raises _NotPlain otherwise."""
    text = _scalar_json(value)
    if text is not None:
        return text
    kind = type(value)
    if kind is _Encoded:
        return str.__str__(value)
    if kind is dict:
        return _object_json(value, pad) if value else "{}"
    if kind is list:
        if not value:
            return "[]"
        inner = pad + " "
        if set(map(type, value)) <= JSON_SCALARS:   # aliases, articles: json's C encoder
            return "[" + inner + _c_encoder("," + inner)(value)[1:-1] + pad + "]"
        if flat_records(value):
            return _records_json(value, pad)
        items = [_scalar_json(item) or _plain_json(item, inner) for item in value]
        return "[" + inner + ("," + inner).join(items) + pad + "]"
    raise _NotPlain


def _records_json(items: list[dict[str, Any]], pad: str) -> str:
    """A list of flat dicts (evidence, most of the file) indented as json.dumps does, by its C encoder.

    The encoder writes "\\x00" between items, which JSON text holds nowhere
    else (a string escapes it): "}\\x00{" parts two dicts and any other "\\x00"
    two keys of one dict, as no scalar ends with "}". A NaN raises ValueError.
    """
    item, key = pad + " ", pad + "  "
    text = _c_encoder("\x00")(items)[2:-2]      # without the outer "[{" and "}]"
    text = text.replace("}\x00{", item + "}," + item + "{" + key).replace("\x00", "," + key)
    return "[" + item + "{" + key + text + item + "}" + pad + "]"


@functools.lru_cache(maxsize=64)
def _c_encoder(item_separator: str) -> Callable[[Any], str]:
    return json.JSONEncoder(ensure_ascii=False, sort_keys=True, allow_nan=False,
                            separators=(item_separator, ": ")).encode


def _object_json(obj: dict[str, Any], pad: str) -> str:
    inner = pad + " "
    items = []
    if not all(type(k) is str for k in obj):    # (a str subclass would hit the cache below)
        raise _NotPlain
    for prefix, key in _key_order(tuple(obj)):
        value = obj[key]
        text = _scalar_json(value)
        items.append(prefix + (_plain_json(value, inner) if text is None else text))
    return "{" + inner + ("," + inner).join(items) + pad + "}"


@functools.lru_cache(maxsize=4096)
def _key_order(keys: tuple[Any, ...]) -> tuple[tuple[str, str], ...]:
    """(`"key": `, key) in sorted order; evidence dicts share a few key lists."""
    return tuple((encode_basestring(k) + ": ", k) for k in sorted(keys))


def _scalar_json(value: Any) -> str | None:
    """A str, int, bool, None or finite float as JSON; None for anything else."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        # float.__repr__ is slow, and confidences repeat; 0.0 == -0.0, so zero is not cached.
        return (_float_json(value) if value else float.__repr__(value)) if math.isfinite(value) else None
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    return None


@functools.lru_cache(maxsize=4096)
def _float_json(value: float) -> str:
    return float.__repr__(value)


def _exact_json(value: Any, pad: str, *, edge: bool = False) -> bytes:
    """What the file held before streaming: `json_safe`, then `json.dumps`, re-indented."""
    safe = json_safe(value)
    if edge and isinstance(safe.get("evidence"), list):
        safe["evidence"] = sort_evidence(safe["evidence"])
    text = json.dumps(safe, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False)
    return text.replace("\n", pad).encode("utf-8")


def _value_json(value: Any, pad: str, *, edge: bool = False, evidence: EvidenceJSON | None = None) -> bytes:
    """A node, an edge (evidence sorted) or the graph attributes as UTF-8 JSON at the depth of `pad`.

    `evidence` encodes an edge's evidence list, laid out for the depth of `pad` + " ".
    """
    try:
        plain = value
        if edge and type(value.get("evidence")) is list:
            ordered = sort_evidence(value["evidence"])
            text = evidence.encode(ordered) if evidence is not None else None
            plain = {**value, "evidence": ordered if text is None else _Encoded(text)}
        # A lone surrogate passes encode_basestring raw and fails here.
        return _plain_json(plain, pad).encode("utf-8")
    except (_NotPlain, UnicodeEncodeError, TypeError, ValueError):
        return _exact_json(value, pad, edge=edge)


def _safe_get(record: dict[str, Any], name: str, default: Any = None) -> Any:
    """`json_safe(record).get(name, default)` without converting the whole record."""
    if all(type(k) is str for k in record):
        return json_safe(record[name]) if name in record else default
    return json_safe(record).get(name, default)


def _sorted_nodes(G: nx.Graph) -> list[dict[str, Any]]:
    records = [{**G.nodes[n], "id": n} for n in G]
    return sorted(records, key=lambda r: str(_safe_get(r, "id")))


def _sorted_edges(G: nx.Graph) -> list[dict[str, Any]]:
    if G.is_multigraph():
        records = [{**d, "source": u, "target": v, "key": k} for u, v, k, d in G.edges(keys=True, data=True)]
    else:
        records = [{**d, "source": u, "target": v} for u, v, d in G.edges(data=True)]
    return sorted(records, key=lambda r: (str(_safe_get(r, "source")), str(_safe_get(r, "target")),
                                          str(_safe_get(r, "key", ""))))


def _array(name: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A top-level key holding a list whose items arrive one by one."""
    first = next(chunks, None)
    if first is None:
        yield f"{_TOP}{encode_basestring(name)}: []".encode()
        return
    yield f"{_TOP}{encode_basestring(name)}: [{_RECORD}".encode()
    yield first
    for chunk in chunks:
        yield f",{_RECORD}".encode()
        yield chunk
    yield f"{_TOP}]".encode()


def iter_graph_json(G: nx.Graph) -> Iterator[bytes]:
    """The bytes of graph.json, a node or an edge at a time."""
    yield f'{{{_TOP}"directed": {"true" if G.is_directed() else "false"},'.encode()
    evidence = EvidenceJSON(_RECORD + " ")    # an edge's members are one level below it
    yield from _array("edges", (_value_json(r, _RECORD, edge=True, evidence=evidence) for r in _sorted_edges(G)))
    yield f',{_TOP}"graph": '.encode() + _value_json(G.graph, _TOP) + b","
    yield f'{_TOP}"multigraph": {"true" if G.is_multigraph() else "false"},'.encode()
    yield from _array("nodes", (_value_json(r, _RECORD) for r in _sorted_nodes(G)))
    yield b"\n}\n"


def graph_to_json(G: nx.Graph) -> str:
    """The JSON text `write_json` writes (ends with a newline)."""
    return b"".join(iter_graph_json(G)).decode("utf-8")


def write_json(G: nx.Graph, path: str | os.PathLike[str]) -> Path:
    """Write `G` as node-link JSON to `path`, atomically; return the path.

    Example:
        write_json(G, "outputs/graph.json")
        # {"directed": true, "edges": [{"articles": ["zh/a.md"], "key":
        #  "org:huawei|PARTICIPATED_IN|event:summit", "source": "org:huawei", ...

    Raises:
        OutputError: the file cannot be written; a previous file is kept.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            unsynced = 0
            for chunk in iter_graph_json(G):
                fh.write(chunk)
                unsynced += len(chunk)
                if unsynced >= _SYNC_EVERY:
                    sync_early(fh)
                    unsynced = 0
    return Path(path)


# graph.json is a build's last file: synced as it is written, its final fsync waited 0.04 s, not 0.065.
_SYNC_EVERY = 4 << 20
