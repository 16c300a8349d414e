"""Windows cut to where a match can lie around its anchor word find the same matches."""
from __future__ import annotations

import random
import re

import pytest

from graphkit.extract.anchors import AnchorScanner
from graphkit.extract.reach import anchor_reach
from graphkit.rules import RegexRule, anchor_windows


def _rule(pattern: str, anchor: str, window: int = 12, after: int | None = None) -> RegexRule:
    return RegexRule("r", "EVENT", re.compile(pattern), 1.0, "r", anchor=re.compile(anchor),
                     window=window, after=after)


def _uncut(rule: RegexRule, text: str, window: int | None = None):
    """The matches in the whole windows around the anchor's hits, as before the cut."""
    words = rule.anchor.pattern.split("|")
    hits = [(i, i + len(w)) for i in range(len(text)) for w in words if text.startswith(w, i)]
    spans = anchor_windows(hits, *rule.reach(window), len(text))
    return [(m.span(), m.groups()) for m in rule.finditer_windows(text, spans)]


def test_reach_back_of_a_date_stops_at_what_the_pattern_cannot_take():
    reach = anchor_reach(re.compile(r"(?:(?:19|20)\d{2}\s*年\s*)?(?<!\d)\d{1,2}\s*月"), frozenset({"月"}))
    text = "于是 2024 年 12 月"
    back = reach.back[0].match(text[::-1], len(text) - text.index("月")).end() - (len(text) - text.index("月"))
    assert text[text.index("月") - back:text.index("月")] == " 2024 年 12 "
    assert reach.ahead == (None,)       # the match ends with 月


@pytest.mark.parametrize("pattern, words", [
    (r"大会", {"大会"}),                                  # re skips to the first character itself
    (r"(?:19|20)\d\d年\d月", {"月"}),
    (r"[一-龥]{0,3}(?:峰会|大会)", {"峰会"}),              # 大会 is no anchor word: not every match holds one
    (r"(?P<x>a)?(?P=x)大会", {"大会"}),                   # a backreference has no bound
    (r"\d?大会|\d?峰会", {"大会"}),                       # an alternative without an anchor word
    (r"(?=\w{3})\w{0,3}大会", {"大会"}),                  # a lookahead before the word reads past it
    (r"(?i:x)?\d{0,3}大会", {"大会"}),                    # case ignored in a part
])
def test_reach_refused(pattern, words):
    assert anchor_reach(re.compile(pattern), frozenset(words)) is None


def test_reach_refused_ignoring_case():
    assert anchor_reach(re.compile(r"\w{0,3}summit", re.I), frozenset({"summit"})) is None


@pytest.mark.parametrize("pattern, anchor, after", [
    # zh-event's shape: the name before the head word, matches end with it.
    (r"(?P<y>20\d{2})?\s*(?:年\s*)?(?P<n>(?:[A-Za-z][A-Za-z0-9.-]*+\s?){0,2}[一-龥·]{0,4}(?:大会|峰会|论坛))",
     "大会|峰会|论坛", 0),
    # zh-date's shape: words in the middle, a class and a lookahead after them.
    (r"(?:(?P<y>20\d{2})\s*年\s*)?(?<![\d.])(?P<m>1[0-2]|0?[1-9])\s*月\s*(?P<d>[12]\d|0?[1-9])\s*[日号](?![A-Za-z])",
     "月", None),
    (r"(?<![A-Za-z])(?P<n>[A-Za-z][a-z]*+ ?(?:X|Yz))\s?(?:版本|ed)\b", "X|Yz", None),
    (r"\b(?:[A-Z][a-z]*+\s){0,2}(?:X|Yz)(?:\s?\d+)?$", "X|Yz", None),
    # context/zh-org-list's shape: alternatives, each around its own word; a negated set.
    (r"等[^，。\s]{0,4}?(?:开源|年)|(?<=[一-龥A-Za-z])(?:\d+|[两三第]+)月(?:开源|年)", "等|月", None),
])
def test_reach_cut_windows_find_the_same_matches(pattern, anchor, after):
    rule = _rule(pattern, anchor, after=after)
    scanner = AnchorScanner([rule])
    assert scanner.reach(rule, 0) is not None
    rng = random.Random(5)
    pieces = ["大会", "峰会", "论坛", "月", "年", "日", "号", "版本", "X", "Yz", "ed", "2024", "12", "3", " ", "\n",
              "a", "Bc", "cX", " ed ", "5月", "3日", "1 月 2", "openEuler", "-", ".", "第", "届", "开源", "，", "·", "等", "两", "三"]
    found = 0
    for _ in range(1000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 40)))
        scan = scanner.scan(text)
        for window in (None, 5, 30):
            expected = _uncut(rule, text, window)
            assert [(m.span(), m.groups()) for m in scan.finditer(rule, window)] == expected, (text, window)
            found += len(expected)
    assert found > 40, found


def test_reach_cuts_the_window_of_a_head_word():
    rule = _rule(r"[一-龥]{0,4}大会", "大会", window=80, after=0)
    text = "这" * 60 + "开发者大会"
    scan = AnchorScanner([rule]).scan(text)
    found = list(scan.finditer(rule))
    assert [m.group(0) for m in found] == ["这开发者大会"]
    assert found[0].pos == len(text) - 2 - 4       # re started 4 characters before 大会, not 80
