"""The up-to-date check: a build of unchanged inputs into unchanged outputs does nothing.

Each test builds the bundled articles into OUT with the cache in OUT, as the
CLI does, changes one thing and looks at what the next build did:
`result.up_to_date`, and `parallel.STATS` (extracted, from cache).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graphkit import parallel
from graphkit.cache import CACHE_NAME
from graphkit.cli import main
from graphkit.errors import ArticleError, OutputError
from graphkit.pipeline import BuildOptions, run_build
from graphkit.rules import DEFAULT_RULES_DIR
from graphkit.stamp import STAMP_NAME

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
BAD = ROOT / "tests" / "data" / "bad"


@pytest.fixture
def corpus(tmp_path) -> Path:
    src = tmp_path / "in"
    shutil.copytree(EXAMPLES, src)
    return src


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out"


def build(corpus: Path, out: Path, **options):
    options.setdefault("cache", str(out / CACHE_NAME))
    return run_build([corpus], out, BuildOptions(jobs=1, **options))


def counts() -> tuple[int, int]:
    return parallel.STATS["extracted"], parallel.STATS["cached"]


def signatures(out: Path) -> dict[str, tuple[int, int, int]]:
    """(size, mtime_ns, inode) of every output: any rewrite changes the inode."""
    return {p.relative_to(out).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns, p.stat().st_ino)
            for p in out.rglob("*") if p.is_file() and not p.name.startswith((".", CACHE_NAME))}


def test_stamp_unchanged_corpus_builds_nothing(corpus, out):
    first = build(corpus, out)
    assert not first.up_to_date and counts() == (5, 0)
    before = signatures(out)
    second = build(corpus, out)
    assert second.up_to_date
    assert counts() == (0, 0), "nothing extracted, nothing even read from the cache"
    assert signatures(out) == before, "no output rewritten"
    assert second.records == first.records
    assert second.type_counts() == first.type_counts()
    assert sorted(second.files) == sorted(set(first.files) | {"neo4j/nodes.csv", "neo4j/edges.csv"})


def test_stamp_up_to_date_build_imports_no_extractor_nor_networkx(corpus, out):
    # The whole point of the check is speed: a fresh process that finds the outputs up to
    # date loads neither networkx nor the extractors (jieba, rules compiled to automata).
    build(corpus, out)
    code = ("import sys; from graphkit.pipeline import BuildOptions, run_build; "
            f"r = run_build([{str(corpus)!r}], {str(out)!r}, BuildOptions(jobs=1, cache={str(out / CACHE_NAME)!r})); "
            "print(r.up_to_date, sorted(m for m in ('networkx', 'graphkit.extract', 'graphkit.resolve', 'jieba') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split("\n")[0] == "True []", done.stdout + done.stderr


def test_stamp_up_to_date_result_reads_graph_and_candidates_lazily(corpus, out):
    first = build(corpus, out)
    second = build(corpus, out)
    assert second.up_to_date and second._graph is None, "graph.json is not read unless asked for"
    assert sorted(second.graph.nodes) == sorted(first.graph.nodes)
    assert second.graph.number_of_edges() == first.graph.number_of_edges()
    assert second.merge_candidates == tuple(tuple(c) for c in first.merge_candidates)


def test_stamp_edit_one_article_extracts_only_it(corpus, out):
    build(corpus, out)
    before = signatures(out)
    edited = sorted(corpus.iterdir())[2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n华为参加了本次大会。\n", encoding="utf-8")
    result = build(corpus, out)
    assert not result.up_to_date and counts() == (1, 4)
    assert signatures(out)["graph.json"] != before["graph.json"], "outputs rewritten"
    assert build(corpus, out).up_to_date


@pytest.mark.parametrize("change", ["add", "remove"])
def test_stamp_added_or_removed_file_rebuilds(corpus, out, change):
    build(corpus, out)
    first = sorted(corpus.iterdir())[0]
    if change == "add":
        shutil.copy(first, corpus / ("copy-" + first.name))
    else:
        first.unlink()
    result = build(corpus, out)
    assert not result.up_to_date
    assert counts() == ((1, 5) if change == "add" else (0, 4))


def test_stamp_rule_change_extracts_all(corpus, out, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    build(corpus, out, rules_dir=str(rules))
    assert build(corpus, out, rules_dir=str(rules)).up_to_date
    some_rule = sorted(rules.rglob("*.yaml"))[0]
    some_rule.write_text(some_rule.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    result = build(corpus, out, rules_dir=str(rules))
    assert not result.up_to_date and counts() == (5, 0)


@pytest.mark.parametrize("name", ["report.md", "graph.json", "neo4j/nodes.csv"])
@pytest.mark.parametrize("how", ["delete", "edit"])
def test_stamp_changed_output_rebuilds(corpus, out, name, how):
    build(corpus, out)
    original = (out / name).read_bytes()
    if how == "delete":
        (out / name).unlink()
    else:
        (out / name).write_bytes(original + b"\n")
    result = build(corpus, out)
    assert not result.up_to_date and counts() == (0, 5)
    assert (out / name).read_bytes() == original


@pytest.mark.parametrize("changed", [{"min_confidence": 0.5}, {"report": False}])
def test_stamp_output_option_change_rebuilds(corpus, out, changed):
    build(corpus, out)
    assert not build(corpus, out, **changed).up_to_date
    assert counts() == (0, 5)
    assert build(corpus, out, **changed).up_to_date


@pytest.mark.parametrize("same", [{"jobs": 2}, {"progress": True}, {"strict": True}])
def test_stamp_options_that_do_not_change_outputs_keep_it(corpus, out, same):
    build(corpus, out)
    assert run_build([corpus], out, BuildOptions(cache=str(out / CACHE_NAME), **same)).up_to_date


def test_stamp_shared_cache_path_is_used(corpus, out, tmp_path):
    shared = tmp_path / "shared.sqlite"
    build(corpus, out, cache=str(shared))
    assert build(corpus, out, cache=str(shared)).up_to_date
    shared.unlink()
    result = build(corpus, out, cache=str(shared))
    assert not result.up_to_date and counts() == (5, 0), "a deleted cache is rebuilt, not left missing"


def test_stamp_force_rebuilds(corpus, out):
    build(corpus, out)
    result = build(corpus, out, force=True)
    assert not result.up_to_date and counts() == (0, 5)


def test_stamp_no_cache_always_builds_and_drops_the_stamp(corpus, out):
    build(corpus, out)
    assert (out / STAMP_NAME).exists()
    result = build(corpus, out, cache=None)
    assert not result.up_to_date and counts() == (5, 0)
    assert not (out / STAMP_NAME).exists(), "outputs rewritten without a stamp: none claims them fresh"
    assert not build(corpus, out).up_to_date


@pytest.mark.parametrize("damage", [
    lambda data: b"",
    lambda data: b"\x00\xff not json",
    lambda data: b"[1, 2]",
    lambda data: json.dumps(dict(json.loads(data), layout=999)).encode(),
    lambda data: json.dumps(dict(json.loads(data), records=[{"no such field": 1}])).encode(),
    lambda data: json.dumps(dict(json.loads(data), outputs={"graph.json": "x"})).encode(),
    lambda data: json.dumps(dict(json.loads(data), node_types=7)).encode(),
], ids=["empty", "binary", "list", "layout", "records", "outputs", "counts"])
def test_stamp_corrupt_stamp_rebuilds(corpus, out, damage):
    build(corpus, out)
    stamp = out / STAMP_NAME
    stamp.write_bytes(damage(stamp.read_bytes()))
    result = build(corpus, out)
    assert not result.up_to_date and counts() == (0, 5)
    assert build(corpus, out).up_to_date, "the rebuild wrote a good stamp"


def test_stamp_removed_before_outputs_are_rewritten(corpus, out, monkeypatch):
    """A build that dies while writing leaves no stamp claiming the outputs fresh."""
    import graphkit.pipeline as pipeline

    build(corpus, out)
    seen = []

    def failing_write(result, folder, options):
        seen.append((folder / STAMP_NAME).exists())
        raise OutputError(f"{folder}: disk full")

    monkeypatch.setattr(pipeline, "write_outputs", failing_write)
    with pytest.raises(OutputError):
        build(corpus, out, force=True)
    assert seen == [False] and not (out / STAMP_NAME).exists()
    monkeypatch.undo()
    assert not build(corpus, out).up_to_date, "same inputs and outputs, but no stamp: rebuilt"
    assert build(corpus, out).up_to_date


def test_stamp_strict_still_refuses_a_skipped_file(corpus, out):
    shutil.copy(BAD / "malformed-yaml.md", corpus)
    first = build(corpus, out)
    assert len(first.skipped) == 1
    with pytest.raises(ArticleError, match="malformed-yaml.md.*--strict: nothing written"):
        build(corpus, out, strict=True)
    assert build(corpus, out).up_to_date


def test_stamp_unreadable_file_reason_is_part_of_the_key(corpus, out):
    big = corpus / "big.md"
    big.write_bytes(b"x" * (11 * 2**20))
    first = build(corpus, out)
    assert "11.0 MiB" in next(r.error for r in first.skipped)
    big.write_bytes(b"x" * (12 * 2**20))
    second = build(corpus, out)
    assert not second.up_to_date, "the reason in errors.jsonl changed"
    assert "12.0 MiB" in next(r.error for r in second.skipped)


def _summary(err: str) -> list[str]:
    return [line for line in err.splitlines() if not line.startswith(("seconds:", "extracted:"))]


def test_stamp_cli_prints_the_same_summary_without_loading_the_graph(corpus, out, capsys, monkeypatch):
    shutil.copy(BAD / "malformed-yaml.md", corpus)
    args = ["build", str(corpus), "--out", str(out), "--jobs", "1"]
    assert main(args) == 0
    first = capsys.readouterr().err
    import graphkit.analysis.load as load

    def no_graph(*_):
        raise AssertionError("an up-to-date build read graph.json")

    monkeypatch.setattr(load, "load_graph", no_graph)
    assert main(args) == 0
    second = capsys.readouterr().err
    assert "extracted: 0  from cache: 0" in second
    assert f"{out}/ is up to date" in second and "written to" not in second
    assert _summary(second)[:-1] == _summary(first)[:-1]
    assert any(line.startswith("  skipped ") and "malformed-yaml.md" in line for line in _summary(second))
    monkeypatch.undo()
    assert main(args + ["--force"]) == 0
    assert "extracted: 0  from cache: 5" in capsys.readouterr().err
