"""The id of a mention, before any merge: what `Resolver.mention_id` says.

Gazetteer entries give ids across languages (华为 and Huawei are `org:huawei`);
people get their romanised name (熊伟 = Xiong Wei = `person:xiong-wei`);
events, versions and dates their key; anything else its slug. A Chinese
name's id waits until every article is in (`provisional_person`): two Chinese
names with one romanisation are two people.
"""
from __future__ import annotations

from graphkit.rules import Rules
from graphkit.slug import has_cjk, name_key, person_key, slugify
from graphkit.types import Mention


class Union:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The shorter id is the root (the final id is chosen later, from the members).
            keep, drop = sorted((ra, rb), key=lambda r: (len(r), r))
            self.parent[drop] = keep


class Resolver:
    """Maps mentions to entity ids using the gazetteer's names as anchors."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.anchor: dict[tuple[str, str], str] = {}     # (label, name_key) -> entity id
        # person key -> its Chinese names, when several; None until every article is in
        self.homophones: dict[str, list[str]] | None = None
        self.provisional: dict[str, tuple[str, str]] = {}   # provisional id -> (person key, name)
        self.display: dict[str, str] = {}
        for entry in rules.gazetteer:
            if entry.label == "EVENT_SERIES":
                continue
            eid = f"{entry.label.lower()}:{entry.id}"
            self.display[eid] = entry.display
            for name in entry.names:
                self.anchor.setdefault((entry.label, name_key(name)), eid)
                stripped = _strip_org_suffix(name) if entry.label == "ORG" else ""
                if stripped:
                    self.anchor.setdefault((entry.label, name_key(stripped)), eid)

    def mention_id(self, m: Mention) -> str:
        if m.label == "DATE":
            return f"date:{m.key}"
        if m.label in ("VERSION", "EVENT") and m.key:
            return f"{m.label.lower()}:{m.key}"
        if m.rule_id.startswith("gazetteers/") and m.key:
            return f"{m.label.lower()}:{m.key}"
        key = name_key(m.text)
        anchored = self.anchor.get((m.label, key))
        if anchored is None and m.label == "ORG":
            stripped = _strip_org_suffix(m.text)
            if stripped:
                anchored = self.anchor.get((m.label, name_key(stripped)))
        if anchored:
            return anchored
        if m.label == "PERSON":
            key = m.key or person_key(m.text)
            if self.homophones is None and has_cjk(m.text):
                return self.provisional_person(key, m.text)
            return self.person_id(key, m.text)
        return f"{m.label.lower()}:{slugify(m.text)}"

    def person_id(self, key: str, text: str) -> str:
        homophones = self.homophones.get(key) if self.homophones else None
        if homophones and text in homophones:
            # 张伟 and 章伟 are both zhang-wei: two people until a rule says otherwise.
            return f"person:{key}-{homophones.index(text) + 1}"
        return f"person:{key}"

    def provisional_person(self, key: str, text: str) -> str:
        """A Chinese name's id while the homophones are not known yet (`Registry.settle_people`)."""
        pid = f"person:{key}\x00{text}"
        self.provisional[pid] = (key, text)
        return pid


def _strip_org_suffix(name: str) -> str:
    for suffix in ("股份有限公司", "有限责任公司", "有限公司", "公司", "集团", " Co., Ltd.", " Co.,Ltd.", " Inc.", " Inc", " Ltd.", " Ltd", " Corporation", " Corp."):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)].strip()
    return ""
