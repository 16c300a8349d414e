"""resolve(extractions, rules) -> Resolved: one entity per real-world thing.

Mentions are grouped by a key per type: the gazetteer entry (华为 = Huawei),
the romanised name for people (熊伟 = Xiong Wei, via pypinyin), the series
and edition for events, the ISO value for dates, the normalised name
otherwise. `rules/resolution.yaml` can force (`same_as`) or forbid
(`never_merge`) merges; pairs that look alike but were not merged are
returned as merge candidates for an analyst to review. Everything is linear
in the number of mentions (dictionaries, no pairwise comparisons).

A build feeds `Resolution` one extraction at a time as results arrive;
`resolve()` does the same over a list.
"""
from __future__ import annotations

import gc
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from operator import itemgetter

from graphkit.rules import Rules
from graphkit.slug import has_cjk, name_key, person_key, slugify
from graphkit.types import Entity, Evidence, Extraction, Mention, Relation, Resolved, ResolvedRelation

SIGNATURES = {
    "AFFILIATED_WITH": ("PERSON", "ORG"),
    "PRESENTED_AT": ("PERSON", "EVENT"),
    "PARTICIPATED_IN": ("ORG", "EVENT"),
    "HELD_AT": ("EVENT", "VENUE"),
    "HELD_ON": ("EVENT", "DATE"),
    "SHOWCASED": ("ORG", "PRODUCT"),
    "RELEASED": ("ORG", "VERSION"),
    "PRESENTED": ("PERSON", "TALK"),
    "AT": ("TALK", "EVENT"),
}


class _Union:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The shorter id is the root (the final id is chosen later, from the members).
            keep, drop = sorted((ra, rb), key=lambda r: (len(r), r))
            self.parent[drop] = keep


class Resolver:
    """Maps mentions to entity ids using the gazetteer's names as anchors."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.anchor: dict[tuple[str, str], str] = {}     # (label, name_key) -> entity id
        # person key -> its Chinese names, when several; None until every article is in
        self.homophones: dict[str, list[str]] | None = None
        self.provisional: dict[str, tuple[str, str]] = {}   # provisional id -> (person key, name)
        self.display: dict[str, str] = {}
        for entry in rules.gazetteer:
            if entry.label == "EVENT_SERIES":
                continue
            eid = f"{entry.label.lower()}:{entry.id}"
            self.display[eid] = entry.display
            for name in entry.names:
                self.anchor.setdefault((entry.label, name_key(name)), eid)
                stripped = _strip_org_suffix(name) if entry.label == "ORG" else ""
                if stripped:
                    self.anchor.setdefault((entry.label, name_key(stripped)), eid)

    def mention_id(self, m: Mention) -> str:
        if m.label == "DATE":
            return f"date:{m.key}"
        if m.label in ("VERSION", "EVENT") and m.key:
            return f"{m.label.lower()}:{m.key}"
        if m.rule_id.startswith("gazetteers/") and m.key:
            return f"{m.label.lower()}:{m.key}"
        key = name_key(m.text)
        anchored = self.anchor.get((m.label, key))
        if anchored is None and m.label == "ORG":
            stripped = _strip_org_suffix(m.text)
            if stripped:
                anchored = self.anchor.get((m.label, name_key(stripped)))
        if anchored:
            return anchored
        if m.label == "PERSON":
            key = m.key or person_key(m.text)
            if self.homophones is None and has_cjk(m.text):
                return self.provisional_person(key, m.text)
            return self.person_id(key, m.text)
        return f"{m.label.lower()}:{slugify(m.text)}"

    def person_id(self, key: str, text: str) -> str:
        homophones = self.homophones.get(key) if self.homophones else None
        if homophones and text in homophones:
            # 张伟 and 章伟 are both zhang-wei: two people until a rule says otherwise.
            return f"person:{key}-{homophones.index(text) + 1}"
        return f"person:{key}"

    def provisional_person(self, key: str, text: str) -> str:
        """A Chinese name's id while the homophones are not known yet (`_Registry.settle_people`)."""
        pid = f"person:{key}\x00{text}"
        self.provisional[pid] = (key, text)
        return pid


def _strip_org_suffix(name: str) -> str:
    for suffix in ("股份有限公司", "有限责任公司", "有限公司", "公司", "集团", " Co., Ltd.", " Co.,Ltd.", " Inc.", " Inc", " Ltd.", " Ltd", " Corporation", " Corp."):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)].strip()
    return ""


class _MentionIds:
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


class _Registry:
    """Every mention's id and what its entity collects (names, articles, confidences, rules).

    Filled one extraction at a time, as they arrive (`add_all`), then settled once all are
    in (`settle_people`). A name recurs: 92,685 mentions of the 1k bench corpus have 1,433
    distinct (label, text, key, rule id). So the id and the per-id containers are found
    once per such tuple, and a mention costs one dict lookup and three appends."""

    def __init__(self, resolver: Resolver, union: _Union):
        self.resolver = resolver
        self.union = union
        self.mention_ids = _MentionIds()
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
    first of the most confident relations is its evidence (kept with n, for `_edge_evidence`)."""
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


def noisy_or(confidences) -> float:
    """Confidence of a fact seen several times independently: 1 - prod(1 - c).

    A list comprehension, not a generator calling min: the same factors, a third of the time
    (the 90k mention confidences of the 1k bench corpus: 0.022 -> 0.007 CPU-s)."""
    return round(1 - math.prod([1 - (0.999 if c > 0.999 else c) for c in confidences]), 3)


def resolve(extractions: list[Extraction], rules: Rules, *, article_dates: dict[str, str] | None = None) -> Resolved:
    """Entities and relations across all articles, with stable ids and provenance."""
    with _no_cycle_collection():
        resolution = Resolution(rules)
        for ex in extractions:
            resolution.add(ex)
        return resolution.finish(article_dates)


class Resolution:
    """`resolve`, fed one extraction at a time as the build receives them.

    Registering mentions is most of resolving's work (0.13 of 0.28 CPU-s at 1,000 articles)
    and needs one article at a time: done as results arrive, it runs while worker processes
    (or a Dask cluster) still extract, and an article's mentions are not held until the
    end. `finish` does what needs every article: homophones, merges, edges. The result is
    the same for any grouping of the same extractions in the same order.
    """

    def __init__(self, rules: Rules):
        self.rules = rules
        self.resolver = Resolver(rules)
        self.union = _Union()
        self.registry = _Registry(self.resolver, self.union)
        self.mains: list[tuple[Mention, str]] = []       # (main event, article language)

    def add(self, extraction: Extraction) -> None:
        self.registry.add_all((extraction,))
        if extraction.main_event is not None:
            self.mains.append((extraction.main_event, extraction.lang))

    def finish(self, article_dates: dict[str, str] | None = None) -> Resolved:
        with _no_cycle_collection():
            return _finish(self, article_dates)


@contextmanager
def _no_cycle_collection():
    """Resolving makes ~10 container objects a mention and no reference cycles, so the cyclic
    garbage collector only rescans a growing heap (0.59 -> 0.50 CPU-s at 1,000 articles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _finish(resolution: Resolution, article_dates: dict[str, str] | None) -> Resolved:
    rules, resolver, union, registry = resolution.rules, resolution.resolver, resolution.union, resolution.registry
    never = {frozenset(p) for p in rules.never_merge}
    renamed = registry.settle_people()
    by_ends = registry.settled_ends()
    mention_ids, names, labels = registry.mention_ids, registry.names, registry.labels
    articles, confidences, rule_ids = registry.articles, registry.confidences, registry.rule_ids
    attrs, cjk_people = registry.attrs, registry.cjk_people

    # Same normalised name and type -> one entity (covers case and width variants).
    by_name: dict[tuple[str, str], str] = {}
    for mid, counter in names.items():
        for surface in counter:
            k = (labels[mid], name_key(surface))
            if not k[1]:
                continue
            other = by_name.setdefault(k, mid)
            # Events, dates and versions carry their identity in their key (series + edition,
            # ISO value, release): "openEuler Meetup" of 2022 and of 2024 share a name only.
            # Two gazetteer entries are two things by definition (华为 / 华为云).
            both_known = other in resolver.display and mid in resolver.display
            if other != mid and frozenset((other, mid)) not in never and not both_known \
                    and labels[mid] not in ("DATE", "EVENT", "VERSION"):
                union.union(other, mid)
    # "Wei Xiong" (given name first) is the 熊伟 of a Chinese article.
    romanised = {mid for mid in cjk_people}
    for mid in list(labels):
        if labels[mid] == "PERSON" and mid not in romanised:
            parts = mid.split(":", 1)[1].split("-")
            if len(parts) == 2:
                flipped = f"person:{parts[1]}-{parts[0]}"
                if flipped in romanised and frozenset((flipped, mid)) not in never:
                    union.union(flipped, mid)
    for group in rules.same_as:
        present = [g for g in group if g in labels]
        for other in present[1:]:
            union.union(present[0], other)

    # Two Chinese names with one romanisation are two people; the English name could be either.
    candidates: list[tuple[str, str, str]] = []
    for key, zh_names in resolver.homophones.items():
        for i, name in enumerate(zh_names, start=1):
            candidates.append((f"person:{key}", f"person:{key}-{i}",
                               f"one romanisation for {' / '.join(zh_names)}: {name} kept apart"))

    groups: dict[str, list[str]] = defaultdict(list)
    for mid in labels:
        groups[union.find(mid)].append(mid)
    final_id = {}
    for root, members in groups.items():
        gaz = sorted(m for m in members if m in resolver.display)
        chosen = gaz[0] if gaz else min(members, key=lambda m: (-sum(names[m].values()), len(m), m))
        for m in members:
            final_id[m] = chosen

    links = _links(by_ends, _with_provisional(final_id, renamed), labels)
    short = _short_names_to_merge(links, final_id, names, labels, never)
    short.update(_main_events_to_merge(resolution.mains, mention_ids, final_id, links, never))
    if short:
        final_id = {mid: short.get(fid, fid) for mid, fid in final_id.items()}
    relations = _resolve_relations(by_ends, _with_provisional(final_id, renamed), labels)
    merged_names: dict[str, Counter] = defaultdict(Counter)
    merged: dict[str, dict] = {}
    for mid, fid in final_id.items():
        merged_names[fid].update(names[mid])      # keeps zero-count canonical forms too
        node = merged.setdefault(fid, {"articles": set(), "conf": [], "rules": set(), "attrs": {}})
        node["articles"] |= articles[mid]
        node["conf"] += confidences[mid]
        node["rules"] |= rule_ids[mid]
        for k, v in attrs[mid].items():
            node["attrs"].setdefault(k, v)

    _attach_event_facts(merged, relations)
    article_dates = article_dates or {}
    entities = []
    for fid in sorted(merged):
        node = merged[fid]
        label = labels[fid] if fid in labels else fid.split(":", 1)[0].upper()
        display = resolver.display.get(fid) or _display(merged_names[fid], label, node["attrs"])
        aliases = tuple(sorted(set(merged_names[fid]) | {display}))
        dates = list(filter(None, map(article_dates.get, node["articles"])))   # no sort: first and last
        extra = dict(node["attrs"])
        extra.pop("name", None)
        if dates:
            extra["start"], extra["end"] = min(dates), max(dates)
        if label == "EVENT" and extra.get("date"):
            extra["start"] = extra["end"] = extra["date"].split(":", 1)[1]
        entities.append(Entity(fid, label, display, aliases, tuple(sorted(node["articles"])),
                               noisy_or(node["conf"]), tuple(sorted(extra.items())),
                               tuple(sorted(node["rules"]))))
    candidates.extend(_merge_candidates(entities))
    return Resolved(tuple(entities), tuple(relations), tuple(sorted(set(candidates))))


def _display(counter: Counter, label: str, attrs: dict) -> str:
    if label == "EVENT" and attrs.get("name"):
        edition = attrs.get("edition")
        name = attrs["name"]
        return f"{name} {edition}" if edition and edition not in name else name
    if label == "DATE":
        return attrs.get("value", next(iter(counter)))
    latin = [n for n in counter if not has_cjk(n)]
    pool = latin if label == "PERSON" and latin else list(counter)
    return min(pool, key=lambda n: (-counter[n], -len(n), n))


def _links(by_ends, final_id, labels) -> list[tuple[str, str, str]]:
    """(source, type, target) of what `_resolve_relations` would return, in its order: all that
    the merges below need, without building the evidence."""
    out = set()
    for source, kind, target in by_ends:
        src, dst = final_id[source], final_id[target]
        if src != dst and (labels.get(src), labels.get(dst)) == SIGNATURES[kind]:
            out.add((src, kind, dst))
    return sorted(out)


def _resolve_relations(by_ends, final_id, labels) -> list[ResolvedRelation]:
    """The edges between final ids, from the relations filed by their mention ids (`_file`).

    38k relations of the 1k bench corpus are filed under 1,801 (source, type, target) of
    mention ids as they arrive, so this settles 1,801 groups, not 38k relations, and builds
    the Evidence (frozen dataclasses) of the kept relations only: 1,799 edges, 31.7k Evidence."""
    edges: dict[tuple[str, str, str], tuple[dict, dict]] = {}
    for (source, kind, target), (evidence, roles) in by_ends.items():
        src, dst = final_id[source], final_id[target]
        if src == dst or (labels.get(src), labels.get(dst)) != SIGNATURES[kind]:
            continue
        edge = edges.get((src, kind, dst))
        if edge is None:
            edges[(src, kind, dst)] = (evidence, roles)
        else:
            _merge_evidence(edge, evidence, roles)
    out = []
    for (src, kind, dst), (stated_in, roles) in sorted(edges.items()):
        # Sorted by (article, start), unique per edge: the order of (article, start, extractor).
        evidence = tuple(Evidence(r.article_id, r.evidence, r.sentence[0], r.sentence[1], r.rule_id, r.confidence)
                         for _, (r, _) in sorted(stated_in.items(), key=itemgetter(0)))
        role = min(roles, key=lambda r: (-roles[r], r)) if roles else ""
        out.append(ResolvedRelation(kind, src, dst, evidence, noisy_or(e.confidence for e in evidence), role))
    return out


def _merge_evidence(edge: tuple[dict, dict], evidence: dict, roles: dict) -> None:
    """Another group of relations joins an edge: per sentence, the most confident relation
    wins, and of equals the first in article order (as if the edge had been filed in one)."""
    kept, kept_roles = edge
    for key, (r, n) in evidence.items():
        held = kept.get(key)
        if held is None or held[0].confidence < r.confidence or \
                (held[0].confidence == r.confidence and n < held[1]):
            kept[key] = (r, n)
    for role, count in roles.items():
        kept_roles[role] = kept_roles.get(role, 0) + count


def _short_names_to_merge(links, final_id, names, labels, never) -> dict[str, str]:
    """`Mario` -> `Mario Behling` when the full name is the only one that starts with it and
    both are affiliated with the same organisation (FOSSASIA创始人Mario / FOSSASIA founders,
    Hong Phuc Dang and Mario Behling)."""
    affiliated: dict[str, set[str]] = defaultdict(set)
    for source, kind, target in links:
        if kind == "AFFILIATED_WITH":
            affiliated[source].add(target)
    surfaces: dict[str, set[str]] = defaultdict(set)
    for mid, fid in final_id.items():
        if labels.get(mid) == "PERSON":
            surfaces[fid].update(names[mid])
    full = {fid: {w.lower() for s in ss for w in s.split()} for fid, ss in surfaces.items()
            if any(" " in s for s in ss)}
    out = {}
    for fid, ss in surfaces.items():
        if fid in full or not affiliated.get(fid):
            continue
        tokens = {s.lower() for s in ss if s.isascii() and " " not in s}
        if not tokens:
            continue
        matches = [other for other, words in full.items()
                   if tokens & words and affiliated[fid] & affiliated.get(other, set())
                   and frozenset((fid, other)) not in never]
        if len(matches) == 1:
            out[fid] = matches[0]
    return out


def _with_provisional(final_id: dict[str, str], renamed: dict[str, str]) -> dict[str, str]:
    """`final_id` that also maps the provisional ids that relation ends still hold."""
    if not renamed:
        return final_id
    return final_id | {pid: final_id[mid] for pid, mid in renamed.items()}


def _main_events_to_merge(main_events, mention_ids, final_id, links, never) -> dict[str, str]:
    """The Chinese and English reports of one event that no series rule ties together: their
    main events share every stated day (and the venue, where both give one).

    `main_events`: (main event mention, article language) of each article that has one."""
    mains: dict[str, set[str]] = defaultdict(set)          # event id -> languages of articles about it
    for m, lang in main_events:
        mid = mention_ids.get(m)
        if mid:
            mains[final_id[mid]].add(lang)
    days: dict[str, frozenset] = defaultdict(frozenset)
    venues: dict[str, set[str]] = defaultdict(set)
    for source, kind, target in links:
        if source in mains and kind == "HELD_ON":
            days[source] = days[source] | {target}
        elif source in mains and kind == "HELD_AT":
            venues[source].add(target)
    by_days: dict[frozenset, list[str]] = defaultdict(list)
    for event, ds in days.items():
        by_days[ds].append(event)
    out = {}
    for events in by_days.values():
        if len(events) != 2:
            continue
        a, b = sorted(events)
        if mains[a] == mains[b] or frozenset((a, b)) in never:
            continue                    # two events of one language on one day: different events
        if venues[a] and venues[b] and not venues[a] & venues[b]:
            continue
        keep, drop = sorted((a, b), key=lambda e: (e.count("-"), e))
        out[drop] = keep
    return out


def _attach_event_facts(merged: dict, relations: list[ResolvedRelation]) -> None:
    """EVENT nodes carry their best-attested date and venue."""
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for r in relations:
        if r.type in ("HELD_ON", "HELD_AT"):
            slot = "date" if r.type == "HELD_ON" else "venue"
            score = (r.confidence, r.target)
            if (r.source, slot) not in best or score > best[(r.source, slot)]:
                best[(r.source, slot)] = score
    for (event, slot), (_, target) in best.items():
        if event in merged:
            merged[event]["attrs"][slot] = target


def _merge_candidates(entities: list[Entity]) -> list[tuple[str, str, str]]:
    """Pairs of one type where one name contains the other (统信 / 统信软件), via a prefix index."""
    out = []
    by_prefix: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for ent in entities:
        if ent.label in ("DATE", "VERSION"):
            continue
        for alias in ent.aliases:
            k = name_key(alias)
            if len(k) >= 2:
                by_prefix[(ent.label, k[:2])].append((k, ent.id))
    for bucket in by_prefix.values():
        if len(bucket) > 50:
            continue
        for i, (k1, id1) in enumerate(bucket):
            for k2, id2 in bucket[i + 1:]:
                if id1 != id2 and (k1.startswith(k2) or k2.startswith(k1)):
                    a, b = sorted((id1, id2))
                    out.append((a, b, f"one name extends the other: {k1} / {k2}"))
    return out
