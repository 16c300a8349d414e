"""One build at a time per output folder: an advisory lock on OUT/.graphkit.lock.

In: the output folder of a build. Out: a context manager that holds an
exclusive `fcntl.flock` on `OUT/.graphkit.lock` for the whole build. A second
build into the same folder waits for the first to finish (printing one line
to stderr saying so, with the pid of the build it waits for) and then runs;
two builds never write the same folder at the same time, so neither can
corrupt the other's files or the cache in that folder.

Why flock: the kernel drops the lock when the holding process dies, SIGKILL
included, so there is never a stale lock to clean up by hand. A flock belongs
to the open file, which `fork()` shares with the child: worker processes
forked during the build (graphkit/parallel.py) would keep the lock alive if
they outlived a killed build, so each forked child closes its copy at once
(`os.register_at_fork`); closing, unlike `LOCK_UN`, leaves the parent's lock
in place. The lock file
itself is never deleted (deleting it would let a third build lock a new file
while the second still holds the old one). It holds the pid of the current
holder, for the message only.

Once the lock is held, temporary files left by a build that was killed while
writing (`.NAME.<12 hex>.tmp`, see export/atomic.py) are removed: no other
build can be writing them.

Refuses (raises `OutputError`): an output folder that cannot be created, or a
lock file that cannot be opened (read-only folder). On a system without
`fcntl` (Windows) the lock is a no-op.
"""
from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from graphkit.errors import OutputError

try:
    import fcntl
except ImportError:  # Windows: no flock; builds are not serialised there
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_NAME", "output_lock", "remove_stale_temps"]

LOCK_NAME = ".graphkit.lock"
# export/atomic.py names its temporary files ".<target name>.<12 hex digits>.tmp"
_STALE_TEMP = re.compile(r"\..+\.[0-9a-f]{12}\.tmp")


_HELD: set[int] = set()      # lock descriptors this process holds


def _close_inherited() -> None:
    # in a forked child: drop the copies of the parent's lock descriptors
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def output_lock(out: str | os.PathLike[str], *,
                notify: Callable[[str], None] | None = _say) -> Iterator[Path]:
    """Hold the build lock of output folder `out` for the duration of the block.

    The folder is created if missing. If another process holds the lock, one
    line goes to `notify` ("waiting for ...") and the call blocks until the
    lock is free.

    Example:
        with output_lock("outputs/news"):
            write_outputs(...)

    Raises:
        OutputError: the folder or its lock file cannot be created or opened.
    """
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the output folder's lock file "
                          f"{LOCK_NAME}: {exc.strerror or exc}") from exc
    _HELD.add(fd)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if notify:
                    holder = _read_holder(fd)
                    notify(f"graphkit: another build{holder} is writing to {folder}/; "
                           "waiting for it to finish")
                fcntl.flock(fd, fcntl.LOCK_EX)
        _write_holder(fd)
        remove_stale_temps(folder)
        yield folder
    finally:
        # closing the descriptor releases the flock
        _HELD.discard(fd)
        os.close(fd)


def remove_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files of interrupted atomic writes under `folder`; return them.

    Only call this while holding the folder's lock. Looks in the folder and
    its direct subfolders (neo4j/), where the writers put files.
    """
    folder = Path(folder)
    removed: list[Path] = []
    for place in [folder, *(p for p in _subfolders(folder))]:
        try:
            names = os.listdir(place)
        except OSError:
            continue
        for name in names:
            if _STALE_TEMP.fullmatch(name):
                path = place / name
                try:
                    if path.is_file() and not path.is_symlink():
                        path.unlink()
                        removed.append(path)
                except OSError:
                    pass
    return removed


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [Path(e.path) for e in os.scandir(folder)
                if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")]
    except OSError:
        return []


def _read_holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


def _write_holder(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError:
        pass
