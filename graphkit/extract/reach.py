"""How far from its anchor word a rule's match can start and end: windows cut to that.

A rule runs in windows of `window` characters around its anchor words
(rules.py), and `re` tries the pattern at every position of them. When the
pattern has the anchor's words as one of its own parts, a match holds one of
them, so it starts no further back than the part before the words can reach,
and ends no further on than the part after them can: `zh-event` (a name of at
most ~24 Chinese characters, then its head word 大会) starts within a few
characters of its head word, not 80. The window is cut to those spans, found
by scanning from each anchor word over the characters the pattern allows.

The reach is a bound, never a guess: each part of the pattern contributes the
characters it may consume and how many times (unbounded for `*`), and the
scan stops at the first character no part takes or past the total of bounded
characters. Lookaheads count as consumed; a match may look one character past
its end (`(?![A-Za-z])`, `$`), so a cut window ends one character later.
A negated set or `.` counts as any character. Patterns the bound cannot
describe (backreferences, lookaheads before the words, case-insensitive
matching, an alternative of `a|b` without the words) keep their windows.
Every match found in the cut windows is the one found in the whole window:
a path of `re` that succeeds in either reads only characters both share.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

try:                                    # the parser behind `re`, public as sre_parse before 3.11
    from re import _parser as _sre
except ImportError:                     # pragma: no cover
    import sre_parse as _sre

__all__ = ["Reach", "anchor_reach", "cut_windows"]

_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)
_CATEGORIES = {_sre.CATEGORY_DIGIT: r"\d", _sre.CATEGORY_NOT_DIGIT: r"\D", _sre.CATEGORY_SPACE: r"\s",
               _sre.CATEGORY_NOT_SPACE: r"\S", _sre.CATEGORY_WORD: r"\w", _sre.CATEGORY_NOT_WORD: r"\W"}
# Assertions that look only at the characters around the current position.
_LOCAL_AT = {_sre.AT_BEGINNING, _sre.AT_BEGINNING_LINE, _sre.AT_BEGINNING_STRING, _sre.AT_BOUNDARY,
             _sre.AT_NON_BOUNDARY}
_ANY = (r"\s\S",)      # a negated set or `.`: any character, as far as a bound goes
_MAX_SPAN_WORDS = 6     # the anchor's words in a pattern are a few parts in a row at most


class _Unbounded(Exception):
    pass


@dataclass(frozen=True)
class Reach:
    # One scanner per alternative of a pattern `a|b`; None where it has no part there.
    back: tuple[re.Pattern | None, ...]     # run on the reversed text from a word's start: how far back a match starts
    ahead: tuple[re.Pattern | None, ...]    # run from a word's end: how far on a match reads (None: it ends with the word)


def anchor_reach(pattern: re.Pattern, words: frozenset[str]) -> Reach | None:
    """The reach of `pattern` around a part of it that matches only some of `words`
    (the anchor's words, exact case), or None when no part does or it cannot be bounded.
    A pattern `a|b` needs such a part in each alternative.

    >>> r = anchor_reach(re.compile(r"\\d{1,2}\\s*月"), frozenset({"月"}))
    >>> r.back[0].match("3 21"[::-1]).end(), r.ahead
    (3, (None,))
    """
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return None
    try:
        items = _sequence(_sre.parse(pattern.pattern, pattern.flags))
    except re.error:            # pragma: no cover - the pattern compiled
        return None
    if _has_first_character(items):
        return None
    alternatives = [_sequence(a) for a in items[0][1][1]] if len(items) == 1 and items[0][0] is _sre.BRANCH else [items]
    reaches = [_reach_around(a, words, pattern.flags) for a in alternatives]
    if None in reaches:
        return None
    return Reach(tuple(b for b, _ in reaches), tuple(a for _, a in reaches))


def _reach_around(items, words: frozenset[str], flags: int):
    """(back, ahead) scanners around the first part of `items` made of anchor words, or None."""
    from graphkit.extract.anchors import _TooMany, _expand

    for i in range(len(items)):
        for j in range(i + 1, min(len(items), i + _MAX_SPAN_WORDS) + 1):
            asserts: list = []
            try:
                found = _expand(items[i:j], asserts, False)
            except _TooMany:
                found = None
            # An assertion among the words may read past them: such a part is not taken.
            if not found or asserts or "" in found or not found <= words:
                continue
            try:
                back = _scanner(_atoms(items[:i], lookahead=False), flags)
                ahead = _scanner(_atoms(items[j:], lookahead=True), flags) if items[j:] else None
            except _Unbounded:
                return None
            return back, ahead
    return None


def cut_windows(windows: list[tuple[int, int]], hits: list[tuple[int, int]], reach: Reach,
                text: str, reversed_text: str) -> list[tuple[int, int]]:
    """The parts of `windows` where matches holding one of the sorted (start, end) `hits` lie."""
    spans: list[tuple[int, int]] = []
    n, k = len(text), 0
    for start, end in hits:
        while windows[k][1] < end:      # each hit lies in one window: the one that ends after it
            k += 1
        lo, hi = windows[k]
        # Scans stop at the window's edges: nothing beyond them is matched anyway.
        back = max((b.match(reversed_text, n - start, n - lo).end() for b in reach.back if b is not None),
                   default=n - start) - (n - start)
        last = max(end if a is None else a.match(text, end, hi).end() + 1 for a in reach.ahead)
        spans.append((max(lo, start - back), min(hi, last)))
    spans.sort()
    merged: list[list[int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def _has_first_character(items) -> bool:
    """Whether `re` can skip to the characters a match starts with (a literal, a class, or
    alternatives that each open with a literal; CPython's _compiler._get_charset_prefix):
    it then tries few positions of a window, and cutting the window costs more than it saves
    (measured: zh-month, whose year opens with 19|20, 0.012 -> 0.017 CPU-s per 1k articles)."""
    if not items:
        return False
    op, av = items[0]
    if op is _sre.BRANCH:
        return all(alternative and alternative[0][0] is _sre.LITERAL for alternative in av[1])
    return op in (_sre.LITERAL, _sre.IN)


def _sequence(items) -> list:
    """The pattern's parts in order, groups opened: `(?P<name>a(?:b))c` -> a, b, c."""
    out = []
    for op, av in items:
        if op is _sre.SUBPATTERN and not (av[1] | av[2]):
            out.extend(_sequence(av[-1]))
        elif op is _sre.ATOMIC_GROUP:
            out.extend(_sequence(av))
        else:
            out.append((op, av))
    return out


def _atoms(items, lookahead: bool) -> list[tuple[tuple[str, ...], float]]:
    """(character class parts, most characters consumed) of each part, for a bound; raises
    _Unbounded for what a class cannot say. `lookahead`: lookaheads count as consumed
    (after the words); before them they are refused (they read past the words)."""
    out: list[tuple[tuple[str, ...], float]] = []
    for op, av in items:
        if op is _sre.LITERAL:
            out.append(((_char(av),), 1))
        elif op is _sre.IN:
            out.append((_class_parts(av), 1))
        elif op in (_sre.ANY, _sre.NOT_LITERAL):
            out.append((_ANY, 1))
        elif op is _sre.BRANCH:
            # A path takes one alternative: its bounded characters are the most any one takes.
            bounded: set[str] = set()
            most = 0.0
            for alternative in av[1]:
                inner = _atoms(alternative, lookahead)
                out.extend(a for a in inner if a[1] == float("inf"))
                bounded.update(p for parts, count in inner if count != float("inf") for p in parts)
                most = max(most, sum(count for _, count in inner if count != float("inf")))
            if most:
                out.append((tuple(sorted(bounded)), most))
        elif op is _sre.SUBPATTERN:
            if av[1] | av[2]:
                raise _Unbounded        # (?i:...) changes what the classes match
            out.extend(_atoms(av[-1], lookahead))
        elif op is _sre.ATOMIC_GROUP:
            out.extend(_atoms(av, lookahead))
        elif op in _REPEATS:
            most = float("inf") if av[1] == _sre.MAXREPEAT else av[1]
            out.extend((parts, count * most) for parts, count in _atoms(av[2], lookahead) if most)
        elif op is _sre.AT and (av in _LOCAL_AT or lookahead):
            continue
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT) and av[0] < 0:
            continue                    # a lookbehind reads only what lies before
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT) and lookahead:
            out.extend(_atoms(av[1], lookahead))
        else:
            raise _Unbounded
    return out


def _char(code: int) -> str:
    return "\\U%08x" % code


def _class_parts(items) -> tuple[str, ...]:
    parts = []
    for op, av in items:
        if op is _sre.NEGATE:
            return _ANY
        if op is _sre.LITERAL:
            parts.append(_char(av))
        elif op is _sre.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is _sre.CATEGORY and av in _CATEGORIES:
            parts.append(_CATEGORIES[av])
        else:
            raise _Unbounded
    return tuple(parts)


def _scanner(atoms, flags: int) -> re.Pattern | None:
    """A regex matching the longest run of text any sequence of `atoms` could consume: any
    characters the atoms take, with at most as many outside the unbounded atoms' classes as
    the bounded atoms take in all."""
    if not atoms:
        return None
    flags &= re.ASCII
    free = sorted({p for parts, count in atoms if count == float("inf") for p in parts})
    free_re = re.compile(f"[{''.join(free)}]", flags) if free else None
    counted = 0
    for parts, count in atoms:
        if count != float("inf") and not _inside(parts, free, free_re):
            counted += int(count)
    every = "".join(sorted({p for parts, _ in atoms for p in parts}))
    body = f"(?:[{''.join(free)}]*+[{every}]){{0,{counted}}}+[{''.join(free)}]*+" if free else f"[{every}]{{0,{counted}}}+"
    return re.compile(body, flags)


def _inside(parts: tuple[str, ...], free: list[str], free_re: re.Pattern | None) -> bool:
    """Whether every character of a class is one the unbounded atoms take anyway."""
    if free_re is None:
        return False
    for part in parts:
        if part in free:
            continue
        if part.startswith("\\U"):
            lo = int(part[2:10], 16)
            hi = int(part[-8:], 16) if len(part) > 10 else lo
            if hi - lo <= 256 and all(free_re.fullmatch(chr(c)) for c in range(lo, hi + 1)):
                continue
        return False
    return True
