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
"""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from graphkit.errors import OutputError

__all__ = ["atomic_path", "atomic_write", "folders_synced_once"]

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


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that replaces `path` when the block ends cleanly.

    The block writes the temporary file however it likes (by name, with any
    library). When it returns, the file is fsynced and renamed over `path`;
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
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _create_temp(target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _remove_quietly(tmp)
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        _remove_quietly(tmp)
        raise
    if _pending_folders is not None:
        _pending_folders.add(target.parent)
    else:
        _fsync_dir(target.parent)


@contextmanager
def folders_synced_once() -> Iterator[None]:
    """Within the block, each folder is fsynced once at its end, not after every rename.

    Every file is still complete and fsynced before it replaces its target; only the
    durability of the renames waits until the block ends (a build writes 15 files into
    two folders: 15 folder syncs become 2). A forked child that writes inside the block
    syncs its own folders with `sync_pending_folders` before it exits.
    """
    global _pending_folders
    outer, _pending_folders = _pending_folders, set()
    try:
        yield
    finally:
        sync_pending_folders()
        _pending_folders = outer


def sync_pending_folders() -> None:
    """fsync every folder a rename went into since the block (or this call) began."""
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
