"""The shared anchor scan finds the same matches as each rule scanning for its own anchor."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphkit.clean import clean_article
from graphkit.extract.anchors import AnchorScanner, literal_words
from graphkit.read import iter_article_files, read_article
from graphkit.rules import RegexRule

ROOT = Path(__file__).resolve().parent.parent
# The bundled samples, and the real corpus beside the repository when there is one.
ARTICLE_ROOTS = [ROOT / "examples" / "articles", ROOT.parent / "shared" / "corpus"]


@pytest.mark.parametrize("anchor, words, exact", [
    ("月", {"月"}, True),
    ("Days?|Forum", {"Day", "Days", "Forum"}, True),
    ("[Pp]lugin|SDK", {"Plugin", "plugin", "SDK"}, True),
    (r"\b(?:Mr|Dr)s?\b", {"Mr", "Mrs", "Dr", "Drs"}, False),
    (r"Summit(?![A-Za-z])", {"Summit"}, False),
    (r"(?:19|20)\d\d[-/.]", {"19", "20"}, False),       # a literal prefix, the rest checked
    (r"\.\d", {"."}, False),
])
def test_anchors_expand_to_words(anchor, words, exact):
    e = literal_words(anchor)
    assert (e.words, e.exact, e.folded) == (frozenset(words), exact, False)


@pytest.mark.parametrize("anchor", [
    r"\d\.\d",          # no literal to start with
    r"x?",              # can match nothing
    r"[^a]b",           # a negated set
    r"\w+Summit",
])
def test_anchors_that_do_not_expand(anchor):
    assert literal_words(anchor) is None


def test_anchors_ignoring_case_expand_in_lower_case():
    e = literal_words(re.compile("Summit|[Pp]artners", re.I))
    assert (e.words, e.exact, e.folded) == ({"summit", "partners"}, True, True)
    assert literal_words("(?i:Summit)|Forum") is None      # case ignored in one part only


def test_anchors_ignoring_case_find_any_case():
    rule = RegexRule("r", "ORG", re.compile(r"(?i:partners) such as \w+"), 1.0, "r",
                     anchor=re.compile(r"partners", re.I))
    text = "PARTNERS such as Acme. " + "x" * 100 + " Partners such as Beta. partners such as Gamma"
    found = [m.group(0) for m in AnchorScanner([rule]).scan(text).finditer(rule, 20)]
    assert found == ["PARTNERS such as Acme", "Partners such as Beta", "partners such as Gamma"]


def _spans(matches):
    return [(m.span(), m.groups()) for m in matches]


def _all_rules(extractor):
    rules = [r for rs in extractor.rules.regexes.values() for r in rs]
    return rules + list(extractor.context.regex_rules)


def test_anchors_shared_scan_equals_each_rule_on_the_corpus(extractor):
    files = [(p, r) for r in ARTICLE_ROOTS if r.is_dir() for p in iter_article_files(r)]
    assert len(files) >= 5
    rules = _all_rules(extractor)
    assert sum(r.anchor is not None for r in rules) >= 20
    for path, root in files:
        text = clean_article(read_article(path, root)).text
        scan = extractor.anchors.scan(text)
        for rule in rules:
            for window in (None, 80, 200):          # None: the rule's own reach (window, after)
                assert _spans(scan.finditer(rule, window)) == _spans(rule.finditer(text, window)), (path, rule.id)


def test_anchors_word_inside_another_word_is_no_hit():
    # `of` in `often` is not the anchor \bof\b: no window, no match.
    rule = RegexRule("r", "PERSON", re.compile(r"[A-Z]\w+ of"), 1.0, "r", anchor=re.compile(r"\bof\b"))
    scan = AnchorScanner([rule])
    text = "Alice often " + "x" * 200 + " Bob of Acme"
    assert [m.group(0) for m in scan.scan(text).finditer(rule, 10)] == ["Bob of"]
    assert [m.group(0) for m in scan.scan("Alice often").finditer(rule, 10)] == []


def test_anchors_rule_without_anchor_or_unknown_to_the_scanner():
    plain = RegexRule("p", "ORG", re.compile(r"Acme"), 1.0, "p")
    stranger = RegexRule("s", "ORG", re.compile(r"Acme \d"), 1.0, "s", anchor=re.compile(r"\d"))
    scan = AnchorScanner([]).scan("Acme 1 and Acme 2")
    assert [m.group(0) for m in scan.finditer(plain)] == ["Acme", "Acme"]
    assert [m.group(0) for m in scan.finditer(stranger)] == ["Acme 1", "Acme 2"]
