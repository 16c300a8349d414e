"""The user's own cache folder, for tables that cost more to build than to load.

`$XDG_CACHE_HOME/graphkit` (default `~/.cache/graphkit`), mode 0700. A file is
read from it only when the folder belongs to this user and no one else can
write to it: what is loaded from there (pickles, marshal dumps) must be what
graphkit wrote. Writes go to a temporary name and are renamed, so a process
reading never sees half a file. Nothing here raises: no folder, no cache.
"""
from __future__ import annotations

import hashlib
import marshal
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


def keyed_file(kind: str, key: str, suffix: str) -> Path | None:
    """The cache file for `key` (what its content depends on), named `kind-<hash of key>suffix`;
    None without a usable cache folder."""
    folder = cache_folder()
    if folder is None:
        return None
    return folder / f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:16]}{suffix}"


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


# A framed file: its magic line, the header's length (8 bytes, little-endian), the header (a
# marshal dump, then zero bytes up to the alignment) and the data. The shard files of jieba's
# and pypinyin's tables are framed so; marshal ignores the bytes after a value.

def save_framed(path: Path, magic: bytes, header, data: bytes, align: int = 1) -> None:
    """Write `data` behind `magic` and `header`, atomically; the data starts at a multiple of
    `align` bytes from the file's start (for `memoryview.cast` of its sections)."""
    head = marshal.dumps(header)
    head += bytes(-(len(magic) + 8 + len(head)) % align)

    def write(f):
        f.write(magic + len(head).to_bytes(8, "little") + head)
        f.write(data)

    save_atomically(path, write)


def read_framed(path: Path, magic: bytes) -> tuple[object, memoryview] | None:
    """(header, data) of a framed file of this user's, or None: missing, foreign, or a
    header that does not load."""
    content = read_own(path)
    if content is None or not content.startswith(magic):
        return None
    view = memoryview(content)
    start = len(magic) + 8
    try:
        header_length = int.from_bytes(view[len(magic):start], "little")
        header = marshal.loads(view[start:start + header_length])
    except Exception:
        return None
    return header, view[start + header_length:]
