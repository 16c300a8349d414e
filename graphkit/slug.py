"""Stable ASCII slugs for node ids and name keys that ignore case, width and punctuation.

Chinese is romanised with pypinyin so `熊伟` and `Xiong Wei` give the same
person slug `xiong-wei`.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NON_SLUG = re.compile(r"[^a-z0-9.]+")


def _pinyin(text: str) -> list[str]:
    """pypinyin's `lazy_pinyin`, imported on first use, its tables read in parts (pinyin_tables.py)."""
    from graphkit.pinyin_tables import import_pypinyin

    return import_pypinyin().lazy_pinyin(text)


def load_pinyin() -> None:
    """Import pypinyin now (before forking workers, which then share it)."""
    _pinyin("中文")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@lru_cache(maxsize=65536)
def slugify(text: str) -> str:
    """`FOSSASIA Summit 2024` -> `fossasia-summit-2024`; `熊伟` -> `xiong-wei`."""
    text = unicodedata.normalize("NFKC", text)
    if has_cjk(text):
        text = " ".join(_pinyin(text))
    text = text.lower().replace("&", " and ").replace("+", " plus ")
    slug = _NON_SLUG.sub("-", text).strip("-.")
    return re.sub(r"-{2,}", "-", slug) or "x"


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """The scorer's normalisation: NFKC, lower case, letters and digits only."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


@lru_cache(maxsize=65536)
def person_key(name: str) -> str:
    """`熊伟` and `Xiong Wei` -> `xiong-wei`; `徐国栋` and `Xu Guodong` -> `xu-guodong`.

    Chinese names: the surname's pinyin, then the given name's syllables run
    together, as Chinese names are written in English.
    """
    name = unicodedata.normalize("NFKC", name).strip()
    if has_cjk(name):
        syllables = _pinyin(name)
        surname = 2 if len(name) >= 4 else 1
        return slugify(" ".join(["".join(syllables[:surname]), "".join(syllables[surname:])]))
    return slugify(name)
