"""Dates, versions and event shapes from rules/patterns, on real sentences from the corpus."""
from __future__ import annotations

import pytest

from graphkit.extract.patterns import date_mentions, iso_date, version_mentions


@pytest.mark.parametrize("text, published, values", [
    ("国际开源盛会 FOSSASIA Summit 2024于4月8日在越南河内举行。", "2024-04-12", ["2024-04-08"]),
    ("[中国，北京，2024年11月16日] openEuler Summit 2024在北京", "2024-11-21", ["2024-11-16"]),
    ("The global stage of FOSSASIA Summit 2024 unfolded in Hanoi, Vietnam on April 8.", "2024-04-22", ["2024-04-08"]),
    ("7月26日，openEuler SIG Gathering 2024将在北京香格里拉饭店启幕", "2024-07-24", ["2024-07-26"]),
    ("大会于12月20日-21日举行", "2024-12-12", ["2024-12-20", "2024-12-21"]),
    ("June 24–28, 2024", "2024-07-05", ["2024-06-24", "2024-06-28"]),
    ("2024年12月20日，2024开放原子开发者大会暨首届开源技术学术大会圆满落幕", "2024-12-25", ["2024-12-20"]),
    ("时间：10:00-20:00，共 3 天", "2024-07-24", []),
    ("openEuler 社区 2022 年 6 月运作报告", "2022-07-07", []),
])
def test_patterns_dates(rules, text, published, values):
    found = [m.key for m in date_mentions("a", text, rules.regexes["DATE"], published)]
    assert sorted(set(found)) == values


def test_patterns_date_year_rolls_back():
    # An article of January that reports "12月20日" speaks of last December.
    assert iso_date(None, 12, 20, "2024-01-10") == "2023-12-20"
    assert iso_date(None, 2, 30, "2024-01-10") is None


@pytest.mark.parametrize("text, keys", [
    ("熊博在演讲中还提到了openEuler即将发布的24.03 LTS版本和22.03 SP4版本。", ["openeuler-22.03-lts-sp4", "openeuler-24.03-lts"]),
    ("通过增强OpenSSL 3.0和实现新的负载均衡提供程序", ["openssl-3.0"]),
    ("openEuler 24.03 LTS SP1 正式发布", ["openeuler-24.03-lts-sp1"]),
    ("基于6.6内核构建", ["linux-6.6"]),
    ("超过99.03%的用户", []),
])
def test_patterns_versions(rules, text, keys):
    found = sorted({m.key for m in version_mentions("a", text, rules.regexes["VERSION"])})
    assert found == keys


@pytest.mark.parametrize("trim, matched, trimmed", [
    ("zh", "本次openEuler开发者大会", (2, "openEuler开发者大会")),
    ("zh", "在南京举办的开源操作系统技术大会", (6, "开源操作系统技术大会")),
    ("zh", "技术大会", None),                 # only generic words
    ("en", "During the FOSSASIA Summit", (11, "FOSSASIA Summit")),
    ("en", "KubeCon China", (0, "KubeCon China")),
    ("en", "The Summit", None),
])
def test_patterns_event_name_trimmed(trim, matched, trimmed):
    from graphkit.extract.patterns import _en_event_name, _zh_event_name

    assert (_zh_event_name if trim == "zh" else _en_event_name)(matched) == trimmed


def test_patterns_event_spans_after_trimming(rules):
    from graphkit.extract.patterns import event_mentions

    text = "在本次openEuler开发者大会上，During the FOSSASIA Summit 2024 we met."
    found = event_mentions("a.md", text, rules.regexes["EVENT"], "2024-04-12", "zh")
    assert [(m.text, m.start, m.key) for m in found] == [
        ("FOSSASIA Summit 2024", 30, "fossasia-summit-2024"),
        ("openEuler开发者大会", 3, "openeuler-kai-fa-zhe-da-hui")]
