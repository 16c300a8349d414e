"""The partner-participation report: what analysts read besides the graph files.

In: the built graph and optional `Filters`. Out, in OUT_DIR:
- `report.md`: partners (by number of events, then name), events (by date),
  the partner × event heat map, partners seen together most often, and an
  evidence list that every fact points into with a reference like `[a1]`;
- `report.html`: the same, self-contained (no script, no external URL, a strict
  Content-Security-Policy; every piece of text goes through `html.escape`),
  each fact with a `<details>` holding its sentences;
- `participation.csv`: one row per partner × event (columns `CSV_COLUMNS`);
- `heatmap.png` when matplotlib is installed (`pip install graphkit[report]`);
  without it the PNG is skipped and the report says so.

In participation.csv, `people` are the org's people who spoke at the event or
whose affiliation is stated in an article that states the participation;
`roles` are their roles; `products` and `versions` are what the org
SHOWCASED/RELEASED according to those same articles. List cells are joined
with ` | `. Cells that a spreadsheet would run as a formula (`=`, `+`, `-`,
`@`) get a leading `'`.

Output is deterministic: the same graph and filters give byte-identical files.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json
import logging
import math
import re
import warnings
from dataclasses import dataclass
from itertools import chain, compress, filterfalse
from operator import not_
from pathlib import Path
from typing import Iterable, Iterator

import networkx as nx

from graphkit.analysis.facts import (
    EventProfile,
    EventRef,
    Evidence,
    Facts,
    Filters,
    OrgProfile,
    Scope,
)
from graphkit.errors import OutputError
from graphkit.export.atomic import atomic_path, atomic_write
from graphkit.export.scalars import JSON_SCALARS

__all__ = [
    "CSV_COLUMNS",
    "Heatmap",
    "Pair",
    "ParticipationRow",
    "Report",
    "build_report",
    "render_csv",
    "render_html",
    "render_markdown",
    "write_heatmap_png",
    "write_report",
]

log = logging.getLogger("graphkit.report")

CSV_COLUMNS = ("org_id", "org", "event_id", "event", "date", "venue", "roles", "people",
               "products", "versions", "evidence_count", "articles")
LIST_SEP = " | "
TOP_PAIRS = 20
MD_REFS_PER_FACT = 3
HEAT_LEVELS = 5
PNG_MAX_ROWS = 80
PNG_MAX_COLS = 80
TITLE = "openEuler partner participation"


@dataclass(frozen=True, slots=True)
class ParticipationRow:
    """One line of participation.csv: one org at one event."""

    org_id: str
    org: str
    event_id: str
    event: str
    date: str
    venue: str
    roles: tuple[str, ...]
    people: tuple[str, ...]
    products: tuple[str, ...]
    versions: tuple[str, ...]
    evidence_count: int
    articles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Partners (rows, by number of events) × events (columns, by date); cells count sentences."""

    rows: tuple[tuple[str, str], ...]          # (org id, label)
    cols: tuple[tuple[str, str, str], ...]     # (event id, label, date)
    cells: tuple[tuple[int, ...], ...]
    peak: int = 0                              # the largest cell


@dataclass(frozen=True, slots=True)
class Pair:
    """Two partners and the events both took part in."""

    a_id: str
    a: str
    b_id: str
    b: str
    events: tuple[EventRef, ...]


@dataclass(frozen=True, slots=True)
class Report:
    filters: Filters
    articles: tuple[str, ...]                  # in-scope article ids
    langs: tuple[tuple[str, int], ...]         # (lang, number of articles)
    partners: tuple[OrgProfile, ...]
    events: tuple[EventProfile, ...]
    rows: tuple[ParticipationRow, ...]
    heatmap: Heatmap
    pairs: tuple[Pair, ...]


# -- building ----------------------------------------------------------------------

def build_report(G: nx.MultiDiGraph, filters: Filters | None = None) -> Report:
    """Collect everything the report shows, within `filters`.

    Raises:
        NameLookupError: an `--org` or `--event` name is unknown or ambiguous.
    """
    facts = Facts(G)
    scope = Scope(facts, filters)
    partners = tuple(scope.org_profile(org) for org in scope.partners())
    events = tuple(scope.event_profile(e) for e in scope.events())
    by_event = {e.id: e for e in events}
    rows = tuple(row for p in partners for row in _rows(scope, p, by_event))
    articles = tuple(a for a in sorted(facts.articles) if scope.article_ok(a))
    langs: dict[str, int] = {}
    for a in articles:
        lang = facts.article_lang(a) or "?"
        langs[lang] = langs.get(lang, 0) + 1
    return Report(scope.filters, articles, tuple(sorted(langs.items())), partners, events,
                  rows, _heatmap(partners), _pairs(scope, events))


def _rows(scope: Scope, org: OrgProfile, by_event: dict[str, EventProfile]) -> list[ParticipationRow]:
    """participation.csv's rows of one org, one per event it took part in."""
    # The articles behind each of the org's facts, collected once for all its events.
    cited = {id(fact): {e.article for e in fact.evidence} for fact in (*org.people, *org.products, *org.versions)}
    return [_row(org, ref, by_event.get(ref.id) or scope.event_profile(ref.id), cited) for ref in org.events]


def _row(org: OrgProfile, ref: EventRef, event: EventProfile, cited: dict[int, set[str]]) -> ParticipationRow:
    sources = {e.article for e in ref.evidence}
    speakers = {s.id for s in event.speakers}
    people = [p for p in org.people if p.id in speakers or not sources.isdisjoint(cited[id(p)])]
    roles = sorted({r for p in people for r in p.roles}, key=str.casefold)

    def stated_here(items):
        return tuple(i.label for i in items if not sources.isdisjoint(cited[id(i)]))

    return ParticipationRow(
        org.id, org.label, ref.id, ref.label, ref.date, ref.venue, tuple(roles),
        tuple(p.label for p in people), stated_here(org.products), stated_here(org.versions),
        len(ref.evidence), tuple(sorted(sources)))


def _heatmap(partners: tuple[OrgProfile, ...]) -> Heatmap:
    cols: dict[str, tuple[str, str, str]] = {}
    for p in partners:
        for e in p.events:
            cols[e.id] = (e.id, e.label, e.date)
    ordered = tuple(sorted(cols.values(), key=lambda c: (c[2] or "9999", c[1].casefold(), c[0])))
    index = {c[0]: i for i, c in enumerate(ordered)}
    cells = []
    for p in partners:
        row = [0] * len(ordered)
        for e in p.events:
            row[index[e.id]] = max(1, len(e.evidence))
        cells.append(tuple(row))
    return Heatmap(tuple((p.id, p.label) for p in partners), ordered, tuple(cells),
                   max((c for row in cells for c in row), default=0))


def _pairs(scope: Scope, events: tuple[EventProfile, ...]) -> tuple[Pair, ...]:
    together: dict[tuple[str, str], list[EventRef]] = {}
    labels: dict[str, str] = {}
    for event in events:
        orgs = sorted(event.partners, key=lambda o: (o.label.casefold(), o.id))
        for o in orgs:
            labels[o.id] = o.label
        ref = scope.event_ref(event.id)
        for i, a in enumerate(orgs):
            for b in orgs[i + 1:]:
                if scope.org_ids and a.id not in scope.org_ids and b.id not in scope.org_ids:
                    continue
                together.setdefault((a.id, b.id), []).append(ref)
    ranked = sorted(together.items(), key=lambda kv: (
        -len(kv[1]), labels[kv[0][0]].casefold(), labels[kv[0][1]].casefold(), kv[0]))
    return tuple(Pair(a, labels[a], b, labels[b], tuple(refs))
                 for (a, b), refs in ranked[:TOP_PAIRS])


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# -- Markdown ------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#&~!])")


def md(text: str) -> str:
    """Text made inert in Markdown: no HTML, links, emphasis or table breaks."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_code(text: str) -> str:
    """An id as inline code; a backtick inside would end the span, so it becomes '."""
    return "`" + " ".join(str(text).split()).replace("`", "'") + "`"


class _RefBook:
    """Numbers evidence sentences `[a1]`, `[a2]`… in the order the report first cites them."""

    def __init__(self):
        self.refs: dict[tuple[str, str], tuple[str, Evidence]] = {}

    def cite(self, evidence: tuple[Evidence, ...]) -> str:
        if not evidence:
            return ""
        names = []
        for e in evidence[:MD_REFS_PER_FACT]:
            key = (e.article, e.sentence)
            if key not in self.refs:
                self.refs[key] = (f"a{len(self.refs) + 1}", e)
            names.append(f"[{self.refs[key][0]}]")
        more = len(evidence) - MD_REFS_PER_FACT
        return " " + "".join(names) + (f" (+{more} more)" if more > 0 else "")

    def lines(self) -> list[str]:
        out = []
        for name, e in self.refs.values():
            where = ", ".join(x for x in (e.date, e.lang, md(e.title)) if x)
            said = f": “{md(e.sentence)}”" if e.sentence else ""
            out.append(f"- [{name}] {md_code(e.article)}" + (f" ({where})" if where else "")
                       + said)
        return out


def _when_where(date: str, venue: str) -> str:
    return ", ".join(md(x) for x in (date or "date unknown", venue) if x)


def render_markdown(report: Report, *, png: str | None = None, png_note: str = "") -> str:
    """report.md as a string.

    Args:
        png: file name of the heat-map PNG to embed, when one was written.
        png_note: why there is no PNG, shown instead.
    """
    refs = _RefBook()
    out = [f"# {TITLE}", ""]
    langs = ", ".join(f"{lang}: {n}" for lang, n in report.langs)
    out.append(f"{_count(len(report.articles), 'article')} ({langs or 'none'}), "
               f"{_count(len(report.partners), 'partner')}, {_count(len(report.events), 'event')}. "
               f"Filters: {md(report.filters.describe())}.")
    out += ["", "References like [a1] point to the evidence sentences listed at the end.", ""]

    out += [f"## Partners ({len(report.partners)})", ""]
    if not report.partners:
        out += ["No organisation took part in an event within these filters.", ""]
    for n, p in enumerate(report.partners, 1):
        out += [f"### {n}. {md(p.label)}", ""]
        aliases = ", ".join(md(a) for a in p.aliases if a != p.label)
        out.append(md_code(p.id) + (f" · aliases: {aliases}" if aliases else "")
                   + f" · first seen {p.first_seen or '?'} · last seen {p.last_seen or '?'}"
                   + f" · {_count(len(p.articles), 'article')}")
        out += ["", f"**Events ({len(p.events)})**", ""]
        out += [f"- {md(e.label)} — {_when_where(e.date, e.venue)}{refs.cite(e.evidence)}"
                for e in p.events]
        if p.people:
            out += ["", f"**People ({len(p.people)})**", ""]
            out += [f"- {md(x.label)}" + (f" — {md('; '.join(x.roles))}" if x.roles else "")
                    + refs.cite(x.evidence) for x in p.people]
        if p.talks:
            out += ["", f"**Talks ({len(p.talks)})**", ""]
            for t in p.talks:
                by = ", ".join(md(s.label) for s in t.speakers)
                at = f" at {md(t.event)} ({t.date or 'date unknown'})" if t.event_id else ""
                out.append(f"- “{md(t.label)}”" + (f" by {by}" if by else "") + at
                           + refs.cite(t.evidence or tuple(e for s in t.speakers for e in s.evidence)))
        for title, items in (("Products showcased", p.products), ("Versions released", p.versions)):
            if items:
                out += ["", f"**{title} ({len(items)})**", ""]
                out += [f"- {md(i.label)}{refs.cite(i.evidence)}" for i in items]
        out.append("")

    out += [f"## Events ({len(report.events)})", ""]
    if not report.events:
        out += ["No event within these filters.", ""]
    for e in report.events:
        out += [f"### {e.date or 'date unknown'} · {md(e.label)}", ""]
        out.append(f"{md_code(e.id)} · date: {e.date or 'unknown'} · venue: "
                   f"{md(e.venue) or 'unknown'} · {_count(len(e.articles), 'article')}")
        out.append("")
        partners = ", ".join(md(p.label) + refs.cite(p.evidence) for p in e.partners)
        out.append(f"- Partners ({len(e.partners)}): {partners or 'none'}")
        speakers = "; ".join(md(s.label) + (f" ({md(', '.join(s.orgs))})" if s.orgs else "")
                             + refs.cite(s.evidence) for s in e.speakers)
        out.append(f"- Speakers ({len(e.speakers)}): {speakers or 'none'}")
        if e.talks:
            out.append(f"- Talks ({len(e.talks)}):")
            for t in e.talks:
                by = ", ".join(md(s.label) for s in t.speakers)
                out.append(f"  - “{md(t.label)}”" + (f" — {by}" if by else "") + refs.cite(t.evidence))
        out.append("")

    heat = report.heatmap
    out += ["## Partner × event heat map", "",
            "Each cell counts the sentences stating that the partner took part in the event.", ""]
    if png:
        out += [f"![Partner × event heat map]({png})", ""]
    elif png_note:
        out += [f"_{md(png_note)}_", ""]
    if heat.rows:
        out.append("| Partner | " + " | ".join(f"{md(label)} ({date or '?'})"
                                               for _, label, date in heat.cols) + " |")
        out.append("| --- |" + " ---: |" * len(heat.cols))
        for (_, label), cells in zip(heat.rows, heat.cells):
            out.append(f"| {md(label)} | " + " | ".join(str(c) if c else "" for c in cells) + " |")
    else:
        out.append("Nothing to show.")
    out.append("")

    out += [f"## Partners seen together most often (top {TOP_PAIRS})", ""]
    if report.pairs:
        out += ["| # | Partner | Partner | Events together | Events |", "| ---: | --- | --- | ---: | --- |"]
        for n, pair in enumerate(report.pairs, 1):
            events = "; ".join(f"{md(e.label)} ({e.date or '?'})" for e in pair.events)
            out.append(f"| {n} | {md(pair.a)} | {md(pair.b)} | {len(pair.events)} | {events} |")
    else:
        out.append("No two partners took part in the same event.")
    out += ["", "## Evidence", ""]
    out += refs.lines() or ["No evidence cited."]
    return "\n".join(out) + "\n"


# -- HTML ------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;line-height:1.5;color:#1b1f24}
h1{font-size:1.6rem}h2{border-bottom:1px solid #d0d7de;margin-top:2.5rem}
h3{margin-bottom:.2rem}h4{margin:.8rem 0 .2rem}
.meta,.id{color:#57606a;font-size:.9rem}code{font-size:.85rem}
details{display:inline;margin-left:.3rem;font-size:.85rem;color:#57606a}
details[open]{display:block;background:#f6f8fa;padding:.3rem .6rem;border-radius:4px}
details ul{margin:.2rem 0;padding-left:1.2rem}q{color:#1b1f24}
table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #d0d7de;padding:.2rem .4rem;text-align:left;vertical-align:bottom}
table.heat td{text-align:center;min-width:1.6rem}
table.heat thead th{writing-mode:vertical-rl;white-space:nowrap;padding:.4rem .2rem}
table.heat thead th.corner{writing-mode:horizontal-tb}
table.heat tbody th{white-space:nowrap}
.h0{background:#ffffff}.h1{background:#deebf7}.h2{background:#b3d2ea}
.h3{background:#6baed6}.h4{background:#2f7ebc;color:#fff}.h5{background:#08519c;color:#fff}
""".strip()

_ANCHOR_UNSAFE = re.compile(r"[^\w-]")


def _anchor(node_id: str) -> str:
    """An HTML id for a node: `org:huawei` -> `org-huawei`; lossy ones get a hash suffix."""
    slug = _ANCHOR_UNSAFE.sub("-", node_id.replace(":", "-", 1))
    if slug != node_id.replace(":", "-", 1):
        slug += "-" + hashlib.sha1(node_id.encode("utf-8")).hexdigest()[:8]
    return "n-" + slug


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def _link(node_id: str, label: str, known: set[str]) -> str:
    if node_id in known:
        return f'<a href="#{esc(_anchor(node_id))}">{esc(label)}</a>'
    return esc(label)


class _Details:
    """The `<details>` list of a fact's evidence sentences.

    Facts share sentences and whole evidence lists (an edge is cited from
    both of its ends), so each sentence's `<li>` is escaped, and each list
    joined, once per report. Both are remembered by identity; the report
    holds the objects while it is rendered.
    """

    def __init__(self):
        self._lists: dict[int, tuple[tuple[Evidence, ...], str]] = {}
        self._items: dict[int, tuple[Evidence, str]] = {}
        self._sources: dict[tuple[str, str, str, str], str] = {}

    def _source(self, e: Evidence) -> str:
        key = (e.article, e.date, e.lang, e.title)
        source = self._sources.get(key)
        if source is None:
            source = self._sources[key] = " · ".join(esc(x) for x in key if x)
        return source

    def _item(self, e: Evidence) -> str:
        found = self._items.get(id(e))
        if found is None or found[0] is not e:
            said = f"<q>{esc(e.sentence)}</q> " if e.sentence else ""
            found = self._items[id(e)] = (e, f"<li>{said}<span class=\"id\">{self._source(e)}</span></li>")
        return found[1]

    def __call__(self, evidence: tuple[Evidence, ...]) -> str:
        if not evidence:
            return ""
        found = self._lists.get(id(evidence))
        if found is None or found[0] is not evidence:
            items = "".join([self._item(e) for e in evidence])
            found = self._lists[id(evidence)] = (
                evidence, f"<details><summary>evidence ({len(evidence)})</summary><ul>{items}</ul></details>")
        return found[1]


def _level(value: int, peak: int) -> int:
    """Shade 0..HEAT_LEVELS on a square-root scale, as the PNG: 1 of 24 still shows."""
    if value <= 0 or peak <= 0:
        return 0
    return max(1, math.ceil(HEAT_LEVELS * math.sqrt(value / peak)))


def render_html(report: Report) -> str:
    """report.html as a string: self-contained, no script, every text escaped."""
    return "".join(line + "\n" for line in _html_lines(report))


def _html_lines(report: Report) -> Iterator[str]:
    """report.html line by line: at 10,000 articles it is 160 MB, which the report
    writes as it goes instead of holding it (joined and encoded it took 1.2 GB)."""
    known = {p.id for p in report.partners} | {e.id for e in report.events}
    details = _Details()
    css_hash = base64.b64encode(hashlib.sha256(_CSS.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; style-src 'sha256-{css_hash}'; img-src 'none'; "
           "base-uri 'none'; form-action 'none'")
    yield from ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=False)}">',
           '<meta name="referrer" content="no-referrer">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(TITLE)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           f"<h1>{esc(TITLE)}</h1>"]
    langs = ", ".join(f"{lang}: {n}" for lang, n in report.langs)
    yield ('<p class="meta">' + _count(len(report.articles), "article")
               + f" ({esc(langs or 'none')}), "
               f"{_count(len(report.partners), 'partner')}, {_count(len(report.events), 'event')}. "
               f"Filters: {esc(report.filters.describe())}.</p>")
    yield ('<nav><a href="#partners">Partners</a> · <a href="#events">Events</a> · '
               '<a href="#heatmap">Heat map</a> · <a href="#pairs">Partners together</a></nav>')

    yield f'<section id="partners"><h2>Partners ({len(report.partners)})</h2>'
    if not report.partners:
        yield "<p>No organisation took part in an event within these filters.</p>"
    for n, p in enumerate(report.partners, 1):
        aliases = ", ".join(esc(a) for a in p.aliases if a != p.label)
        yield f'<article id="{esc(_anchor(p.id))}"><h3>{n}. {esc(p.label)}</h3>'
        yield (f'<p class="meta"><code>{esc(p.id)}</code>'
                   + (f" · aliases: {aliases}" if aliases else "")
                   + f" · first seen {esc(p.first_seen or '?')} · last seen {esc(p.last_seen or '?')}"
                   + f" · {_count(len(p.articles), 'article')}</p>")
        yield f"<h4>Events ({len(p.events)})</h4><ul>"
        yield from [f"<li>{_link(e.id, e.label, known)} — {esc(e.date or 'date unknown')}"
                + (f", {esc(e.venue)}" if e.venue else "") + f"{details(e.evidence)}</li>"
                for e in p.events]
        yield "</ul>"
        if p.people:
            yield f"<h4>People ({len(p.people)})</h4><ul>"
            yield from [f"<li>{esc(x.label)}" + (f" — {esc('; '.join(x.roles))}" if x.roles else "")
                    + f"{details(x.evidence)}</li>" for x in p.people]
            yield "</ul>"
        if p.talks:
            yield f"<h4>Talks ({len(p.talks)})</h4><ul>"
            for t in p.talks:
                by = ", ".join(esc(s.label) for s in t.speakers)
                at = (f" at {_link(t.event_id, t.event, known)} ({esc(t.date or 'date unknown')})"
                      if t.event_id else "")
                evidence = t.evidence or tuple(e for s in t.speakers for e in s.evidence)
                yield (f"<li>“{esc(t.label)}”" + (f" by {by}" if by else "") + at
                           + f"{details(evidence)}</li>")
            yield "</ul>"
        for title, items in (("Products showcased", p.products), ("Versions released", p.versions)):
            if items:
                yield f"<h4>{title} ({len(items)})</h4><ul>"
                yield from [f"<li>{esc(i.label)}{details(i.evidence)}</li>" for i in items]
                yield "</ul>"
        yield "</article>"
    yield "</section>"

    yield f'<section id="events"><h2>Events ({len(report.events)})</h2>'
    if not report.events:
        yield "<p>No event within these filters.</p>"
    for e in report.events:
        yield (f'<article id="{esc(_anchor(e.id))}">'
                   f"<h3>{esc(e.date or 'date unknown')} · {esc(e.label)}</h3>")
        yield (f'<p class="meta"><code>{esc(e.id)}</code> · date: {esc(e.date or "unknown")}'
                   f" · venue: {esc(e.venue or 'unknown')} · {_count(len(e.articles), 'article')}</p><ul>")
        partners = "".join(f"<li>{_link(p.id, p.label, known)}{details(p.evidence)}</li>"
                           for p in e.partners)
        yield (f"<li>Partners ({len(e.partners)})"
                   + (f":<ul>{partners}</ul>" if partners else ": none") + "</li>")
        speakers = "".join(f"<li>{esc(s.label)}" + (f" ({esc(', '.join(s.orgs))})" if s.orgs else "")
                           + f"{details(s.evidence)}</li>" for s in e.speakers)
        yield (f"<li>Speakers ({len(e.speakers)})"
                   + (f":<ul>{speakers}</ul>" if speakers else ": none") + "</li>")
        if e.talks:
            yield f"<li>Talks ({len(e.talks)}):<ul>"
            for t in e.talks:
                by = ", ".join(esc(s.label) for s in t.speakers)
                yield (f"<li>“{esc(t.label)}”" + (f" — {by}" if by else "")
                           + f"{details(t.evidence)}</li>")
            yield "</ul></li>"
        yield "</ul></article>"
    yield "</section>"

    heat = report.heatmap
    yield ('<section id="heatmap"><h2>Partner × event heat map</h2>'
               "<p>Each cell counts the sentences stating that the partner took part in the "
               "event; darker is more.</p>")
    if heat.rows:
        yield '<table class="heat"><thead><tr><th class="corner">Partner</th>'
        yield from [f'<th title="{esc(label)} ({esc(date or "?")})">{_link(eid, label, known)} '
                f"· {esc(date or '?')}</th>" for eid, label, date in heat.cols]
        yield "</tr></thead><tbody>"
        col_labels = [esc(col[1]) for col in heat.cols]
        for (oid, label), cells in zip(heat.rows, heat.cells):
            row_label = esc(label)
            tds = "".join(
                f'<td class="h{_level(c, heat.peak)}" title="{row_label} × {col_label}: {c}">'
                f"{c or ''}</td>" for c, col_label in zip(cells, col_labels))
            yield f"<tr><th>{_link(oid, label, known)}</th>{tds}</tr>"
        yield "</tbody></table>"
    else:
        yield "<p>Nothing to show.</p>"
    yield "</section>"

    yield f'<section id="pairs"><h2>Partners seen together most often (top {TOP_PAIRS})</h2>'
    if report.pairs:
        yield ("<table><thead><tr><th>#</th><th>Partner</th><th>Partner</th>"
                   "<th>Events together</th><th>Events</th></tr></thead><tbody>")
        for n, pair in enumerate(report.pairs, 1):
            events = "; ".join(f"{_link(e.id, e.label, known)} ({esc(e.date or '?')})"
                               for e in pair.events)
            yield (f"<tr><td>{n}</td><td>{_link(pair.a_id, pair.a, known)}</td>"
                       f"<td>{_link(pair.b_id, pair.b, known)}</td><td>{len(pair.events)}</td>"
                       f"<td>{events}</td></tr>")
        yield "</tbody></table>"
    else:
        yield "<p>No two partners took part in the same event.</p>"
    yield from ["</section>", "</body>", "</html>"]


# -- CSV -------------------------------------------------------------------------------

def _cell(value) -> str:
    if isinstance(value, tuple):
        value = LIST_SEP.join(value)
    text = str(value)
    # A cell starting with = + - @ (or a tab/CR) runs as a formula in Excel and LibreOffice.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(report: Report) -> str:
    """participation.csv as a string: header `CSV_COLUMNS`, one row per partner × event."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow([_cell(getattr(row, c)) for c in CSV_COLUMNS])
    return buf.getvalue()


# -- PNG -------------------------------------------------------------------------------

_CJK_FONTS = ("Noto Sans CJK", "Noto Serif CJK", "Source Han Sans", "WenQuanYi", "SimHei",
              "Microsoft YaHei", "PingFang", "Hiragino Sans GB", "AR PL", "Droid Sans Fallback")


def _cjk_font(font_manager) -> str | None:
    names = sorted({f.name for f in font_manager.fontManager.ttflist})
    return next((n for n in names if any(n.startswith(c) for c in _CJK_FONTS)), None)


def _plain(label: str, node_id: str) -> str:
    """A label DejaVu Sans can draw: the label if it has no CJK, else the id's slug."""
    if all(ord(ch) < 0x2E80 for ch in label):
        return label
    return node_id.split(":", 1)[-1]


def write_heatmap_png(report: Report, path: Path) -> str:
    """Draw the heat map into `path` with matplotlib's Agg backend (pyplot is not used).

    Chinese labels are drawn with a CJK font when one is installed, else
    replaced by the node id's slug. At most PNG_MAX_ROWS partners ×
    PNG_MAX_COLS events are drawn; the HTML table has them all.

    Returns:
        '' when the PNG was written, else why not (matplotlib missing, nothing to draw).
    """
    heat = report.heatmap
    if not heat.rows:
        return "heatmap.png not written: no partner took part in an event."
    try:
        import matplotlib
        from matplotlib import font_manager
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import PowerNorm
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return ("heatmap.png not written: matplotlib is not installed "
                "(pip install 'graphkit[report]'); the HTML report has the heat map as a table.")
    rows, cols = heat.rows[:PNG_MAX_ROWS], heat.cols[:PNG_MAX_COLS]
    cells = [list(r[:PNG_MAX_COLS]) for r in heat.cells[:PNG_MAX_ROWS]]
    cjk = _cjk_font(font_manager)

    def name(label: str, node_id: str) -> str:
        return label if cjk else _plain(label, node_id)

    # matplotlib 3.11 logs "findfont: Failed to find font weight normal" for
    # WenQuanYi Zen Hei (weight 500) and warns about glyphs a font lacks.
    font_log = logging.getLogger("matplotlib.font_manager")
    level = font_log.level
    font_log.setLevel(logging.ERROR)
    rc = {"font.family": ["DejaVu Sans"] + ([cjk] if cjk else []), "font.size": 8}
    try:
        with matplotlib.rc_context(rc), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            xlabels = [f"{name(label, eid)} ({date or '?'})" for eid, label, date in cols]
            ylabels = [name(label, oid) for oid, label in rows]
            # Room for the labels: about 0.07 inch per character at 8 pt.
            width = 2 + 0.07 * max(map(len, ylabels)) + 0.4 * len(cols)
            height = 1.5 + 0.06 * max(map(len, xlabels)) + 0.3 * len(rows)
            fig = Figure(figsize=(min(40, width), min(40, height)), dpi=100, layout="constrained")
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            # A square-root scale keeps single sentences visible next to a partner with dozens.
            image = ax.imshow(cells, cmap="Blues", aspect="auto",
                              norm=PowerNorm(0.5, vmin=0, vmax=max(1, heat.peak)))
            # parse_math=False: a label with two "$" is mathtext to matplotlib, which
            # raises on what is no formula ("<b>$$") and would render one that is.
            ax.set_xticks(range(len(cols)), xlabels, rotation=60, ha="right", rotation_mode="anchor",
                          parse_math=False)
            ax.set_yticks(range(len(rows)), ylabels, parse_math=False)
            for i, row in enumerate(cells):
                for j, value in enumerate(row):
                    if value:
                        ax.text(j, i, str(value), ha="center", va="center",
                                color="white" if value > heat.peak / 4 else "black")
            title = "Partner × event (sentences)"
            if len(rows) < len(heat.rows) or len(cols) < len(heat.cols):
                title += f": first {len(rows)} partners × {len(cols)} events"
            ax.set_title(title)
            fig.colorbar(image, ax=ax, shrink=0.6, ticks=MaxNLocator(integer=True))
            # No "Software" text chunk: the file then depends only on the data.
            # atomic: a build killed here keeps the previous heatmap.png whole
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format="png", metadata={"Software": None})
    finally:
        font_log.setLevel(level)
    return ""


# -- writing ---------------------------------------------------------------------------

def _write(path: Path, text: str) -> Path:
    # temporary file + rename: a build killed here keeps the previous file whole;
    # atomic_write raises OutputError naming the path. A lone surrogate (valid in
    # JSON, not in UTF-8) becomes "?" instead of failing the whole report.
    return atomic_write(path, text.encode("utf-8", errors="replace"))


def _write_lines(path: Path, lines: Iterable[str]) -> Path:
    """`_write` of the lines, each ending with a newline, a megabyte at a time.

    Each line is encoded alone and the bytes joined: joining the str lines
    first copied 12 million characters once more, widened to two bytes each.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            batch: list[bytes] = []
            size = 0
            for line in lines:
                data = line.encode("utf-8", errors="replace")
                batch.append(data)
                size += len(data)
                if size >= 1 << 20:
                    fh.write(b"\n".join(batch))
                    fh.write(b"\n")
                    batch, size = [], 0
            if batch:
                fh.write(b"\n".join(batch))
                fh.write(b"\n")
    return path


def _valid_unicode(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """`G`, or a copy with lone surrogates replaced by U+FFFD as graph.json holds them.

    The reader never makes lone surrogates, but a graph built in Python can
    hold them and UTF-8 cannot encode them (report.html, the anchors' hashes).
    """
    data = nx.node_link_data(G, edges="edges")
    if not _has_surrogates(data):
        return G
    from graphkit.export.scalars import json_safe

    return nx.node_link_graph(json_safe(data), edges="edges", directed=True, multigraph=True)


def _has_surrogates(data) -> bool:
    """Whether the text of `json.dumps(data, ensure_ascii=False, default=str)` holds a surrogate.

    Gathers the data's distinct scalars into a set and checks the strings
    among them at once: a thousand-article graph holds 400,000 strings but
    only 1,600 distinct non-ASCII ones (a sentence backs many relations),
    and writing the whole graph as JSON to find out took a quarter of the
    report's time. Lists of scalars and evidence lists are read in C. Raises
    the TypeError json.dumps raises for a key that is no str, int, float,
    bool or None. A container met twice is read once.
    """
    found: set = set()                  # str, int, float, bool and None, filtered below
    stack, seen = [data], set()
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.add(value)
        elif value is None or isinstance(value, (int, float)):
            continue
        elif type(value) is list and set(map(type, value)) <= JSON_SCALARS:
            found.update(value)
        elif type(value) is list and value and set(map(type, value)) == {dict}:
            if id(value) not in seen:     # records: the nodes, the edges, an evidence list
                seen.add(id(value))
                stack.extend(_records_read(value, found))
        elif isinstance(value, (dict, list, tuple)):
            if id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, dict):
                for key in value:
                    if isinstance(key, str):
                        found.add(key)
                    elif not (key is None or isinstance(key, (int, float))):
                        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
                value = value.values()
            for item in value:
                kind = type(item)
                if kind is str:
                    found.add(item)
                elif not (kind is int or kind is float or kind is bool or item is None):
                    stack.append(item)
        else:
            found.add(str(value))  # json.dumps' default=str
    texts = filter(str.__instancecheck__, found)
    try:
        "".join(filterfalse(str.isascii, texts)).encode("utf-8")   # ASCII holds no surrogate
    except UnicodeEncodeError:
        return True
    return False


def _records_read(records: list[dict], found: set) -> Iterable:
    """Add the str keys and the scalar values of the dicts to `found`, in C; return
    their other values (or the dicts themselves, to be read one by one, when a key is no str)."""
    keys = set(chain.from_iterable(records))
    if not set(map(type, keys)) <= {str}:
        return records
    found.update(keys)
    values = list(chain.from_iterable(map(dict.values, records)))
    if set(map(type, values)) <= JSON_SCALARS:       # an evidence list
        found.update(values)
        return ()
    scalar = list(map(JSON_SCALARS.__contains__, map(type, values)))
    found.update(compress(values, scalar))
    return compress(values, map(not_, scalar))


def write_report(G: nx.MultiDiGraph, out_dir: str | Path,
                 filters: Filters | None = None, png: bool = True) -> list[Path]:
    """Write report.md, report.html, participation.csv and (with matplotlib) heatmap.png.

    report.html always holds the heat map as a table; the PNG (matplotlib: ~5 s for a
    thousand-node graph, most of it importing and drawing) is skipped with png=False,
    which is what `graphkit build` does unless asked.

    Args:
        G: the built graph (`graphkit build` passes its graph; the report
            command loads OUT_DIR/graph.json).
        out_dir: folder to write into; created if missing.
        filters: optional date window, orgs, events and language.

    Returns:
        The paths written, in a fixed order.

    Raises:
        NameLookupError: a filter names an org or event that is unknown or ambiguous.
        OutputError: a file cannot be written.
    """
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the folder: {exc.strerror or exc}") from exc
    report = build_report(_valid_unicode(G), filters)
    png_path = out_dir / "heatmap.png"
    try:
        note = write_heatmap_png(report, png_path) if png else "heat map PNG not drawn (run graphkit report OUT_DIR to draw it)"
    except OSError as exc:
        raise OutputError(f"{png_path}: cannot write: {exc.strerror or exc}") from exc
    if note and png:
        log.warning("%s", note)
    if note:
        try:
            png_path.unlink(missing_ok=True)     # a PNG from an earlier run would be stale
        except OSError as exc:
            raise OutputError(f"{png_path}: cannot remove the stale heat map: {exc}") from exc
    paths = [
        _write(out_dir / "report.md", render_markdown(
            report, png=None if note else png_path.name, png_note=note)),
        _write_lines(out_dir / "report.html", _html_lines(report)),
        _write(out_dir / "participation.csv", render_csv(report)),
    ]
    if not note:
        paths.append(png_path)
    return paths
