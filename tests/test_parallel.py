"""--jobs and the executors: the graph does not depend on how extraction was spread out."""
from __future__ import annotations

import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from graphkit import parallel
from graphkit.cli import main
from graphkit.export import write_json
from graphkit.pipeline import BuildOptions, run_build

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
NEWS = ROOT.parent / "shared" / "corpus" / "openeuler-news"


def graph_bytes(inputs, tmp_path: Path, name: str, **options) -> bytes:
    result = run_build(inputs, None, BuildOptions(**options))
    write_json(result.graph, tmp_path / f"{name}.json")
    return (tmp_path / f"{name}.json").read_bytes()


@pytest.fixture
def always_pool(monkeypatch):
    """Use worker processes even for a handful of articles."""
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)


def test_parallel_jobs_2_graph_identical_examples(tmp_path, always_pool):
    serial = graph_bytes([EXAMPLES], tmp_path, "serial", jobs=1)
    assert parallel.STATS["extracted"] == 5
    pooled = graph_bytes([EXAMPLES], tmp_path, "pooled", jobs=2)
    assert parallel.STATS["extracted"] == 5
    assert pooled == serial


@pytest.mark.skipif(not NEWS.is_dir(), reason="needs the shared openeuler-news corpus")
def test_parallel_jobs_2_graph_identical_openeuler_news(tmp_path):
    serial = graph_bytes([NEWS], tmp_path, "serial", jobs=1)
    pooled = graph_bytes([NEWS], tmp_path, "pooled", jobs=2)
    assert parallel.STATS["extracted"] > parallel.SERIAL_BELOW, "the pool must have been used"
    assert pooled == serial


def test_parallel_records_in_listing_order_with_a_bad_file(tmp_path, always_pool):
    src = tmp_path / "in"
    shutil.copytree(EXAMPLES, src)
    (src / "002_broken.txt").write_bytes(b"\x00\x01binary\x00" * 50)
    serial = run_build([src], None, BuildOptions(jobs=1))
    pooled = run_build([src], None, BuildOptions(jobs=3))
    assert [r.id for r in pooled.records] == [r.id for r in serial.records]
    assert pooled.records == serial.records
    bad = [r for r in pooled.records if r.error]
    assert [r.id for r in bad] == ["002_broken.txt"] and bad[0].error.startswith("binary file")
    assert parallel.STATS["errors"] == 1 and parallel.STATS["extracted"] == 5


def test_parallel_file_url_input_same_graph(tmp_path):
    pytest.importorskip("fsspec")
    local = graph_bytes([EXAMPLES], tmp_path, "local", jobs=1)
    url = graph_bytes([EXAMPLES.as_uri()], tmp_path, "url", jobs=1)
    assert url == local


def test_parallel_list_url_articles_matches_local_listing(tmp_path):
    pytest.importorskip("fsspec")
    src = tmp_path / "news"
    (src / "zh").mkdir(parents=True)
    (src / ".hidden").mkdir()
    for rel in ("zh/b.md", "a.MD", "notes.json", ".hidden/c.md", "zh/.d.md"):
        (src / rel).write_text("# t\n\nbody\n", encoding="utf-8")
    tasks = parallel.list_url_articles(src.as_uri())
    assert [aid for _, _, aid in tasks] == ["a.MD", "zh/b.md"]
    assert all(path.startswith("file://") for path, _, _ in tasks)
    with pytest.raises(Exception, match="no such file or folder"):
        parallel.list_url_articles((tmp_path / "missing").as_uri())


@pytest.mark.parametrize("items, workers", [(list(range(1)), 2), (list(range(100)), 2), (list(range(10_000)), 8)])
def test_parallel_chunks_cover_items_in_order(items, workers):
    chunks = parallel._chunks(items, workers)
    assert [i for chunk in chunks for i in chunk] == items
    assert max(len(c) for c in chunks) <= parallel.MAX_CHUNK


@pytest.mark.parametrize("argv, message", [
    (["--jobs", "0"], "--jobs"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--executor dask"),
    (["--executor", "spark"], "invalid choice"),
    (["--cache", "x.sqlite", "--no-cache"], "not allowed with"),
])
def test_parallel_cli_usage_errors_exit_2(tmp_path, capsys, argv, message):
    try:
        status = main(["build", str(EXAMPLES), "--out", str(tmp_path / "out"), *argv])
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    assert message in capsys.readouterr().err


def test_parallel_cli_jobs_2_matches_jobs_1(tmp_path, always_pool):
    for jobs in ("1", "2"):
        assert main(["build", str(EXAMPLES), "--out", str(tmp_path / jobs), "--jobs", jobs,
                     "--no-report", "--quiet", "--no-cache"]) == 0
    assert (tmp_path / "1" / "graph.json").read_bytes() == (tmp_path / "2" / "graph.json").read_bytes()
    assert not (tmp_path / "1" / "graph.cache.sqlite").exists()


def _tables_already_loaded(_):
    """In a worker, before any article: were the parent's tables inherited?"""
    import sys

    import jieba

    from graphkit import clean, pipeline
    from graphkit.extract import jieba_shards

    # jieba's tables are whole, or fill from graphkit's shard file as sentences need them.
    tags = len(sys.modules["jieba.posseg"].dt.word_tag_tab) > 300_000 or jieba_shards.active is not None
    return (jieba.dt.initialized, tags,
            clean._candidate_re is not None, "pypinyin" in sys.modules, bool(pipeline._EXTRACTOR))


def _slow_here(_):
    """The build process's share, slow enough that the worker takes the other jobs."""
    import time

    time.sleep(1.0)
    return "here"


def _worker_results(fn, jobs: int = 4) -> list:
    """fn's results from the forked worker of a --jobs 2 pool (this process takes one job)."""
    from graphkit.rules import load_rules

    pool = parallel._Pool(2, load_rules())
    try:
        seen = list(pool.map(fn, range(jobs), here=_slow_here))
    finally:
        pool.close()
    assert len(seen) == jobs and seen.count("here") == 1
    return [s for s in seen if s != "here"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork start method only")
def test_parallel_forked_workers_inherit_loaded_tables():
    assert _worker_results(_tables_already_loaded) == [(True, True, True, True, True)] * 3


def _gc_state(_):
    import gc

    return gc.isenabled(), gc.get_threshold()


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_gc_off_only_while_extracting(jobs, always_pool):
    """Old results are not scanned again and again by the GC; workers and the caller keep it as it was."""
    import gc

    from graphkit.rules import load_rules

    before = gc.isenabled(), gc.get_threshold()
    assert before[0], "pytest runs with the GC on"
    tasks = [(path, EXAMPLES, path.name) for path in sorted(EXAMPLES.iterdir())]
    seen_inside = []
    for _ in parallel.run_tasks(tasks, load_rules(), BuildOptions(jobs=jobs), Counter()):
        seen_inside.append(gc.isenabled())
    assert (gc.isenabled(), gc.get_threshold()) == before
    assert seen_inside and not any(seen_inside)
    parallel._no_collections()                  # as run_tasks does, then it forks workers
    try:
        assert _worker_results(_gc_state) == [before] * 3
    finally:
        gc.enable()


def _pid_of(job):
    import os
    import time

    time.sleep(0.05)        # 2 s in all: time enough for the worker to start and take some
    return job, os.getpid()


def _fail_on_3(job):
    if job == 3:
        raise ValueError("job 3 is bad")
    return job


def _die_on_2(job):
    import os

    if job == 2:
        os._exit(7)
    return job


def test_parallel_pool_results_in_job_order_from_both_processes():
    import os

    from graphkit.rules import load_rules

    pool = parallel._Pool(2, load_rules())
    try:
        seen = list(pool.map(_pid_of, range(40)))
    finally:
        pool.close()
    assert [job for job, _ in seen] == list(range(40))
    pids = {pid for _, pid in seen}
    assert os.getpid() in pids and len(pids) == 2, "this process and the worker both take jobs"


@pytest.mark.parametrize("fn, error", [(_fail_on_3, "job 3 is bad"), (_die_on_2, "exit code 7")])
def test_parallel_pool_worker_failure_is_raised_not_hung(fn, error):
    from graphkit.rules import load_rules

    pool = parallel._Pool(2, load_rules())
    with pytest.raises(Exception, match=error):
        list(pool.map(fn, range(8), here=_slow_here))
    pool.terminate()
    assert not pool.processes


def test_build_gc_off_while_extracting_then_as_before(monkeypatch):
    """run_build: no collections while articles are extracted; afterwards the GC is on again and
    nothing stays frozen (pipeline._settled_heap)."""
    import gc

    from graphkit import pipeline

    seen = []
    extract = pipeline.process_article

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return extract(*args, **kwargs)

    monkeypatch.setattr(pipeline, "process_article", spy)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    result = run_build([EXAMPLES], None, BuildOptions(jobs=1))
    assert result.graph.number_of_nodes() > 0
    assert seen and not any(seen)
    assert gc.isenabled() and gc.get_freeze_count() == 0
