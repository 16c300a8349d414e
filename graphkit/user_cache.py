"""The user's own cache folder, for tables that cost more to build than to load.

`$XDG_CACHE_HOME/graphkit` (default `~/.cache/graphkit`), mode 0700. A file is
read from it only when the folder belongs to this user and no one else can
write to it: what is loaded from there (pickles, marshal dumps) must be what
graphkit wrote. Writes go to a temporary name and are renamed, so a process
reading never sees half a file. Nothing here raises: no folder, no cache.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_folder() -> Path | None:
    """The folder, created if needed; None when it cannot be used safely."""
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    folder = Path(base) / "graphkit"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.stat()
    except (OSError, RuntimeError):
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None          # not ours alone: never load from it
    return folder


def read_own(path: Path) -> bytes | None:
    """The file's bytes if this user owns it, else None."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_uid != os.getuid():
                return None
            return f.read()
    except OSError:
        return None


def save_atomically(path: Path, write) -> None:
    """`write(file)` into a temporary file next to `path`, then rename it over `path`."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
