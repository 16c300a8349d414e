"""jieba's dictionaries from graphkit's shard file: same segmentation and tags as jieba's own,
safe fallbacks."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from cache_subprocess import cache_files, run_with_cache as _run


def _shard_files(cache_home):
    return cache_files(cache_home, "posseg-shards-*.shards")


POSSEG_SCRIPT = """
import sys
from graphkit.extract.context import _posseg
posseg = _posseg()
import jieba
print(jieba.dt.initialized, jieba.dt.total)
print(" ".join(f"{w}/{f}" for w, f in posseg.lcut("华为与麒麟软件在越南河内参加了开源峰会，熊伟发表演讲")))
print("pkg_resources" in sys.modules)
"""

POSSEG_REFERENCE = """
import jieba, logging
jieba.setLogLevel(logging.WARNING)
import jieba.posseg as posseg
jieba.dt.initialize()
print(jieba.dt.initialized, jieba.dt.total)
print(" ".join(f"{w}/{f}" for w, f in posseg.lcut("华为与麒麟软件在越南河内参加了开源峰会，熊伟发表演讲")))
print(False)
"""


def test_posseg_shards_are_written_then_read_with_jiebas_own_tags(tmp_path):
    reference = _run(POSSEG_REFERENCE, tmp_path / "unused")
    assert _run(POSSEG_SCRIPT, tmp_path) == reference
    [shard_file] = _shard_files(tmp_path)
    assert oct(shard_file.parent.stat().st_mode & 0o777) == "0o700"
    stamp = shard_file.stat().st_mtime_ns
    assert _run(POSSEG_SCRIPT, tmp_path) == reference       # read from the shard file
    assert shard_file.stat().st_mtime_ns == stamp


def test_posseg_shards_load_only_what_a_sentence_needs(tmp_path):
    script = """
import jieba
from graphkit.extract.context import _posseg
posseg = _posseg()
print(len(jieba.dt.FREQ), len(posseg.dt.word_tag_tab))
posseg.lcut("华为发表演讲")
print(0 < len(jieba.dt.FREQ) < 10_000, 0 < len(posseg.dt.word_tag_tab) < 10_000)
"""
    _run(POSSEG_SCRIPT, tmp_path)
    assert _run(script, tmp_path) == "0 0\nTrue True\n"


COMPARE_WHOLE = """
import jieba
from graphkit.extract import jieba_shards
from graphkit.extract.context import _posseg
posseg = _posseg()
jieba_shards.active.load_everything()
freq, tags, total = dict(jieba.dt.FREQ), dict(posseg.dt.word_tag_tab), jieba.dt.total
print(jieba_shards.active, "get_DAG" in vars(jieba.dt))
jieba.dt.FREQ, jieba.dt.total = jieba.dt.gen_pfdict(jieba.dt.get_dict_file())
posseg.dt.load_word_tag(jieba.dt.get_dict_file())
print(freq == jieba.dt.FREQ, tags == posseg.dt.word_tag_tab, total == jieba.dt.total, len(freq), len(tags))
"""


def test_posseg_shards_hold_jiebas_own_tables(tmp_path):
    _run(POSSEG_SCRIPT, tmp_path)
    assert _run(COMPARE_WHOLE, tmp_path) == "None False\nTrue True True 498113 349045\n"


# Every way graphkit cuts with jieba, printed one line per text and way.
CUTS = """
import json, sys
texts = json.load(sys.stdin)
{load}
import jieba
import jieba.posseg as posseg
for text in texts:
    for hmm in (True, False):
        print(json.dumps([[[w, f] for w, f in posseg.lcut(text, HMM=hmm)], jieba.lcut(text, HMM=hmm)],
                         ensure_ascii=False))
"""
LAZY = "from graphkit.extract.jieba_dict import load_jieba; load_jieba()"
JIEBAS_OWN = "import jieba, logging; jieba.setLogLevel(logging.WARNING); jieba.dt.initialize()"

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"


def _texts(count: int, seed: int = 7) -> list[str]:
    """Pieces of real articles, and strings of their characters mixed with Latin, digits and
    punctuation, in random order: each piece asks the shards for other characters."""
    rng = random.Random(seed)
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.iterdir()))
    chars = sorted(set(text)) + list("华为鸿蒙的了是在中国AIabZ09 .-_+#%&，。、")
    out = []
    for _ in range(count):
        if rng.random() < 0.6:
            start = rng.randrange(len(text))
            out.append(text[start:start + rng.randint(1, 40)])
        else:
            out.append("".join(rng.choice(chars) for _ in range(rng.randint(1, 20))))
    return out


def test_posseg_shards_cut_as_jiebas_own_dictionary(tmp_path):
    texts = json.dumps(_texts(3000), ensure_ascii=False)
    reference = _run(CUTS.format(load=JIEBAS_OWN), tmp_path / "unused", texts)
    _run(POSSEG_SCRIPT, tmp_path)
    lazy = _run(CUTS.format(load=LAZY), tmp_path, texts)
    assert len(reference.splitlines()) == 6000
    assert lazy == reference


def test_jieba_words_hold_every_word_inside_the_text(tmp_path):
    script = """
import json, sys
import jieba
from graphkit.extract.context import jieba_words
found = {}
for text in json.load(sys.stdin):
    words = jieba_words(text)
    for i in range(len(text)):
        for j in range(i + 1, len(text) + 1):
            found[text[i:j]] = words.get(text[i:j])
print(len(jieba.dt.FREQ) < 100_000)
print(json.dumps(sorted(found.items()), ensure_ascii=False))
"""
    texts = json.dumps([t for t in _texts(400, seed=3) if len(t) <= 12], ensure_ascii=False)
    _run(POSSEG_SCRIPT, tmp_path)
    lazy = _run(script, tmp_path, texts).splitlines()
    whole = _run(script.replace("import jieba\n", "import jieba\njieba.dt.initialize()\n", 1),
                 tmp_path / "unused", texts).splitlines()
    assert lazy[0] == "True" and whole[0] == "False"
    assert lazy[1] == whole[1]
    assert sum(1 for _, freq in json.loads(lazy[1]) if freq) > 500


ADD_WORD = """
from graphkit.extract.jieba_dict import load_jieba
import jieba, jieba.posseg as posseg
{load}
print(posseg.lcut("华为发表"))
jieba.add_word("演讲", 100000, "nz")        # a dictionary word whose unit is not loaded yet
jieba.dt.add_word("麒麟发表", 3000, "v")
print(posseg.lcut("华为麒麟发表演讲，麒麟发表"), jieba.get_FREQ("演讲"), jieba.dt.total)
print("get_DAG" in vars(jieba.dt), jieba.get_DAG("发表演讲"))
"""


def test_posseg_shards_keep_user_words(tmp_path):
    _run(POSSEG_SCRIPT, tmp_path)
    reference = _run(ADD_WORD.format(load="jieba.dt.initialize(); import logging; jieba.setLogLevel(logging.WARNING)"),
                     tmp_path / "unused")
    assert "pair('演讲', 'nz')" in reference and "麒麟发表" in reference
    assert _run(ADD_WORD.format(load="load_jieba()"), tmp_path) == reference


def _header_end(content: bytes) -> int:
    from graphkit.extract.jieba_shards import MAGIC

    return len(MAGIC) + 8 + int.from_bytes(content[len(MAGIC):len(MAGIC) + 8], "little")


@pytest.mark.parametrize("damage", [
    lambda good: good[:len(good) // 2],                                             # truncated
    lambda good: good[:40] + b"\xff" * (len(good) - 40),                            # header garbage
    lambda good: good[:_header_end(good)] + b"\0" * (len(good) - _header_end(good)),  # units unreadable
    lambda good: good[:_header_end(good)] + b"N" * (len(good) - _header_end(good)),   # units are None
], ids=["truncated", "header", "units", "not-units"])
def test_damaged_shards_fall_back_to_jiebas_own_tables_and_are_rewritten(tmp_path, damage):
    sizes = "print(len(jieba.dt.FREQ), len(posseg.dt.word_tag_tab))\n"
    reference = _run(POSSEG_REFERENCE + sizes, tmp_path / "unused")
    _run(POSSEG_SCRIPT, tmp_path)
    [shard_file] = _shard_files(tmp_path)
    good = shard_file.read_bytes()
    shard_file.write_bytes(damage(good))
    assert _run(POSSEG_SCRIPT + sizes, tmp_path) == reference
    assert reference.endswith("498113 349045\n")
    assert shard_file.read_bytes() == good


def test_posseg_folder_others_can_write_is_never_used(tmp_path):
    folder = tmp_path / "graphkit"
    folder.mkdir()
    folder.chmod(0o777)
    reference = _run(POSSEG_REFERENCE, tmp_path / "unused")
    assert _run(POSSEG_SCRIPT, tmp_path) == reference
    assert _shard_files(tmp_path) == []
