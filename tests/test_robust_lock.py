"""Two builds into one output folder: the second waits for the first (OUT/.graphkit.lock).

Real processes and a real flock throughout: the lock is held by another
process, released by its death (SIGKILL included), and not kept alive by
forked children.
"""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphkit.lock import LOCK_NAME, output_lock, remove_stale_temps
from robust_util import EXAMPLES, ROOT, check_outputs_readable, child_env, graphkit_cmd, temp_leftovers

HOLDER = ("import sys\n"
          "from graphkit.lock import output_lock\n"
          "with output_lock(sys.argv[1]):\n"
          "    print('locked', flush=True)\n"
          "    sys.stdin.read()\n")


def _hold_lock(out: Path) -> subprocess.Popen:
    """Another process that holds the lock of `out` until its stdin is closed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], cwd=ROOT, env=child_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _lock_is_free(out: Path) -> bool:
    fd = os.open(out / LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _wait_for(predicate, timeout: float = 120, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return False


def test_robust_lock_second_build_waits_with_message(tmp_path):
    out = tmp_path / "out"
    holder = _hold_lock(out)
    log = tmp_path / "build.err"
    with open(log, "w") as err:
        build = subprocess.Popen(graphkit_cmd("build", EXAMPLES, "--out", out, "--no-report"),
                                 cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=err)
    try:
        assert _wait_for(lambda: "waiting" in log.read_text()), log.read_text()
        message = log.read_text().splitlines()[0]
        assert message == (f"graphkit: another build (pid {holder.pid}) is writing to {out}/; "
                           "waiting for it to finish")
        time.sleep(1.0)
        assert build.poll() is None, "the second build must wait, not run"
        assert not (out / "graph.json").exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert build.wait(timeout=600) == 0, log.read_text()
    check_outputs_readable(out)


def test_robust_lock_two_real_builds_same_folder(tmp_path):
    out = tmp_path / "out"
    logs = [tmp_path / "a.err", tmp_path / "b.err"]
    procs = []
    for log in logs:
        with open(log, "w") as err:
            procs.append(subprocess.Popen(
                graphkit_cmd("build", EXAMPLES, "--out", out, "--no-report", "--jobs", "1"),
                cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=err))
    assert [p.wait(timeout=900) for p in procs] == [0, 0], [log.read_text() for log in logs]
    waited = [log for log in logs if "waiting for it to finish" in log.read_text()]
    assert len(waited) <= 1
    check_outputs_readable(out)
    assert temp_leftovers(out) == []


def test_robust_lock_released_when_holder_is_killed(tmp_path):
    out = tmp_path / "out"
    holder = _hold_lock(out)
    assert not _lock_is_free(out)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=60)
    assert _lock_is_free(out), "the kernel drops a dead process's flock"


def test_robust_lock_not_kept_by_forked_child(tmp_path):
    out = tmp_path / "out"
    with output_lock(out, notify=None):
        pid = os.fork()
        if pid == 0:                      # a worker that outlives the build
            time.sleep(30)
            os._exit(0)
    try:
        # the child closes its copy right after fork(); give the scheduler a moment
        assert _wait_for(lambda: _lock_is_free(out), timeout=10), \
            "a forked worker must not keep the build's lock"
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_robust_lock_removes_only_stale_temps(tmp_path):
    out = tmp_path / "out"
    (out / "neo4j").mkdir(parents=True)
    stale = [out / ".graph.json.0123456789ab.tmp", out / "neo4j" / ".nodes.csv.a1b2c3d4e5f6.tmp"]
    kept = [out / "graph.json", out / "notes.tmp", out / ".graph.json.xyz.tmp"]
    for p in stale + kept:
        p.write_text("x")
    with output_lock(out, notify=None):
        pass
    assert [p.exists() for p in stale] == [False, False]
    assert all(p.exists() for p in kept)
    assert remove_stale_temps(out) == []


def test_robust_lock_unwritable_folder_is_an_output_error(tmp_path):
    from graphkit.errors import OutputError

    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(OutputError, match="lock file"):
        with output_lock(target / "out", notify=None):
            pass
