"""Evidence lists as JSON text, for graph.json and graph.html.

In: an edge's evidence list. Out: the text `json.dumps(evidence,
sort_keys=True, ensure_ascii=False)` gives for it, compact or indented as
graph.json indents it, or None for a list this module does not handle
(the caller then encodes it as before).

Why: evidence is most of both files (30,000 dicts at 1,000 articles, but
only ~900 distinct sentences, since a sentence backs every relation found in
it) and json's C encoder sorts and encodes every key of every dict again,
about 2.5 µs a dict. The dicts graph.py makes always hold the same six keys
with the same value types; their encoded values are interleaved with the
fixed text between them and joined once, each distinct string and float
encoded once. Any other shape (a missing or extra key, another type, a NaN,
a dict subclass) returns None.
"""
from __future__ import annotations

import math
from itertools import chain, repeat
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

__all__ = ["EVIDENCE_KEYS", "EvidenceJSON"]

EVIDENCE_KEYS = ("article", "confidence", "end", "extractor", "sentence", "start")
_GETTERS = tuple(map(itemgetter, EVIDENCE_KEYS))


class _Encoded(dict):
    """str -> its JSON text, encoded when first asked for (TypeError for anything else)."""

    def __missing__(self, text: str) -> str:
        encoded = self[text] = encode_basestring(text)
        return encoded


class EvidenceJSON:
    """Encodes evidence lists in one layout: compact (`pad=None`, separators "," and ":")
    or as `json.dumps(indent=1)` writes a list whose own line starts at `pad`
    (a newline and its indent)."""

    def __init__(self, pad: str | None = None):
        if pad is None:
            key, colon, item = "", ":", ""
            self._open, join, self._close = "[", ",", "]"
        else:
            key, colon, item = pad + "  ", ": ", pad + " "
            self._open, join, self._close = "[" + item, "," + item, pad + "]"
        # What comes before each value: "{" and the first key, then a comma and the next key.
        self._before = [("," if i else "{") + key + encode_basestring(name) + colon
                        for i, name in enumerate(EVIDENCE_KEYS)]
        self._between = item + "}" + join          # after an item's last value
        self._last = item + "}" + self._close
        self._strings = _Encoded()

    def encode(self, evidence: Any) -> str | None:
        """The list's JSON text, or None when it is not a list of graph.py's evidence dicts.

        Built as one str.join over the pieces of every item, interleaved in C.
        """
        columns = _columns(evidence)
        if columns is None:
            return None
        articles, confidences, ends, extractors, sentences, starts = columns
        strings = self._strings.__getitem__
        floats = set(confidences)
        if 0.0 in floats:       # 0.0 == -0.0, which float.__repr__ tells apart: not looked up
            reprs = map(float.__repr__, confidences)
        else:
            reprs = map({value: float.__repr__(value) for value in floats}.__getitem__, confidences)
        b = self._before
        try:            # the string columns are checked here: encode_basestring refuses anything else
            values = (map(strings, articles), reprs, map(int.__repr__, ends), map(strings, extractors),
                      map(strings, sentences), map(int.__repr__, starts))
            pieces = list(chain.from_iterable(zip(
                repeat(b[0]), values[0], repeat(b[1]), values[1], repeat(b[2]), values[2],
                repeat(b[3]), values[3], repeat(b[4]), values[4], repeat(b[5]), values[5],
                repeat(self._between))))
        except TypeError:
            return None
        pieces[-1] = self._last
        return self._open + "".join(pieces)


def _columns(evidence: Any) -> list[list[Any]] | None:
    """The six value columns of a non-empty list of plain dicts holding exactly
    EVIDENCE_KEYS (found by equality), with int `end` and `start` (no bool) and
    finite float `confidence`; None otherwise. Checked in C."""
    if type(evidence) is not list or not evidence or set(map(type, evidence)) != {dict}:
        return None
    if set(map(len, evidence)) != {len(EVIDENCE_KEYS)}:
        return None
    try:
        columns = [list(map(get, evidence)) for get in _GETTERS]
    except KeyError:
        return None
    confidences = columns[1]
    if set(map(type, confidences)) != {float} or set(map(type, chain(columns[2], columns[5]))) != {int}:
        return None
    if not all(map(math.isfinite, set(confidences))):
        return None
    return columns
