"""--executor dask: a LocalCluster of two worker processes gives the serial graph, byte for byte."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="needs the dask extra (the test extra installs it)")

from graphkit import parallel  # noqa: E402
from graphkit.errors import GraphkitError  # noqa: E402
from graphkit.export import write_json  # noqa: E402
from graphkit.pipeline import BuildOptions, run_build  # noqa: E402
from graphkit.rules import DEFAULT_RULES_DIR  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"


def graph_bytes(inputs, path: Path, **options) -> bytes:
    result = run_build(inputs, None, BuildOptions(**options))
    write_json(result.graph, path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def scheduler():
    """One LocalCluster (two single-threaded worker processes) for the module's tests."""
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


def test_dask_local_cluster_graph_equals_serial(tmp_path):
    serial = graph_bytes([EXAMPLES], tmp_path / "serial.json", jobs=1)
    dask = graph_bytes([EXAMPLES], tmp_path / "dask.json", jobs=2, executor="dask")
    assert parallel.STATS["extracted"] == 5
    assert dask == serial


def test_dask_scheduler_address_with_urls_rules_and_cache(tmp_path, scheduler):
    """Workers read file:// URLs themselves, load rules sent to them, and the client caches."""
    pytest.importorskip("fsspec")
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    serial = graph_bytes([EXAMPLES], tmp_path / "serial.json", jobs=1, rules_dir=str(rules))
    options = dict(executor="dask", scheduler=scheduler, rules_dir=str(rules), cache=str(tmp_path / "c.sqlite"))
    first = graph_bytes([EXAMPLES.as_uri()], tmp_path / "first.json", **options)
    assert (parallel.STATS["extracted"], parallel.STATS["cached"]) == (5, 0)
    second = graph_bytes([EXAMPLES.as_uri()], tmp_path / "second.json", **options)
    assert (parallel.STATS["extracted"], parallel.STATS["cached"]) == (0, 5)
    assert first == second == serial


def test_dask_bad_file_is_a_record_not_a_crash(tmp_path, scheduler):
    src = tmp_path / "in"
    shutil.copytree(EXAMPLES, src)
    (src / "bad.md").write_bytes(b"---\ntitle: [unclosed\n---\nbody\n")
    serial = run_build([src], None, BuildOptions(jobs=1))
    dask = run_build([src], None, BuildOptions(executor="dask", scheduler=scheduler))
    assert dask.records == serial.records
    assert any(r.error for r in dask.records)


def test_dask_unreachable_scheduler_is_a_graphkit_error(monkeypatch):
    from graphkit import dask_executor

    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", "2s")
    with pytest.raises(GraphkitError, match="cannot reach the Dask scheduler"):
        run_build([EXAMPLES], None, BuildOptions(executor="dask", scheduler="tcp://127.0.0.1:9"))
