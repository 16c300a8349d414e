"""A build killed with SIGKILL at any moment leaves the previous outputs intact.

One complete build writes outputs into OUT; then builds of a larger corpus
into the same OUT are killed (the whole process group, workers included)
during extraction and during writing, at seeded random moments. After each
kill every output must be whole: either the previous file or a complete new
one, never a torn one; the only other files are the hidden temporary files of
interrupted atomic writes. Finally a build completes, removes those leftovers,
and its graph equals a build from scratch without the cache: the cache
survived the kills consistent.
"""
from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from robust_util import (EXAMPLES, NEWS, ROOT, TEMP_NAME, check_outputs_readable, child_env,
                         graphkit_cmd, parse_xml_strict, run_graphkit, temp_leftovers)

COPIES = 6            # copies of each news article: ~300 files, several seconds of extraction
NOT_OUTPUTS = {".graphkit.lock", ".graphkit-stamp.json"}     # the stamp goes when a build starts


def _big_corpus(folder: Path) -> Path:
    articles = sorted(p for p in NEWS.rglob("*.md") if p.name != "README.md")
    copies = COPIES
    if not articles:
        # Without the shared news corpus, the bundled articles copied often enough.
        articles = sorted(EXAMPLES.glob("*.txt"))
        copies = 300 // max(1, len(articles))
    folder.mkdir()
    for k in range(copies):
        for p in articles:
            shutil.copy(p, folder / f"c{k}_{p.parent.name}_{p.name}")
    return folder


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name not in NOT_OUTPUTS and not TEMP_NAME.fullmatch(p.name)
            and not p.name.startswith("graph.cache.sqlite")}


def _whole(name: str, data: bytes) -> None:
    """`data` is a complete file of its format."""
    suffix = name.rsplit(".", 1)[-1]
    if suffix == "json":
        json.loads(data)
    elif suffix == "jsonl":
        for line in data.decode("utf-8").splitlines():
            json.loads(line)
        assert data == b"" or data.endswith(b"\n")
    elif suffix in ("graphml", "gexf"):
        from lxml import etree

        etree.fromstring(data, etree.XMLParser(recover=False, huge_tree=True))
    elif suffix == "html":
        assert data.rstrip().endswith(b"</html>")
    elif suffix == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert rows and data.endswith(b"\n")
    elif suffix == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[-12:-8] == b"\x00\x00\x00\x00" \
            and data[-8:-4] == b"IEND"
    elif suffix == "md":
        assert data.endswith(b"\n")


def _check_after_kill(out: Path, before: dict[str, bytes]) -> int:
    """Every earlier output still there and whole; return how many changed."""
    now = _snapshot(out)
    assert set(before) <= set(now), f"outputs lost: {sorted(set(before) - set(now))}"
    changed = 0
    for name, data in now.items():
        if before.get(name) != data:
            changed += 1
            _whole(name, data)
    extra = [p for p in out.rglob("*") if p.is_file() and p.relative_to(out).as_posix() not in now
             and p.name not in NOT_OUTPUTS and not p.name.startswith("graph.cache.sqlite")]
    assert all(TEMP_NAME.fullmatch(p.name) for p in extra), extra
    check_outputs_readable(out)
    return changed


def _cache_ok(out: Path) -> None:
    cache = out / "graph.cache.sqlite"
    if cache.exists():
        with sqlite3.connect(cache) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _writing_started(out: Path, before: dict[str, bytes], mtimes: dict[str, int]) -> bool:
    if any(TEMP_NAME.fullmatch(p.name) for p in out.iterdir()):
        return True
    for name in before:
        try:
            if (out / name).stat().st_mtime_ns != mtimes[name]:
                return True
        except FileNotFoundError:
            return True
    return False


def _start(corpus: Path, out: Path) -> subprocess.Popen:
    # --force: a build that finished before its kill writes the stamp, and every later build
    # of the same corpus would then be up to date and write nothing to kill.
    return subprocess.Popen(graphkit_cmd("build", corpus, "--out", out, "--quiet", "--force"), cwd=ROOT,
                            env=child_env(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill(proc: subprocess.Popen) -> bool:
    """SIGKILL the build and its workers; False if it had already finished."""
    finished = proc.poll() is not None
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)
    proc.stderr.close()
    return not finished


def test_robust_sigkill_keeps_previous_outputs(tmp_path):
    rng = random.Random(6)
    corpus = _big_corpus(tmp_path / "big")
    out = tmp_path / "out"
    first = run_graphkit("build", EXAMPLES, "--out", out)
    assert first.returncode == 0, first.stderr
    check_outputs_readable(out)

    # (phase, seconds after the phase is seen): early, middle and late in writing
    # Writing 300 articles takes about a second now (it took 8 before the writers were
    # streamed and the extractions cached): the kills fall within it. Extracting them takes
    # ~2 s from the lock (0.4 s of it loading): kills 1.65 and 1.7 s in came after it ended.
    plans = [("extract", (0.6, 1.2)), ("extract", (0.6, 1.2)), ("write", (0.0, 0.15)),
             ("write", (0.1, 0.5)), ("write", (0.4, 1.2))]
    killed = {"extract": 0, "write": 0}
    for plan, (lo, hi) in plans:
        before = _snapshot(out)
        mtimes = {name: (out / name).stat().st_mtime_ns for name in before}
        proc = _start(corpus, out)
        if plan == "extract":
            # the lock file holds the pid once the build runs; then extraction starts
            lock = out / ".graphkit.lock"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and lock.read_text().strip() != str(proc.pid):
                time.sleep(0.02)
            time.sleep(rng.uniform(lo, hi))
            in_extraction = not _writing_started(out, before, mtimes)
        else:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and proc.poll() is None \
                    and not _writing_started(out, before, mtimes):
                time.sleep(0.01)
            time.sleep(rng.uniform(lo, hi))
            in_extraction = False
        if _kill(proc):
            killed["extract" if in_extraction else "write"] += 1
        _check_after_kill(out, before)
        _cache_ok(out)
    assert killed["extract"] >= 1 and killed["write"] >= 1, killed

    final = run_graphkit("build", corpus, "--out", out)
    assert final.returncode == 0, final.stderr
    assert temp_leftovers(out) == [], "the next build removes interrupted writes"
    check_outputs_readable(out)
    records = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(records) == len(list(corpus.iterdir()))
    _cache_ok(out)

    fresh = tmp_path / "fresh"
    ref = run_graphkit("build", corpus, "--out", fresh, "--no-cache", "--no-report")
    assert ref.returncode == 0, ref.stderr
    assert (out / "graph.json").read_bytes() == (fresh / "graph.json").read_bytes(), \
        "a build using the cache left by killed builds must equal one without it"
    parse_xml_strict(out / "graph.graphml")
