"""Resolution: one node per real-world thing across articles and languages, and nothing more."""
from __future__ import annotations

import pytest

from graphkit.resolve import noisy_or, resolve
from graphkit.slug import person_key
from graphkit.types import Extraction, Mention, Relation


def _m(article, label, text, key="", rule="context/test", start=0):
    return Mention(article, label, text, start, start + len(text), rule, key=key)


def _ex(article, lang, mentions, relations=()):
    return Extraction(article, lang, "t", "2024-04-12", tuple(mentions), tuple(relations))


def test_resolve_people_across_languages(rules):
    zh = _ex("zh.md", "zh", [_m("zh.md", "PERSON", "熊伟")])
    en = _ex("en.md", "en", [_m("en.md", "PERSON", "Xiong Wei")])
    out = resolve([zh, en], rules)
    people = [e for e in out.entities if e.label == "PERSON"]
    assert len(people) == 1
    assert set(people[0].aliases) >= {"熊伟", "Xiong Wei"}
    assert people[0].article_ids == ("en.md", "zh.md")


def test_resolve_reversed_english_name(rules):
    zh = _ex("zh.md", "zh", [_m("zh.md", "PERSON", "张三丰")])
    en = _ex("en.md", "en", [_m("en.md", "PERSON", "Sanfeng Zhang")])
    assert len([e for e in resolve([zh, en], rules).entities if e.label == "PERSON"]) == 1


def test_resolve_gazetteer_orgs_across_languages(rules, extractor):
    from graphkit.types import CleanText

    def extract(aid, text, lang):
        clean = CleanText(aid, lang, text, ((0, len(text)),), ((0, len(text)),), (), 0)
        return extractor.extract(clean, title="", published="2024-04-12")

    out = resolve([extract("zh.md", "麒麟软件与华为共同参展。", "zh"),
                   extract("en.md", "KylinSoft and Huawei exhibited together.", "en")], rules)
    orgs = {e.id: e for e in out.entities if e.label == "ORG"}
    assert {"org:kylinsoft", "org:huawei"} <= set(orgs)
    assert orgs["org:kylinsoft"].article_ids == ("en.md", "zh.md")


def test_resolve_events_by_series_and_edition(rules):
    a = _ex("a.md", "zh", [_m("a.md", "EVENT", "FOSSASIA Summit 2024", key="fossasia-summit-2024")])
    b = _ex("b.md", "en", [_m("b.md", "EVENT", "FOSSASIA Summit 2026", key="fossasia-summit-2026")])
    events = [e for e in resolve([a, b], rules).entities if e.label == "EVENT"]
    assert len(events) == 2


def test_resolve_evidence_merges_same_relation(rules):
    p = _m("a.md", "PERSON", "熊伟")
    e = _m("a.md", "EVENT", "FOSSASIA Summit 2024", key="fossasia-summit-2024", start=10)
    r1 = Relation("a.md", "PRESENTED_AT", p, e, "relations/x", (0, 30), "s1", 0.6)
    r2 = Relation("a.md", "PRESENTED_AT", p, e, "relations/x", (40, 60), "s2", 0.5)
    out = resolve([_ex("a.md", "zh", [p, e], [r1, r2])], rules)
    assert len(out.relations) == 1
    rel = out.relations[0]
    assert len(rel.evidence) == 2
    assert rel.confidence == noisy_or([0.6, 0.5]) == 0.8


def test_resolve_drops_relations_of_the_wrong_shape(rules):
    p = _m("a.md", "PERSON", "熊伟")
    o = _m("a.md", "ORG", "华为", start=5)
    wrong = Relation("a.md", "HELD_AT", p, o, "relations/x", (0, 9), "s", 0.9)
    assert resolve([_ex("a.md", "zh", [p, o], [wrong])], rules).relations == ()


def test_resolve_person_key_shapes():
    assert person_key("徐国栋") == person_key("Xu Guodong") == "xu-guodong"
    assert person_key("欧阳明辉") == "ouyang-minghui"


def test_resolve_never_merge(rules):
    import dataclasses

    zh = _ex("zh.md", "zh", [_m("zh.md", "PERSON", "张三丰")])
    en = _ex("en.md", "en", [_m("en.md", "PERSON", "Sanfeng Zhang")])
    assert len([e for e in resolve([zh, en], rules).entities if e.label == "PERSON"]) == 1
    guarded = dataclasses.replace(rules, never_merge=(("person:zhang-sanfeng", "person:sanfeng-zhang"),))
    assert len([e for e in resolve([zh, en], guarded).entities if e.label == "PERSON"]) == 2


def test_resolve_main_events_across_languages_by_date(rules):
    """No series rule knows this event, but both reports say it was held on 2025-09-10 in one city."""
    def report(aid, lang, event_text, event_key, venue_text):
        ev = _m(aid, "EVENT", event_text, key=event_key, rule="patterns/events.yaml#x")
        date = _m(aid, "DATE", "9月10日" if lang == "zh" else "September 10", key="2025-09-10", start=40)
        venue = _m(aid, "VENUE", venue_text, key="beijing", rule="gazetteers/venues.yaml#beijing", start=60)
        rels = (Relation(aid, "HELD_ON", ev, date, "relations/x", (0, 80), "s", 0.9),
                Relation(aid, "HELD_AT", ev, venue, "relations/x", (0, 80), "s", 0.9))
        return Extraction(aid, lang, "t", "2025-09-12", (ev, date, venue), rels, ev)

    zh = report("zh.md", "zh", "开源操作系统年度技术会议", "kai-yuan-cao-zuo-xi-tong-nian-du-ji-shu-hui-yi-2025", "北京")
    en = report("en.md", "en", "Open Source OS Annual Conference", "open-source-os-annual-conference-2025", "Beijing")
    events = [e for e in resolve([zh, en], rules).entities if e.label == "EVENT"]
    assert len(events) == 1
    assert set(events[0].article_ids) == {"zh.md", "en.md"}
    # Two Chinese reports of different events on the same day stay apart.
    zh2 = report("zh2.md", "zh", "另一个大会", "ling-yi-ge-da-hui-2025", "北京")
    events = [e for e in resolve([zh, zh2], rules).entities if e.label == "EVENT"]
    assert len(events) == 2


def test_resolve_two_gazetteer_entries_stay_apart(rules, extractor):
    """华为 and 华为云 are two entries: a list item written 华为 云 must not glue them together."""
    from graphkit.types import CleanText

    text = "来自华为、华为 云、华为云、统信软件等企业的专家参加了活动。"
    clean = CleanText("a.md", "zh", text, ((0, len(text)),), ((0, len(text)),), (), 0)
    out = resolve([extractor.extract(clean, title="", published="2024-04-12")], rules)
    ids = {e.id for e in out.entities if e.label == "ORG"}
    assert {"org:huawei", "org:huawei-cloud"} <= ids
    huawei = next(e for e in out.entities if e.id == "org:huawei")
    assert "华为云" not in huawei.aliases


def test_resolve_homophones_stay_apart(rules):
    a = _ex("a.md", "zh", [_m("a.md", "PERSON", "张伟")])
    b = _ex("b.md", "zh", [_m("b.md", "PERSON", "章伟")])
    out = resolve([a, b], rules)
    people = sorted(e.id for e in out.entities if e.label == "PERSON")
    assert people == ["person:zhang-wei-1", "person:zhang-wei-2"]
    assert {(a, b) for a, b, _ in out.merge_candidates} >= {("person:zhang-wei", "person:zhang-wei-1"),
                                                            ("person:zhang-wei", "person:zhang-wei-2")}


@pytest.mark.parametrize("confidences, expected", [
    ([0.6, 0.5], 0.8),
    ([0.9995], 0.999),          # capped: one mention is never certainty
    ([1, 1], 1.0),              # ints as floats: 1 - 0.001 ** 2
    ([0.95] * 400, 1.0),        # the product underflows to 0.0
    ([], 0.0),
])
def test_resolve_noisy_or_values(confidences, expected):
    assert noisy_or(confidences) == expected
    assert noisy_or(iter(confidences)) == expected


def test_resolve_evidence_keeps_first_of_equally_confident(rules):
    """Two rules state one relation in one sentence with one confidence: the first is the evidence,
    also when its ends are other mentions of the same two entities."""
    p, e = _m("a.md", "PERSON", "熊伟"), _m("a.md", "EVENT", "FOSSASIA Summit 2024", key="fossasia-summit-2024", start=10)
    p2 = _m("a.md", "PERSON", "Xiong Wei", start=40)
    first = Relation("a.md", "PRESENTED_AT", p, e, "relations/first", (0, 60), "s", 0.6, "speaker")
    second = Relation("a.md", "PRESENTED_AT", p2, e, "relations/second", (0, 60), "s", 0.6, "host")
    better = Relation("a.md", "PRESENTED_AT", p2, e, "relations/better", (70, 90), "t", 0.5, "host")
    out = resolve([_ex("a.md", "zh", [p, e, p2], [first, second, better])], rules)
    (rel,) = out.relations
    assert [ev.extractor for ev in rel.evidence] == ["relations/first", "relations/better"]
    assert rel.role == "host"           # two of three


def test_resolve_mention_filed_under_another_article(rules):
    """A relation's end is the mention last registered at its place, even one that a later
    extraction files under this article."""
    p = _m("a.md", "PERSON", "熊伟")
    e = _m("a.md", "EVENT", "FOSSASIA Summit 2024", key="fossasia-summit-2024", start=10)
    stated = Relation("a.md", "PRESENTED_AT", p, e, "relations/x", (0, 30), "s", 0.8)
    later = _ex("b.md", "en", [_m("a.md", "PERSON", "张三")])
    out = resolve([_ex("a.md", "zh", [p, e], [stated]), later], rules)
    assert [r.source for r in out.relations] == ["person:zhang-san"]
    # On its own, the relation is 熊伟's.
    assert [r.source for r in resolve([_ex("a.md", "zh", [p, e], [stated])], rules).relations] == ["person:xiong-wei"]


def test_resolve_homophone_known_only_after_a_relation_was_stated(rules):
    """Chinese names get their ids once every article is in: a relation stated before the
    second name of the romanisation appeared still ends at the right one of the two."""
    p = _m("a.md", "PERSON", "张伟")
    e = _m("a.md", "EVENT", "FOSSASIA Summit 2024", key="fossasia-summit-2024", start=10)
    a = _ex("a.md", "zh", [p, e], [Relation("a.md", "PRESENTED_AT", p, e, "relations/x", (0, 30), "s", 0.8)])
    b = _ex("b.md", "zh", [_m("b.md", "PERSON", "章伟")])
    out = resolve([a, b], rules)
    assert [(r.source, r.target) for r in out.relations] == [("person:zhang-wei-1", "event:fossasia-summit-2024")]
    names = {e.id: e.aliases for e in out.entities if e.label == "PERSON"}
    assert names == {"person:zhang-wei-1": ("张伟",), "person:zhang-wei-2": ("章伟",)}


def test_resolve_chinese_name_joins_earlier_english_one(rules):
    """`Zhang Wei` (an English article, first) and 张伟 (later) are one person, who keeps both
    names, both articles and the confidence of both mentions."""
    en = _ex("en.md", "en", [Mention("en.md", "PERSON", "Zhang Wei", 0, 9, "context/test", confidence=0.6)])
    zh = _ex("zh.md", "zh", [Mention("zh.md", "PERSON", "张伟", 0, 2, "context/test", confidence=0.5)])
    for order in ([en, zh], [zh, en]):
        (person,) = [e for e in resolve(order, rules).entities if e.label == "PERSON"]
        assert person.id == "person:zhang-wei"
        assert person.aliases == ("Zhang Wei", "张伟")
        assert person.article_ids == ("en.md", "zh.md")
        assert person.confidence == 0.8


def test_resolve_relation_end_alone_makes_no_homophone(rules):
    """Only the names an article lists count toward homophones: a relation's end that is
    not among its article's mentions does not split 张伟 in two."""
    listed = _m("a.md", "PERSON", "张伟")
    e = _m("a.md", "EVENT", "FOSSASIA Summit 2024", key="fossasia-summit-2024", start=10)
    unlisted = _m("a.md", "PERSON", "章伟", start=40)
    stated = Relation("a.md", "PRESENTED_AT", unlisted, e, "relations/x", (0, 50), "s", 0.8)
    out = resolve([_ex("a.md", "zh", [listed, e], [stated])], rules)
    people = {e.id: e.aliases for e in out.entities if e.label == "PERSON"}
    assert people == {"person:zhang-wei": ("张伟", "章伟")}
    assert [r.source for r in out.relations] == ["person:zhang-wei"]


def test_resolve_edge_from_two_names_keeps_article_order(rules):
    """张三丰 and `Sanfeng Zhang` are one person reached through two names: relations filed
    under each name join one edge, and per sentence the first of the equally confident
    ones (in article order) is the evidence; the roles of both count."""
    zh, en = _m("a.md", "PERSON", "张三丰"), _m("a.md", "PERSON", "Sanfeng Zhang", start=20)
    e = _m("a.md", "EVENT", "FOSSASIA Summit 2024", key="fossasia-summit-2024", start=40)
    stated = [Relation("a.md", "PRESENTED_AT", zh, e, "relations/zh-first", (0, 10), "s1", 0.6, "speaker"),
              Relation("a.md", "PRESENTED_AT", en, e, "relations/en", (50, 60), "s2", 0.6, "host"),
              Relation("a.md", "PRESENTED_AT", zh, e, "relations/zh-later", (50, 60), "s2", 0.6, "speaker"),
              Relation("a.md", "PRESENTED_AT", en, e, "relations/en", (70, 80), "s3", 0.6, "host"),
              Relation("a.md", "PRESENTED_AT", en, e, "relations/en", (90, 99), "s4", 0.6, "host")]
    out = resolve([_ex("a.md", "zh", [zh, en, e], stated)], rules)
    (person,) = [p for p in out.entities if p.label == "PERSON"]
    assert set(person.aliases) == {"张三丰", "Sanfeng Zhang"}
    (rel,) = out.relations
    assert rel.source == person.id
    assert [(ev.start, ev.extractor) for ev in rel.evidence] == [
        (0, "relations/zh-first"), (50, "relations/en"), (70, "relations/en"), (90, "relations/en")]
    assert rel.role == "host"           # three of five
