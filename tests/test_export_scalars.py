"""The value conversions every file writer shares (graphkit/export/scalars.py)."""
from __future__ import annotations

import datetime as dt
import math

import networkx as nx
import pytest

from graphkit.export.scalars import (
    edge_list,
    edge_weight,
    evidence_summary,
    fix_surrogates,
    iso_day,
    json_safe,
    to_scalar,
    unify_types,
    unique_ids,
    xml_text,
)


@pytest.mark.parametrize("text,expected", [
    ("华为", "华为"),
    ("a\ud800b", "a\ufffdb"),
    ("\ud83d\ude00", "😀"),  # a valid pair written as two surrogates is joined
    ("\udc00\ud800", "\ufffd\ufffd"),  # wrong order: two lone ones
])
def test_export_scalars_fix_surrogates(text, expected):
    assert fix_surrogates(text) == expected
    fix_surrogates(text).encode("utf-8")


@pytest.mark.parametrize("text,expected", [
    ("x\x00\x0b\x0c\x1fy", "xy"),
    ("tab\tline\ncr\r", "tab\tline\ncr\r"),  # allowed in XML 1.0
    ("a\ufffe\uffffb", "ab"),
    ("lone\ud800", "lone"),
    ("<img src=x>]]>&\"'", "<img src=x>]]>&\"'"),  # escaping is the writer's job
])
def test_export_scalars_xml_text(text, expected):
    assert xml_text(text) == expected


@pytest.mark.parametrize("value,expected", [
    (["华为", "Huawei"], "华为 | Huawei"),
    ([], None),
    (None, None),
    (math.nan, None),
    (math.inf, None),
    (dt.date(2024, 5, 1), "2024-05-01"),
    ({"b": 1, "a": "x"}, '{"a": "x", "b": 1}'),
    ({"b", "a"}, "a | b"),
    (True, True),
    (3, 3),
    ("a\x00b", "ab"),
])
def test_export_scalars_to_scalar(value, expected):
    assert to_scalar(value) == expected


@pytest.mark.parametrize("value,end,expected", [
    ("2024-05-01", False, "2024-05-01"),
    ("2024-05", False, "2024-05-01"),
    ("2024-05", True, "2024-05-31"),
    ("2024-02", True, "2024-02-29"),
    ("2024", True, "2024-12-31"),
    ("2024-5-3", False, "2024-05-03"),
    ("2024-05-01T10:00:00", False, "2024-05-01"),
    ("2024-13-45", False, None),
    ("2024--3-18", False, None),
    ("soon", False, None),
    (dt.date(2024, 5, 1), False, "2024-05-01"),
    (20240501, False, None),
])
def test_export_scalars_iso_day(value, end, expected):
    assert iso_day(value, end=end) == expected


def test_export_scalars_unify_types():
    types = unify_types([
        {"i": 1, "f": 1, "b": True, "m": "x", "big": 2**70},
        {"i": 2, "f": 2.5, "b": False, "m": 1, "big": 1},
    ])
    assert types == {"i": int, "f": float, "b": bool, "m": str, "big": str}


class _Records(dict):
    """A dict subclass: unify_types reads it value by value."""


class _Count(int):
    pass


@pytest.mark.parametrize("records,expected", [
    # an int column with one value beyond 64 bits, and the limits themselves
    ([{"n": 2**63 - 1}, {"n": -(2**63)}], {"n": int}),
    ([{"n": 1}, {"n": 2**63}], {"n": str}),
    ([{"n": 1}, {"n": -(2**63) - 1}, {"n": 2.0}], {"n": str}),
    # int subclasses (not bool) count as ints, bool beside int makes str
    ([{"n": _Count(3)}, {"n": 4}], {"n": int}),
    ([{"n": True}, {"n": 4}], {"n": str}),
    # keys missing from some records, None, and the order of first use
    ([{"b": 1.5}, {"a": None, "b": 2}], {"b": float, "a": str}),
    ([], {}),
])
@pytest.mark.parametrize("kind", [dict, _Records])
def test_export_scalars_unify_types_columns(records, expected, kind):
    types = unify_types(kind(r) for r in records)
    assert types == expected and list(types) == list(expected)


def test_export_scalars_unique_ids_never_merge_nodes():
    ids = unique_ids(["org:a", "org:a\x00", "org:a\ud800", ""])
    assert len(set(ids.values())) == 4
    assert ids["org:a"] == "org:a" and ids[""] == "_"


def test_export_scalars_edge_list_unique_ids_for_default_keys():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", type="X")
    G.add_edge("a", "b", type="X")
    G.add_edge("b", "c", type="Y")
    keys = [k for _, _, k, _ in edge_list(G, {n: n for n in G})]
    assert keys == ["a|X|b", "a|X|b~2", "b|Y|c"]


@pytest.mark.parametrize("attrs,expected", [
    ({"weight": 3}, 3),
    ({"weight": 0}, 1),  # Gephi deletes weight-0 edges
    ({"evidence": [{}, {}]}, 2),
    ({}, 1),
    ({"weight": math.nan, "evidence": [{}]}, 1),
])
def test_export_scalars_edge_weight(attrs, expected):
    assert edge_weight(attrs) == expected


def test_export_scalars_evidence_summary_first_three_sorted():
    evidence = [{"article": f"a{i}", "sentence": f"句子{i}\n续", "start": 0} for i in (4, 2, 3, 1)]
    assert evidence_summary(evidence) == "[a1] 句子1 续 | [a2] 句子2 续 | [a3] 句子3 续"
    assert evidence_summary([{"sentence": "x" * 500, "article": "a"}]).endswith("…")


def test_export_scalars_json_safe():
    data = json_safe({1: (1.5, math.nan), "s": {"b", "a"}, "t": "\ud800", "d": dt.date(2024, 1, 2)})
    assert data == {"1": [1.5, None], "s": ["a", "b"], "t": "\ufffd", "d": "2024-01-02"}
