"""The fuzzer (tests/fuzz/fuzz_articles.py) over 200 mutated articles finds no crash.

A fixed seed, so a failure reproduces: run the script with the same --seed
and --inputs and --crash-dir to get the input files.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent / "fuzz" / "fuzz_articles.py"


def _fuzzer():
    spec = importlib.util.spec_from_file_location("fuzz_articles", FUZZ)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_robust_fuzz_200_inputs_no_crash(tmp_path):
    fuzz = _fuzzer()
    stats = fuzz.run_fuzz(200, seed=6, crash_dir=tmp_path / "crashes", timeout=300, html_every=10)
    assert stats.inputs == 200
    assert stats.batches > 5, "enough inputs got through to resolve and write"
    assert stats.refused < 100, stats.summary()
    assert stats.crashes == [], "\n".join(
        f"input {c.input} ({'; '.join(c.mutations)}): {c.error} at {c.where} -> {c.saved}"
        for c in stats.crashes)
