"""The extraction cache: (article id, file bytes, rules, code) -> (ArticleRecord, Extraction).

In: the SQLite file of a previous build (`OUT/graph.cache.sqlite` by default,
`--cache PATH` to share one between builds). Out: what `process_article`
returned for the same article id and the same bytes, under the same rules,
graphkit version, spaCy model and per-article source code; a second build of
an unchanged corpus then extracts nothing.

Refuses nothing: a cache that is missing is created; one that is corrupt (not
SQLite, malformed pages, values that do not unpickle) is moved to
`PATH.corrupt` and rebuilt; one that another build keeps locked past
`LOCK_TIMEOUT` is bypassed; another program's SQLite database is left alone.
Each case is one warning on stderr: a build never fails because of its
cache. The file is in WAL mode and every write is one transaction, so a
build killed at any moment (SIGKILL included) leaves a valid cache.

Values are marshalled tuples (pickles for values marshal cannot write):
share a cache only between users who trust each other, as with any pickle
file.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import marshal
import pickle
import sqlite3
import sys
import zlib
from dataclasses import replace
from pathlib import Path

import graphkit
from graphkit import types
from graphkit.types import ArticleRecord, Extraction

__all__ = ["CACHE_NAME", "ExtractionCache", "open_cache", "cache_config", "code_digest", "content_hash",
           "dump_result", "load_result", "package_digest"]

CACHE_NAME = "graph.cache.sqlite"
LOCK_TIMEOUT = 5.0          # seconds to wait for another build's write lock
SCHEMA = 4                  # PRAGMA user_version of the layout below (4: zlib of marshalled tuples)
BATCH = 256                 # results per write transaction

# Source files whose code cannot change what one article extracts to.
# Everything else in graphkit/ is hashed into the cache key, so editing an
# extractor during development never serves stale extractions.
_NOT_PER_ARTICLE = {"analysis", "commands", "export", "__main__.py", "cache.py", "cli.py",
                    "dask_executor.py", "evaluate.py", "graph.py", "parallel.py", "resolve"}


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _sources_digest(keep) -> str:
    """sha256 of the package files whose path (relative, "/"-separated) `keep` accepts."""
    package = Path(graphkit.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(package).as_posix()
        if "__pycache__" in rel or not keep(rel) or not path.is_file():
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def code_digest() -> str:
    """sha256 of the graphkit sources that per-article results depend on.

    Computed once per process, close to when those modules were imported: a
    file edited while a build runs does not change the code that build runs.
    """
    return _sources_digest(lambda rel: rel.endswith(".py") and rel.split("/", 1)[0] not in _NOT_PER_ARTICLE)


@functools.cache
def package_digest() -> str:
    """sha256 of every graphkit source and template: what any output file depends on.

    The up-to-date check (stamp.py) needs all of it, writers included.
    """
    return _sources_digest(lambda rel: not rel.endswith((".pyc", ".pyo")))


def cache_config(rules_digest: str, spacy_model: str | None) -> str:
    """Everything but the article that a cached value depends on, as one string."""
    return (f"graphkit {graphkit.__version__}; rules {rules_digest}; model {spacy_model or '-'}; "
            f"code {code_digest()}; python {sys.version_info[0]}.{sys.version_info[1]}")


def _slot_constructor(cls: type):
    """A function like `cls(*fields)` that sets the slots directly.

    Frozen dataclasses set each field in __init__ through object.__setattr__,
    a lookup by name per field (dataclasses, Python 3.11); calling the slot
    descriptors builds a Mention in about half the time, and the build process
    rebuilds ~100 of them per article while the workers run. Generated the way
    dataclasses generates __init__; types.py has no __post_init__ to skip.
    """
    assert not hasattr(cls, "__post_init__"), cls
    names = [f.name for f in dataclasses.fields(cls)]
    scope = {"new": object.__new__, "cls": cls, **{f"set_{n}": getattr(cls, n).__set__ for n in names}}
    body = "".join(f"    set_{n}(obj, {n})\n" for n in names)
    exec(f"def new_{cls.__name__}({', '.join(names)}):\n    obj = new(cls)\n{body}    return obj\n", scope)
    return scope[f"new_{cls.__name__}"]


_new_mention = _slot_constructor(types.Mention)
_new_relation = _slot_constructor(types.Relation)
_new_extraction = _slot_constructor(types.Extraction)
_new_record = _slot_constructor(types.ArticleRecord)
_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(types.ArticleRecord))
_FLAT, _PICKLED = "flat", "pickle"        # the first item of every value
_intern = sys.intern


def _flatten(record: ArticleRecord, extraction: Extraction) -> tuple:
    """(record, extraction) as nested tuples of plain values, for marshal.

    Rows list the fields in types.py's order (types.py is in `code_digest`,
    so reordering them changes every key). Each distinct Mention object is one
    row of a table that the mention list, the relations and the main event
    point into, so mentions shared in the worker are shared after loading.
    Labels, names, rule ids and keys are interned: marshal writes them as
    interned strings and the loading process keeps one copy of each across
    100,000s of mentions (memory of big builds).
    """
    table: list[tuple] = []
    row_of: dict[int, int] = {}

    def row(m: types.Mention | None) -> int:
        if m is None:
            return -1
        i = row_of.get(id(m))
        if i is None:
            i = row_of[id(m)] = len(table)
            table.append((m.article_id, _intern(m.label), _intern(m.text), m.start, m.end, _intern(m.rule_id),
                          _intern(m.key), m.confidence, m.attrs))
        return i

    ex = extraction
    mentions = [row(m) for m in ex.mentions]
    relations = [(r.article_id, _intern(r.type), row(r.source), row(r.target), _intern(r.rule_id), r.sentence,
                  r.evidence, r.confidence, _intern(r.role)) for r in ex.relations]
    return (_FLAT, tuple(getattr(record, name) for name in _RECORD_FIELDS),
            (ex.article_id, ex.lang, ex.title, ex.published, ex.warnings), table, mentions, relations,
            row(ex.main_event))


def _unflatten(value: tuple) -> tuple[ArticleRecord, Extraction]:
    if value[0] == _PICKLED:
        record, extraction = pickle.loads(value[1])
        return record, extraction
    _, record, (aid, lang, title, published, warnings), table, mention_rows, relation_rows, main = value
    mentions = [_new_mention(*row) for row in table]
    relations = tuple([_new_relation(article_id, kind, mentions[source], mentions[target], rule_id, sentence,
                                     evidence, confidence, role)
                       for article_id, kind, source, target, rule_id, sentence, evidence, confidence, role
                       in relation_rows])
    extraction = _new_extraction(aid, lang, title, published, tuple([mentions[i] for i in mention_rows]),
                                 relations, mentions[main] if main >= 0 else None, warnings)
    return _new_record(*record), extraction


def dump_result(record: ArticleRecord, extraction: Extraction) -> bytes:
    """(record, extraction) as the bytes the cache stores; workers make them, in parallel.

    zlib level 1 over `pack_result`: a third of the size (~12 kB -> 4.4 kB an
    article) for ~0.15 ms in the worker and ~0.05 ms to undo; without it the
    cache's SQLite writes cost the build process about what the decompression
    saves. Results that only cross a pipe are not compressed (`pack_result`).
    """
    return zlib.compress(pack_result(record, extraction), 1)


def load_result(blob: bytes) -> tuple[ArticleRecord, Extraction]:
    """What `dump_result` was given; raises (ValueError, EOFError, zlib.error, ...) on other bytes."""
    return unpack_result(zlib.decompress(blob))


def pack_result(record: ArticleRecord, extraction: Extraction) -> bytes:
    """(record, extraction) as marshal of plain tuples: what a worker sends when no cache keeps it.

    The build process loads one in ~0.23 ms where unpickling the dataclasses
    took ~0.36 ms, and a worker writes one in ~0.31 ms instead of ~0.39 ms
    (bench articles). A value marshal cannot write (not a plain type, which
    types.py rules out) is pickled instead.
    """
    try:
        return marshal.dumps(_flatten(record, extraction))
    except ValueError:      # "unmarshallable object"
        return marshal.dumps((_PICKLED, pickle.dumps((record, extraction), pickle.HIGHEST_PROTOCOL)))


def unpack_result(body: bytes) -> tuple[ArticleRecord, Extraction]:
    """What `pack_result` was given."""
    return _unflatten(marshal.loads(body))


def _warn(message: str) -> None:
    print(f"graphkit: warning: {message}", file=sys.stderr)


def _is_lock(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class NotACache(Exception):
    """A valid SQLite file that is not ours: it is left alone."""


class ExtractionCache:
    """One open cache file; `get` and `put` never raise on a broken or locked file."""

    def __init__(self, path: str | Path, config: str, timeout: float | None = None):
        self.path = Path(path)
        self.config = config
        self.hits = self.misses = self.written = 0
        self._pending: list[tuple[str, str, bytes]] = []
        self._reads_ok = self._writes_ok = True
        self._broken = False
        self._conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT if timeout is None else timeout,
                                     isolation_level=None)
        try:
            self._setup()
        except BaseException:
            self._conn.close()
            raise

    def _setup(self) -> None:
        conn = self._conn
        # A file that is not SQLite raises here: "file is not a database".
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables <= {"extraction"}:
            raise NotACache(f"it holds other tables ({', '.join(sorted(tables)[:3])}); "
                            "it is not a graphkit cache")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a crash or SIGKILL loses at most the last transaction, never the file.
        conn.execute("PRAGMA synchronous=NORMAL")
        if version == SCHEMA and tables:
            return
        conn.execute("BEGIN IMMEDIATE")       # new file, or the layout of another graphkit version
        try:
            conn.execute("DROP TABLE IF EXISTS extraction")
            conn.execute("CREATE TABLE extraction ("
                         " key TEXT PRIMARY KEY, article_id TEXT NOT NULL, value BLOB NOT NULL"
                         ") WITHOUT ROWID")
            conn.execute(f"PRAGMA user_version={SCHEMA}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- keys and values ------------------------------------------------

    def key(self, article_id: str, sha: str) -> str:
        return hashlib.sha256(f"{self.config}\0{article_id}\0{sha}".encode()).hexdigest()

    def get(self, key: str, article_id: str, path: str) -> tuple[ArticleRecord, Extraction] | None:
        """The cached result for `key`, its record re-stamped with today's `path`; None on a miss."""
        if not self._reads_ok:
            self.misses += 1
            return None
        try:
            row = self._conn.execute("SELECT value FROM extraction WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._fail("read", exc)
            self.misses += 1
            return None
        value = None
        if row is not None:
            try:
                record, extraction = load_result(row[0])
                if record.id == article_id and extraction.article_id == article_id:
                    value = (replace(record, path=str(path)), extraction)
            except Exception as exc:  # noqa: BLE001 - any unpickling fault is a corrupt row
                self._fail("read", sqlite3.DatabaseError(f"unreadable value: {exc!r}"))
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, article_id: str, blob: bytes) -> None:
        """Store `dump_result(...)` bytes; written by `flush`, every BATCH results."""
        if not self._writes_ok:
            return
        self._pending.append((key, article_id, blob))
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write what `put` buffered, in one transaction."""
        rows, self._pending = self._pending, []
        if not rows or not self._writes_ok:
            return
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR REPLACE INTO extraction (key, article_id, value) "
                                 "VALUES (?, ?, ?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self._fail("write", exc)
            return
        self.written += len(rows)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._conn.close()
            if self._broken:
                _set_aside(self.path)

    def _fail(self, what: str, exc: sqlite3.Error) -> None:
        if _is_lock(exc):
            if what == "write" and self._writes_ok:
                _warn(f"{self.path}: cache is locked by another process ({exc}); "
                      "this build's results are not saved in it")
                self._writes_ok = False
            elif what == "read" and self._reads_ok:
                _warn(f"{self.path}: cache is locked by another process ({exc}); "
                      "extracting without it")
                self._reads_ok = False
            return
        if not self._broken:
            _warn(f"{self.path}: cache is corrupt ({exc}); it is ignored, moved to "
                  f"{self.path.name}.corrupt and rebuilt by the next build")
        self._broken = True
        self._reads_ok = self._writes_ok = False


def open_cache(path: str | Path, config: str, timeout: float | None = None) -> ExtractionCache | None:
    """Open (or create) the cache at `path`; a warning and a fresh file or None, never an error.

    A corrupt file is moved to `PATH.corrupt` and replaced. Returns None when
    the build must go without a cache: the file is locked by another process
    past the timeout, is some other SQLite database, or cannot be created.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return ExtractionCache(path, config, timeout)
    except NotACache as exc:
        _warn(f"{path}: {exc}; building without a cache")
        return None
    except sqlite3.Error as exc:
        if _is_lock(exc):
            _warn(f"{path}: cache is locked by another process ({exc}); building without it")
            return None
        _warn(f"{path}: cache is corrupt ({exc}); moved to {path.name}.corrupt and rebuilt")
    except OSError as exc:
        _warn(f"{path}: cannot open the cache ({exc}); building without it")
        return None
    try:
        _set_aside(path)
        return ExtractionCache(path, config, timeout)
    except (sqlite3.Error, NotACache, OSError) as exc:
        _warn(f"{path}: cannot rebuild the cache ({exc}); building without it")
        return None


def _set_aside(path: Path) -> None:
    """Move a broken cache to PATH.corrupt (replacing an older one) and drop its WAL files."""
    try:
        if path.exists():
            path.replace(f"{path}.corrupt")
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    except OSError as exc:
        _warn(f"{path}: cannot move the broken cache aside ({exc})")
