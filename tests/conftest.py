"""The only conftest: shared fixtures (rules, extractor, paths) and the --update-expected flag."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser):
    parser.addoption("--update-expected", action="store_true", help="rewrite end-to-end goldens")


@pytest.fixture(scope="session")
def rules():
    from graphkit.rules import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def extractor(rules):
    from graphkit.extract import Extractor

    return Extractor(rules)


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def out_dir(tmp_path) -> Path:
    return tmp_path / "out"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `graphkit ARGV...` through the real entry point; (exit code, stdout, stderr)."""
    from graphkit.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
