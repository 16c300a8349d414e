"""The anchor words of every regex rule, found in one Aho-Corasick pass per article.

A rule's `anchor` (rules/patterns/*.yaml) names words every match contains;
the pattern then runs only in windows around them (`RegexRule.finditer`).
Scanning an article once per anchor regex cost more than the patterns: an
alternation of words (`Summit|Conference|...`, a list of job titles) gives
Python's `re` no prefix to skip ahead with, so it tries every position, ~7 ns
a character, for each of ~25 anchors. Most anchors are finite sets of words:
they are expanded here and all found in one pass. An anchor that only starts
with such words (`(?:19|20)\\d\\d`, `\\.\\d`) is found by them and checked with
its regex; the others (`\\d\\.\\d`) keep their regex.

Windows are then cut to where a match can lie around each anchor word when the
pattern holds the words as one of its parts (extract/reach.py): zh-event's
name reaches ~24 characters before its head word, not the window's 80.

Assertions (`\\b`, lookarounds) cannot be expanded: words found by an anchor
that has them are checked with the anchor's regex at their start. Anchors
that ignore case are expanded in lower case and looked for in the
lower-cased text.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import ahocorasick_rs

try:                                    # the parser behind `re`, public as sre_parse before 3.11
    from re import _parser as _sre
except ImportError:                     # pragma: no cover
    import sre_parse as _sre

from graphkit.extract.gazetteer import lower_same_length
from graphkit.extract.reach import Reach, anchor_reach, cut_windows
from graphkit.rules import RegexRule, anchor_windows

__all__ = ["AnchorScanner", "ArticleAnchors", "literal_words", "matches"]

_MAX_WORDS = 4096       # larger expansions (\w, [a-z]{3}) stay regexes
_IGNORED = {_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT}


@dataclass(frozen=True)
class Expansion:
    words: frozenset[str]
    exact: bool         # no assertion was left out: every word found is a hit
    folded: bool        # the anchor ignores case: words are lower case, for the lower-cased text


def literal_words(pattern: re.Pattern | str) -> Expansion | None:
    """The strings `pattern` can match, or None when they are not a small finite set.

    >>> e = literal_words(r"\\b(?:Mr|Dr)s?\\b")
    >>> sorted(e.words), e.exact
    (['Dr', 'Drs', 'Mr', 'Mrs'], False)
    """
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    if not isinstance(source, str):
        return None
    ignored: list = []
    try:
        parsed = _sre.parse(source, flags)
        fold = bool(parsed.state.flags & re.IGNORECASE)
        words = _expand(parsed, ignored, fold, prefix_only=True)
    except (re.error, _TooMany):
        return None
    if words is None or "" in words:
        return None             # an anchor that can match nothing anchors nothing
    return Expansion(frozenset(words), not ignored, fold)


class _TooMany(Exception):
    pass


def _expand(items, ignored: list, fold: bool, prefix_only: bool = False) -> set[str] | None:
    """Strings a parsed sequence matches, or None when it is not a finite set of literals.
    Assertions are skipped and appended to `ignored`; with `prefix_only`, so is the rest
    of the sequence after its first part that does not expand (`(?:19|20)\\d\\d` -> 19, 20)."""
    out = {""}
    for op, av in items:
        if op in _IGNORED:
            ignored.append(op)
            continue
        if op is _sre.LITERAL:
            options = _folded({chr(av)}, fold)
        elif op is _sre.IN:
            options = _folded(_charset(av), fold)
        elif op is _sre.BRANCH:
            options = set()
            for alternative in av[1]:
                sub = _expand(alternative, ignored, fold)
                if sub is None:
                    return None
                options |= sub
        elif op is _sre.SUBPATTERN:
            # (?i:...) or (?-i:...) inside: case matters in one part only.
            options = None if (av[1] | av[2]) & re.IGNORECASE else _expand(av[-1], ignored, fold)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and av[1] <= 1:
            sub = _expand(av[2], ignored, fold)
            options = None if sub is None else (sub | {""} if av[0] == 0 else sub)
        elif op is _sre.ATOMIC_GROUP:
            options = _expand(av, ignored, fold)
        else:
            options = None
        if options is None:
            if prefix_only and out != {""}:
                ignored.append(op)
                return out
            return None
        if len(out) * len(options) > _MAX_WORDS:
            raise _TooMany
        out = {a + b for a, b in itertools.product(out, options)}
    return out


def _folded(chars: set[str] | None, fold: bool) -> set[str] | None:
    if chars is None or not fold:
        return chars
    lowered = {c.lower() for c in chars}
    return lowered if all(len(c) == 1 for c in lowered) else None


def _charset(items) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            chars.add(chr(av))
        elif op is _sre.RANGE and av[1] - av[0] < 64:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None         # negated sets, categories (\d), wide ranges
    return chars


class AnchorScanner:
    """The anchors of a set of rules, compiled once per process."""

    def __init__(self, rules: Iterable[RegexRule]):
        self._groups: dict[str, int] = {}           # anchor regex source -> group number
        self._regex: dict[int, re.Pattern] = {}     # groups found by their own regex
        self._check: dict[int, re.Pattern] = {}     # groups whose words need their assertions checked
        self._words: dict[int, frozenset[str]] = {}     # groups whose every word found is a hit, exact case
        self._reach: dict[tuple[str, int, int], Reach | None] = {}
        words_of: tuple[dict, dict] = ({}, {})      # word -> groups, for the text and the lower-cased text
        for rule in rules:
            if rule.anchor is None or rule.anchor.pattern in self._groups:
                continue
            group = self._groups[rule.anchor.pattern] = len(self._groups)
            expanded = literal_words(rule.anchor)
            if expanded is None:
                self._regex[group] = rule.anchor
                continue
            if not expanded.exact:
                self._check[group] = rule.anchor
            elif not expanded.folded:
                self._words[group] = expanded.words
            for word in expanded.words:
                words_of[expanded.folded].setdefault(word, set()).add(group)
        self._automata = tuple(_automaton(words) for words in words_of)

    def scan(self, text: str, lowered: str | None = None) -> ArticleAnchors:
        """The anchors of one article; `lowered` is its `lower_same_length` when already made."""
        return ArticleAnchors(self, text, lowered)

    def reach(self, rule: RegexRule, group: int) -> Reach | None:
        """How far around its anchor words the rule's matches lie (extract/reach.py), when
        every occurrence of those words is a hit of the group (found overlapping, no assertion)."""
        # Keyed by the source: hashing a compiled pattern hashes its code (~5 us for a list of roles).
        key = (rule.pattern.pattern, rule.pattern.flags, group)
        if key not in self._reach:
            words = self._words.get(group)
            self._reach[key] = anchor_reach(rule.pattern, words) if words else None
        return self._reach[key]


def _automaton(words_of: dict[str, set[int]]):
    """(automaton, groups of each word in the automaton's order), or None without words."""
    if not words_of:
        return None
    words = sorted(words_of)
    return ahocorasick_rs.AhoCorasick(words), [tuple(sorted(words_of[w])) for w in words]


def matches(rule: RegexRule, text: str, anchors: ArticleAnchors | None, window: int | None = None):
    """The rule's matches, its anchors looked up in the article's shared scan when there is one."""
    return anchors.finditer(rule, window) if anchors is not None else rule.finditer(text, window)


class ArticleAnchors:
    """One article's anchor hits, found on first use by one pass over the text."""

    def __init__(self, scanner: AnchorScanner, text: str, lowered: str | None = None):
        self.scanner = scanner
        self.text = text
        self.lowered = lowered
        self._hits: dict[int, list[tuple[int, int]]] | None = None
        self._windows: dict[tuple[int, int, int], list[tuple[int, int]]] = {}   # rules share anchors
        self._reversed: str | None = None                           # for reach scans back from a word
        self._sorted: dict[int, list[tuple[int, int]]] = {}          # group -> its hits, checked and sorted

    def finditer(self, rule: RegexRule, window: int | None = None) -> Iterator[re.Match]:
        """`rule.finditer(text, window)`, with the anchors found in the shared pass."""
        group = self.scanner._groups.get(rule.anchor.pattern) if rule.anchor is not None else None
        if group is None or group in self.scanner._regex:
            return rule.finditer(self.text, window)
        before, after = rule.reach(window)
        spans = self._windows.get((group, before, after))
        if spans is None:
            spans = self._windows[group, before, after] = anchor_windows(
                self._group_hits(group), before, after, len(self.text))
        reach = self.scanner.reach(rule, group)
        if reach is not None and spans:
            if self._reversed is None:
                self._reversed = self.text[::-1]
            spans = cut_windows(spans, self._group_hits(group), reach, self.text, self._reversed)
        return rule.finditer_windows(self.text, spans)

    def _group_hits(self, group: int) -> list[tuple[int, int]]:
        hits = self._sorted.get(group)
        if hits is None:
            hits = self._sorted[group] = self._checked_hits(group)
        return hits

    def _checked_hits(self, group: int) -> list[tuple[int, int]]:
        hits = self._all_hits().get(group, [])
        check = self.scanner._check.get(group)
        if check is not None:
            # A word where the anchor's assertions fail (`of` in `often` for `\bof\b`) is no hit.
            hits = [m.span() for m in (check.match(self.text, s) for s in sorted({s for s, _ in hits})) if m]
        return sorted(hits)

    def _all_hits(self) -> dict[int, list[tuple[int, int]]]:
        if self._hits is None:
            hits: dict[int, list[tuple[int, int]]] = {}
            exact_case, folded = self.scanner._automata
            if exact_case is not None:
                _collect(exact_case, self.text, hits)
            if folded is not None:
                if self.lowered is None:
                    self.lowered = lower_same_length(self.text)
                _collect(folded, self.lowered, hits)
            self._hits = hits
        return self._hits


def _collect(automaton, text: str, hits: dict[int, list[tuple[int, int]]]) -> None:
    matcher, groups_of = automaton
    for index, start, end in matcher.find_matches_as_indexes(text, overlapping=True):
        for group in groups_of[index]:
            hits.setdefault(group, []).append((start, end))
