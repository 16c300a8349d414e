"""`--executor dask`: run the per-article stage on a Dask distributed cluster.

In: the rules, `--jobs` and an optional scheduler address. With an address
(`tcp://HOST:PORT`) the build is a client of that cluster; without one it
starts a LocalCluster of `--jobs` single-threaded worker processes and stops
it afterwards. Needs the `dask` extra (`pip install 'graphkit[dask]'`);
without it, or when the scheduler cannot be reached, it raises GraphkitError.

Workers need graphkit installed (same version) and must reach the articles:
a shared folder or an fsspec URL (`s3://...`). The rule files are sent to
each worker once by a WorkerPlugin and loaded there; Extractors are built in
the workers, never pickled (TRAPS.md, "Beyond one machine").
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from graphkit.errors import GraphkitError
from graphkit.rules import Rules

try:
    from distributed import Client, LocalCluster
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:                                  # pragma: no cover - exercised without the extra
    Client = LocalCluster = None
    WorkerPlugin = object

__all__ = ["DaskExecutor", "RulesPlugin"]

IN_FLIGHT_PER_THREAD = 4    # chunks submitted ahead per worker thread: bounds worker memory
CONNECT_TIMEOUT = "30s"     # to reach a remote scheduler


class RulesPlugin(WorkerPlugin):
    """Writes the rule files into a temporary folder on each worker, for `parallel.worker_rules`."""

    def __init__(self, digest: str, files: dict[str, bytes]):
        self.digest, self.files = digest, files
        self.folder: str | None = None

    def setup(self, worker) -> None:
        from graphkit import parallel

        folder = Path(tempfile.mkdtemp(prefix=f"graphkit-rules-{self.digest}-"))
        for rel, data in self.files.items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        self.folder = str(folder)
        parallel._RULES_DIRS[self.digest] = self.folder

    def teardown(self, worker) -> None:
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def rule_files(rules: Rules) -> dict[str, bytes]:
    """Every file of the rules folder, by relative path (what `load_rules` hashes is among them)."""
    root = Path(rules.directory)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class DaskExecutor:
    """Maps chunk functions over a Dask cluster; results come back in submission order."""

    def __init__(self, rules: Rules, jobs: int, scheduler: str | None = None):
        if Client is None:
            raise GraphkitError("--executor dask needs Dask: pip install 'graphkit[dask]'")
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            else:
                self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            if self.cluster is not None:
                self.cluster.close()
            where = scheduler or "a local cluster"
            raise GraphkitError(f"cannot reach the Dask scheduler at {where}: {exc}") from None
        try:
            self.client.register_plugin(RulesPlugin(rules.digest, rule_files(rules)),
                                        name=f"graphkit-rules-{rules.digest}")
            threads = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())
        except BaseException:
            self.close()
            raise
        self.workers = max(1, threads or jobs)

    def map(self, fn: Callable, jobs: Iterable, here: Callable | None = None) -> Iterator:
        """fn(job) for each job on the cluster, a bounded window of them at a time, in order.
        `here` (what the client would run for a job it took itself) is not used: the client
        takes none."""
        pending = iter(jobs)
        window: deque = deque()
        limit = self.workers * IN_FLIGHT_PER_THREAD
        for job in pending:
            window.append(self.client.submit(fn, job, pure=False))
            if len(window) >= limit:
                break
        while window:
            future = window.popleft()
            result = future.result()
            future.release()
            job = next(pending, None)
            if job is not None:
                window.append(self.client.submit(fn, job, pure=False))
            yield result

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
