"""People and organisations found by context, on short real sentences (one per fixed miss)."""
from __future__ import annotations

import pytest

from graphkit.types import CleanText


def _clean(text: str, lang: str = "zh") -> CleanText:
    return CleanText("t.md", lang, text, ((0, len(text)),), ((0, len(text)),), (), 0)


def _names(extractor, text, label, lang="zh"):
    return sorted({m.text for m in extractor.mentions(_clean(text, lang), "2024-11-21") if m.label == label})


@pytest.mark.parametrize("text, people", [
    ("openEuler委员会主席江大勇在致辞中表示，开源5年成果显著。", ["江大勇"]),
    ("此次FOSSASIA Summit，openEuler社区执行总监&技术委员会委员熊伟发表了主旨演讲。", ["熊伟"]),
    ("感谢何若轻老师的精彩分享。", ["何若轻"]),
    ("演讲结束后，不少开发者和用户前来openEuler展台咨询。", []),
])
def test_context_zh_people(extractor, text, people):
    assert _names(extractor, text, "PERSON") == people


@pytest.mark.parametrize("text, people", [
    ("During the Summit, Xiong Wei, the Executive Director of openEuler, delivered a keynote speech.", ["Xiong Wei"]),
    ("Adrian, Director of International Business Expansion at EasyStack, introduced the platform.", ["Adrian"]),
    ("The Summit was a great success for the Open Source community.", []),
])
def test_context_en_people(extractor, text, people):
    assert _names(extractor, text, "PERSON", "en") == people


def test_context_zh_org_list(extractor):
    text = "来自SoftSage、OnlyOffice、Microsoft Azure、PTIT、河内工业大学、Hyperlogy Project、RizinOrg等企业或项目成员参观openEuler展台。"
    orgs = _names(extractor, text, "ORG")
    for name in ["SoftSage", "OnlyOffice", "Microsoft Azure", "PTIT", "河内工业大学", "Hyperlogy Project", "RizinOrg"]:
        assert name in orgs
