"""Run the per-article stage over many files: in this process, with forked workers or on Dask.

In: tasks `(path or URL, input folder, article id)` in input order, the rules
and the build options. Out: `(ArticleRecord, Extraction | None)` for every
task, in input order whatever the executor and `--jobs`, so `graph.json` does
not depend on them. The cache (cache.py) is read and written here, in the
parent process only; workers never see it. With `--jobs N` on one machine,
this process extracts too, alongside N-1 forked workers (`_Pool`).

Only paths, rule digests and plain dataclasses cross process boundaries. Each
worker builds its own Extractor on first use (`pipeline.get_extractor`):
jieba's dictionaries are process-global and a zh+jieba `nlp` loses them when
pickled (TRAPS.md, "spaCy and jieba"). Dask workers get the rule files once,
through a worker plugin, and load them themselves.

Inputs may be fsspec URLs (`s3://bucket/news/`, `file:///srv/news`): they are
listed with fsspec on the client and read by the workers.
"""
from __future__ import annotations

import gc
import math
import os
import pickle
import re
import signal
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from graphkit.cache import (cache_config, content_hash, dump_result, load_result, open_cache, pack_result,
                           unpack_result)
from graphkit.errors import ArticleError, GraphkitError
from graphkit.read import ARTICLE_SUFFIXES, read_file_bytes
from graphkit.rules import Rules, load_rules
from graphkit.types import ArticleRecord, Extraction

__all__ = ["STATS", "Task", "default_jobs", "is_url", "list_url_articles", "run_tasks"]

Task = tuple[Path | str, Path | str, str]          # (path or URL, input folder or URL, article id)
# (sha256 of the bytes, record, extraction), or for an extracted article from
# a worker (sha256, None, bytes): `dump_result` bytes when there is a cache (the
# worker packs and compresses, in parallel, what the parent would otherwise do
# for it), else `pack_result` bytes (nothing to store: not compressed).
Result = tuple[str | None, ArticleRecord | None, Extraction | bytes | None]

SERIAL_BELOW = 8        # fewer articles to extract than this: no worker processes
MAX_CHUNK = 32          # articles per task sent to a worker
CHUNKS_PER_WORKER = 4   # a chunk is at most 1/(4 * workers) of the articles left

# What the last `run_tasks` did: articles, extracted, cached, errors. Tests and
# the CLI summary read it; "extracted" counts calls of the extractor.
STATS: Counter = Counter()

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                  # macOS, Windows
        return os.cpu_count() or 1


def is_url(path: object) -> bool:
    return isinstance(path, str) and _URL.match(path) is not None


def _fsspec():
    try:
        import fsspec
    except ImportError:
        raise GraphkitError("reading URLs needs fsspec: pip install 'graphkit[dask]'") from None
    return fsspec


def list_url_articles(url: str) -> list[Task]:
    """The article files under an fsspec URL, sorted by article id, as `iter_article_files` does.

    Raises:
        GraphkitError: the URL names nothing.
    """
    fsspec = _fsspec()
    fs, root = fsspec.core.url_to_fs(url)
    root = root.rstrip("/")
    if fs.isdir(root):
        found = []
        for name in fs.find(root):
            rel = name[len(root):].lstrip("/")
            parts = rel.split("/")
            if any(p.startswith(".") for p in parts) or not rel.lower().endswith(ARTICLE_SUFFIXES):
                continue
            found.append((unicodedata.normalize("NFC", rel), fs.unstrip_protocol(name)))
        found.sort()
        return [(full, url, aid) for aid, full in found]
    if fs.isfile(root):
        return [(url, url, unicodedata.normalize("NFC", PurePosixPath(root).name))]
    raise GraphkitError(f"{url}: no such file or folder")


# ---------------------------------------------------------------------------
# Worker side: these run in worker processes (or here when serial)

_RULES: dict[str, Rules] = {}       # rules digest -> Rules
_RULES_DIRS: dict[str, str] = {}    # rules digest -> folder the Dask plugin wrote them to
_GC_WAS_ENABLED: bool | None = None   # what `_no_collections` found, for forked workers


def _init_pool(rules: Rules) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the pool, and
    # workers ignoring it do not print a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _RULES[rules.digest] = rules
    if _GC_WAS_ENABLED:
        gc.enable()


def worker_rules(digest: str) -> Rules:
    """The rules with this digest in this process, loaded once from where they were put."""
    rules = _RULES.get(digest)
    if rules is None:
        if digest not in _RULES_DIRS:
            raise RuntimeError(f"rules {digest} were not sent to this worker")
        rules = load_rules(_RULES_DIRS[digest])
        if rules.digest != digest:
            raise RuntimeError(f"rules in {_RULES_DIRS[digest]} have digest {rules.digest}, not {digest}")
        _RULES[digest] = rules
    return rules


def read_bytes(path: Path | str) -> bytes:
    """A local file (with `read_article`'s errors) or an fsspec URL."""
    if not is_url(path):
        return read_file_bytes(path)
    try:
        with _fsspec().open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise ArticleError(path, "file not found", stage="read") from None
    except PermissionError:
        raise ArticleError(path, "permission denied", stage="read") from None
    except (OSError, ValueError) as e:
        raise ArticleError(path, f"cannot read: {e}", stage="read") from None


def run_chunk(job: tuple[str, str | None, list[Task], bool, bool]) -> tuple[list[Result], Counter]:
    """Read, clean and extract a few articles.

    `job` is (rules digest, spaCy model, tasks, packed, hashed): with `packed`,
    extracted results come back as bytes; with `hashed` (there is a cache),
    each with the sha256 of its bytes (the cache's key; None without a cache)
    and as `dump_result` bytes, which the cache stores, else as `pack_result`'s.
    """
    from graphkit.pipeline import process_article

    digest, spacy_model, tasks, packed, hashed = job
    rules = worker_rules(digest)
    timings: Counter = Counter()
    out: list[Result] = []
    for path, root, aid in tasks:
        t0 = time.perf_counter()
        try:
            raw = read_bytes(path)
        except ArticleError as exc:
            out.append((None, ArticleRecord(aid, str(path), error=exc.reason, stage=exc.stage), None))
            continue
        timings["read"] += time.perf_counter() - t0
        record, extraction = process_article(path, root, rules, spacy_model, timings, raw=raw, aid=aid)
        sha = content_hash(raw) if hashed else None
        if packed and extraction is not None:
            out.append((sha, None, (dump_result if hashed else pack_result)(record, extraction)))
        else:
            out.append((sha, record, extraction))
    return out, timings


def run_chunk_here(job: tuple[str, str | None, list[Task], bool, bool]) -> tuple[list[Result], Counter]:
    """`run_chunk` for a chunk the build process takes itself: no pipe, so nothing to pack."""
    digest, spacy_model, tasks, _, hashed = job
    return run_chunk((digest, spacy_model, tasks, False, hashed))


def hash_chunk(tasks: list[Task]) -> list[str | None]:
    """sha256 of each article's bytes (None if unreadable): the cache key of URLs, read where they live."""
    out: list[str | None] = []
    for path, _, _ in tasks:
        try:
            out.append(content_hash(read_bytes(path)))
        except ArticleError:
            out.append(None)
    return out


# ---------------------------------------------------------------------------
# Executors: map a function over jobs, results in job order

class _Serial:
    workers = 1

    def map(self, fn: Callable, jobs: Iterable, here: Callable | None = None) -> Iterator:
        return map(here or fn, jobs)

    def close(self) -> None:
        pass


class _Pool:
    """`--jobs N` here: this process and N-1 forked workers take chunks in turn.

    Each process takes the next chunk from a shared counter when it is free,
    so the last chunks end within one chunk of each other. This process
    extracts too instead of waiting: its chunks cost no packing and unpacking
    (~0.7 CPU-ms an article through a pipe), and on two cores one forked
    worker is one process fewer to start. The workers' results arrive
    through a queue, in any order; `map` yields them in job order.
    """

    def __init__(self, workers: int, rules: Rules, spacy_model: str | None = None):
        import multiprocessing

        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self.workers = workers
        self.rules = rules
        self.context = multiprocessing.get_context(method)
        if method == "fork":
            _load_before_fork(rules, spacy_model)
        self.processes: list = []

    def map(self, fn: Callable, jobs: Iterable, here: Callable | None = None) -> Iterator:
        """fn(job) for each job, in job order; `here` runs the jobs this process takes (default fn)."""
        jobs = list(jobs)
        here = here or fn
        taken = self.context.Value("q", 0)
        results = self.context.Queue()
        self._start(fn, jobs, taken, results)
        done: dict[int, object] = {}
        emitted = 0
        try:
            while emitted < len(jobs):
                while emitted in done:
                    yield done.pop(emitted)
                    emitted += 1
                if emitted == len(jobs):
                    break
                index = _take(taken)
                if index < len(jobs):
                    done[index] = here(jobs[index])
                    self._receive(results, done, wait=False)
                else:
                    self._receive(results, done, wait=True)
        finally:
            self._stop(finished=emitted == len(jobs))

    def _start(self, fn: Callable, jobs: list, taken, results) -> None:
        # Forked workers share the parent's pages until they write to them; the
        # cyclic GC would touch every object (cache hits already held) and copy
        # them all. Frozen objects are skipped by the GC.
        gc.freeze()
        try:
            for _ in range(self.workers - 1):
                process = self.context.Process(target=_take_chunks, daemon=True,
                                               args=(fn, jobs, taken, results, self.rules))
                process.start()
                self.processes.append(process)
        finally:
            gc.unfreeze()

    def _receive(self, results, done: dict, wait: bool) -> None:
        """Move what the workers sent into `done`; with `wait`, block for at least one result."""
        import queue

        while True:
            try:
                index, ok, value = results.get(timeout=WORKER_POLL) if wait else results.get_nowait()
            except queue.Empty:
                if not wait:
                    return
                self._check_alive()
                continue
            if not ok:
                raise pickle.loads(value)
            done[index] = value
            wait = False

    def _check_alive(self) -> None:
        for process in self.processes:
            if process.exitcode not in (None, 0):
                raise GraphkitError(f"a worker process died (exit code {process.exitcode}); "
                                    "nothing was written")
        if self.processes and all(p.exitcode == 0 for p in self.processes):
            raise GraphkitError("the worker processes ended without sending every result")

    def _stop(self, finished: bool) -> None:
        for process in self.processes:
            if not finished and process.is_alive():
                process.terminate()
            process.join()
        self.processes.clear()

    def close(self) -> None:
        self._stop(finished=True)

    def terminate(self) -> None:
        self._stop(finished=False)


WORKER_POLL = 1.0       # seconds between checks that the workers are alive, while waiting


def _take(taken) -> int:
    """The index of the next chunk, taken by whichever process asks first."""
    with taken.get_lock():
        index = taken.value
        taken.value = index + 1
    return index


def _take_chunks(fn: Callable, jobs: list, taken, results, rules: Rules) -> None:
    """A worker process: take chunks until none are left; send (index, ok, result or error)."""
    _init_pool(rules)
    while (index := _take(taken)) < len(jobs):
        try:
            results.put((index, True, fn(jobs[index])))
        except BaseException as exc:       # the parent raises it
            results.put((index, False, _pickled_error(exc)))
            return
    results.close()
    results.join_thread()


def _pickled_error(exc: BaseException) -> bytes:
    try:
        return pickle.dumps(exc)
    except Exception:
        return pickle.dumps(RuntimeError(f"in a worker process: {exc!r}"))


def _load_before_fork(rules: Rules, spacy_model: str | None) -> None:
    """Load in the parent what every forked worker would otherwise load for itself.

    The parent extracts too, so it needs all of it anyway, and each worker then
    shares the parent's copy instead of paying for its own, in CPU seconds per
    process: jieba ~0.07 and pypinyin ~0.015 (the tables of both then fill in
    parts, in each process, as sentences and names need them:
    extract/jieba_shards.py, pinyin_shards.py), the rules-only
    Extractor ~0.07, clean's NFKC tables ~0.04. jieba's dictionary is
    process-global, so workers see exactly this one (TRAPS.md, "spaCy and
    jieba"). A spaCy model is still loaded by each worker: it is large.
    """
    from graphkit.clean import load_tables
    from graphkit.extract.context import _posseg as load_jieba     # jieba as the extractors set it up
    from graphkit.pipeline import get_extractor
    from graphkit.slug import load_pinyin

    load_pinyin()
    load_jieba()
    load_tables()
    if spacy_model is None:
        get_extractor(rules)


def _make_executor(options, rules: Rules, work: int):
    executor = getattr(options, "executor", "local") or "local"
    jobs = max(1, getattr(options, "jobs", 1) or 1)
    if executor == "dask":
        from graphkit.dask_executor import DaskExecutor

        return DaskExecutor(rules, jobs, getattr(options, "scheduler", None))
    if executor != "local":
        raise GraphkitError(f"unknown executor {executor!r}: use 'local' or 'dask'")
    if jobs == 1 or work < SERIAL_BELOW:
        return _Serial()
    return _Pool(min(jobs, work), rules, getattr(options, "spacy_model", None))


def _chunks(items: list, workers: int) -> list[list]:
    """Chunks in order, shrinking as fewer items are left (guided scheduling).

    Each is at most 1/(CHUNKS_PER_WORKER * workers) of what is left, so the
    processes taking the last chunks finish within a small chunk of each other.
    """
    chunks, start = [], 0
    while start < len(items):
        size = max(1, min(MAX_CHUNK, math.ceil((len(items) - start) / (workers * CHUNKS_PER_WORKER))))
        chunks.append(items[start:start + size])
        start += size
    return chunks


# ---------------------------------------------------------------------------
# The driver

def run_tasks(tasks: list[Task], rules: Rules, options, timings: Counter,
              step: Callable[[], None] | None = None,
              shas: dict[int, str] | None = None) -> Iterator[tuple[ArticleRecord, Extraction | None]]:
    """(record, extraction) for each task, in task order.

    Args:
        tasks: from the listing in `pipeline.list_articles`.
        options: `BuildOptions`; reads `jobs`, `executor`, `scheduler`,
            `cache` (a path, or None for no cache) and `spacy_model`.
        timings: per-stage seconds are added to it. With workers, `read`,
            `clean` and `extract` are summed over workers and `workers` is
            the wall time they ran; `cache` is hashing, lookups and writes,
            `unpack` the unpickling of the workers' results.
        step: called once per article (the progress bar).
        shas: sha256 of local files already read, by task index (the
            up-to-date check hashed them): not read again for the cache.
    """
    STATS.clear()
    STATS["articles"] = len(tasks)
    _RULES[rules.digest] = rules
    spacy_model = getattr(options, "spacy_model", None)
    cache_path = getattr(options, "cache", None)
    cache = None
    if cache_path and tasks:
        t = time.perf_counter()
        cache = open_cache(cache_path, cache_config(rules.digest, spacy_model))
        timings["cache"] += time.perf_counter() - t
    executor = None
    finished = False
    gc_was_enabled = gc.isenabled()
    if spacy_model is None:
        _no_collections()
    try:
        hits: dict[int, tuple[ArticleRecord, Extraction]] = {}
        if cache is not None:
            t = time.perf_counter()
            known, shas = shas or {}, {}
            remote = [i for i, task in enumerate(tasks) if is_url(task[0])]
            for i, (path, _, _) in enumerate(tasks):
                if i in known:
                    shas[i] = known[i]
                elif not is_url(path):
                    try:
                        shas[i] = content_hash(read_file_bytes(path))
                    except ArticleError:
                        shas[i] = None          # the worker reports the error
            if remote:
                executor = _make_executor(options, rules, len(remote))
                chunks = _chunks(remote, executor.workers)
                got = executor.map(hash_chunk, [[tasks[i] for i in c] for c in chunks])
                for chunk, hashes in zip(chunks, got):
                    shas.update(zip(chunk, hashes))
            for i, sha in shas.items():
                if sha is not None:
                    path, _, aid = tasks[i]
                    value = cache.get(cache.key(aid, sha), aid, str(path))
                    if value is not None:
                        hits[i] = value
            timings["cache"] += time.perf_counter() - t

        misses = [i for i in range(len(tasks)) if i not in hits]
        results: Iterator[Result] = iter(())
        t_work = time.perf_counter()
        if misses:
            if executor is None:
                executor = _make_executor(options, rules, len(misses))
            chunks = _chunks(misses, executor.workers)
            # Results crossing a process boundary are pickled anyway: workers pack
            # them as the cache stores them, so the parent only unpickles. Chunks
            # this process takes itself (`run_chunk_here`) stay unpacked.
            jobs = [(rules.digest, spacy_model, [tasks[i] for i in c], True, cache is not None)
                    for c in chunks]
            results = _flatten(executor.map(run_chunk, jobs, here=run_chunk_here), timings)

        for i, task in enumerate(tasks):
            if i in hits:
                record, extraction = hits.pop(i)
                STATS["cached"] += 1
            else:
                sha, record, extraction = next(results)
                if extraction is None:
                    STATS["errors"] += 1
                else:
                    STATS["extracted"] += 1
                    blob = None
                    if isinstance(extraction, bytes):
                        t = time.perf_counter()
                        blob = extraction
                        record, extraction = (load_result if cache is not None else unpack_result)(blob)
                        timings["unpack"] += time.perf_counter() - t
                    if cache is not None and sha is not None:
                        t = time.perf_counter()
                        cache.put(cache.key(task[2], sha), task[2], blob or dump_result(record, extraction))
                        timings["cache"] += time.perf_counter() - t
            if step is not None:
                step()
            yield record, extraction
        if misses and not isinstance(executor, _Serial):
            timings["workers"] += time.perf_counter() - t_work
        finished = True
    finally:
        if gc_was_enabled:
            gc.enable()
        if executor is not None:
            if finished or not hasattr(executor, "terminate"):
                executor.close()
            else:
                executor.terminate()
        if cache is not None:
            t = time.perf_counter()
            cache.close()
            timings["cache"] += time.perf_counter() - t
            STATS["cache_written"] = cache.written


def _no_collections() -> None:
    """Turn the cyclic GC off in this process until `run_tasks` ends.

    The results pile up for the whole run and all stay alive: each full
    collection (CPython 3.11 runs one whenever the old generation has grown
    by a quarter) scans them all again, ~0.3 CPU-s per 1000 articles, and
    the young ones still cost 0.10 s (11 of them in a --jobs 1 build of the
    bench's 1,000 articles) for nothing: the rules-only extraction makes
    almost no cyclic garbage (29 objects left in cycles after those 1,000
    articles with the GC off; the next collection frees them). Not done with
    a spaCy model (not measured); forked workers get back the state it found
    (`_init_pool`), so they run it as the caller did.
    """
    global _GC_WAS_ENABLED
    _GC_WAS_ENABLED = gc.isenabled()
    gc.disable()


def _flatten(chunks: Iterator[tuple[list[Result], Counter]], timings: Counter) -> Iterator[Result]:
    for results, worker_timings in chunks:
        timings.update(worker_timings)
        yield from results
