"""Skip a build whose outputs are up to date, as make does: `OUT/.graphkit-stamp.json`.

In: the output folder and a key, the digest of everything the outputs depend
on (`build_key`: each input file's id, path and sha256, the files skipped
while listing, the rule files, graphkit's version and sources, and the build
options that change outputs). Out: the stamp of the last successful build
into that folder when its key is the same and every file it wrote is still
there unchanged (size, mtime_ns and inode), else None: the build runs.

The stamp is removed when a build that will rewrite the outputs starts, and
written (atomically) as the last step of a successful one, so a build killed
halfway never leaves a stamp claiming fresh outputs. It also holds what the
CLI summary prints (article records, node and edge counts by type): an
up-to-date build reads neither the cache nor graph.json.

Refuses nothing: a stamp that is missing, unreadable, corrupt or of another
layout means "rebuild", never an error; one that cannot be written costs a
warning and a full build next time.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import graphkit
from graphkit.cache import content_hash, package_digest
from graphkit.errors import ArticleError, OutputError
from graphkit.read import read_file_bytes
from graphkit.types import ArticleRecord

__all__ = ["STAMP_NAME", "Stamp", "build_key", "clear_stamp", "fresh_stamp", "hash_files",
           "rules_digest", "write_stamp"]

STAMP_NAME = ".graphkit-stamp.json"
LAYOUT = 1                  # the stamp's JSON layout; another number is a stale stamp
_UNREADABLE = "unreadable: "


@dataclass(frozen=True)
class Stamp:
    """The last successful build into a folder: what it wrote and what its summary printed."""

    key: str
    outputs: dict[str, list[int]]               # file name in OUT -> [size, mtime_ns, inode]
    records: tuple[ArticleRecord, ...]
    node_types: Counter
    edge_types: Counter


# ---------------------------------------------------------------------------
# The key: everything the outputs depend on

def hash_files(tasks) -> list[str]:
    """sha256 of each task's file, or "unreadable: REASON": every file read once, here.

    The shas are what the cache keys on too (`run_tasks(shas=...)`), so a
    build that is not up to date does not read the files a second time to
    look them up. The reason of an unreadable file is part of the key
    because it is part of the outputs (errors.jsonl).
    """
    hashes = []
    for path, _, _ in tasks:
        try:
            hashes.append(content_hash(read_file_bytes(path)))
        except ArticleError as exc:
            hashes.append(f"{_UNREADABLE}{exc.stage}: {exc.reason}")
    return hashes


def known_shas(hashes: list[str]) -> dict[int, str]:
    """The shas of the readable files, by task index, as `run_tasks` takes them."""
    return {i: h for i, h in enumerate(hashes) if not h.startswith(_UNREADABLE)}


def rules_digest(directory: str | os.PathLike | None) -> str | None:
    """sha256 of every file under the rules folder; None without one (the build then says why)."""
    from graphkit.rules import DEFAULT_RULES_DIR

    root = Path(directory) if directory else DEFAULT_RULES_DIR
    digest = hashlib.sha256()
    try:
        files = sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest() if files else None


def build_key(*, inputs, skipped: list[ArticleRecord], tasks, hashes: list[str], rules: str,
              options) -> str:
    """The digest of every input of a build that can change its outputs.

    Args:
        inputs: the input folders and files as given.
        skipped: records of what the listing left out (symlink loops, FIFOs...).
        tasks: `(path, input folder, article id)` of every article file.
        hashes: `hash_files(tasks)`.
        rules: `rules_digest(...)`.
        options: `BuildOptions`; only the options that change output files
            count: `jobs`, the executor and the cache path do not (graph.json
            is byte-identical for any of them), and `strict` is checked again
            on an up-to-date build.
    """
    model = options.spacy_model
    parts = {
        "graphkit": graphkit.__version__,
        "code": package_digest(),
        "python": list(sys.version_info[:2]),
        "rules": rules,
        "model": [model, _installed_version(model), _installed_version("spacy")] if model else None,
        "min_confidence": options.min_confidence,
        "report": options.report,
        "report_png": options.report_png,
        "inputs": [str(p) for p in inputs],
        "skipped": [[r.id, r.path, r.stage, r.error] for r in skipped],
        "files": [[aid, str(path), sha] for (path, _, aid), sha in zip(tasks, hashes)],
    }
    # ensure_ascii: a file name that is not UTF-8 (surrogate escapes) still encodes
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _installed_version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


# ---------------------------------------------------------------------------
# Reading, checking and writing the stamp

def _signature(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    # the inode changes on every atomic write (a new file renamed over the
    # old), even one within the filesystem's mtime granularity
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def fresh_stamp(out: str | os.PathLike, key: str, also_present: tuple = ()) -> Stamp | None:
    """The stamp in `out` if it has `key` and every file it lists is unchanged; else None.

    `also_present`: paths that must exist as well (the cache file, so that a
    deleted cache is rebuilt rather than left missing until the next edit).
    """
    out = Path(out)
    try:
        data = json.loads((out / STAMP_NAME).read_bytes())
        if data["layout"] != LAYOUT or data["key"] != key:
            return None
        outputs = {str(name): list(sig) for name, sig in data["outputs"].items()}
        stamp = Stamp(key, outputs,
                      tuple(ArticleRecord(**dict(r, warnings=tuple(r.get("warnings", ()))))
                            for r in data["records"]),
                      Counter({t: n for t, n in data["node_types"]}),
                      Counter({t: n for t, n in data["edge_types"]}))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None                     # missing, unreadable, not JSON, another layout: rebuild
    if not outputs or any(_signature(out / name) != sig for name, sig in outputs.items()):
        return None
    if not all(os.path.exists(p) for p in also_present):
        return None
    return stamp


def clear_stamp(out: str | os.PathLike) -> None:
    """Remove the stamp: the outputs are about to be rewritten."""
    try:
        (Path(out) / STAMP_NAME).unlink(missing_ok=True)
    except OSError:
        pass        # then the outputs cannot be written either; their new inodes void it anyway


def write_stamp(out: str | os.PathLike, key: str, files: list[str], records, node_types: Counter,
                edge_types: Counter, *, cache: str | os.PathLike | None = None) -> None:
    """Record a successful build: the last step of it, after every output is written.

    `files` are the outputs the build names; every other file in OUT and its
    direct subfolders (neo4j/) is recorded too, except hidden files (the
    lock, temporaries, this stamp) and the `cache` file with its WAL.
    """
    from graphkit.export.atomic import atomic_write

    out = Path(out)
    outputs = {name: _signature(out / name) for name in [*files, *_files_in(out, cache)]}
    if any(sig is None for sig in outputs.values()):
        return                          # an output vanished already: no claim to make
    data = {
        "layout": LAYOUT,
        "key": key,
        "outputs": outputs,
        "records": [dataclasses.asdict(r) for r in records],
        "node_types": sorted(node_types.items(), key=lambda kv: str(kv[0])),
        "edge_types": sorted(edge_types.items(), key=lambda kv: str(kv[0])),
    }
    try:
        atomic_write(out / STAMP_NAME, json.dumps(data, separators=(",", ":")))
    except OutputError as exc:
        print(f"graphkit: warning: {out / STAMP_NAME}: cannot record the build ({exc}); "
              "the next build will not know the outputs are up to date", file=sys.stderr)


def _files_in(out: Path, cache: str | os.PathLike | None) -> list[str]:
    """Names ("neo4j/nodes.csv") of the visible regular files in `out` and its direct subfolders."""
    cache_name = os.path.abspath(cache) if cache else None
    found = []
    for place, prefix in [(out, ""), *((out / d, d + "/") for d in _visible(out, dirs=True))]:
        for name in _visible(place, dirs=False):
            path = os.path.abspath(place / name)
            if cache_name is None or not path.startswith(cache_name):
                found.append(prefix + name)
    return found


def _visible(folder: Path, *, dirs: bool) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(folder) if not e.name.startswith(".")
                      and (e.is_dir(follow_symlinks=False) if dirs else e.is_file(follow_symlinks=False)))
    except OSError:
        return []
