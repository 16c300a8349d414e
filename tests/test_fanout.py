"""Writers side by side in forked processes: same files, errors brought back, nothing half-written."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphkit.errors import OutputError
from graphkit.export.fanout import balance, can_fork, run_groups
from graphkit.pipeline import BuildOptions, run_build

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
needs_fork = pytest.mark.skipif(not can_fork(), reason="writers run in forks on Linux only")


def test_balance_spreads_cost_and_keeps_order():
    writers = [(1.0, ("a", None)), (0.5, ("b", None)), (0.4, ("c", None)), (0.2, ("d", None))]
    groups = balance(writers, 2)
    names = [[name for name, _ in g] for g in groups]
    assert sorted(sum(names, [])) == ["a", "b", "c", "d"]
    assert names == [["a"], ["b", "c", "d"]]
    assert balance(writers, 1) == [[w for _, w in writers]]


def test_write_costs_follow_the_corpus_size():
    """The report and graph.json grow with the evidence, the tables and the page with the
    nodes: at 10,000 articles the report goes with graph.json, at 1,000 with the page."""
    from graphkit.pipeline import _WRITE_COSTS, _write_cost

    for name, (at_1k, at_10k) in _WRITE_COSTS.items():
        assert _write_cost(name, 1000) == pytest.approx(at_1k)
        assert _write_cost(name, 10000) == pytest.approx(at_10k)
        assert _write_cost(name, 0) > 0

    def split(articles):
        writers = [(_write_cost(name, articles), (name, None)) for name in ("tables", "html", "records",
                                                                             "report", "json")]
        return [{name for name, _ in group} for group in balance(writers, 2)]

    assert {"report", "html"} in split(1000)
    assert {"report", "json"} in split(10000)


@needs_fork
def test_children_write_their_files(tmp_path):
    def writer(name):
        return name, lambda: (tmp_path / name).write_text(f"{name} from {os.getpid()}")

    run_groups([[writer("a")], [writer("b")], [writer("c")]])
    pids = {p.read_text().split(" from ")[1] for p in tmp_path.iterdir()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]
    assert str(os.getpid()) in pids and len(pids) == 3      # two of them were written by children


@needs_fork
def test_error_in_a_child_is_raised_here(tmp_path):
    def fail():
        raise OutputError(f"{tmp_path}/graph.html: cannot write: disk full")

    done = []
    with pytest.raises(OutputError, match="disk full"):
        run_groups([[("first", lambda: done.append(1))], [("graph.html", fail)]])
    assert done == [1]


@needs_fork
def test_child_that_dies_is_reported(tmp_path):
    with pytest.raises(OutputError, match="graph.gexf.*status 3"):
        run_groups([[("first", lambda: None)], [("graph.gexf", lambda: os._exit(3))]])


@needs_fork
def test_build_with_two_jobs_writes_the_same_bytes(tmp_path):
    one = run_build([EXAMPLES], tmp_path / "one", BuildOptions(jobs=1))
    two = run_build([EXAMPLES], tmp_path / "two", BuildOptions(jobs=2))
    assert sorted(one.files) == sorted(two.files)
    files = [p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*")
             if p.is_file() and not p.name.startswith(".") and "cache" not in p.name]
    assert len(files) >= 12
    for rel in files:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel
