"""Events: known series with their edition, generic event shapes, and the article's main event.

`FOSSASIA Summit 2024`, `2024开放原子开发者大会` and a bare `FOSSASIA Summit`
in a report of the 2024 summit all get the key `fossasia-summit-2024`, so the
Chinese and English reports land on one node while the 2026 edition is
another.
"""
from __future__ import annotations

import re
from dataclasses import replace

from graphkit.extract.gazetteer import GazetteerHit
from graphkit.extract.patterns import event_mentions
from graphkit.slug import slugify
from graphkit.rules import RegexRule, Rules
from graphkit.types import CleanText, Mention

# A city that tells one meetup of a series from another: openEuler Meetup ·深圳站, Meetup in Shanghai.
_CITY_AFTER = re.compile(r"[ \t]*[·•\-—]?[ \t]*(?P<city>[\u4e00-\u9fff]{2,3})站|[ \t]+(?:in|@)[ \t]+(?P<city_en>[A-Z][a-z]+(?:[ '][A-Z][a-z]+)?)")
# What a report adds after the series to name its edition: 机器人专场, 技术分论坛.
_QUALIFIER = re.compile(r"[ \t]*[\u4e00-\u9fff]{1,8}?(?:专场|分论坛|分会场|专题论坛)")
_JOINT = re.compile(r"暨[^，。；：、\s]{2,24}?(?:大会|峰会|论坛|会议|年会|研讨会)")
_AFTER = re.compile(r"[ \t]*(?P<year>(?:19|20)\d{2})(?![\d.])(?:\s*年)?")
_BEFORE = re.compile(r"(?P<year>(?:19|20)\d{2})[ \t]*年?[ \t]*(?:第(?P<ordinal>[一二三四五六七八九十\d]{1,3})届[ \t]*)?$|第(?P<ordinal2>[一二三四五六七八九十\d]{1,3})届[ \t]*$")


class EventFinder:
    def __init__(self, rules: Rules):
        self.rules = rules

    def series_mention(self, article_id: str, text: str, hit: GazetteerHit, published: str | None) -> Mention:
        """A series name plus the edition written next to it."""
        start, end = hit.start, hit.end
        year = ordinal = place = ""
        after = _AFTER.match(text, end)
        if after:
            year = after.group("year")
            end = after.end()
        before = _BEFORE.search(text[max(0, start - 16):start])
        if before:
            ordinal = before.group("ordinal") or before.group("ordinal2") or ""
            if before.group("year") and not year:
                year = before.group("year")
            start -= len(before.group(0))
        series = hit.entry.id
        city = ""
        if _is_meetup(hit.entry.display):
            near = _CITY_AFTER.match(text, end)
            if near:
                city = near.group("city") or near.group("city_en")
                end = near.end()
                after = _AFTER.match(text, end)
                if after and not year:
                    year = after.group("year")
                    end = after.end()
        qualifier = _QUALIFIER.match(text, end)
        if qualifier:
            end = qualifier.end()
        joint = _JOINT.match(text, end)      # 开发者大会暨首届开源技术学术大会: one gathering, two names
        if joint:
            end = joint.end()
        attrs = [("series", series), ("name", hit.entry.display + (f" {city}" if city else ""))]
        if city:
            attrs.append(("city", city))
            series = f"{series}-{slugify(city)}"
        if year:
            attrs.append(("edition", year))
        if ordinal:
            attrs.append(("ordinal", ordinal))
        if place:
            attrs.append(("place", place))
        return Mention(article_id, "EVENT", text[start:end], start, end, hit.entry.source,
                       key=f"{series}-{year}" if year else series,
                       confidence=0.95 if year else 0.8, attrs=tuple(attrs))

    def shape_mentions(self, article_id: str, text: str, rules: tuple[RegexRule, ...], published: str | None,
                       lang: str = "", anchors=None):
        return event_mentions(article_id, text, rules, published, lang, anchors)


def _is_meetup(name: str) -> bool:
    """Series that meet in many cities a year: the city is part of the event's identity."""
    return bool(re.search(r"meetup|meet-up|用户组|沙龙|salon|workshop|工作坊|road ?show|巡回|校园行|techday", name, re.I))


def choose_main_event(clean: CleanText, mentions: list[Mention]) -> Mention | None:
    """The event the article is about: named in the title, else in the first paragraph."""
    events = [m for m in mentions if m.label == "EVENT"]
    in_title = [m for m in events if m.start < clean.title_end]
    if in_title:
        return max(in_title, key=lambda m: (bool(m.attr("edition")), m.confidence, -m.start))
    body = [p for p in clean.paragraphs if p[0] >= clean.title_end]
    if body:
        first = body[0]
        in_first = [m for m in events if first[0] <= m.start < first[1]]
        if in_first:
            return max(in_first, key=lambda m: (bool(m.attr("edition")), m.confidence, -m.start))
    return None


def _series_of(m: Mention) -> str:
    return m.attr("series") or m.attr("name").lower()


def date_main_event(main: Mention | None, published: str | None) -> Mention | None:
    """A main event named without its edition is the edition of the article's year."""
    if main is None or main.attr("edition") or not published:
        return main
    return replace(main, key=f"{main.key}-{published[:4]}", attrs=main.attrs + (("edition", published[:4]),))


def scope_series_mentions(mentions: list[Mention], main: Mention | None, published: str | None) -> list[Mention]:
    """Give edition-less event mentions an edition: the main event's when the series
    matches, else the article's year."""
    out = []
    for m in mentions:
        if m.label == "EVENT" and not m.attr("edition"):
            if main is not None and (_series_of(m) == _series_of(main) or m.key == main.key.rsplit("-", 1)[0]):
                m = replace(m, key=main.key, attrs=main.attrs)
            elif published:
                m = replace(m, key=f"{m.key}-{published[:4]}", confidence=m.confidence * 0.7,
                            attrs=m.attrs + (("edition", published[:4]), ("edition_guessed", "1")))
        out.append(m)
    return out
