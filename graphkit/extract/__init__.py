"""extract(CleanText) -> Extraction: mentions from gazetteers, patterns and context, then relations.

An `Extractor` is built once per process (automaton, compiled patterns) and
then applied to each article. Candidates from all extractors compete for the
text: the longest span wins, then the stronger rule, so `openEuler Summit
2024` is one EVENT and not an ORG inside an event.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import replace
from functools import lru_cache
from operator import attrgetter

from graphkit.extract.anchors import AnchorScanner
from graphkit.extract.context import ContextRules
from graphkit.extract.events import EventFinder, choose_main_event, date_main_event, scope_series_mentions
from graphkit.extract.gazetteer import Gazetteer, lower_same_length
from graphkit.extract.patterns import date_mentions, named_mentions, version_mentions
from graphkit.extract.relations import RelationFinder
from graphkit.rules import Rules
from graphkit.slug import person_key
from graphkit.types import CleanText, Extraction, Mention

__all__ = ["Extractor", "select_mentions"]

# Names inside URLs (…/kubecon-cloudnativecon-open-source-summit-china/…) are not mentions.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]+")


def _inside_a_word(text: str, start: int, end: int) -> bool:
    """A short Chinese name that jieba reads as the tail of another word: 统信 in 系统信创,
    前海 in 目前海思. Checked on a few characters only, so it costs little."""
    if end - start > 3 or start == 0 or not "\u4e00" <= text[start] <= "\u9fff" \
            or not "\u4e00" <= text[start - 1] <= "\u9fff":
        return False
    lo = max(0, start - 3)
    return _word_crosses(text[lo:min(len(text), end + 2)], start - lo)


@lru_cache(maxsize=1 << 15)
def _word_crosses(window: str, at: int) -> bool:
    """Whether jieba (no HMM) reads a word across window[at]'s left edge. The same few
    characters recur across articles (8,931 checks of the 1k bench corpus are 462 windows):
    0.095 -> 0.02 CPU-s per 1k articles."""
    from graphkit.extract.context import jieba_boundaries, jieba_words

    # jieba (no HMM) cuts only between dictionary words: when no word crosses `at`,
    # `at` is a boundary and the segmentation need not run (most hits).
    words = jieba_words(window)
    if not any(words.get(window[i:j]) for i in range(at) for j in range(at + 1, len(window) + 1)):
        return False
    return at not in jieba_boundaries(window, 0, len(window), hmm=False)


# Tie-breaks when two candidates are equally long: evidence strength of the source.
_PRIORITY = {"gazetteers": 5, "patterns": 4, "context": 3, "ner": 2}


@lru_cache(maxsize=4096)
def _rule_priority(rule_id: str) -> int:
    return _PRIORITY.get(rule_id.split("/", 1)[0], 1)


def _selection_order(m: Mention) -> tuple:
    return -(m.end - m.start), -_rule_priority(m.rule_id), -m.confidence, m.start, m.label, m.key


# The order mentions are listed in, as a key computed in C.
_TEXT_ORDER = attrgetter("start", "end", "label", "key")


def select_mentions(candidates: list[Mention]) -> list[Mention]:
    """Keep non-overlapping candidates: longest first, then rule priority, then confidence.

    Two candidates with the same span and label but different keys are both
    kept out of the running; the stronger one wins.
    """
    ordered = sorted(candidates, key=_selection_order)
    kept: list[Mention] = []
    date_spans: set[tuple[int, int]] = set()
    occupied = bytearray(max([m.end for m in candidates], default=0))
    for m in ordered:
        start, end = m.start, m.end
        if 1 in occupied[start:end]:
            # Same span, another date value (the days of a range): keep both.
            if not (m.label == "DATE" and (start, end) in date_spans):
                continue
        occupied[start:end] = b"\1" * (end - start)
        if m.label == "DATE":
            date_spans.add((start, end))
        kept.append(m)
    return sorted(kept, key=_TEXT_ORDER)


class Extractor:
    """Holds the compiled rules; `extract` is pure and safe to call in a worker."""

    def __init__(self, rules: Rules, spacy_model: str | None = None):
        self.rules = rules
        self.gazetteer = Gazetteer(rules)
        self.context = ContextRules(rules)
        self.events = EventFinder(rules)
        self.relations = RelationFinder(rules)
        self.anchors = AnchorScanner([r for rs in rules.regexes.values() for r in rs] + list(self.context.regex_rules))
        self.report_title = re.compile("|".join(re.escape(w) for w in rules.words("report_titles")) or "(?!)", re.I)
        self.product_stopwords = frozenset(rules.words("product_stopwords"))
        self.org_names = frozenset(n.lower() for e in rules.gazetteer if e.label == "ORG" for n in e.names)
        self.ner = None
        if spacy_model:
            from graphkit.extract.ner import SpacyNer

            self.ner = SpacyNer(spacy_model)

    def mentions(self, clean: CleanText, published: str | None) -> list[Mention]:
        """The entity mentions of one article, overlaps settled."""
        return self._mentions(clean, published)[0]

    def _mentions(self, clean: CleanText, published: str | None):
        """(mentions, [(event, org naming it)])."""
        text, aid = clean.text, clean.article_id
        lowered = lower_same_length(text)
        anchors = self.anchors.scan(text, lowered)
        candidates: list[Mention] = []
        add = candidates.append
        for hit in self.gazetteer.find(text, lowered):
            start, end, surface, entry = hit
            if end - start <= 3 and _inside_a_word(text, start, end):
                continue
            if entry.label == "EVENT_SERIES":
                add(self.events.series_mention(aid, text, hit, published))
            else:       # positional: ~0.3 us less a Mention than with keywords (~100k per 1k articles)
                add(Mention(aid, entry.label, surface, start, end, entry.source, entry.id, 0.95))
        regexes = self.rules.regexes
        candidates.extend(date_mentions(aid, text, regexes.get("DATE", ()), published, anchors))
        candidates.extend(version_mentions(aid, text, regexes.get("VERSION", ()), anchors))
        candidates.extend(self.events.shape_mentions(aid, text, regexes.get("EVENT", ()), published, clean.lang,
                                                     anchors))
        candidates.extend(named_mentions(aid, text, regexes.get("PRODUCT", ()), clean.lang,
                                         self.product_stopwords, "PRODUCT", self.org_names, anchors))
        candidates.extend(named_mentions(aid, text, regexes.get("ORG", ()), clean.lang,
                                         self.product_stopwords, "ORG", anchors=anchors))
        # Talk titles name things inside them (《软通动力基于openEuler的AI实训平台》): they sit beside
        # the other mentions instead of competing with them for the text.
        talks = list(named_mentions(aid, text, regexes.get("TALK", ()), clean.lang, frozenset(), "TALK",
                                    anchors=anchors))
        has_cjk = clean.lang == "zh" or re.search("[\u4e00-\u9fff]", text) is not None
        if has_cjk:
            candidates.extend(self.context.zh_people(aid, text, anchors))
            candidates.extend(self.context.zh_orgs(aid, text))
            candidates.extend(self.context.zh_list_orgs(aid, text, anchors))
            candidates.extend(self.context.zh_list_products(aid, text))
        candidates.extend(self.context.en_people(aid, text, anchors))
        candidates.extend(self.context.en_orgs(aid, text, anchors))
        if self.ner is not None:
            candidates.extend(self.ner.mentions(aid, text))
        candidates = _drop_context_over_gazetteer(_relabel_listed_products(candidates))
        urls = [u.span() for u in _URL.finditer(text)]
        if urls:
            in_url = bytearray(len(text))
            for s, e in urls:
                in_url[s:e] = b"\1" * (e - s)
            candidates = [m for m in candidates if 1 not in in_url[m.start:m.end]]
        kept = _short_names_in_article([_org_as_venue(text, m) if m.label == "ORG" else m
                                        for m in select_mentions(candidates)])
        kept = sorted(kept + select_mentions(talks), key=_TEXT_ORDER)
        return _repeat_known_names(aid, text, kept), _orgs_naming_events(candidates, kept)

    def extract(self, clean: CleanText, *, title: str = "", published: str | None = None,
                summary: str = "") -> Extraction:
        """All mentions and relations of one article."""
        mentions, inner = self._mentions(clean, published)
        is_report = bool(self.report_title.search(title))
        main = None if is_report else date_main_event(choose_main_event(clean, mentions), published)
        mentions = _org_as_main_event(clean.text, scope_series_mentions(mentions, main, published), main)
        # The event mentions as scoped above (edition filled in), looked up by span.
        events_at = {(m.start, m.end): m for m in mentions if m.label == "EVENT"}
        if main is not None:
            main = events_at.get((main.start, main.end), main)
        inner = [(events_at.get((e.start, e.end), e), o) for e, o in inner]
        relations = self.relations.find(clean, mentions, main)
        participants = {r.source.key for r in relations
                        if r.type == "PARTICIPATED_IN" and main is not None and r.target.key == main.key}
        relations += self.relations.find_sessions(clean, _organiser_sessions(inner, mentions, main, participants))
        held = {id(r.target) for r in relations if r.type == "HELD_AT"}
        mentions = [m for m in mentions if m.label != "VENUE" or id(m) in held or _locative(clean.text, m)]
        return Extraction(clean.article_id, clean.lang, title, published, tuple(mentions),
                          tuple(relations), main)


_LOCATIVE_BEFORE = re.compile(r"(?:在|于|落地|来到|走进|赴|前往|位于|地点[:：]?|地址[:：]?|\bin|\bat|\bto)\s*$", re.I)
_LOCATIVE_AFTER = re.compile(r"^\s*(?:举行|举办|召开|站|开幕|落幕|启幕|闭幕|分会场|会场|开启|拉开|圆满|成功举办|隆重|盛大)")


_HELD_AFTER = re.compile(r"^\s*(?:举行|举办|召开|开幕|落幕|启幕|闭幕|成功举办|隆重举行|盛大开幕|圆满落幕|拉开帷幕)")


_AT_EVENT_AFTER = re.compile(r"^\s*(?:现场|期间|上|展台|展区|会场|大会|booth|venue)", re.I)


def _org_as_main_event(text: str, mentions: list[Mention], main: Mention | None) -> list[Mention]:
    """在FOSSASIA现场 / at FOSSASIA: the organiser's name standing for the event it names."""
    if main is None:
        return mentions
    name = main.attr("name").lower()
    out = []
    for m in mentions:
        if m.label == "ORG" and name.startswith(m.text.lower() + " ") and not (main.start <= m.start < main.end) \
                and (_LOCATIVE_BEFORE.search(text[max(0, m.start - 3):m.start])
                     or _AT_EVENT_AFTER.match(text[m.end:m.end + 6])):
            m = replace(m, label="EVENT", key=main.key, attrs=main.attrs, rule_id=m.rule_id + "+event")
        out.append(m)
    return out


def _org_as_venue(text: str, m: Mention) -> Mention:
    """在南京邮电大学举办: an organisation named as where an event happens is its venue."""
    if m.label == "ORG" and _HELD_AFTER.match(text[m.end:m.end + 8]) \
            and _LOCATIVE_BEFORE.search(text[max(0, m.start - 3):m.start]):
        return replace(m, label="VENUE", key="", rule_id=m.rule_id + "+venue")
    return m


def _locative(text: str, m: Mention) -> bool:
    """A place named as where something happens (在上海举行, in Hanoi), not as an adjective (辽宁移动)."""
    return bool(_LOCATIVE_BEFORE.search(text[max(0, m.start - 6):m.start])
                or _LOCATIVE_AFTER.match(text[m.end:m.end + 6]))


# Sessions an organisation runs inside a larger event: it takes part in what it names.
_SUB_SESSION = re.compile(r"分论坛|论坛|专场|集市|工作坊|沙龙|工作会议|开放会议|Track|Meetup|Workshop|Forum|Session|SIG", re.I)


def _orgs_naming_events(candidates: list[Mention], kept: list[Mention]) -> list[tuple[Mention, Mention]]:
    """(event, org) where a known organisation opens the event's name: openEuler技术分论坛."""
    events = [m for m in kept if m.label == "EVENT"]
    if not events:
        return []
    by_start: dict[int, list[Mention]] = {}
    for event in events:
        by_start.setdefault(event.start, []).append(event)
    out = []
    for org in candidates:
        if org.start in by_start and org.label == "ORG" and org.rule_id.startswith("gazetteers/"):
            for event in by_start[org.start]:
                if org.end < event.end:
                    out.append((event, org))
    return out


def _organiser_sessions(inner: list[tuple[Mention, Mention]], mentions: list[Mention],
                        main: Mention | None, participants: set[str]) -> list[tuple[Mention, Mention]]:
    """Who takes part in which session because it runs it: the organisation opening a
    sub-session's name (openEuler技术分论坛), and the one opening the main event's name
    (openEuler Developer Day) in every named sub-session of that event (多样性计算分论坛),
    when the article says it takes part in the event itself."""
    out = [(e, o) for e, o in inner if _SUB_SESSION.search(e.text)]
    if main is not None:
        hosts = [o for e, o in inner if e.key == main.key and o.key in participants]
        sessions = [m for m in mentions if m.label == "EVENT" and m.key != main.key and _SUB_SESSION.search(m.text)]
        out += [(s, host) for host in hosts[:1] for s in sessions]
    return out


def _drop_context_over_gazetteer(candidates: list[Mention]) -> list[Mention]:
    """A context guess that overlaps a known name loses to it (正式贡献给开放原子开源基金会),
    except a list item with sure boundaries (`…、Hyperlogy Project、…`) or a full legal name
    (成都菁蓉联创科技有限公司): those win and take the known organisation's identity when they
    name it, or stand as a new organisation when the known name is only a part of theirs
    (北航-华为关键软件联合实验室)."""
    # The ~13 guesses of an article are looked at, not its ~130 candidates one by one.
    guesses = [i for i, m in enumerate(candidates)
               if m.rule_id.startswith("context/") and m.label in ("ORG", "PERSON")]
    if not guesses:
        return candidates
    known = sorted([m for m in candidates if m.rule_id.startswith("gazetteers/")], key=_SPAN)
    if not known:
        return candidates
    starts = [k.start for k in known]
    out: list[Mention | None] = list(candidates)
    beaten: set[int] = set()
    for i in guesses:
        out[i] = _settle_guess(candidates[i], known, starts, beaten)
    return [m for m in out if m is not None and id(m) not in beaten]


_SPAN = attrgetter("start", "end")


def _settle_guess(m: Mention, known: list[Mention], starts: list[int],
                  beaten: set[int]) -> Mention | None:
    """The context guess `m` as it stands against the known names (None: it loses); adds to
    `beaten` the known names it wins over."""
    i = bisect.bisect_left(starts, m.end)
    near = known[max(0, i - 8):i]
    if any(k.start == m.start and k.end == m.end and k.label == m.label for k in near):
        return None             # the known name covers exactly this guess
    overlapping = [k for k in near
                   if k.start < m.end and m.start < k.end and (k.start, k.end) != (m.start, m.end)]
    if not overlapping:
        return m
    inside = [k for k in overlapping if m.start <= k.start and k.end <= m.end and k.label == m.label]
    sure = m.attr("reliable") or m.rule_id == "context/zh-org-suffix"
    if not (sure and len(inside) == len(overlapping)):
        return None
    beaten.update(id(k) for k in overlapping)
    core = _legal_core(m.text)
    named = [k for k in inside if k.text in (core, m.text)]
    if not named and not m.attr("reliable") and any(k.end == m.end for k in inside):
        return None             # 正式贡献给开放原子开源基金会: the known name is the organisation
    if not named and m.attr("reliable"):
        # Hyperlogy Project is Hyperlogy; 华为 云 is not 华为.
        named = [k for k in inside if k.start == m.start and _GENERIC_TAIL.fullmatch(m.text[k.end - m.start:])]
    if named:
        return replace(m, key=named[0].key, rule_id=named[0].rule_id + "+context")
    if not m.rule_id == "context/zh-org-suffix":
        return None
    return m


_GENERIC_TAIL = re.compile(r"\s*(?:Project|Community|Team|Foundation|Group|Inc\.?|Ltd\.?|项目|社区|团队|公司|集团)?", re.I)
_LEGAL_SUFFIX = re.compile(r"(?:(?:信息|软件|网络|数字|智能|电子|计算机)?(?:科技|技术)?(?:股份)?有限(?:责任)?公司|集团|公司)$")
_PLACE_PREFIX = re.compile(r"^(?:北京|上海|天津|重庆|深圳|广州|杭州|南京|苏州|成都|武汉|西安|长沙|湖南|湖北|江苏|浙江|广东|四川|山东|福建|河南|河北|珠海|无锡|合肥|济南|青岛|厦门)(?:市)?")


def _legal_core(name: str) -> str:
    """成都菁蓉联创科技有限公司 -> 菁蓉联创: what is left without place and legal form."""
    return _PLACE_PREFIX.sub("", _LEGAL_SUFFIX.sub("", name))


def _relabel_listed_products(candidates: list[Mention]) -> list[Mention]:
    """A product name listed among organisations (`来自A、OnlyOffice、B等企业`) is the organisation."""
    listed = {(m.start, m.end) for m in candidates if m.rule_id.startswith("context/") and "org-list" in m.rule_id}
    if not listed:
        return candidates
    return [replace(m, label="ORG") if m.label == "PRODUCT" and (m.start, m.end) in listed else m
            for m in candidates]


def _short_names_in_article(mentions: list[Mention]) -> list[Mention]:
    """`Dr. Xiong` after `Dr. Xiong Wei` in one article is the same person: same key."""
    full = [m for m in mentions if m.label == "PERSON" and " " in m.text and m.text.isascii()]
    if not full:
        return mentions
    out = []
    for m in mentions:
        if m.label == "PERSON" and " " not in m.text and m.text.isascii():
            owners = {f.text for f in full if m.text in f.text.split()}
            if len(owners) == 1:
                m = replace(m, key=person_key(owners.pop()))
        out.append(m)
    return out


def _repeat_known_names(article_id: str, text: str, mentions: list[Mention]) -> list[Mention]:
    """A person found once by context is the same person wherever the name recurs."""
    people = {m.text: m for m in mentions if m.label == "PERSON" and m.rule_id.startswith("context/")}
    if not people:
        return mentions
    occupied = bytearray(len(text))
    for m in mentions:
        occupied[m.start:m.end] = b"\1" * (m.end - m.start)
    extra = []
    for name, first in people.items():
        for found in re.finditer(re.escape(name), text):
            s, e = found.span()
            if any(occupied[s:e]):
                continue
            if name.isascii() and ((s > 0 and text[s - 1].isalnum()) or (e < len(text) and text[e].isalnum())):
                continue
            occupied[s:e] = b"\1" * (e - s)
            extra.append(Mention(article_id, "PERSON", name, s, e, first.rule_id + "+repeat",
                                 key=first.key, confidence=first.confidence * 0.9))
    return sorted(mentions + extra, key=_TEXT_ORDER)
