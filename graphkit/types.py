"""Every value that passes between pipeline stages.

Frozen dataclasses with slots, tuples instead of lists, plain values only (no
datetime, no spaCy objects), so stages can be cached, pickled to worker
processes and compared in tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field

LABELS = ("ORG", "PERSON", "EVENT", "VENUE", "DATE", "VERSION", "PRODUCT", "TALK")
RELATION_TYPES = (
    "AFFILIATED_WITH",  # PERSON -> ORG
    "PRESENTED_AT",     # PERSON -> EVENT
    "PARTICIPATED_IN",  # ORG -> EVENT
    "HELD_AT",          # EVENT -> VENUE
    "HELD_ON",          # EVENT -> DATE
    "SHOWCASED",        # ORG -> PRODUCT
    "RELEASED",         # ORG -> VERSION
    "PRESENTED",        # PERSON -> TALK
    "AT",               # TALK -> EVENT
)


@dataclass(frozen=True, slots=True)
class Article:
    """One input file after reading: frontmatter parsed, body still Markdown."""

    id: str                      # path relative to the input folder, with "/"
    path: str                    # path on disk
    lang: str                    # "zh" or "en"
    title: str
    published: str | None        # ISO "YYYY-MM-DD" from frontmatter, or None
    body: str                    # Markdown body (frontmatter removed)
    summary: str = ""
    meta: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()   # what was repaired while reading


@dataclass(frozen=True, slots=True)
class Link:
    """A Markdown/HTML link whose text was kept in the cleaned text."""

    start: int
    end: int
    url: str


@dataclass(frozen=True, slots=True)
class CleanText:
    """Plain text of an article: title, a blank line, then the cleaned body.

    `sentences` are (start, end) offsets into `text`; `paragraphs` likewise.
    """

    article_id: str
    lang: str
    text: str
    sentences: tuple[tuple[int, int], ...]
    paragraphs: tuple[tuple[int, int], ...] = ()
    links: tuple[Link, ...] = ()
    title_end: int = 0           # text[:title_end] is the title


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of cleaned text that names an entity.

    `key` is what resolution groups on: a gazetteer entry id ("huawei"), an
    ISO date, a normalised version or event key; "" when only the text is
    known.
    """

    article_id: str
    label: str
    text: str
    start: int
    end: int
    rule_id: str
    key: str = ""
    confidence: float = 1.0
    attrs: tuple[tuple[str, str], ...] = ()

    def attr(self, name: str, default: str = "") -> str:
        for k, v in self.attrs:
            if k == name:
                return v
        return default


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation stated in one sentence (or implied by the article's main event)."""

    article_id: str
    type: str
    source: Mention
    target: Mention
    rule_id: str
    sentence: tuple[int, int]    # offsets of the evidence sentence in CleanText.text
    evidence: str                # the sentence text
    confidence: float = 1.0
    role: str = ""


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one article yields: its mentions and relations, plus metadata for the graph."""

    article_id: str
    lang: str
    title: str
    published: str | None
    mentions: tuple[Mention, ...]
    relations: tuple[Relation, ...]
    main_event: Mention | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    article: str
    sentence: str
    start: int
    end: int
    extractor: str
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class Entity:
    """One real-world thing after resolution."""

    id: str                       # stable, e.g. "org:huawei"
    label: str                    # ORG, PERSON, ...
    name: str                     # display name
    aliases: tuple[str, ...]
    article_ids: tuple[str, ...]
    confidence: float = 1.0
    attrs: tuple[tuple[str, str], ...] = ()   # value, series, edition, date, venue, ...
    rule_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResolvedRelation:
    type: str
    source: str                   # entity id
    target: str                   # entity id
    evidence: tuple[Evidence, ...]
    confidence: float = 1.0
    role: str = ""


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One line of articles.jsonl: what happened to one input file."""

    id: str
    path: str
    title: str = ""
    date: str | None = None
    lang: str = ""
    mentions: int = 0
    relations: int = 0
    error: str | None = None
    stage: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Resolved:
    entities: tuple[Entity, ...]
    relations: tuple[ResolvedRelation, ...]
    merge_candidates: tuple[tuple[str, str, str], ...] = field(default=())
