"""pypinyin with its tables from graphkit's shard file: the same romanisation as pypinyin's own
for every string, safe fallbacks."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from graphkit.pinyin_shards import MAGIC, PHRASES, READINGS, LazyPrefixes, LazyTable, open_shards, save_shards
from cache_subprocess import cache_files, run_with_cache as _run

ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = Path("/work/shared/corpus")     # more real articles, where they are
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
POLYPHONIC = ["重庆", "银行", "长安", "曾经", "行长", "重庆银行行长曾经在长安", "长大", "还是", "音乐", "快乐",
              "熊伟", "单于", "尉迟", "朝阳", "调查", "开放原子开发者大会", "〇", "𠀀", "豈", "㐀"]


def _shard_files(cache_home):
    return cache_files(cache_home, "pinyin-shards-*.shards")


def _strings() -> list[str]:
    """Every CJK run of the articles, rules and tests (and the shared corpus), and random mixes
    of them with Latin, digits, punctuation and polyphonic phrases."""
    runs: set[str] = set()
    for folder in (ROOT / "examples", ROOT / "rules", ROOT / "tests", SHARED_CORPUS):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.suffix in (".md", ".txt", ".yaml", ".json") and path.is_file():
                runs.update(_CJK_RUN.findall(path.read_text(encoding="utf-8", errors="replace")))
    runs = sorted(runs)
    rng = random.Random(11)
    pieces = runs[:2000] + POLYPHONIC + ["Xiong Wei", "2024", "v4.0", "，", "·", "-", " ", "ＡＢＣ", "é", "!"]
    mixes = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(1500)]
    return runs + POLYPHONIC + mixes + ["", "abc", "中", "中文"]


# Every way graphkit and others call pypinyin, then the tables changed by a caller.
CALLS = """
import json, sys
strings = json.load(sys.stdin)
pypinyin = {importer}
from pypinyin import Style, lazy_pinyin, pinyin
out = [lazy_pinyin(s) for s in strings]
out += [pinyin(s, style=Style.TONE3, heteronym=True) for s in strings[::7]]
out.append(lazy_pinyin(["重庆", "银行", "abc"]))
pypinyin.load_phrases_dict({{"银行": [["yín"], ["xíng"]], "熊伟伟": [["xióng"], ["wěi"], ["wei"]]}})
pypinyin.load_single_dict({{ord("熊"): "xiōng"}})
out += [lazy_pinyin(s) for s in ("重庆银行", "熊伟伟", "熊伟", "银行长")]
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
out.append([len(PHRASES_DICT), len(PINYIN_DICT), sorted(PHRASES_DICT)[:3]])
json.dump(out, sys.stdout, ensure_ascii=False)
"""
PLAIN = CALLS.format(importer="__import__('pypinyin')")
GRAPHKIT = CALLS.format(importer="__import__('graphkit.pinyin_tables').pinyin_tables.import_pypinyin()")

WHICH_TABLES = """
import sys
from graphkit.pinyin_tables import import_pypinyin
from graphkit.pinyin_shards import LazyTable
import_pypinyin().lazy_pinyin("重庆银行")
from pypinyin import constants
from pypinyin.seg import mmseg
lazy = isinstance(constants.PHRASES_DICT, LazyTable)
print(lazy, lazy and dict.__len__(constants.PHRASES_DICT) < 100, type(mmseg.p_set._set).__name__)
"""


@pytest.fixture(scope="module")
def strings_and_reference(tmp_path_factory):
    strings = _strings()
    stdin = json.dumps(strings, ensure_ascii=False)
    return stdin, _run(PLAIN, tmp_path_factory.mktemp("unused"), stdin)


@pytest.fixture(scope="module")
def some_strings_and_reference(tmp_path_factory):
    stdin = json.dumps(_strings()[::10], ensure_ascii=False)
    return stdin, _run(PLAIN, tmp_path_factory.mktemp("unused"), stdin)


def test_pinyin_tables_same_romanisation_as_pypinyin(tmp_path, strings_and_reference):
    stdin, reference = strings_and_reference
    assert len(json.loads(stdin)) > 3000
    assert _run(GRAPHKIT, tmp_path, stdin) == reference     # pypinyin's own load, the file written
    [shard_file] = _shard_files(tmp_path)
    assert oct(shard_file.parent.stat().st_mode & 0o777) == "0o700"
    stamp = shard_file.stat().st_mtime_ns
    assert _run(WHICH_TABLES, tmp_path) == "True True LazyPrefixes\n"
    assert _run(GRAPHKIT, tmp_path, stdin) == reference     # read in parts from the file
    assert shard_file.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("damage", ["foreign", "truncated", "units"])
def test_pinyin_tables_damaged_file_is_replaced(tmp_path, damage, some_strings_and_reference):
    stdin, reference = some_strings_and_reference
    _run(WHICH_TABLES, tmp_path)
    [shard_file] = _shard_files(tmp_path)
    content = shard_file.read_bytes()
    if damage == "foreign":
        content = b"not graphkit's" + content
    elif damage == "truncated":
        content = content[:len(content) // 2]
    else:       # header and indexes intact, the phrases garbage: found only when a unit is read
        data_start = len(MAGIC) + 8 + int.from_bytes(content[len(MAGIC):len(MAGIC) + 8], "little")
        content = content[:data_start] + bytes(2_000_000) + content[data_start + 2_000_000:]
    shard_file.write_bytes(content)
    assert _run(GRAPHKIT, tmp_path, stdin) == reference
    assert shard_file.read_bytes() != content
    assert _run(WHICH_TABLES, tmp_path) == "True True LazyPrefixes\n"


def test_pinyin_tables_without_pypinyin_raise_as_before(tmp_path):
    script = """
import sys
class NoPypinyin:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "pypinyin":
            raise ModuleNotFoundError("No module named 'pypinyin'", name="pypinyin")
sys.meta_path.insert(0, NoPypinyin())
from graphkit import slug
print(slug.slugify("Xiong Wei"))
try:
    slug.slugify("熊伟")
except ModuleNotFoundError as exc:
    print(exc.name, [name for name in sys.modules if name.startswith("pypinyin")])
"""
    assert _run(script, tmp_path) == "xiong-wei\npypinyin []\n"
    assert _shard_files(tmp_path) == []


# In-process: the lazy stand-ins over a small shard file.

SMALL_PHRASES = {"重庆": [["chóng"], ["qìng"]], "重庆市": [["chóng"], ["qìng"], ["shì"]],
                 "银行": [["yín"], ["háng"]], "行长": [["háng"], ["zhǎng"]]}
SMALL_READINGS = {ord("重"): "zhòng,chóng", ord("庆"): "qìng", ord("行"): "xíng,háng", 0x20000: "hē"}


@pytest.fixture
def shards(tmp_path):
    path = tmp_path / "small.shards"
    save_shards(path, SMALL_PHRASES, SMALL_READINGS)
    return open_shards(path, lambda: {PHRASES: dict(SMALL_PHRASES), READINGS: dict(SMALL_READINGS)})


def test_pinyin_shards_table_loads_only_the_units_looked_up(shards):
    phrases, readings = LazyTable(shards, PHRASES), LazyTable(shards, READINGS)
    assert len(phrases) == 4 and bool(phrases) and dict.__len__(phrases) == 0
    assert "重庆" in phrases and "重" not in phrases and "重庆市" in phrases and "重庆银行" not in phrases
    assert dict.__len__(phrases) == 2           # the 重庆 unit only
    assert phrases["银行"] == [["yín"], ["háng"]] and phrases.get("行长") == [["háng"], ["zhǎng"]]
    assert readings[ord("行")] == "xíng,háng" and ord("中") not in readings and 0x20000 in readings
    assert readings.get(float(ord("庆"))) == "qìng"      # equal to a key: everything loaded
    assert readings.whole and dict(readings) == SMALL_READINGS


def test_pinyin_shards_table_changes_keep_what_the_caller_put(shards):
    phrases = LazyTable(shards, PHRASES)
    twin = phrases.copy()
    assert isinstance(twin, LazyTable) and twin is not phrases
    phrases.update({"银行": [["yín"], ["xíng"]]})
    assert phrases["银行"] == [["yín"], ["xíng"]] and len(phrases) == 4 and phrases.whole
    assert sorted(phrases) == sorted(SMALL_PHRASES) and twin["银行"] == [["yín"], ["háng"]]
    assert type(phrases.copy()) is dict


def test_pinyin_shards_prefixes_are_every_phrase_prefix_and_trained_words(shards):
    prefixes = LazyPrefixes(shards, {"中文"})
    expected = {word[:end] for word in SMALL_PHRASES for end in range(1, len(word) + 1)} | {"中文"}
    probes = expected | {"中", "庆", "重市", "银行行", "", "长"}
    assert {probe for probe in probes if probe in prefixes} == expected
    assert set(prefixes) == expected and len(prefixes) == len(expected)      # iterating loads everything


def test_pinyin_shards_bad_unit_falls_back_to_pypinyins_tables(shards):
    shards.blocks_data = memoryview(bytes(len(shards.blocks_data)))     # every unit garbage
    phrases = LazyTable(shards, PHRASES)
    assert phrases["重庆市"] == SMALL_PHRASES["重庆市"] and "银行" in phrases and "中文" not in phrases
    assert shards.tables is not None and open_shards(shards.path, None) is not None     # written again
