"""What changed between two builds: new partners and events, returning partners, relations.

In: the OLD and NEW graphs (two `graphkit build` outputs). Out: a `GraphDiff`
rendered as Markdown (`render_markdown`) or JSON-ready dicts (`to_data`):
- new partners: ORGs that PARTICIPATED_IN an event in NEW and in nothing in
  OLD (`known_before` says whether OLD had the node at all);
- new events: EVENT nodes in NEW and not in OLD;
- returning partners: a new participation (an edge not in OLD) dated more than
  `gap_days` after the partner's last OLD participation on or before it; a
  participation is dated by its event (or, failing that, the earliest article);
- new and dropped relations, compared by edge key (source, type, target),
  with evidence from the graph that has them.
It compares node ids as they are: an org that changed id shows up as one new
and one dropped.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import networkx as nx

from graphkit.analysis.facts import EventRef, Evidence, Facts, ItemRef, Scope, date_bounds
from graphkit.analysis.report import md, md_code

__all__ = [
    "GraphDiff",
    "NewEvent",
    "NewPartner",
    "RelationChange",
    "ReturningPartner",
    "diff_graphs",
    "render_markdown",
    "to_data",
]

DEFAULT_GAP_DAYS = 180


@dataclass(frozen=True, slots=True)
class NewPartner:
    id: str
    label: str
    known_before: bool              # OLD had the ORG node, without a participation
    events: tuple[EventRef, ...]    # its participations in NEW, with evidence


@dataclass(frozen=True, slots=True)
class NewEvent:
    id: str
    label: str
    date: str
    venue: str
    partners: tuple[ItemRef, ...]
    articles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReturningPartner:
    id: str
    label: str
    last_event_id: str              # the last OLD participation before the return
    last_event: str
    last_date: str
    event_id: str                   # the new participation
    event: str
    date: str
    gap_days: int
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class RelationChange:
    key: str                        # "<source>|<TYPE>|<target>"
    type: str
    source: str
    source_label: str
    target: str
    target_label: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class GraphDiff:
    old: str
    new: str
    gap_days: int
    counts: tuple[tuple[str, int, int], ...]      # (what, in OLD, in NEW)
    new_partners: tuple[NewPartner, ...]
    new_events: tuple[NewEvent, ...]
    returning_partners: tuple[ReturningPartner, ...]
    new_relations: tuple[RelationChange, ...]
    dropped_relations: tuple[RelationChange, ...]


def _edges(facts: Facts) -> dict[tuple[str, str, str], dict]:
    found: dict[tuple[str, str, str], dict] = {}
    for u, v, data in facts.G.edges(data=True):
        key = (str(u), str(data.get("type", "")), str(v))
        if key in found:    # the contract makes keys unique; merge if a graph breaks it
            merged = dict(found[key])
            merged["evidence"] = list(merged.get("evidence") or ()) + list(data.get("evidence") or ())
            found[key] = merged
        else:
            found[key] = data
    return found


def _day(date: str) -> dt.date:
    return dt.date.fromisoformat(date_bounds(date)[0])


def _participations(scope: Scope) -> dict[str, list[tuple[str, str]]]:
    """org -> [(date, event)] of its PARTICIPATED_IN edges; date '' when unknown."""
    found: dict[str, list[tuple[str, str]]] = {}
    for (u, kind, v), _ in sorted(_edges(scope.facts).items()):
        if kind == "PARTICIPATED_IN":
            found.setdefault(u, []).append((scope.event_date(v), v))
    return found


def _change(facts: Facts, key: tuple[str, str, str], data: dict) -> RelationChange:
    u, kind, v = key
    return RelationChange(f"{u}|{kind}|{v}", kind, u, facts.label(u), v, facts.label(v),
                          facts.evidence(data))


def diff_graphs(old: nx.MultiDiGraph, new: nx.MultiDiGraph, *, gap_days: int = DEFAULT_GAP_DAYS,
                old_name: str = "OLD", new_name: str = "NEW") -> GraphDiff:
    """Compare two builds.

    Args:
        old, new: the graphs of the earlier and the later build.
        gap_days: a participation more than this many days after the partner's
            previous one makes it a returning partner.
        old_name, new_name: how the Markdown names the two builds (their folders).
    """
    of, nf = Facts(old), Facts(new)
    oscope, nscope = Scope(of), Scope(nf)
    oedges, nedges = _edges(of), _edges(nf)
    oparts, nparts = _participations(oscope), _participations(nscope)

    new_partners = []
    for org in sorted(set(nparts) - set(oparts), key=lambda o: (nf.label(o).casefold(), o)):
        new_partners.append(NewPartner(org, nf.label(org), org in old, nscope.org_events(org)))

    new_events = []
    for event in nf.nodes_of_type("EVENT"):
        if event not in old:
            p = nscope.event_profile(event)
            new_events.append(NewEvent(p.id, p.label, p.date, p.venue, p.partners, p.articles))
    new_events.sort(key=lambda e: (e.date or "9999", e.label.casefold(), e.id))

    returning = []
    for org in sorted(set(nparts) & set(oparts)):
        before = sorted((d, e) for d, e in oparts[org] if d)
        if not before:
            continue
        fresh = sorted((d, e) for d, e in nparts[org]
                       if d and (org, "PARTICIPATED_IN", e) not in oedges)
        for date, event in fresh:
            prior = [(d, e) for d, e in before if _day(d) <= _day(date)]
            if not prior:
                continue     # an older participation found late: not a return
            last_date, last_event = prior[-1]
            gap = (_day(date) - _day(last_date)).days
            if gap > gap_days:
                returning.append(ReturningPartner(
                    org, nf.label(org), last_event, of.label(last_event), last_date,
                    event, nf.label(event), date, gap,
                    nf.evidence(nedges[(org, "PARTICIPATED_IN", event)])))
                break
    returning.sort(key=lambda r: (-r.gap_days, r.label.casefold(), r.id))

    added = tuple(_change(nf, k, nedges[k]) for k in sorted(set(nedges) - set(oedges),
                                                            key=lambda k: (k[1], k[0], k[2])))
    dropped = tuple(_change(of, k, oedges[k]) for k in sorted(set(oedges) - set(nedges),
                                                              key=lambda k: (k[1], k[0], k[2])))
    counts = (
        ("nodes", old.number_of_nodes(), new.number_of_nodes()),
        ("relations", len(oedges), len(nedges)),
        ("partners", len(oparts), len(nparts)),
        ("events", len(of.nodes_of_type("EVENT")), len(nf.nodes_of_type("EVENT"))),
        ("articles", len(of.articles), len(nf.articles)),
    )
    return GraphDiff(old_name, new_name, gap_days, counts, tuple(new_partners), tuple(new_events),
                     tuple(returning), added, dropped)


def to_data(diff: GraphDiff) -> dict:
    """A JSON-ready dict of the diff."""
    data = dataclasses.asdict(diff)
    data["counts"] = {what: {"old": o, "new": n} for what, o, n in diff.counts}
    return data


def _quote(evidence: tuple[Evidence, ...]) -> str:
    first = next((e for e in evidence if e.sentence), evidence[0] if evidence else None)
    if first is None:
        return ""
    where = md_code(first.article) + (f", {first.date}" if first.date else "")
    said = f"“{md(first.sentence)}” " if first.sentence else ""
    more = f" (+{len(evidence) - 1} more)" if len(evidence) > 1 else ""
    return f" — {said}({where}){more}"


def render_markdown(diff: GraphDiff) -> str:
    """The diff as Markdown, one section per kind of change, each item with evidence."""
    out = [f"# Graph diff: {md(diff.old)} → {md(diff.new)}", "",
           "| | OLD | NEW |", "| --- | ---: | ---: |"]
    out += [f"| {what} | {o} | {n} |" for what, o, n in diff.counts]

    out += ["", f"## New partners ({len(diff.new_partners)})", ""]
    for p in diff.new_partners:
        out.append(f"- **{md(p.label)}** ({md_code(p.id)})"
                   + (" — in OLD, but with no participation" if p.known_before else ""))
        out += [f"  - {md(e.label)} ({e.date or 'date unknown'}){_quote(e.evidence)}"
                for e in p.events]
    if not diff.new_partners:
        out.append("None.")

    out += ["", f"## New events ({len(diff.new_events)})", ""]
    for e in diff.new_events:
        partners = ", ".join(md(p.label) for p in e.partners)
        evidence = tuple(x for p in e.partners for x in p.evidence)
        out.append(f"- **{md(e.label)}** ({md_code(e.id)}) — {e.date or 'date unknown'}"
                   + (f", {md(e.venue)}" if e.venue else "")
                   + (f"; partners: {partners}" if partners else "")
                   + f"; {len(e.articles)} article{'' if len(e.articles) == 1 else 's'}" + _quote(evidence))
    if not diff.new_events:
        out.append("None.")

    out += ["", f"## Partners seen again after more than {diff.gap_days} days "
                f"({len(diff.returning_partners)})", ""]
    for r in diff.returning_partners:
        out.append(f"- **{md(r.label)}** ({md_code(r.id)}): {md(r.last_event)} ({r.last_date}), then "
                   f"{md(r.event)} ({r.date}) — {r.gap_days} days{_quote(r.evidence)}")
    if not diff.returning_partners:
        out.append("None.")

    for title, changes in (("New relations", diff.new_relations),
                           ("Dropped relations", diff.dropped_relations)):
        out += ["", f"## {title} ({len(changes)})", ""]
        for c in changes:
            out.append(f"- {c.type}: {md(c.source_label)} ({md_code(c.source)}) → "
                       f"{md(c.target_label)} ({md_code(c.target)}){_quote(c.evidence)}")
        if not changes:
            out.append("None.")
    return "\n".join(out) + "\n"
