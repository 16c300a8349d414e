"""graphkit's Viterbi for jieba.posseg gives jieba's own routes, and is what posseg uses."""
from __future__ import annotations

import importlib
import random

import pytest

from graphkit.extract.context import _posseg
from graphkit.extract.posseg_viterbi import _Remembered, install, viterbi

JIEBA_VITERBI = importlib.import_module("jieba.posseg.viterbi").viterbi


@pytest.fixture(scope="module")
def posseg():
    return _posseg()


def _tables(posseg):
    return posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P


def test_posseg_viterbi_same_route_as_jieba(posseg):
    rnd = random.Random(7)
    names = "熊伟胡欣蔚江大勇何若轻徐国栋张李王刘陈杨赵黄周吴的了是在有这中大来上个国到说们为和地出龙芯麒麟统信鲲鹏欧拉"
    samples = ["".join(rnd.choice(names) for _ in range(rnd.randint(1, 8))) for _ in range(400)]
    samples += ["".join(chr(rnd.randint(0x4E00, 0x9FFF)) for _ in range(rnd.randint(1, 8))) for _ in range(400)]
    samples += ["ab", "x", "2024年", "蔚"]
    tables = _tables(posseg)
    for s in samples:
        assert viterbi(s, *tables) == JIEBA_VITERBI(s, *tables), s


def test_posseg_viterbi_installed_once_and_tags_unchanged(posseg):
    installed = posseg.viterbi
    assert isinstance(installed, _Remembered)
    install(posseg)                         # a second time changes nothing
    assert posseg.viterbi is installed
    fast = posseg.lcut("何若轻老师和江大勇主席")
    posseg.viterbi = JIEBA_VITERBI
    try:
        assert posseg.lcut("何若轻老师和江大勇主席") == fast
    finally:
        posseg.viterbi = installed
    assert posseg.lcut("何若轻老师和江大勇主席") == fast     # from the remembered routes now


def test_posseg_viterbi_remembered_routes_are_fresh_lists(posseg):
    tables = _tables(posseg)
    remembered = _Remembered(tables)
    first = remembered("江大勇", *tables)
    first[1][0] = "changed by a caller"
    assert remembered("江大勇", *tables) == JIEBA_VITERBI("江大勇", *tables)
    assert remembered.routes
    # other tables are not jieba's: computed, not remembered
    other = dict(tables[1])
    assert remembered("熊伟", tables[0], other, tables[2], tables[3]) == JIEBA_VITERBI("熊伟", tables[0], other, tables[2], tables[3])
    assert "熊伟" not in remembered.routes


def test_posseg_viterbi_leaves_a_foreign_function_alone(posseg):
    installed = posseg.viterbi

    def other(*args):
        return JIEBA_VITERBI(*args)

    posseg.viterbi = other
    try:
        install(posseg)
        assert posseg.viterbi is other
    finally:
        posseg.viterbi = installed
