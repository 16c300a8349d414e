"""How candidates compete for the text: selection, context guesses against known names, and
the check that a short Chinese name is not the tail of another word."""
from __future__ import annotations

import pytest

from graphkit.extract import _drop_context_over_gazetteer, _inside_a_word, select_mentions
from graphkit.extract.context import _dictionary_words, _posseg
from graphkit.types import Mention


def _m(label, text, start, rule_id, key="", confidence=1.0):
    return Mention("a.md", label, text, start, start + len(text), rule_id, key, confidence)


def test_select_longest_then_rule_then_text_order():
    event = _m("EVENT", "openEuler Summit", 0, "patterns/events.yaml#summit", "openeuler-summit", 0.8)
    inner = _m("ORG", "openEuler", 0, "gazetteers/orgs.yaml#openeuler", "openeuler", 0.95)
    guess = _m("ORG", "Huawei", 20, "context/en-org-suffix", "", 0.6)
    known = _m("ORG", "Huawei", 20, "gazetteers/orgs.yaml#huawei", "huawei", 0.6)
    kept = select_mentions([guess, inner, known, event])
    assert kept == [event, known]      # the longer span, then the stronger rule; in text order


def test_select_keeps_every_day_of_a_range():
    first = _m("DATE", "4月8日至9日", 5, "patterns/dates.yaml#zh-range", "2024-04-08")
    last = _m("DATE", "4月8日至9日", 5, "patterns/dates.yaml#zh-range", "2024-04-09")
    inside = _m("DATE", "4月8日", 5, "patterns/dates.yaml#zh", "2024-04-08")
    assert select_mentions([inside, last, first]) == [first, last]


def test_drop_context_guess_over_known_name():
    known_inside = _m("ORG", "华为", 3, "gazetteers/orgs.yaml#huawei", "huawei")
    lab = _m("ORG", "北航-华为关键软件联合实验室", 0, "context/zh-org-suffix", "", 0.65)
    known_exact = _m("ORG", "开放原子开源基金会", 30, "gazetteers/orgs.yaml#openatom", "openatom")
    same_span = _m("ORG", "开放原子开源基金会", 30, "context/zh-org-suffix", "", 0.65)
    version = _m("VERSION", "24.03", 50, "patterns/versions.yaml#bare-version", "24-03")
    out = _drop_context_over_gazetteer([known_inside, known_exact, version, lab, same_span])
    # The legal name wins over the known name inside it; the known name wins the exact span.
    assert out == [known_exact, version, lab]


def test_drop_context_without_guesses_is_the_same_list():
    candidates = [_m("ORG", "华为", 0, "gazetteers/orgs.yaml#huawei", "huawei")]
    assert _drop_context_over_gazetteer(candidates) == candidates


@pytest.mark.parametrize("text, start, end, inside", [
    ("在系统信创领域", 2, 4, True),       # 统信 in 系统信创
    ("在系统信创领域", 3, 5, False),      # 信创 starts a word
    # One window (系统信创领), two offsets: the verdict depends on where the name starts.
    ("系统信创领域", 1, 3, True),
    ("系统信创领域", 2, 3, False),
    ("统信软件发布新版", 0, 2, False),    # the text's start is always a word start
])
def test_inside_a_word(text, start, end, inside):
    assert _inside_a_word(text, start, end) is inside


def test_dictionary_words_as_jieba_segments_them():
    text = "北航华为关键软件联合"
    assert _dictionary_words(text) == tuple((w, f) for w, f in _posseg().lcut(text, HMM=False))
    assert _dictionary_words(text) is _dictionary_words(text)     # segmented once
