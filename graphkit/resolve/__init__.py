"""resolve(extractions, rules) -> Resolved: one entity per real-world thing.

Mentions are grouped by a key per type: the gazetteer entry (华为 = Huawei),
the romanised name for people (熊伟 = Xiong Wei, via pypinyin), the series
and edition for events, the ISO value for dates, the normalised name
otherwise. `rules/resolution.yaml` can force (`same_as`) or forbid
(`never_merge`) merges; pairs that look alike but were not merged are
returned as merge candidates for an analyst to review. Everything is linear
in the number of mentions (dictionaries, no pairwise comparisons).

A build feeds `Resolution` one extraction at a time as results arrive
(`registry.py` files each one); `finish()` merges once all are in.
`resolve()` does the same over a list. Ids before merging: `ids.py`.
"""
from __future__ import annotations

import gc
import math
from collections import Counter, defaultdict
from contextlib import contextmanager
from operator import itemgetter

from graphkit.resolve.ids import Resolver, Union
from graphkit.resolve.registry import Registry
from graphkit.rules import Rules
from graphkit.slug import has_cjk, name_key
from graphkit.types import Entity, Evidence, Extraction, Mention, Resolved, ResolvedRelation

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
        self.registry = Registry(Resolver(rules), Union())
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
    rules, registry = resolution.rules, resolution.registry
    resolver, union = registry.resolver, registry.union
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
    """The edges between final ids, from the relations filed by their mention ids (`registry.py`).

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
