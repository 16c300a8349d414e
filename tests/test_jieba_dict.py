"""jieba's prefix dictionary from graphkit's pickle: same segmentation, safe fallbacks."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest

SCRIPT = """
import jieba, logging
jieba.setLogLevel(logging.WARNING)
from graphkit.extract.jieba_dict import load_prefix_dictionary
load_prefix_dictionary(jieba)
print(jieba.dt.initialized, len(jieba.dt.FREQ), jieba.dt.total)
print("/".join(jieba.lcut("华为与麒麟软件在越南河内参加了开源峰会", HMM=False)))
"""

REFERENCE = """
import jieba, logging
jieba.setLogLevel(logging.WARNING)
jieba.dt.initialize()
print(jieba.dt.initialized, len(jieba.dt.FREQ), jieba.dt.total)
print("/".join(jieba.lcut("华为与麒麟软件在越南河内参加了开源峰会", HMM=False)))
"""


def _run(script: str, cache_home) -> str:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          check=True).stdout


def _pickles(cache_home, kind: str = "jieba"):
    folder = cache_home / "graphkit"
    return sorted(folder.glob(f"{kind}-*.pickle")) if folder.exists() else []


def test_pickle_is_written_then_read_with_jiebas_own_result(tmp_path):
    reference = _run(REFERENCE, tmp_path / "unused")
    first = _run(SCRIPT, tmp_path)
    assert first == reference
    [pickle_file] = _pickles(tmp_path)
    assert oct(pickle_file.parent.stat().st_mode & 0o777) == "0o700"
    stamp = pickle_file.stat().st_mtime_ns
    assert _run(SCRIPT, tmp_path) == reference            # read from the pickle
    assert pickle_file.stat().st_mtime_ns == stamp         # and not written again


def test_folder_others_can_write_is_never_used(tmp_path):
    folder = tmp_path / "graphkit"
    folder.mkdir()
    folder.chmod(0o777)
    reference = _run(REFERENCE, tmp_path / "unused")
    assert _run(SCRIPT, tmp_path) == reference
    assert _pickles(tmp_path) == []


POSSEG_SCRIPT = """
import sys
from graphkit.extract.context import _posseg
posseg = _posseg()
import jieba
print(jieba.dt.initialized, len(jieba.dt.FREQ), jieba.dt.total, len(posseg.dt.word_tag_tab))
print(" ".join(f"{w}/{f}" for w, f in posseg.lcut("华为与麒麟软件在越南河内参加了开源峰会，熊伟发表演讲")))
print("pkg_resources" in sys.modules)
"""

POSSEG_REFERENCE = """
import jieba, logging
jieba.setLogLevel(logging.WARNING)
import jieba.posseg as posseg
jieba.dt.initialize()
print(jieba.dt.initialized, len(jieba.dt.FREQ), jieba.dt.total, len(posseg.dt.word_tag_tab))
print(" ".join(f"{w}/{f}" for w, f in posseg.lcut("华为与麒麟软件在越南河内参加了开源峰会，熊伟发表演讲")))
print(False)
"""


def test_posseg_pickle_is_written_then_read_with_jiebas_own_tags(tmp_path):
    reference = _run(POSSEG_REFERENCE, tmp_path / "unused")
    assert _run(POSSEG_SCRIPT, tmp_path) == reference
    [pickle_file] = _pickles(tmp_path, "posseg")
    stamp = pickle_file.stat().st_mtime_ns
    assert _run(POSSEG_SCRIPT, tmp_path) == reference       # read from the pickle
    assert pickle_file.stat().st_mtime_ns == stamp


def test_posseg_tags_equal_jiebas_own_table(tmp_path):
    compare = """
import jieba
from graphkit.extract.context import _posseg
table = dict(_posseg().dt.word_tag_tab)
jieba.posseg.dt.load_word_tag(jieba.dt.get_dict_file())
print(table == jieba.posseg.dt.word_tag_tab, len(table))
"""
    _run(POSSEG_SCRIPT, tmp_path)
    assert _run(compare, tmp_path).startswith("True 349")     # read from the pickle


@pytest.mark.parametrize("kind, script, reference_script", [
    ("jieba", SCRIPT, REFERENCE), ("posseg", POSSEG_SCRIPT, POSSEG_REFERENCE)])
def test_corrupt_pickle_falls_back_and_is_rewritten(tmp_path, kind, script, reference_script):
    reference = _run(reference_script, tmp_path / "unused")
    _run(script, tmp_path)
    [pickle_file] = _pickles(tmp_path, kind)
    pickle_file.write_bytes(b"\x80\x05not a pickle")
    assert _run(script, tmp_path) == reference
    assert pickle_file.stat().st_size > 1_000_000


def test_posseg_pickle_of_the_wrong_shape_is_ignored(tmp_path):
    reference = _run(POSSEG_REFERENCE, tmp_path / "unused")
    _run(POSSEG_SCRIPT, tmp_path)
    [pickle_file] = _pickles(tmp_path, "posseg")
    pickle_file.write_bytes(pickle.dumps(({"华为": 1}, 1)))
    assert _run(POSSEG_SCRIPT, tmp_path) == reference


def test_posseg_folder_others_can_write_is_never_used(tmp_path):
    folder = tmp_path / "graphkit"
    folder.mkdir()
    folder.chmod(0o777)
    reference = _run(POSSEG_REFERENCE, tmp_path / "unused")
    assert _run(POSSEG_SCRIPT, tmp_path) == reference
    assert _pickles(tmp_path, "posseg") == []
