"""Atomic file writes for every graphkit output.

In: a target path and either the bytes to write (`atomic_write`) or a block
of code that writes a temporary path (`atomic_path`). Out: the target holds
either its old content or the complete new content, never a partial file.

How: the data goes to a temporary file in the target's own folder (so
`os.replace` is a rename on one filesystem), is fsynced, then replaces the
target; the folder is fsynced too where the OS allows it. On any exception,
KeyboardInterrupt included, the temporary file is removed and the previous
target is left byte-identical. `OSError` becomes `OutputError` naming the
path; any other exception (a bug) passes through unchanged.

The temporary file is created with mode 0o666 minus the umask, as `open()`
would, not 0o600 as `tempfile.mkstemp` does: outputs must stay readable by
the other tools and users that read them.

Inside `folders_synced_once` (a build's writing), the fsync and rename of each
finished temporary file run in one background thread, in the order the files
were finished: fsync waits for the disk with the GIL released, so the next
output is rendered meanwhile (a 1,000-article build fsyncs 17 files, ~0.1 s).
The block's end waits for them; the first failure removes every temporary
file queued after it, unrenamed, and is raised.
"""
from __future__ import annotations

import os
import queue
import secrets
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from graphkit.errors import OutputError

__all__ = ["atomic_path", "atomic_write", "folders_synced_once", "sync_early"]

# Folders whose renames wait for one fsync at the end of `folders_synced_once`, or None.
_pending_folders: set[Path] | None = None


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable; some filesystems refuse to open a folder.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _create_temp(target: Path) -> Path:
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise OutputError(f"{target}: cannot create a temporary file next to it")


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass


def _write_error(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"{target}: cannot write: {exc.strerror or exc}")


@contextmanager
def _removed_on_failure(tmp: Path, target: Path) -> Iterator[None]:
    """Whatever fails in the block removes the temporary file; an OSError is raised as an
    OutputError naming `target`."""
    try:
        yield
    except OSError as exc:
        _remove_quietly(tmp)
        raise _write_error(target, exc) from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


def _sync_and_replace(tmp: Path, target: Path) -> None:
    """fsync the finished temporary file, then rename it over `target`; on failure remove it."""
    with _removed_on_failure(tmp, target):
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)


# Temporary files of the atomic_path blocks still open: a file written atomically into one
# (graph.json, written into the temporary file whose rename waits for the other writers)
# is renamed without an fsync of its own; the outer block fsyncs that data before its rename.
_open_temps: set[Path] = set()


class _BackgroundRenames:
    """`_sync_and_replace` of finished files, in order, in one thread started on demand.

    After a failure the files queued behind it are removed, not renamed: graph.json,
    queued last, then never replaces the previous one. `wait` ends the thread, so none
    runs across a fork (os.register_at_fork below waits before every fork).
    """

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self._jobs: queue.SimpleQueue[tuple[Path | int, Path | None] | None] | None = None
        self._thread: threading.Thread | None = None

    def submit(self, tmp: Path | int, target: Path | None) -> None:
        if self._thread is None:
            self._jobs = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._work, args=(self._jobs,),
                                            name="graphkit-fsync")
            self._thread.start()
            _running.add(self)
        self._jobs.put((tmp, target))

    def submit_sync(self, fd: int) -> None:
        """fsync `fd` (a duplicate, closed after) in turn with the renames."""
        self.submit(fd, None)

    def _work(self, jobs: queue.SimpleQueue[tuple[Path | int, Path | None] | None]) -> None:
        while (job := jobs.get()) is not None:
            tmp, target = job
            if target is None:          # an early sync: a later fsync of the file checks errors
                try:
                    os.fsync(tmp)
                except OSError:
                    pass
                finally:
                    os.close(tmp)
                continue
            if self.error is not None:
                _remove_quietly(tmp)
                continue
            try:
                _sync_and_replace(tmp, target)
            except BaseException as exc:                # noqa: BLE001 - raised by raise_error
                self.error = exc

    def wait(self) -> None:
        """Return once every queued file is renamed (or removed after a failure)."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = self._jobs = None
            _running.discard(self)

    def raise_error(self) -> None:
        """Raise the first failure, if any: it stays, and every later file of the block fails."""
        if self.error is not None:
            raise self.error


# The renames of the innermost `folders_synced_once` block, or None (rename inline).
_background: _BackgroundRenames | None = None
_running: set[_BackgroundRenames] = set()      # those whose thread runs (outer blocks too)


def _wait_before_fork() -> None:
    for background in list(_running):
        background.wait()


os.register_at_fork(before=_wait_before_fork)


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that replaces `path` when the block ends cleanly.

    The block writes the temporary file however it likes (by name, with any
    library). When it returns, the file is fsynced and renamed over `path`
    (inside `folders_synced_once`, by its thread before the block ends);
    when it raises, the file is removed and `path` is untouched. The folder
    of `path` is created if missing.

    Example:
        with atomic_path("outputs/graph.graphml") as tmp:
            networkx.write_graphml(H, tmp)

    Raises:
        OutputError: the folder or the file cannot be created, written or
            renamed (read-only folder, disk full).
    """
    target = Path(path)
    background = _background
    if background is not None:
        background.raise_error()                    # an earlier file failed: stop here
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _create_temp(target)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    _open_temps.add(tmp)
    try:
        with _removed_on_failure(tmp, target):
            yield tmp
    finally:
        _open_temps.discard(tmp)
    if target in _open_temps:
        with _removed_on_failure(tmp, target):      # its folder is synced after the outer rename
            os.replace(tmp, target)
        return
    if background is None:
        _sync_and_replace(tmp, target)
    else:
        try:
            background.raise_error()
            background.submit(tmp, target)
        except BaseException:           # an earlier file failed, or no thread could start
            _remove_quietly(tmp)
            raise
    if _pending_folders is not None:
        _pending_folders.add(target.parent)
    else:
        _fsync_dir(target.parent)


def sync_early(fh: BinaryIO) -> None:
    """Start making what the open file `fh` holds so far durable, in the background thread
    of `folders_synced_once` (outside it, do nothing). The last file of a build (graph.json,
    16 MB at 1,000 articles) then waits at the end only for its last part, not for all of it.
    """
    if _background is not None and _background.error is None:
        fh.flush()
        _background.submit_sync(os.dup(fh.fileno()))


@contextmanager
def folders_synced_once() -> Iterator[None]:
    """Within the block, files are fsynced and renamed in a background thread and each
    folder is fsynced once at the block's end, not after every rename.

    Every file is still complete and fsynced before it replaces its target, in the order
    the files were finished; the end of the block waits for the renames, then syncs the
    folders (a build writes 15 files into two folders: 15 folder syncs become 2). A failed
    fsync or rename is raised by the next `atomic_path` or at the end of the block, with
    the name of its file. A forked child that writes opens a block of its own.

    Raises:
        OutputError: a file could not be fsynced or renamed.
    """
    global _pending_folders, _background
    outer = _pending_folders, _background
    _pending_folders, _background = set(), _BackgroundRenames()
    try:
        yield
    except BaseException as exc:
        _finish_block(outer, failed=exc)
        raise
    _finish_block(outer, failed=None)


def _finish_block(outer: tuple[set[Path] | None, _BackgroundRenames | None],
                  failed: BaseException | None) -> None:
    global _pending_folders, _background
    background = _background
    try:
        background.wait()
        _sync_pending_folders()
    finally:
        _pending_folders, _background = outer
    if failed is None:
        background.raise_error()
    elif background.error is not None and background.error is not failed:
        failed.add_note(f"also: {background.error}")   # not lost behind the first error


def _sync_pending_folders() -> None:
    if _pending_folders:
        for folder in sorted(_pending_folders):
            _fsync_dir(folder)
        _pending_folders.clear()


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write `data` to `path` atomically and return the path.

    A `str` is encoded as UTF-8 (strictly: a lone surrogate raises and the
    old file stays). Bytes are written as given; no newline translation.

    Raises:
        OutputError: the file cannot be written.
        UnicodeEncodeError: `data` is a str that is not valid Unicode.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(payload)
    return Path(path)
