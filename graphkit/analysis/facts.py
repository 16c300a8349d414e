"""Facts about partners, events and people, read off the graph with their evidence.

In: a graph that follows docs/graph-contract.md and, optionally, `Filters`
(date window, orgs, events, article language). Out: frozen profiles
(`OrgProfile`, `EventProfile`, `PersonProfile`) whose every fact carries the
sentences that support it, sorted so that the same graph always gives the
same profile. The report, `graphkit query` and `graphkit diff` all read the
graph through this module.

How the filters apply:
- An event is in scope when its date (its DATE node, else the earliest date of
  the articles that mention it) lies in the window, it is one of `--event`
  (when given), and an article in the chosen language mentions it.
- Relations about an event (PARTICIPATED_IN, PRESENTED_AT, AT) keep the
  evidence from articles in the chosen language; the date criterion is the
  event's.
- Other facts (AFFILIATED_WITH, SHOWCASED, RELEASED, PRESENTED without an
  event) keep the evidence from articles in the language and date window and,
  with `--event`, from the articles about those events.
- A fact left without evidence by a filter is dropped. With no filter every
  fact is kept, even one without evidence.
- `--org` chooses the partners; events keep all their partners.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from graphkit.analysis.names import NameIndex
from graphkit.errors import GraphkitError

__all__ = [
    "Affiliation",
    "EventProfile",
    "EventRef",
    "Evidence",
    "Facts",
    "Filters",
    "ItemRef",
    "OrgProfile",
    "PersonProfile",
    "PersonRef",
    "Scope",
    "SpeakerRef",
    "TalkRef",
    "check_date",
    "date_bounds",
    "in_window",
]

_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
NO_DATE = "9999-99-99"   # sorts undated things last


def _is_date(text: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD naming a real year, month or day (no 2024-13 or 02-30)."""
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text if text.count("-") == 2 else (text + "-01-01")[:10])
    except ValueError:
        return False
    return True


def check_date(text: str) -> str:
    """Return `text` when it is YYYY, YYYY-MM or YYYY-MM-DD, else raise GraphkitError."""
    if not _is_date(text or ""):
        raise GraphkitError(f"{text!r}: not a date; write YYYY-MM-DD, e.g. 2024-04-08")
    return text


def date_bounds(date: str) -> tuple[str, str]:
    """First and last day a partial ISO date covers: '2024-04' -> ('2024-04-01', '2024-04-31').

    The last day is only compared as a string, so '-31' serves every month.
    """
    parts = date.count("-")
    if parts == 0:
        return f"{date}-01-01", f"{date}-12-31"
    if parts == 1:
        return f"{date}-01", f"{date}-31"
    return date[:10], date[:10]


def in_window(date: str, since: str | None, until: str | None) -> bool:
    """Whether a (partial) ISO date overlaps [since, until]; both ends inclusive."""
    lo, hi = date_bounds(date)
    if since and hi < date_bounds(since)[0]:
        return False
    if until and lo > date_bounds(until)[1]:
        return False
    return True


def text(value) -> str:
    """`str(value)` that UTF-8 can encode: JSON may hold lone surrogates, which
    would break printing, file writes and matplotlib; they become '?'."""
    value = str(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", errors="replace").decode("utf-8")
    return value


def _iso(value) -> str:
    """An ISO date string from a graph value, or '' when it is not one."""
    text = str(value or "").strip()
    if text.startswith("date:"):
        text = text[5:]
    return text if _is_date(text) else ""


@dataclass(frozen=True, slots=True)
class Filters:
    """What `graphkit report` was asked to cover. Empty fields filter nothing.

    `orgs` and `events` are names in either language (label, alias or id).
    """

    since: str | None = None
    until: str | None = None
    orgs: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    lang: str | None = None

    def describe(self) -> str:
        """One line for the report header, e.g. 'since 2024-01-01; org: 华为'."""
        parts = []
        if self.since:
            parts.append(f"since {self.since}")
        if self.until:
            parts.append(f"until {self.until}")
        if self.orgs:
            parts.append("org: " + ", ".join(self.orgs))
        if self.events:
            parts.append("event: " + ", ".join(self.events))
        if self.lang:
            parts.append(f"lang: {self.lang}")
        return "; ".join(parts) or "none"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One sentence that states a fact, and the article it comes from."""

    article: str
    sentence: str
    date: str = ""
    title: str = ""
    lang: str = ""
    start: int = -1

    def sort_key(self) -> tuple:
        return (self.date or NO_DATE, self.article, self.start, self.sentence)


@dataclass(frozen=True, slots=True)
class ItemRef:
    """A node named by a fact (a product, a version, a partner) and its evidence."""

    id: str
    label: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class EventRef:
    id: str
    label: str
    date: str = ""
    venue_id: str = ""
    venue: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonRef:
    """A person affiliated with an org, with the roles the text gives."""

    id: str
    label: str
    roles: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class TalkRef:
    id: str
    label: str
    speakers: tuple[ItemRef, ...] = ()     # evidence: the PRESENTED relation
    event_id: str = ""
    event: str = ""
    date: str = ""
    evidence: tuple[Evidence, ...] = ()    # the AT relation, else PRESENTED


@dataclass(frozen=True, slots=True)
class SpeakerRef:
    """Someone who spoke at an event (PRESENTED_AT, or a talk AT it)."""

    id: str
    label: str
    orgs: tuple[str, ...] = ()             # labels of the orgs they are affiliated with
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Affiliation:
    id: str
    label: str
    roles: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class OrgProfile:
    id: str
    label: str
    aliases: tuple[str, ...]
    events: tuple[EventRef, ...]
    people: tuple[PersonRef, ...]
    talks: tuple[TalkRef, ...]
    products: tuple[ItemRef, ...]
    versions: tuple[ItemRef, ...]
    first_seen: str
    last_seen: str
    articles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventProfile:
    id: str
    label: str
    aliases: tuple[str, ...]
    date: str
    venue_id: str
    venue: str
    partners: tuple[ItemRef, ...]
    speakers: tuple[SpeakerRef, ...]
    talks: tuple[TalkRef, ...]
    articles: tuple[str, ...]
    series: str = ""
    edition: str = ""


@dataclass(frozen=True, slots=True)
class PersonProfile:
    id: str
    label: str
    aliases: tuple[str, ...]
    affiliations: tuple[Affiliation, ...]
    events: tuple[EventRef, ...]
    talks: tuple[TalkRef, ...]
    first_seen: str
    last_seen: str
    articles: tuple[str, ...]


def _by_label(item) -> tuple:
    return (item.label.casefold(), item.id)


def _by_date(item) -> tuple:
    return (item.date or NO_DATE, item.label.casefold(), item.id)


class Facts:
    """The graph indexed by relation type, with the lookups every profile needs.

    Args:
        G: a MultiDiGraph as `graphkit build` writes it.
    """

    def __init__(self, G: nx.MultiDiGraph):
        self.G = G
        self.articles: dict[str, dict] = dict(G.graph.get("articles") or {})
        out: dict[tuple[str, str], dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        inn: dict[tuple[str, str], dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        for u, v, data in G.edges(data=True):
            kind = str(data.get("type", ""))
            out[(u, kind)][v].append(data)
            inn[(v, kind)][u].append(data)
        self._out = out
        self._in = inn
        # The report asks for the same articles, relations and evidence many
        # times (an edge is cited by both of its ends): each is worked out once.
        self._article_info: dict[str, tuple[str, str, str]] = {}
        self._merged: dict[tuple[str, str, str], list[tuple[str, dict]]] = {}
        self._evidence: dict[int, tuple[dict, tuple[Evidence, ...]]] = {}
        self._sentences: dict[str, str] = {}
        self._evidence_items: dict[tuple[str, str, int], Evidence] = {}

    @functools.cached_property
    def names(self) -> NameIndex:
        """Every node's names, folded; built when a name is first looked up (a report
        without --org or --event needs none)."""
        return NameIndex(self.G)

    # -- nodes and articles -------------------------------------------------
    def label(self, node: str) -> str:
        return text(self.G.nodes[node].get("label") or node) if node in self.G else text(node)

    def type(self, node: str) -> str:
        return str(self.G.nodes[node].get("type", "")) if node in self.G else ""

    def aliases(self, node: str) -> tuple[str, ...]:
        return tuple(sorted({text(a) for a in self.G.nodes[node].get("aliases") or ()}))

    def node_articles(self, node: str) -> tuple[str, ...]:
        return tuple(sorted({str(a) for a in self.G.nodes[node].get("articles") or ()}))

    def nodes_of_type(self, kind: str) -> list[str]:
        return sorted(n for n, d in self.G.nodes(data=True) if d.get("type") == kind)

    def _article(self, article: str) -> tuple[str, str, str]:
        """(date, title, lang) of an article."""
        info = self._article_info.get(article)
        if info is None:
            meta = self.articles.get(article) or {}
            info = (_iso(meta.get("date") or meta.get("published")), text(meta.get("title") or ""),
                    str(meta.get("lang") or ""))
            self._article_info[article] = info
        return info

    def article_date(self, article: str) -> str:
        return self._article(article)[0]

    def article_lang(self, article: str) -> str:
        return self._article(article)[2]

    def article_title(self, article: str) -> str:
        return self._article(article)[1]

    def _relations(self, index: dict, direction: str, node: str, kind: str) -> list[tuple[str, dict]]:
        key = (direction, node, kind)
        found = self._merged.get(key)
        if found is None:
            found = [(other, _merge(ds)) for other, ds in sorted(index.get((node, kind), {}).items())]
            self._merged[key] = found
        return list(found)

    def targets(self, node: str, kind: str) -> list[tuple[str, dict]]:
        """(target, merged edge data) of `node`'s outgoing `kind` relations, by target id."""
        return self._relations(self._out, "out", node, kind)

    def sources(self, node: str, kind: str) -> list[tuple[str, dict]]:
        """(source, merged edge data) of the `kind` relations into `node`, by source id."""
        return self._relations(self._in, "in", node, kind)

    def event_date(self, event: str) -> str:
        """ISO date of an event from its `date` attribute or HELD_ON edge; '' if unknown."""
        ref = self.G.nodes[event].get("date") if event in self.G else None
        if ref:
            if ref in self.G:
                value = _iso(self.G.nodes[ref].get("value")) or _iso(ref)
            else:
                value = _iso(ref)
            if value:
                return value
        dates = sorted(_iso(self.G.nodes[d].get("value")) or _iso(d)
                       for d, _ in self.targets(event, "HELD_ON"))
        return next((d for d in dates if d), "")

    def event_venue(self, event: str) -> tuple[str, str]:
        """(venue id, venue label) from the `venue` attribute or HELD_AT edge; ('', '') if unknown."""
        ref = self.G.nodes[event].get("venue") if event in self.G else None
        if ref:
            return (str(ref), self.label(ref)) if ref in self.G else ("", str(ref))
        venues = self.targets(event, "HELD_AT")
        if venues:
            return venues[0][0], self.label(venues[0][0])
        return "", ""

    def _sentence(self, raw) -> str:
        """A sentence with its whitespace folded; one sentence backs many relations."""
        if type(raw) is not str:
            return " ".join(text(raw or "").split())
        sentence = self._sentences.get(raw)
        if sentence is None:
            sentence = self._sentences[raw] = " ".join(text(raw).split())
        return sentence

    def _evidence_item(self, article: str, sentence: str, start: int) -> Evidence:
        key = (article, sentence, start)
        item = self._evidence_items.get(key)
        if item is None:
            item = self._evidence_items[key] = Evidence(article, sentence, *self._article(article), start)
        return item

    def evidence(self, data: dict) -> tuple[Evidence, ...]:
        """The evidence of an edge, sorted; an edge with only `articles` gets empty sentences.

        Worked out once per edge: the cache holds `data` itself, so its id
        cannot be reused by another dict while the entry lives.
        """
        cached = self._evidence.get(id(data))
        if cached is not None and cached[0] is data:
            return cached[1]
        evidence = self._read_evidence(data)
        self._evidence[id(data)] = (data, evidence)
        return evidence

    def _read_evidence(self, data: dict) -> tuple[Evidence, ...]:
        found: dict[tuple[str, str], Evidence] = {}
        for item in data.get("evidence") or ():
            if not isinstance(item, dict) or not item.get("article"):
                continue
            article = str(item["article"])
            sentence = self._sentence(item.get("sentence"))
            start = item.get("start")
            found.setdefault((article, sentence), self._evidence_item(
                article, sentence, start if isinstance(start, int) else -1))
        cited = {a for a, _ in found}
        for article in data.get("articles") or ():
            if str(article) not in cited:
                article = str(article)
                found[(article, "")] = Evidence(article, "", *self._article(article))
        return tuple(sorted(found.values(), key=Evidence.sort_key))


def _merge(datas: list[dict]) -> dict:
    """One edge's data; parallel edges of one type (the contract forbids them) are merged."""
    if len(datas) == 1:
        return datas[0]
    merged = dict(datas[0])
    merged["evidence"] = [e for d in datas for e in d.get("evidence") or ()]
    merged["articles"] = sorted({a for d in datas for a in d.get("articles") or ()})
    roles = sorted({str(d["role"]) for d in datas if d.get("role")})
    if roles:
        merged["role"] = "; ".join(roles)
    return merged


class Scope:
    """`Facts` seen through `Filters`: which events, evidence and articles count.

    Raises:
        NameLookupError: an `--org` or `--event` name matches no node, or several.
    """

    def __init__(self, facts: Facts, filters: Filters | None = None):
        self.facts = facts
        self.filters = filters = filters or Filters()
        self.since, self.until, self.lang = filters.since, filters.until, filters.lang
        self.org_ids = frozenset(facts.names.resolve(n, ("ORG",)) for n in filters.orgs)
        self.event_ids = frozenset(facts.names.resolve(n, ("EVENT",)) for n in filters.events)
        self.event_articles = (frozenset(a for e in self.event_ids for a in facts.node_articles(e))
                               if self.event_ids else None)
        self._event_ok: dict[str, bool] = {}

    @property
    def dated(self) -> bool:
        return bool(self.since or self.until)

    def _filters_facts(self) -> bool:
        return bool(self.lang or self.dated or self.event_ids)

    # -- articles and events --------------------------------------------------
    def lang_ok(self, article: str) -> bool:
        return not self.lang or self.facts.article_lang(article) == self.lang

    def article_ok(self, article: str) -> bool:
        """An article in the language, the date window and (with --event) about those events."""
        if not self.lang_ok(article):
            return False
        if self.dated:
            date = self.facts.article_date(article)
            if not date or not in_window(date, self.since, self.until):
                return False
        return self.event_articles is None or article in self.event_articles

    def event_date(self, event: str) -> str:
        """The event's own date, else the earliest date of an in-language article about it."""
        date = self.facts.event_date(event)
        if date:
            return date
        dates = sorted(d for a in self.facts.node_articles(event) if self.lang_ok(a)
                       for d in [self.facts.article_date(a)] if d)
        return dates[0] if dates else ""

    def event_ok(self, event: str) -> bool:
        if event not in self._event_ok:
            self._event_ok[event] = self._check_event(event)
        return self._event_ok[event]

    def _check_event(self, event: str) -> bool:
        if self.event_ids and event not in self.event_ids:
            return False
        if self.lang and not any(self.lang_ok(a) for a in self.facts.node_articles(event)):
            return False
        if self.dated:
            date = self.event_date(event)
            return bool(date) and in_window(date, self.since, self.until)
        return True

    def org_ok(self, org: str) -> bool:
        return not self.org_ids or org in self.org_ids

    def articles(self, node: str) -> tuple[str, ...]:
        """The articles about `node` that pass the filters."""
        return tuple(a for a in self.facts.node_articles(node) if self.article_ok(a))

    # -- evidence ---------------------------------------------------------------
    def evidence(self, data: dict, *, about_event: bool) -> tuple[Evidence, ...] | None:
        """An edge's evidence that passes the filters; None when the filters drop the edge.

        Args:
            about_event: the edge is about an event already in scope, so only the
                language filter applies to its evidence.
        """
        evidence = self.facts.evidence(data)
        if about_event:
            if not self.lang:
                return evidence
            kept = tuple(e for e in evidence if self.lang_ok(e.article))
        else:
            if not self._filters_facts():
                return evidence
            kept = tuple(e for e in evidence if self.article_ok(e.article))
        return kept or None

    # -- profiles -----------------------------------------------------------------
    def event_ref(self, event: str, evidence: tuple[Evidence, ...] = ()) -> EventRef:
        venue_id, venue = self.facts.event_venue(event)
        return EventRef(event, self.facts.label(event), self.event_date(event),
                        venue_id, venue, evidence)

    def org_events(self, org: str) -> tuple[EventRef, ...]:
        """The in-scope events `org` PARTICIPATED_IN, by date."""
        refs = []
        for event, data in self.facts.targets(org, "PARTICIPATED_IN"):
            if not self.event_ok(event):
                continue
            evidence = self.evidence(data, about_event=True)
            if evidence is not None:
                refs.append(self.event_ref(event, evidence))
        return tuple(sorted(refs, key=_by_date))

    def partners(self) -> list[str]:
        """ORG ids with an in-scope participation (and chosen by --org), by events desc then name."""
        counts = {}
        for org in self.facts.nodes_of_type("ORG"):
            if self.org_ok(org):
                n = len(self.org_events(org))
                if n:
                    counts[org] = n
        return sorted(counts, key=lambda o: (-counts[o], self.facts.label(o).casefold(), o))

    def events(self) -> list[str]:
        """In-scope EVENT ids by date; with --org, only those a chosen org took part in."""
        events = [e for e in self.facts.nodes_of_type("EVENT") if self.event_ok(e)]
        if self.org_ids:
            chosen = {ref.id for org in sorted(self.org_ids) for ref in self.org_events(org)}
            events = [e for e in events if e in chosen]
        return sorted(events, key=lambda e: (self.event_date(e) or NO_DATE,
                                             self.facts.label(e).casefold(), e))

    def _roles(self, data: dict) -> tuple[str, ...]:
        role = text(data.get("role") or "").strip()
        return tuple(r.strip() for r in role.split("; ") if r.strip()) if role else ()

    def org_people(self, org: str) -> tuple[PersonRef, ...]:
        refs = []
        for person, data in self.facts.sources(org, "AFFILIATED_WITH"):
            evidence = self.evidence(data, about_event=False)
            if evidence is not None:
                refs.append(PersonRef(person, self.facts.label(person), self._roles(data), evidence))
        return tuple(sorted(refs, key=_by_label))

    def talk_ref(self, talk: str, presented: dict | None = None) -> TalkRef | None:
        """A talk with its speakers and event; None when the filters leave nothing of it.

        Args:
            presented: evidence data of the PRESENTED edge we came from, used
                when the talk is not linked to an event.
        """
        event_id, event_data = "", None
        for event, data in self.facts.targets(talk, "AT"):
            if self.event_ok(event):
                event_id, event_data = event, data
                break
        else:
            if self.facts.targets(talk, "AT"):
                return None    # the talk's events are all out of scope
        about_event = bool(event_id)
        speakers = []
        for person, data in self.facts.sources(talk, "PRESENTED"):
            evidence = self.evidence(data, about_event=about_event)
            if evidence is not None:
                speakers.append(ItemRef(person, self.facts.label(person), evidence))
        if event_data is not None:
            evidence = self.evidence(event_data, about_event=True)
        elif presented is not None:
            evidence = self.evidence(presented, about_event=False)
        else:
            evidence = tuple(e for s in speakers for e in s.evidence) or None
        if evidence is None and not speakers:
            return None
        return TalkRef(talk, self.facts.label(talk), tuple(sorted(speakers, key=_by_label)),
                       event_id, self.facts.label(event_id) if event_id else "",
                       self.event_date(event_id) if event_id else "",
                       tuple(sorted(set(evidence or ()), key=Evidence.sort_key)))

    def person_talks(self, person: str) -> tuple[TalkRef, ...]:
        refs = []
        for talk, data in self.facts.targets(person, "PRESENTED"):
            ref = self.talk_ref(talk, data)
            if ref is not None and any(s.id == person for s in ref.speakers):
                refs.append(ref)
        return tuple(sorted(refs, key=_by_date))

    def _items(self, org: str, kind: str) -> tuple[ItemRef, ...]:
        refs = []
        for node, data in self.facts.targets(org, kind):
            evidence = self.evidence(data, about_event=False)
            if evidence is not None:
                refs.append(ItemRef(node, self.facts.label(node), evidence))
        return tuple(sorted(refs, key=_by_label))

    def org_profile(self, org: str) -> OrgProfile:
        """Everything the graph says about one org, within the filters."""
        events = self.org_events(org)
        people = self.org_people(org)
        talks: dict[str, TalkRef] = {}
        for person in people:
            for talk in self.person_talks(person.id):
                talks.setdefault(talk.id, talk)
        articles = self.articles(org)
        seen = sorted(({self.facts.article_date(a) for a in articles} | {e.date for e in events}) - {""})
        return OrgProfile(
            org, self.facts.label(org), self.facts.aliases(org), events, people,
            tuple(sorted(talks.values(), key=_by_date)),
            self._items(org, "SHOWCASED"), self._items(org, "RELEASED"),
            seen[0] if seen else "", seen[-1] if seen else "", articles)

    def event_profile(self, event: str) -> EventProfile:
        """Date, venue, partners, speakers and talks of one event, within the filters."""
        facts = self.facts
        venue_id, venue = facts.event_venue(event)
        partners = []
        for org, data in facts.sources(event, "PARTICIPATED_IN"):
            evidence = self.evidence(data, about_event=True)
            if evidence is not None:
                partners.append(ItemRef(org, facts.label(org), evidence))
        talks = []
        for talk, _ in facts.sources(event, "AT"):
            ref = self.talk_ref(talk)
            if ref is not None and ref.event_id == event:
                talks.append(ref)
        speaker_ev: dict[str, set[Evidence]] = defaultdict(set)
        for person, data in facts.sources(event, "PRESENTED_AT"):
            evidence = self.evidence(data, about_event=True)
            if evidence is not None:
                speaker_ev[person].update(evidence)
        for talk in talks:
            for speaker in talk.speakers:
                speaker_ev[speaker.id].update(speaker.evidence)
        speakers = []
        for person, evidence in speaker_ev.items():
            orgs = sorted({facts.label(o) for o, d in facts.targets(person, "AFFILIATED_WITH")
                           if self.evidence(d, about_event=True) is not None}, key=str.casefold)
            speakers.append(SpeakerRef(person, facts.label(person), tuple(orgs),
                                       tuple(sorted(evidence, key=Evidence.sort_key))))
        data = facts.G.nodes[event]
        return EventProfile(
            event, facts.label(event), facts.aliases(event), self.event_date(event),
            venue_id, venue, tuple(sorted(partners, key=_by_label)),
            tuple(sorted(speakers, key=_by_label)), tuple(sorted(talks, key=_by_label)),
            tuple(a for a in facts.node_articles(event) if self.lang_ok(a)),
            str(data.get("series") or ""), str(data.get("edition") or ""))

    def person_profile(self, person: str) -> PersonProfile:
        """Affiliations, events spoken at and talks of one person, within the filters."""
        facts = self.facts
        affiliations = []
        for org, data in facts.targets(person, "AFFILIATED_WITH"):
            evidence = self.evidence(data, about_event=False)
            if evidence is not None:
                affiliations.append(Affiliation(org, facts.label(org), self._roles(data), evidence))
        talks = self.person_talks(person)
        events: dict[str, set[Evidence]] = defaultdict(set)
        for event, data in facts.targets(person, "PRESENTED_AT"):
            if self.event_ok(event):
                evidence = self.evidence(data, about_event=True)
                if evidence is not None:
                    events[event].update(evidence)
        for talk in talks:
            if talk.event_id:
                events[talk.event_id].update(talk.evidence)
        refs = tuple(sorted((self.event_ref(e, tuple(sorted(ev, key=Evidence.sort_key)))
                             for e, ev in events.items()), key=_by_date))
        articles = self.articles(person)
        seen = sorted(({facts.article_date(a) for a in articles} | {e.date for e in refs}) - {""})
        return PersonProfile(
            person, facts.label(person), facts.aliases(person),
            tuple(sorted(affiliations, key=_by_label)), refs, talks,
            seen[0] if seen else "", seen[-1] if seen else "", articles)
