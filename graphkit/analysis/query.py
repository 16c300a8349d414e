"""Answer one question about the graph: an org, an event, a person, neighbours, a path.

In: the built graph and a name in either language (`麒麟软件`, `KylinSoft`,
`org:kylinsoft`; see `graphkit.analysis.names`). Out: a profile or result
object, rendered as plain text (`render_text`) or as JSON-ready dicts
(`to_data`). The text never repeats the name that was asked, so every name of
a node gives the same output. Unknown and ambiguous names raise
`NameLookupError`; two nodes with no path between them raise `GraphkitError`.
"""
from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass

import networkx as nx

from graphkit.analysis.facts import (
    EventProfile,
    Evidence,
    Facts,
    OrgProfile,
    PersonProfile,
    Scope,
)
from graphkit.errors import GraphkitError
from graphkit.types import LABELS, RELATION_TYPES

__all__ = [
    "Hop",
    "Neighbor",
    "Neighbors",
    "PathResult",
    "event_profile",
    "neighbors",
    "org_profile",
    "person_profile",
    "render_text",
    "shortest_path",
    "to_data",
]


@dataclass(frozen=True, slots=True)
class Neighbor:
    relation: str       # relation type, e.g. PARTICIPATED_IN
    direction: str      # "out": node -> neighbour; "in": neighbour -> node
    id: str
    label: str
    type: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Neighbors:
    id: str
    label: str
    type: str
    filter: str
    neighbors: tuple[Neighbor, ...]


@dataclass(frozen=True, slots=True)
class Hop:
    source: str         # the hop as walked: from `source` to `target`
    source_label: str
    target: str
    target_label: str
    relation: str
    direction: str      # "forward" when the edge runs source -> target, else "backward"
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True)
class PathResult:
    source: str
    source_label: str
    target: str
    target_label: str
    hops: tuple[Hop, ...]


def _facts(G: nx.MultiDiGraph | Facts) -> Facts:
    return G if isinstance(G, Facts) else Facts(G)


def org_profile(G: nx.MultiDiGraph | Facts, name: str) -> OrgProfile:
    """Profile of the ORG named `name`: events, people, talks, products, versions, dates."""
    facts = _facts(G)
    return Scope(facts).org_profile(facts.names.resolve(name, ("ORG",)))


def event_profile(G: nx.MultiDiGraph | Facts, name: str) -> EventProfile:
    """Profile of the EVENT named `name`: date, venue, partners, speakers, talks."""
    facts = _facts(G)
    return Scope(facts).event_profile(facts.names.resolve(name, ("EVENT",)))


def person_profile(G: nx.MultiDiGraph | Facts, name: str) -> PersonProfile:
    """Profile of the PERSON named `name`: affiliations, events spoken at, talks."""
    facts = _facts(G)
    return Scope(facts).person_profile(facts.names.resolve(name, ("PERSON",)))


def _type_filter(kind: str | None) -> tuple[str, str]:
    """('node' | 'relation' | '', upper-cased kind) for a --type value."""
    if not kind:
        return "", ""
    upper = kind.strip().upper()
    if upper in LABELS:
        return "node", upper
    if upper in RELATION_TYPES:
        return "relation", upper
    raise GraphkitError(f"--type {kind!r}: not a node type ({', '.join(LABELS)}) "
                        f"nor a relation type ({', '.join(RELATION_TYPES)})")


def neighbors(G: nx.MultiDiGraph | Facts, name: str, kind: str | None = None) -> Neighbors:
    """The nodes one relation away from `name`, either direction.

    Args:
        kind: keep only neighbours of this node type (`ORG`, `PERSON`…) or
            relations of this type (`PARTICIPATED_IN`…); case-insensitive.
    """
    facts = _facts(G)
    node = facts.names.resolve(name)
    what, want = _type_filter(kind)
    found = []
    for direction, edges in (("out", facts.G.out_edges(node, data=True)),
                             ("in", facts.G.in_edges(node, data=True))):
        for u, v, data in edges:
            other = v if direction == "out" else u
            relation = str(data.get("type", ""))
            if (what == "node" and facts.type(other) != want) or \
                    (what == "relation" and relation != want):
                continue
            found.append(Neighbor(relation, direction, other, facts.label(other),
                                  facts.type(other), facts.evidence(data)))
    found.sort(key=lambda n: (n.relation, n.direction, n.label.casefold(), n.id))
    return Neighbors(node, facts.label(node), facts.type(node), want, tuple(found))


def _best_edge(facts: Facts, u: str, v: str) -> tuple[dict, str]:
    """The best-supported edge between u and v in either direction, and its direction."""
    options = [(d, "forward") for d in facts.G.get_edge_data(u, v, default={}).values()]
    options += [(d, "backward") for d in facts.G.get_edge_data(v, u, default={}).values()]
    return min(options, key=lambda o: (-len(o[0].get("evidence") or ()),
                                       str(o[0].get("type", "")), o[1]))


def shortest_path(G: nx.MultiDiGraph | Facts, a: str, b: str) -> PathResult:
    """A shortest path from `a` to `b`, ignoring edge direction.

    Among paths of equal length the one through the smallest node ids is
    taken, so the answer does not depend on the order of the JSON file.

    Raises:
        NameLookupError: `a` or `b` is unknown or ambiguous.
        GraphkitError: no path joins them.
    """
    facts = _facts(G)
    start, goal = facts.names.resolve(a), facts.names.resolve(b)
    adjacency = {n: sorted(set(facts.G.successors(n)) | set(facts.G.predecessors(n)))
                 for n in facts.G.nodes}
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue and goal not in parent:
        node = queue.popleft()
        for nxt in adjacency[node]:
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    if goal not in parent:
        raise GraphkitError(f"no path between {start} ({facts.label(start)}) and "
                            f"{goal} ({facts.label(goal)}): they are in different parts of the graph")
    walk = [goal]
    while parent[walk[-1]] is not None:
        walk.append(parent[walk[-1]])
    walk.reverse()
    hops = []
    for u, v in zip(walk, walk[1:]):
        data, direction = _best_edge(facts, u, v)
        evidence = facts.evidence(data)
        sentence = next((e for e in evidence if e.sentence), evidence[0] if evidence else None)
        hops.append(Hop(u, facts.label(u), v, facts.label(v), str(data.get("type", "")),
                        direction, sentence))
    return PathResult(start, facts.label(start), goal, facts.label(goal), tuple(hops))


# -- output ------------------------------------------------------------------------------

def to_data(result) -> dict:
    """A JSON-ready dict of any query result, with a `kind` field saying which."""
    kinds = {OrgProfile: "org", EventProfile: "event", PersonProfile: "person",
             Neighbors: "neighbors", PathResult: "path"}
    return {"kind": kinds[type(result)], **dataclasses.asdict(result)}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cite(evidence: tuple[Evidence, ...], indent: str = "      ") -> list[str]:
    """The first sentence of a fact, its article, and how many more there are."""
    if not evidence:
        return []
    first = next((e for e in evidence if e.sentence), evidence[0])
    where = ", ".join(x for x in (first.article, first.date) if x)
    line = f"{indent}“{_one_line(first.sentence)}” [{where}]" if first.sentence else f"{indent}[{where}]"
    more = len(evidence) - 1
    return [line + (f" (+{more} more)" if more else "")]


def _header(label: str, node_id: str, aliases: tuple[str, ...]) -> list[str]:
    lines = [f"{_one_line(label)} ({node_id})"]
    if aliases:
        lines.append("aliases: " + ", ".join(_one_line(a) for a in aliases))
    return lines


def _render_org(p: OrgProfile) -> list[str]:
    out = _header(p.label, p.id, p.aliases)
    out.append(f"first seen: {p.first_seen or '?'}  last seen: {p.last_seen or '?'}  "
               f"articles: {len(p.articles)}")
    out += ["", f"Events ({len(p.events)})"]
    for e in p.events:
        out.append(f"  {e.date or '????-??-??'}  {_one_line(e.label)}"
                   + (f" — {_one_line(e.venue)}" if e.venue else "") + f" ({e.id})")
        out += _cite(e.evidence)
    out += ["", f"People ({len(p.people)})"]
    for x in p.people:
        out.append(f"  {_one_line(x.label)}" + (f" — {'; '.join(x.roles)}" if x.roles else "")
                   + f" ({x.id})")
        out += _cite(x.evidence)
    out += ["", f"Talks ({len(p.talks)})"]
    for t in p.talks:
        by = ", ".join(_one_line(s.label) for s in t.speakers)
        out.append(f"  “{_one_line(t.label)}”" + (f" by {by}" if by else "")
                   + (f" at {_one_line(t.event)} ({t.date or '?'})" if t.event_id else ""))
        out += _cite(t.evidence)
    for title, items in (("Products showcased", p.products), ("Versions released", p.versions)):
        out += ["", f"{title} ({len(items)})"]
        for i in items:
            out.append(f"  {_one_line(i.label)} ({i.id})")
            out += _cite(i.evidence)
    return out


def _render_event(e: EventProfile) -> list[str]:
    out = _header(e.label, e.id, e.aliases)
    out.append(f"date: {e.date or 'unknown'}  venue: {_one_line(e.venue) or 'unknown'}  "
               f"articles: {len(e.articles)}")
    out += ["", f"Partners ({len(e.partners)})"]
    for p in e.partners:
        out.append(f"  {_one_line(p.label)} ({p.id})")
        out += _cite(p.evidence)
    out += ["", f"Speakers ({len(e.speakers)})"]
    for s in e.speakers:
        out.append(f"  {_one_line(s.label)}" + (f" — {', '.join(s.orgs)}" if s.orgs else "")
                   + f" ({s.id})")
        out += _cite(s.evidence)
    out += ["", f"Talks ({len(e.talks)})"]
    for t in e.talks:
        by = ", ".join(_one_line(s.label) for s in t.speakers)
        out.append(f"  “{_one_line(t.label)}”" + (f" by {by}" if by else ""))
        out += _cite(t.evidence)
    return out


def _render_person(p: PersonProfile) -> list[str]:
    out = _header(p.label, p.id, p.aliases)
    out.append(f"first seen: {p.first_seen or '?'}  last seen: {p.last_seen or '?'}  "
               f"articles: {len(p.articles)}")
    out += ["", f"Affiliations ({len(p.affiliations)})"]
    for a in p.affiliations:
        out.append(f"  {_one_line(a.label)}" + (f" — {'; '.join(a.roles)}" if a.roles else "")
                   + f" ({a.id})")
        out += _cite(a.evidence)
    out += ["", f"Events spoken at ({len(p.events)})"]
    for e in p.events:
        out.append(f"  {e.date or '????-??-??'}  {_one_line(e.label)}"
                   + (f" — {_one_line(e.venue)}" if e.venue else "") + f" ({e.id})")
        out += _cite(e.evidence)
    out += ["", f"Talks ({len(p.talks)})"]
    for t in p.talks:
        out.append(f"  “{_one_line(t.label)}”"
                   + (f" at {_one_line(t.event)} ({t.date or '?'})" if t.event_id else ""))
        out += _cite(t.evidence)
    return out


def _render_neighbors(n: Neighbors) -> list[str]:
    out = [f"{_one_line(n.label)} ({n.id}, {n.type})"
           + (f" — only {n.filter}" if n.filter else ""), "", f"Neighbours ({len(n.neighbors)})"]
    for x in n.neighbors:
        arrow = f"-[{x.relation}]->" if x.direction == "out" else f"<-[{x.relation}]-"
        out.append(f"  {arrow} {_one_line(x.label)} ({x.id}, {x.type})")
        out += _cite(x.evidence)
    return out


def _render_path(p: PathResult) -> list[str]:
    out = [f"{_one_line(p.source_label)} ({p.source}) → {_one_line(p.target_label)} ({p.target}): "
           f"{len(p.hops)} hop{'s' if len(p.hops) != 1 else ''}"]
    for n, h in enumerate(p.hops, 1):
        arrow = f"-[{h.relation}]->" if h.direction == "forward" else f"<-[{h.relation}]-"
        out.append(f"  {n}. {_one_line(h.source_label)} ({h.source}) {arrow} "
                   f"{_one_line(h.target_label)} ({h.target})")
        out += _cite((h.evidence,) if h.evidence else (), indent="       ")
    return out


def render_text(result) -> str:
    """Plain text for a terminal, ending in a newline."""
    render = {OrgProfile: _render_org, EventProfile: _render_event,
              PersonProfile: _render_person, Neighbors: _render_neighbors,
              PathResult: _render_path}[type(result)]
    return "\n".join(render(result)) + "\n"
