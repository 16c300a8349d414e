"""The quality targets, measured by the reference scorer on the seed articles.

tests/reference/ holds a copy of ../shared/eval/score.py and the hand-checked
answers (gold-seeds/ for examples/articles, gold-dev/ for ten articles of the
openEuler news corpus), so this runs on a clean checkout.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from graphkit.pipeline import BuildOptions, run_build

REFERENCE = Path(__file__).parent / "reference"

ENTITY_TARGETS = {"ORG": 0.85, "PERSON": 0.85, "EVENT": 0.85, "VENUE": 0.85, "DATE": 0.85,
                  "VERSION": 0.85, "PRODUCT": 0.75}
RELATION_TARGETS = {"PARTICIPATED_IN": 0.85, "PRESENTED_AT": 0.85, "AFFILIATED_WITH": 0.80}


def _scorer():
    spec = importlib.util.spec_from_file_location("reference_score", REFERENCE / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def seed_score(tmp_path_factory, examples_dir):
    out = tmp_path_factory.mktemp("quality")
    run_build([examples_dir], out, BuildOptions(report=False))
    return _scorer().score(str(out / "graph.json"), str(REFERENCE / "gold-seeds"))


def test_quality_seed_totals(seed_score):
    assert seed_score["entities_all"]["f1"] >= 0.92
    assert seed_score["relations_all"]["f1"] >= 0.80


@pytest.mark.parametrize("type_, target", sorted(ENTITY_TARGETS.items()))
def test_quality_seed_entity_types(seed_score, type_, target):
    assert seed_score["entities"][type_]["f1"] >= target, seed_score["entities"][type_]


@pytest.mark.parametrize("type_, target", sorted(RELATION_TARGETS.items()))
def test_quality_seed_relation_types(seed_score, type_, target):
    assert seed_score["relations"][type_]["f1"] >= target, seed_score["relations"][type_]


def test_quality_seed_cross_language(seed_score):
    assert seed_score["cross_language"]["rate"] == 1.0


def test_quality_agrees_with_graphkit_eval(tmp_path, examples_dir):
    from graphkit.evaluate import score_graph

    run_build([examples_dir], tmp_path, BuildOptions(report=False))
    ours = score_graph(tmp_path / "graph.json", REFERENCE / "gold-seeds").as_dict()
    theirs = _scorer().score(str(tmp_path / "graph.json"), str(REFERENCE / "gold-seeds"))
    for key in ("entities", "entities_all", "relations", "relations_all", "cross_language", "articles"):
        assert ours[key] == theirs[key], key
