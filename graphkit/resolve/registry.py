"""Registering one article at a time: each mention's id and what its entity collects.

Runs as results arrive (`Resolution.add`), while workers still extract;
`settle_people` and `settled_ends` give what `Resolution.finish` merges.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from graphkit.slug import has_cjk, person_key
from graphkit.types import Extraction, Mention, Relation

if TYPE_CHECKING:
    from graphkit.resolve.ids import Resolver, Union


class MentionIds:
    """(article, start, end, label) -> mention id for every mention: a million of them at
    10,000 articles, so one int per mention in a dict per article, not a 4-tuple each."""

    def __init__(self):
        self.by_article: dict[str, dict[int, str]] = {}
        self.codes: dict[str, int] = {}      # label -> the low byte of its mentions' keys, from 1

    def code(self, label: str) -> int:
        code = self.codes.get(label)
        if code is None:
            code = self.codes[label] = len(self.codes) + 1
        return code

    def key(self, m: Mention) -> int:
        """The mention's key in the dict of its article."""
        return m.start << 40 | m.end << 8 | (self.codes.get(m.label) or self.code(m.label))

    def of_article(self, article_id: str) -> dict[int, str]:
        """key -> mention id for one article, created on first use."""
        ids = self.by_article.get(article_id)
        if ids is None:
            ids = self.by_article[article_id] = {}
        return ids

    def get(self, m: Mention) -> str | None:
        ids = self.by_article.get(m.article_id)
        return None if ids is None else ids.get(self.key(m))


class Registry:
    """Every mention's id and what its entity collects (names, articles, confidences, rules).

    Filled one extraction at a time, as they arrive (`add_all`), then settled once all are
    in (`settle_people`). A name recurs: 92,685 mentions of the 1k bench corpus have 1,433
    distinct (label, text, key, rule id). So the id and the per-id containers are found
    once per such tuple, and a mention costs one dict lookup and three appends."""

    def __init__(self, resolver: Resolver, union: Union):
        self.resolver = resolver
        self.union = union
        self.mention_ids = MentionIds()
        self.names: dict[str, Counter] = {}
        self.labels: dict[str, str] = {}
        self.articles: dict[str, set[str]] = {}
        self.confidences: dict[str, list[float]] = {}
        self.rule_ids: dict[str, set[str]] = {}
        self.attrs: dict[str, dict[str, str]] = defaultdict(dict)
        self.cjk_people: dict[str, set[str]] = defaultdict(set)
        self.chinese_names: dict[str, set[str]] = defaultdict(set)   # person key -> listed Chinese names
        self.stated: list[Relation] = []            # every relation, in article order
        # (source id, type, target id) of mention ids -> (its sentences' evidence, role counts)
        self.by_ends: dict[tuple[str, str, str], tuple[dict, dict]] = {}
        self.foreign = False        # a mention filed under another article, or an article twice
        # (label, text, key, rule id) -> (id, its names, articles, confidences, label code, per-mention work)
        self._seen: dict[tuple[str, str, str, str], tuple] = {}

    def add_all(self, extractions: Iterable[Extraction]) -> None:
        """Registers every mention and relation end, and files each relation by its ends (`_file`)."""
        seen_get = self._seen.get
        first = self._first
        by_article = self.mention_ids.by_article
        of_article = self.mention_ids.of_article
        code_of, code = self.mention_ids.codes.get, self.mention_ids.code
        stated = self.stated
        foreign = self.foreign
        for ex in extractions:
            aid = ex.article_id
            foreign = foreign or aid in by_article
            ids = of_article(aid)
            for m in ex.mentions:
                text, article = m.text, m.article_id
                mid, counter, articles, confidences, label_code, per_mention = \
                    seen_get((m.label, text, m.key, m.rule_id)) or first(m)
                counter[text] += 1
                articles.add(article)
                confidences.append(m.confidence)
                if per_mention:
                    self._listed(m, mid, per_mention)
                if article == aid:
                    ids[m.start << 40 | m.end << 8 | label_code] = mid
                else:
                    foreign = True
                    of_article(article)[m.start << 40 | m.end << 8 | label_code] = mid
            for r in ex.relations:
                ends = []
                for m in (r.source, r.target):
                    if m.article_id != aid:
                        ends.append(self._end(m))
                        continue
                    k = m.start << 40 | m.end << 8 | (code_of(m.label) or code(m.label))
                    mid = ids.get(k)
                    if mid is None:
                        mid = ids[k] = self.add(m)
                    ends.append(mid)
                _file(self.by_ends, r, ends[0], ends[1], len(stated))
                stated.append(r)
        self.foreign = foreign

    def settled_ends(self) -> dict[tuple[str, str, str], tuple[dict, dict]]:
        """`by_ends` once every article is in. A mention filed under another article (or an
        article twice) may have changed an earlier article's ids after its relations were
        filed: then they are all filed again."""
        if not self.foreign:
            return self.by_ends
        get = self.mention_ids.get
        by_ends: dict[tuple[str, str, str], tuple[dict, dict]] = {}
        for n, r in enumerate(self.stated):
            _file(by_ends, r, get(r.source), get(r.target), n)
        return by_ends

    def _end(self, m: Mention) -> str:
        """The id of a relation's end: the mention's registered at its place, else its own."""
        mine = self.mention_ids.of_article(m.article_id)
        k = self.mention_ids.key(m)
        mid = mine.get(k)
        if mid is None:
            mid = mine[k] = self.add(m)
        return mid

    def add(self, m: Mention) -> str:
        """Registers one mention that is not in its article's list (a relation's end); returns its id."""
        mid, counter, articles, confidences, _, per_mention = \
            self._seen.get((m.label, m.text, m.key, m.rule_id)) or self._first(m)
        counter[m.text] += 1
        articles.add(m.article_id)
        confidences.append(m.confidence)
        if per_mention == _ATTRS:
            self._attrs_of(m, mid)
        return mid

    def _first(self, m: Mention) -> tuple:
        """The first mention of its (label, text, key, rule id): what every later one shares."""
        mid = self.resolver.mention_id(m)
        counter = self.names.get(mid)
        if counter is None:         # the id's first mention: every per-id dict gets it in this order
            self.union.find(mid)
            counter = self.names[mid] = Counter()
            self.articles[mid], self.confidences[mid], self.rule_ids[mid] = set(), [], set()
            self.labels[mid] = m.label
        counter.setdefault(m.text, 0)   # the name's place among the id's names
        self.rule_ids[mid].add(m.rule_id)
        if m.label == "DATE":
            self.attrs[mid]["value"] = m.key
        per_mention = 0
        if m.label in ("EVENT", "VERSION"):
            per_mention = _ATTRS
        elif m.label == "PERSON" and has_cjk(m.text):
            self.cjk_people[mid].add(m.text)
            if not m.rule_id.startswith("gazetteers/"):
                per_mention = _CHINESE_NAME
        seen = self._seen[(m.label, m.text, m.key, m.rule_id)] = (
            mid, counter, self.articles[mid], self.confidences[mid], self.mention_ids.code(m.label),
            per_mention)
        return seen

    def _listed(self, m: Mention, mid: str, per_mention: int) -> None:
        """What a mention of an article's list adds besides its id: attributes, or its
        Chinese name to the homophone check (which relation ends alone do not feed)."""
        if per_mention == _ATTRS:
            self._attrs_of(m, mid)
        else:
            self.chinese_names[m.key or person_key(m.text)].add(m.text)

    def _attrs_of(self, m: Mention, mid: str) -> None:
        """Event and version attributes differ between mentions of one name."""
        if m.label == "EVENT":
            for k in ("series", "edition", "name"):
                value = m.attr(k)
                if value:
                    self.attrs[mid].setdefault(k, value)
        elif m.attr("name"):
            self.names[mid][m.attr("name")] += 0   # canonical form as an alias

    def settle_people(self) -> dict[str, str]:
        """Chinese names get their final ids once every article is in; returns provisional -> final.

        Two Chinese names with one romanisation (张伟, 章伟) are two people, so a Chinese
        name's id waits for every name (`Resolver.provisional_person`). Each per-id dict is
        rebuilt with the final ids, each at the place of its first mention, as if the ids
        had been known from the start; a final id's containers are merged in that order."""
        resolver = self.resolver
        resolver.homophones = {k: sorted(v) for k, v in self.chinese_names.items() if len(v) > 1}
        rename = {pid: resolver.person_id(key, text) for pid, (key, text) in resolver.provisional.items()}
        if not rename:
            return rename
        self.names = _renamed(self.names, rename, Counter.update)
        self.labels = _renamed(self.labels, rename, lambda kept, other: None)
        self.articles = _renamed(self.articles, rename, set.update)
        self.confidences = _renamed(self.confidences, rename, list.extend)
        self.rule_ids = _renamed(self.rule_ids, rename, set.update)
        self.cjk_people = defaultdict(set, _renamed(self.cjk_people, rename, set.update))
        self.union.parent = {rename.get(k, k): rename.get(k, k) for k in self.union.parent}
        return rename


_ATTRS, _CHINESE_NAME = 1, 2     # per-mention work of a (label, text, key, rule id)


def _file(by_ends: dict, r: Relation, source: str, target: str, n: int) -> None:
    """Files the n-th relation under its (source, type, target) mention ids: per sentence, the
    first of the most confident relations is its evidence (kept with n, for `_merge_evidence`)."""
    ends = (source, r.type, target)
    group = by_ends.get(ends)
    if group is None:
        group = by_ends[ends] = ({}, {})
    evidence, roles = group
    key = (r.article_id, r.sentence[0])
    held = evidence.get(key)
    if held is None or held[0].confidence < r.confidence:
        evidence[key] = (r, n)
    if r.role:
        roles[r.role] = roles.get(r.role, 0) + 1


def _renamed(by_id: dict, rename: dict[str, str], merge: Callable) -> dict:
    """`by_id` with its keys renamed, in the order of their first place; values of ids
    renamed to one are merged (`merge(kept, other)`) in that order."""
    out: dict = {}
    for mid, value in by_id.items():
        final = rename.get(mid, mid)
        kept = out.get(final)
        if kept is None:
            out[final] = value
        else:
            merge(kept, value)
    return out
