"""Relations from trigger words within one sentence.

A relation needs both ends in the sentence and one of its trigger words
(rules/relations/triggers.yaml). A sentence that names no event speaks of the
article's main event (title or first paragraph); those relations get a lower
confidence. Affiliation comes from the shape `ORG + role + PERSON` (Chinese)
or `PERSON, title of ORG` (English).
"""
from __future__ import annotations

import bisect
import re

from graphkit.rules import Rules, word_alternation
from graphkit.types import CleanText, Mention, Relation

_ZH_GAP_BREAK = re.compile(r"[，。；：！？,;:!?、和与及（）()\n]")
_EN_AFTER = re.compile(r"^,?\s*(?:(?:the|a|an)\s+)?[^.;!?]{0,90}?\b(?:of|at|from|with|for)\s+(?:the\s+)?$")
_EN_AFTER_FROM = re.compile(r"^\s*(?:\(|from\s+|of\s+|at\s+)(?:the\s+)?$")
# "of Hoperun & openEuler Technical Committee Member", "from the openEuler community and an engineer at the ISCAS"
_EN_CHAIN = re.compile(r"[^,;.]{0,15}?\s(?:&|and)\s(?:the\s)?|[^,;.]{0,15}?\s(?:&|and)\s[^,;.]{0,40}?\b(?:of|at|from|with)\s+(?:the\s+)?")
_CHAIN_GAP = re.compile(r"(?:兼|、|&|及)\s*$")
_HARD_BREAK = re.compile(r"[，。；：！？,;:!?（）()\n]")
_LIST_GAP = re.compile(r"\s*(?:、|,|，|和|与|及|以及|and|, and)\s*")
_EN_BEFORE = re.compile(r"^(?:'s|’s)?\s*[^.;!?,]{0,60},?\s*$")


class RelationFinder:
    def __init__(self, rules: Rules):
        def words(name: str) -> tuple[str, ...]:
            return tuple(w.lower() for w in rules.words(name))

        self.triggers = {
            "PARTICIPATED_IN": words("participated_zh") + words("participated_en"),
            "PRESENTED_AT": words("presented_zh") + words("presented_en"),
            "HELD": words("held_zh") + words("held_en"),
            "SHOWCASED": words("showcased_zh") + words("showcased_en"),
            "RELEASED": words("released_zh") + words("released_en"),
        }
        # One alternation per kind: a search per sentence instead of a loop over words.
        self._trigger_res = {kind: re.compile(word_alternation(words))
                             for kind, words in self.triggers.items()}
        self._trigger_search = {kind: pattern.search for kind, pattern in self._trigger_res.items()}
        self.en_titles = tuple(w.lower() for w in rules.words("en_titles"))
        self.countries = frozenset(rules.words("countries"))
        self.object_verbs = tuple(rules.words("participation_object_verbs"))
        self.held_strict = tuple(w.lower() for w in rules.words("held_strict"))
        self.release_blockers = tuple(w.lower() for w in rules.words("released_blockers"))
        self.zh_roles = tuple(sorted(rules.words("zh_roles"), key=len, reverse=True))
        # Substring and suffix tests over word lists, as one regex or one endswith(tuple) call.
        self._en_title_re = re.compile(word_alternation(self.en_titles))
        self._zh_role_re = re.compile(word_alternation(self.zh_roles))
        # Where a trigger word starts, at every position (zero-width): the last one is the max of rfind.
        self._trigger_starts = {kind: re.compile(f"(?=(?:{word_alternation(words)}))")
                                for kind, words in self.triggers.items()}
        self.openeuler = next((e for e in rules.gazetteer if e.label == "ORG" and e.id == "openeuler"), None)

    def _may_be_openeuler(self, versions: list[Mention]) -> bool:
        """A version with no ORG in its sentence is openEuler's when its key says so."""
        return self.openeuler is not None and any(v.key.startswith("openeuler") for v in versions)

    def _strict_held(self, low: str) -> bool:
        return any(t in low for t in self.held_strict)

    def _has(self, kind: str, sentence: str) -> bool:
        return self._trigger_res[kind].search(sentence) is not None

    def find(self, clean: CleanText, mentions: list[Mention], main: Mention | None) -> list[Relation]:
        text = clean.text
        starts = [m.start for m in mentions]
        out: list[Relation] = []
        body_paragraphs = [p for p in clean.paragraphs if p[0] >= clean.title_end]
        lead_end = body_paragraphs[0][1] if body_paragraphs else clean.title_end
        affiliation: dict[str, Mention] = {}
        lowered = text.lower()
        slices_lower = _lines_up(text, lowered)
        section_event = _SectionScope(clean, main, lowered)
        trigger = self._trigger_search     # kind -> search(low): no Python call per test
        for s, e in clean.sentences:
            lo, hi = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
            if lo == hi:
                section_event.skip(s, e)
                continue
            by = _by_label(mentions[lo:hi])
            events = by["EVENT"]
            sentence = text[s:e]
            low = lowered[s:e] if slices_lower else sentence.lower()
            local = section_event.step(s, e, events, low)

            def rel(kind, src, dst, conf, rule, role=""):
                out.append(Relation(clean.article_id, kind, src, dst, f"relations/{rule}", (s, e),
                                    sentence, round(conf, 3), role))

            scoped = events or local
            scope_conf = 1.0 if events else 0.75
            in_lead = s < lead_end
            previous = None
            people_starts = [p.start for p in by["PERSON"]] if by["ORG"] else _NONE
            for person in (by["PERSON"] if by["ORG"] else _NONE):     # no ORG, no affiliation
                org, role = self._affiliation(text, person, by["ORG"], people_starts)
                if org is None and previous is not None and previous[1] is not None \
                        and _LIST_GAP.fullmatch(text[previous[0].end:person.start]):
                    org, role = previous[1], previous[2]      # Hong Phuc Dang and Mario Behling
                previous = (person, org, role)
                if org is not None:
                    rel("AFFILIATED_WITH", person, org, 0.85 * person.confidence, "affiliation", role)
                    affiliation[person.key or person.text] = org
                    # 基金会TOC副主席兼openEuler委员会执行总监熊伟: both roles are the person's.
                    # 基金会TOC副主席兼openEuler委员会执行总监熊伟, 天翼云研发专家、openEuler SIG Maintainer王麟,
                    # Expert of Hoperun & openEuler Technical Committee Member: every role in the chain.
                    chain = org
                    for earlier in reversed([o for o in by["ORG"] if o.end <= chain.start]):
                        gap = text[earlier.end:chain.start]
                        if not (len(gap) <= 24 and _CHAIN_GAP.search(gap) and not _HARD_BREAK.search(gap)) \
                                or any(earlier.end <= s < chain.start for s in people_starts):
                            break
                        rel("AFFILIATED_WITH", person, earlier, 0.75 * person.confidence, "affiliation-chain",
                            _CHAIN_GAP.sub("", gap).strip(" 的&"))
                        chain = earlier
                    if person.end <= org.start:
                        for later in [o for o in by["ORG"] if o.start >= org.end]:
                            gap = text[org.end:later.start]
                            if len(gap) <= 60 and _EN_CHAIN.fullmatch(gap):
                                rel("AFFILIATED_WITH", person, later, 0.7 * person.confidence, "affiliation-chain")
                            break
            # Each block is skipped before its trigger search when it could add nothing.
            if by["ORG"] and scoped and trigger["PARTICIPATED_IN"](low):
                for org in by["ORG"]:
                    if not events and self._is_object(text, org, by["ORG"]):
                        continue
                    for event in scoped:
                        if event is not None and not _inside_event_name(org, event):
                            rel("PARTICIPATED_IN", org, event, 0.8 * scope_conf * org.confidence, "participation-trigger")
            presented_at = (scoped if events else section_event.speakers_scope(scoped)) if by["PERSON"] else _NONE
            if presented_at and trigger["PRESENTED_AT"](low):
                for person in by["PERSON"]:
                    for event in presented_at:
                        rel("PRESENTED_AT", person, event, 0.8 * scope_conf * person.confidence, "presentation-trigger")
                        org = affiliation.get(person.key or person.text)
                        if org is not None:
                            rel("PARTICIPATED_IN", org, event, 0.7 * scope_conf, "presenter-affiliation")
            if (by["VENUE"] or by["DATE"]) and scoped and (events or in_lead or (main is None and local and self._strict_held(low))) \
                    and trigger["HELD"](low):
                venues = by["VENUE"]
                specific = [v for v in venues if v.text not in self.countries]
                for event in scoped:
                    for venue in (specific or venues):
                        rel("HELD_AT", event, venue, 0.85 * scope_conf, "held-venue")
                    for date in by["DATE"]:
                        rel("HELD_ON", event, date, 0.85 * scope_conf * date.confidence, "held-date")
            if by["PRODUCT"] and (by["ORG"] or (by["PERSON"] and affiliation)) and trigger["SHOWCASED"](low):
                for product in by["PRODUCT"]:
                    orgs = self._subjects(text, product, by["ORG"], "SHOWCASED", s)
                    if not orgs:
                        orgs = [affiliation[p.key or p.text] for p in by["PERSON"]
                                if (p.key or p.text) in affiliation][:1]
                    for org in orgs:
                        rel("SHOWCASED", org, product, 0.75 * org.confidence, "showcase-trigger")
            for talk in by["TALK"]:
                # 熊伟发表了题为《…》的主旨演讲: the speaker gave the talk, at the event in scope.
                speakers = [p for p in by["PERSON"] if p.end <= talk.start] or by["PERSON"][:1]
                for person in speakers[-1:]:
                    rel("PRESENTED", person, talk, 0.8 * person.confidence, "talk-title")
                for event in (events or section_event.speakers_scope(scoped))[-1:]:   # the most specific
                    rel("AT", talk, event, 0.75 * scope_conf, "talk-title")
            for product in (by["PRODUCT"] if by["ORG"] else _NONE):
                owner = next((o for o in by["ORG"] if o.end + 1 == product.start and text[o.end] == "的"), None)
                if owner is not None:
                    rel("SHOWCASED", owner, product, 0.6 * owner.confidence, "possessive")
            if by["VERSION"] and (by["ORG"] or self._may_be_openeuler(by["VERSION"])) \
                    and trigger["RELEASED"](low) and not any(b in low for b in self.release_blockers):
                for version in by["VERSION"]:
                    orgs = self._subjects(text, version, by["ORG"], "RELEASED", s)
                    if not orgs and version.key.startswith("openeuler") and self.openeuler is not None:
                        orgs = [Mention(clean.article_id, "ORG", version.text, version.start, version.end,
                                        self.openeuler.source, key="openeuler", confidence=0.6)]
                    for org in orgs:
                        rel("RELEASED", org, version, 0.75 * org.confidence, "release-trigger")
        return out

    def find_sessions(self, clean: CleanText, sessions: list[tuple[Mention, Mention]]) -> list[Relation]:
        """PARTICIPATED_IN for organisations that run a session, evidenced by the session's sentence."""
        out = []
        starts = [s for s, _ in clean.sentences]
        for event, org in sessions:
            i = bisect.bisect_right(starts, event.start) - 1
            s, e = clean.sentences[i] if i >= 0 and event.start < clean.sentences[i][1] else (event.start, event.end)
            out.append(Relation(clean.article_id, "PARTICIPATED_IN", org, event, "relations/event-named-after-org",
                                (s, e), clean.text[s:e], 0.7))
        return out

    def _is_object(self, text: str, org: Mention, orgs: list[Mention]) -> bool:
        """The organisation (or the list it is in) follows a verb that acts on it."""
        start = _list_ending_at(text, org, orgs)[-1].start
        return text[max(0, start - 6):start].rstrip().endswith(self.object_verbs)

    def _has_title(self, gap: str) -> bool:
        return self._en_title_re.search(gap.lower()) is not None

    def _starts_with_role(self, after: str) -> bool:
        after = after.lstrip(" 的")
        return after.startswith(self.zh_roles) or self._zh_role_re.search(after[:10]) is not None

    def _ends_with_role(self, gap: str) -> bool:
        return gap.rstrip(" ：:").endswith(self.zh_roles)

    def _subjects(self, text: str, target: Mention, orgs: list[Mention], kind: str,
                  sentence_start: int = 0) -> list[Mention]:
        """Who did it: an ORG right before a trigger word wins (麒麟软件介绍了…NestOS), else the
        closest ORG before the target; a list joined by 、/和 (A、B、C等基于…发布) acts together."""
        before = [o for o in orgs if o.end <= target.start]
        acting = [o for o in before if self._has(kind, text[o.end:o.end + 8].lower())]
        if acting:
            head = acting[-1]
        elif kind == "RELEASED":
            head = before[-1] if before else (orgs[0] if orgs else None)
        else:
            # Else the organisation before a trigger that comes before the product
            # (openEuler … has developed … GMEM), never one named after the trigger
            # (该项目展示了…结合openEuler与OpenHarmony).
            low = text[sentence_start:target.start].lower()
            cut = _last_start(self._trigger_starts[kind], low)
            ahead = [o for o in before if cut >= 0 and o.end <= sentence_start + cut]
            head = ahead[-1] if ahead else None
        if head is None:
            return []
        return _list_ending_at(text, head, orgs)

    def _affiliation(self, text: str, person: Mention, orgs: list[Mention], people_starts: list[int]):
        """The organisation a person is introduced with, and the role between them."""
        best, role = None, ""
        for org in orgs:
            if org.end <= person.start:
                gap = text[org.end:person.start]
                if any(org.end <= p < person.start for p in people_starts):
                    continue
                role_gap = len(gap) <= 40 and not _HARD_BREAK.search(gap) and not gap.endswith(("、", "和", "与", "及")) \
                    and self._ends_with_role(gap)
                if (len(gap) <= 24 and not _ZH_GAP_BREAK.search(gap) and not gap.isspace()) or gap in ("的", "") or role_gap:
                    best, role = org, gap.strip(" 的&")
                elif _EN_BEFORE.match(gap) and self._has_title(gap):
                    best, role = org, gap.strip(" ,'’s")
            elif org.start >= person.end and best is None:
                gap = text[person.end:org.start]
                # Speaker：李航   深圳软件行业协会副秘书长 (agenda lines: name, organisation, role)
                if gap.strip(" \t　") == "" and gap and self._starts_with_role(text[org.end:org.end + 12]):
                    return org, text[org.end:org.end + 12].split("\n")[0].strip()
                if _EN_AFTER_FROM.match(gap) or (_EN_AFTER.match(gap) and self._has_title(gap)):
                    role = re.sub(r"^,?\s*(?:(?:the|a|an)\s+)?|\s*\b(?:of|at|from|with|for)\s+(?:the\s+)?$", "", gap)
                    return org, role.strip(" (")
        if best is None and person.attr("role"):
            return None, ""
        return best, role


class _SectionScope:
    """Which events a sentence that names none speaks of.

    The last event named earlier in the same section (a section starts at a
    heading-like short paragraph), plus the article's main event. Monthly
    reports have no main event: each section reports its own.
    """

    def __init__(self, clean: CleanText, main: Mention | None, lowered: str):
        self.text = clean.text
        self.main = main
        # With a main event, a sub-event (a track, a sub-forum) holds for its paragraph only;
        # without one (monthly reports), for its whole section.
        if main is not None:
            self.headings = sorted(s for s, _ in clean.paragraphs)
        else:
            self.headings = sorted(s for s, e in clean.paragraphs
                                   if _is_heading(clean.text[s:e]) and s >= clean.title_end)
        self.other_sessions = _mentions_other_sessions(clean.text, lowered)
        self.current: Mention | None = None
        self.last: Mention | None = None
        self.sub: Mention | None = None      # the sub-forum whose talks the report walks through
        self.section = -1

    def skip(self, s: int, e: int) -> None:
        """Pass a sentence whose scope nobody asks for: only the state that later sentences see."""
        section = bisect.bisect_right(self.headings, s)
        if section != self.section:
            self.section, self.current = section, None
        if self.other_sessions and _OTHER_SESSIONS.search(self.text[s:e]):
            self.sub = None                 # 在其他分会场 / in other tracks: no longer that sub-forum

    def step(self, s: int, e: int, events: list[Mention], low: str) -> list[Mention]:
        """The events the sentence text[s:e] (`low` in lower case) speaks of."""
        self.skip(s, e)
        if events:
            self.current = self.last = events[-1]
            if self.main is not None:
                subs = [m for m in events if m.key != self.main.key]
                self.sub = subs[-1] if subs else self.sub
            return events
        current = self.current
        if current is None and self.main is None and self.last is not None \
                and _may_be_anaphor(self.text[s:e], low) and _ANAPHOR.search(self.text[s:e]):
            current = self.last         # 在本次峰会上 / at the summit: the event last named
        scope = [current] if current is not None else []
        if self.main is not None and all(m.key != self.main.key for m in scope):
            scope.append(self.main)
        return scope


    def speakers_scope(self, scope: list[Mention]) -> list[Mention]:
        """Talks after a sub-forum is introduced are given at it, until another event is named."""
        if self.sub is not None and all(m.key != self.sub.key for m in scope):
            return scope + [self.sub]
        return scope


_OTHER_SESSIONS = re.compile(r"其他(?:分会场|分论坛|论坛|会场|专场)|other (?:tracks|sessions|forums|sub-forums|venues)", re.I)
_ANAPHOR = re.compile(r"本次|此次|这次|该次|会上|大会上|峰会上|现场|活动中|期间|\b(?:the|this) (?:summit|event|conference|meetup|forum|gathering|workshop)\b|during the", re.I)


_NONE: tuple = ()
_LABELS = ("ORG", "PERSON", "EVENT", "VENUE", "DATE", "VERSION", "PRODUCT", "TALK")


_NO_MENTIONS = dict.fromkeys(_LABELS, _NONE)


def _by_label(here: list[Mention]) -> dict[str, list[Mention]]:
    """The sentence's mentions per label, in text order; every label present, maybe empty."""
    by = {**_NO_MENTIONS}       # 0.13 us; dict.fromkeys takes 0.85 us (40k sentences at 1k articles)
    for m in here:
        group = by.get(m.label)
        if group:
            group.append(m)
        elif group is not None:         # a label no relation uses is left out
            by[m.label] = [m]
    return by


def _lines_up(text: str, lowered: str) -> bool:
    """Whether lowered[s:e] == text[s:e].lower() for every s, e: str.lower works per
    character except for İ (two characters) and Σ (final sigma depends on context)."""
    return len(lowered) == len(text) and "Σ" not in text


def _last_start(starts: re.Pattern, low: str) -> int:
    """The last position a `starts` match begins at, or -1."""
    last = -1
    for match in starts.finditer(low):
        last = match.start()
    return last


# Every _ANAPHOR match contains one of these or, in any case, "th" (only ASCII letters
# match t and h under re.I).
_ANAPHOR_ZH = ("本次", "此次", "这次", "该次", "会上", "现场", "活动中", "期间")


_MAY_BE_ANAPHOR = re.compile("|".join(("th",) + _ANAPHOR_ZH))


def _may_be_anaphor(sentence: str, low: str) -> bool:
    """False when _ANAPHOR cannot match `sentence` (`low` is its lower case): saves the search.
    One search of `low` (lower case leaves these Chinese words as they are and makes none)
    instead of a generator over the words: 1.0 -> 0.55 us a sentence."""
    return _MAY_BE_ANAPHOR.search(low) is not None


def _mentions_other_sessions(text: str, lowered: str) -> bool:
    """Whether _OTHER_SESSIONS matches anywhere in `text`; if not, it matches none of its sentences
    (no anchors, no \\b). Its matches start at 其他 or (any case; only ASCII letters match o, t, h,
    e, r under re.I) "other ", so only those places are tried when `lowered` lines up with `text`."""
    if not _lines_up(text, lowered):
        return _OTHER_SESSIONS.search(text) is not None
    return any(_OTHER_SESSIONS.match(text, at) for at in _places(text, "其他") + _places(lowered, "other "))


def _places(text: str, word: str) -> list[int]:
    """Every offset `word` starts at in `text`."""
    out = []
    at = text.find(word)
    while at >= 0:
        out.append(at)
        at = text.find(word, at + 1)
    return out


def _is_heading(paragraph: str) -> bool:
    paragraph = paragraph.strip()
    return 0 < len(paragraph) <= 40 and paragraph[-1] not in "。！？.!?；;：:，,"


def _list_ending_at(text: str, last: Mention, orgs: list[Mention]) -> list[Mention]:
    """`last` and the organisations listed right before it (A、B和C), nearest first."""
    group = [last]
    for org in reversed([o for o in orgs if o.end <= last.start]):
        if not _LIST_GAP.fullmatch(text[org.end:group[-1].start]):
            break
        group.append(org)
    return group


def _inside_event_name(org: Mention, event: Mention) -> bool:
    return event.start <= org.start and org.end <= event.end
