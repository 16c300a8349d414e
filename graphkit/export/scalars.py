"""Turn graph attribute values into what file formats can hold.

In: attribute values as the graph contract gives them (str, int, float,
bool, lists of str, evidence as a list of dicts). Out: plain scalars for
GraphML, GEXF and CSV, strings that are legal XML 1.0, one type per key.

- Lists are joined with `" | "`; evidence becomes a short text (the first
  three sentences, each with its article id) plus a count.
- None, NaN, infinities and empty lists are left out: unknown values are
  absent, never written as "None" or "nan".
- XML 1.0 refuses `\\x00`-`\\x08`, `\\x0b`, `\\x0c`, `\\x0e`-`\\x1f`, `\\ufffe`,
  `\\uffff` and surrogates even when escaped, and UTF-8 cannot encode a lone
  surrogate; networkx 3.6 and xml.etree copy them through unchanged and the
  file then fails every strict parser (Gephi's included). `xml_text` removes
  them; two surrogates that form a valid pair are first joined into the
  character they encode.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import json
import math
import re
from itertools import chain
from operator import itemgetter
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "LIST_SEPARATOR",
    "GraphScalars",
    "coerce_records",
    "edge_list",
    "edge_weight",
    "evidence_summary",
    "flat_records",
    "fix_surrogates",
    "iso_day",
    "json_safe",
    "sort_evidence",
    "to_scalar",
    "unify_types",
    "unique_ids",
    "xml_text",
]

LIST_SEPARATOR = " | "
EVIDENCE_SHOWN = 3
SENTENCE_WIDTH = 200
_INT64 = (-(2**63), 2**63 - 1)

_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_LONE = re.compile("[\ud800-\udfff]")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ISO_DAY = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?")


def _join_pair(match: re.Match[str]) -> str:
    hi, lo = (ord(c) for c in match.group())
    return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))


def fix_surrogates(text: str, replacement: str = "\ufffd") -> str:
    """Join surrogate pairs into their character; replace lone surrogates.

    `"a\\ud800b"` -> `"a\\ufffdb"`; `"\\ud83d\\ude00"` -> `"😀"`.
    """
    if not _LONE.search(text):
        return text
    return _LONE.sub(replacement, _PAIR.sub(_join_pair, text))


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (lone surrogates removed)."""
    if not _XML_FORBIDDEN.search(text):  # nearly always: one scan, no copy
        return text if type(text) is str else str.__str__(text)   # a plain str, as re.sub gives
    return _XML_FORBIDDEN.sub("", fix_surrogates(text, ""))


def _num_key(value: Any) -> tuple[int, Any]:
    kind = type(value)
    if kind is int or kind is float or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return (0, float(value))
    return (1, str(value))


def _evidence_key(item: Any) -> tuple:
    if type(item) is not dict and not isinstance(item, Mapping):
        return (1, str(item))
    return (
        0,
        str(item.get("article", "")),
        _num_key(item.get("start", "")),
        _num_key(item.get("end", "")),
        str(item.get("sentence", "")),
        str(item.get("extractor", "")),
        _num_key(item.get("confidence", "")),
    )


def _item_json(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)


def _full_key(item: Any) -> tuple:
    key = _evidence_key(item)
    return (*key, _item_json(item)) if key[0] == 0 else key


def _has_nan(key: tuple) -> bool:
    return key[0] == 0 and any(n[1] != n[1] for n in (key[2], key[3], key[6]))


def _strictly_ordered(evidence: list[Any]) -> bool:
    """Whether (article, start) strictly increases along plain evidence dicts.

    Then the full key orders them as they are, ties impossible. Evidence comes
    so from resolve (sorted, one item per article and sentence start), and
    this check costs a fraction of computing the keys.
    """
    previous = None
    for item in evidence:
        if type(item) is not dict:
            return False
        article, start = item.get("article", ""), item.get("start", "")
        if type(article) is not str or type(start) is not int:
            return False
        current = (article, float(start))   # float: what _num_key compares
        if previous is not None and not previous < current:
            return False
        previous = current
    return True


def sort_evidence(evidence: Iterable[Any]) -> list[Any]:
    """Evidence sorted by (article, start, end, sentence, extractor, confidence).

    Works on malformed items too (missing keys, mixed types, non-dicts), so
    that output stays deterministic whatever an extractor produced. Dicts
    equal on all six are ordered by their JSON text, computed only for them:
    one `json.dumps` per item made this the slowest part of writing. The
    sorts are stable, so the order is the one the full key gives; with a NaN
    (unequal to itself) it might not be, and the full key is used.
    """
    evidence = list(evidence)
    if _strictly_ordered(evidence):
        return evidence
    keyed = [(_evidence_key(item), item) for item in evidence]
    if any(_has_nan(key) for key, _ in keyed):
        return sorted((item for _, item in keyed), key=_full_key)
    keyed.sort(key=itemgetter(0))
    out = [item for _, item in keyed]
    start = 0
    for end in range(1, len(keyed) + 1):
        if end == len(keyed) or keyed[end][0] != keyed[start][0]:
            if end - start > 1 and keyed[start][0][0] == 0:
                out[start:end] = sorted(out[start:end], key=_item_json)
            start = end
    return out


JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def flat_records(items: Any) -> bool:
    """Whether `items` is a list of non-empty dicts keyed by str that hold only
    str, int, float, bool or None: an evidence list as the graph holds it.

    Checked in C (set, map, chain): a Python loop over every sentence cost
    the writers more than what they do with the answer.
    """
    return (type(items) is list and bool(items) and set(map(type, items)) == {dict} and all(items)
            and set(map(type, chain.from_iterable(items))) == {str}
            and set(map(type, chain.from_iterable(map(dict.values, items)))) <= JSON_SCALARS)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def evidence_summary(evidence: Iterable[Any], shown: int = EVIDENCE_SHOWN) -> str:
    """The first `shown` evidence sentences as one line, each with its article.

    `[{"article": "zh/a.md", "sentence": "华为参加了峰会。"}]`
    -> `"[zh/a.md] 华为参加了峰会。"`; further items are joined with `" | "`.
    """
    parts = []
    for item in sort_evidence(evidence)[:shown]:
        if isinstance(item, Mapping):
            sentence = _shorten(str(item.get("sentence", "")), SENTENCE_WIDTH)
            parts.append(f"[{item.get('article', '')}] {sentence}".strip())
        else:
            parts.append(_shorten(str(item), SENTENCE_WIDTH))
    return xml_text(LIST_SEPARATOR.join(parts))


def edge_weight(attrs: Mapping[str, Any]) -> int:
    """An edge's weight for Gephi: the evidence count, at least 1.

    Gephi's importer (ImportContainerImpl.verify) deletes every edge whose
    weight is 0, so an edge without evidence still gets 1; the true count is
    written separately as `evidence_count`.
    """
    weight = attrs.get("weight")
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not math.isfinite(weight):
        evidence = attrs.get("evidence")
        weight = len(evidence) if isinstance(evidence, (list, tuple)) else 0
    return max(1, int(weight))


def _item_text(item: Any) -> str | None:
    if type(item) is str:
        return item
    if item is None:
        return None
    if isinstance(item, float) and not math.isfinite(item):
        return None
    if isinstance(item, Mapping):
        return json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
    if isinstance(item, (_dt.date, _dt.datetime)):
        return item.isoformat()
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)


def to_scalar(value: Any) -> str | int | float | bool | None:
    """One attribute value as a GraphML/GEXF scalar, or None to leave it out.

    Strings come back XML-clean. `["华为", "Huawei"]` -> `"华为 | Huawei"`;
    `datetime.date(2024, 5, 1)` -> `"2024-05-01"`; `None`, `nan`, `[]` -> None.
    """
    if type(value) is str:
        return xml_text(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return xml_text(value)
    if type(value) is list and all(type(i) is str for i in value):  # aliases, articles, rules
        return xml_text(LIST_SEPARATOR.join(value)) if value else None
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        texts = [t for t in (_item_text(i) for i in items) if t is not None]
        return xml_text(LIST_SEPARATOR.join(texts)) if texts else None
    text = _item_text(value)
    return None if text is None else xml_text(text)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if _INT64[0] <= value <= _INT64[1] else "str"
    if isinstance(value, float):
        return "float"
    return "str"


def unify_types(records: Iterable[Mapping[str, Any]]) -> dict[str, type]:
    """One type per key over all records: bool, int, float or str.

    Mixed int and float become float; anything else mixed becomes str (an
    int beyond 64 bits too). networkx writes one GraphML `<key>` per
    (name, type) pair, and two keys with one name make igraph refuse the
    file and Gephi read the wrong column.

    Plain dicts are read in C, as the set of (name, value type) pairs; only
    the ints of a name are looked at again, for their range. A `_kind` call
    per value took twice as long (1,000 articles: 6.7 -> 3.7 ms for the
    GraphML records).
    """
    records = list(records)
    if not set(map(type, records)) <= {dict}:
        return _unified(_kinds_per_value(records))
    kinds: dict[Any, set[str]] = {name: set() for name in dict.fromkeys(chain.from_iterable(records))}
    values = chain.from_iterable(map(dict.values, records))
    for name, kind in set(zip(chain.from_iterable(records), map(type, values))):
        if issubclass(kind, bool):
            kinds[name].add("bool")
        elif issubclass(kind, int):
            column = [value for record in records if type(value := record.get(name)) is kind]
            kinds[name].add("int" if _INT64[0] <= min(column) and max(column) <= _INT64[1] else "str")
        elif issubclass(kind, float):
            kinds[name].add("float")
        else:
            kinds[name].add("str")
    return _unified(kinds)


def _kinds_per_value(records: Iterable[Mapping[str, Any]]) -> dict[Any, set[str]]:
    kinds: dict[Any, set[str]] = {}
    for record in records:
        for name, value in record.items():
            kinds.setdefault(name, set()).add(_kind(value))
    return kinds


def _unified(kinds: dict[Any, set[str]]) -> dict[Any, type]:
    result: dict[Any, type] = {}
    for name, found in kinds.items():
        if found == {"bool"}:
            result[name] = bool
        elif found == {"int"}:
            result[name] = int
        elif found <= {"int", "float"}:
            result[name] = float
        else:
            result[name] = str
    return result


def _as(value: Any, kind: type) -> Any:
    if kind is str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)
    if kind is float:
        return float(value)
    return value


def coerce_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with every value cast to its key's unified type."""
    types = unify_types(records)
    return [{name: _as(value, types[name]) for name, value in rec.items()} for rec in records]


def unique_ids(raw_ids: Iterable[Any], empty: str = "_") -> dict[Any, str]:
    """Map each raw id to an XML-clean id, unique among the results.

    Cleaning can merge ids (`"a\\x00"` and `"a"`): later ones (in sorted
    order) get `~2`, `~3`, … so no node or edge silently disappears.
    """
    used: set[str] = set()
    mapping: dict[Any, str] = {}
    for raw in sorted(raw_ids, key=str):
        base = xml_text(str(raw)).strip() or empty
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}~{n}", n + 1
        used.add(candidate)
        mapping[raw] = candidate
    return mapping


def edge_list(G: Any, ids: Mapping[Any, str]) -> list[tuple[Any, Any, str, dict[str, Any]]]:
    """`G`'s edges as (u, v, edge id, data), sorted, with ids unique and XML-clean.

    The id is the contract's `"<source>|<TYPE>|<target>"` built from the
    clean node ids, so it names the same nodes as the file does. A key of
    another form is kept (cleaned) when keys are strings unique across the
    graph; otherwise, e.g. networkx's default keys 0, 1, … repeated between
    pairs, the id is built the contract's way too. Ids that are still equal
    get `~2`, `~3`, … `ids` maps node -> clean node id.
    """
    if G.is_multigraph():
        raw = list(G.edges(keys=True, data=True))
    else:
        raw = [(u, v, None, d) for u, v, d in G.edges(data=True)]
    keys = [k for _, _, k, _ in raw]
    use_keys = all(isinstance(k, str) and k for k in keys) and len(set(keys)) == len(keys)
    based = []
    for u, v, k, data in raw:
        relation = data.get("type", k if k is not None else "")
        if use_keys and k != f"{u}|{relation}|{v}":
            base = xml_text(k).strip()
        else:  # the contract's form, rebuilt from the clean node ids
            base = xml_text(f"{ids[u]}|{relation}|{ids[v]}")
        based.append((ids[u], ids[v], base or "edge", u, v, data))
    based.sort(key=lambda e: e[:3])
    used: set[str] = set()
    out = []
    for _, _, base, u, v, data in based:
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}~{n}", n + 1
        used.add(candidate)
        out.append((u, v, candidate, data))
    return out


def iso_day(value: Any, *, end: bool = False) -> str | None:
    """An ISO date for a GEXF time bound, or None when `value` is no date.

    `"2024-05"` -> `"2024-05-01"` (or `"2024-05-31"` as an end bound),
    `"2024"` -> `"2024-01-01"` / `"2024-12-31"`, `"2024-05-01T10:00"` ->
    `"2024-05-01"`; `"2024-13-45"` and `"soon"` -> None.
    """
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    match = _ISO_DAY.fullmatch(value.strip())
    if not match:
        return None
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else (12 if end else 1)
    if match.group(3):
        day = int(match.group(3))
    elif end and 1 <= month <= 12 and year >= 1:
        day = calendar.monthrange(year, month)[1]
    else:
        day = 1
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def json_safe(value: Any) -> Any:
    """`value` as JSON-ready data: str keys, lists, no NaN, valid Unicode.

    Lone surrogates become U+FFFD (UTF-8 cannot encode them), tuples and
    sets become lists (sets sorted), dates ISO strings, NaN and infinities
    None (JSON has no NaN), anything else its `str()`.
    """
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return fix_surrogates(value)
    if isinstance(value, Mapping):
        return {fix_surrogates(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return [json_safe(v) for v in sorted(value, key=str)]
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return fix_surrogates(str(value))


class GraphScalars:
    """What the GraphML, GEXF and CSV writers all read off one graph, worked out once.

    Clean node ids (`unique_ids`), nodes in file order, edges in file order
    (`edge_list`), each attribute value's `to_scalar` and each evidence
    list's `evidence_summary`. `graphkit build` hands one to all three
    writers; a writer called alone makes its own. Values are remembered by
    identity (the value is kept, so its id cannot be reused): use it only
    while the graph is unchanged.
    """

    def __init__(self, G: Any):
        self.graph = G
        self.ids = unique_ids(G.nodes)
        self.nodes = sorted(G.nodes, key=self.ids.__getitem__)
        self.edges = edge_list(G, self.ids)
        self._scalars: dict[int, tuple[Any, Any]] = {}
        self._summaries: dict[int, tuple[Any, str]] = {}

    @classmethod
    def of(cls, G: Any, shared: GraphScalars | None) -> GraphScalars:
        """`shared` when it was made for `G`, else a new one."""
        if shared is None:
            return cls(G)
        if shared.graph is not G:
            raise ValueError("GraphScalars made for another graph")
        return shared

    def scalar(self, value: Any) -> str | int | float | bool | None:
        """`to_scalar(value)`."""
        found = self._scalars.get(id(value))
        if found is None or found[0] is not value:
            found = self._scalars[id(value)] = (value, to_scalar(value))
        return found[1]

    def summary(self, evidence: Any) -> str:
        """`evidence_summary(evidence)`."""
        found = self._summaries.get(id(evidence))
        if found is None or found[0] is not evidence:
            found = self._summaries[id(evidence)] = (evidence, evidence_summary(evidence))
        return found[1]
