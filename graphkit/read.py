"""Read stage: a file on disk -> Article (frontmatter parsed, body still Markdown).

In: `.md`, `.markdown` or `.txt` files, UTF-8 (with or without BOM), UTF-16
with a BOM, or GB18030/GBK; CRLF or LF; YAML (`---`) or TOML (`+++`)
frontmatter, or none.
Out: `Article` with plain values only: ISO date string or None, `meta` as
sorted (key, str) pairs, and `warnings` listing every repair made.
Refuses (raises `ArticleError(path, reason, stage="read")`): missing,
unreadable or non-regular files, files over `MAX_FILE` (10 MiB), empty
files, binary files, malformed
YAML/TOML frontmatter, YAML aliases.

We parse frontmatter ourselves with PyYAML instead of python-frontmatter 1.3,
which silently drops metadata after a UTF-8 BOM, an unclosed `---` or a
non-mapping root, ignores `+++` unless `toml` is installed, raises a bare
ValueError on `date: 2024-13-45`, and types values by YAML 1.1 (`NO` is False,
`0123` is 83). `_load_yaml` (PyYAML's BaseLoader, libyaml when present)
reads every scalar as the string the author wrote and refuses YAML aliases;
dates are parsed by `_parse_date`.

Decisions on odd input (see tests/data/bad/README.md):
- unclosed `---`: if the lines up to the first blank line are a YAML mapping,
  they are the metadata; otherwise the whole file after `---` is the body.
  Either way the article is read, with a warning.
- a `---` block whose YAML root is a list or a number is ignored; one that is
  a plain string (prose between two rules) is kept as body text.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

import yaml

from graphkit.clean import CJK_CHARS, normalize_text
from graphkit.errors import ArticleError
from graphkit.types import Article

__all__ = ["ARTICLE_SUFFIXES", "iter_article_files", "iter_article_ids", "article_id", "read_article",
           "read_article_bytes", "read_file_bytes"]

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt")
LARGE_FILE = 5 * 1024 * 1024            # bytes; larger files are read with a warning
MAX_FILE = 10 * 1024 * 1024             # bytes; larger files are skipped (not news articles:
                                        # a dump would stall extraction or exhaust memory)
_MAX_FRONTMATTER = 1024 * 1024          # a YAML block this large is not metadata
_MAX_SALVAGE = 64 * 1024                # unclosed `---`: largest block we try as YAML
_LANG_SAMPLE = 20_000                   # characters of body used to guess the language

_log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Finding files

def iter_article_files(
    root: Path | str,
    *,
    on_skip: Callable[[Path, str], None] | None = None,
) -> Iterator[Path]:
    """Yield the article files under `root`, sorted by their article id.

    Args:
        root: a folder (walked recursively) or a single file (yielded as is,
            whatever its suffix).
        on_skip: called with (path, reason) for everything left out that a
            user might expect to see: symlink loops, broken symlinks,
            unreadable folders, non-regular files and second names of a file
            already listed. Defaults to a warning on the `graphkit.read` logger.

    Yields:
        Paths of `.md`, `.markdown` and `.txt` files (any case), as found
        under `root` (symlinks not resolved). Hidden files and folders (name
        starting with ".") are skipped silently. Symlinks to files and folders
        are followed; a folder whose real path was already walked is reported
        (as a loop when it is an ancestor) and not entered again.

    Raises:
        ArticleError: `root` does not exist.
    """
    for path, _ in iter_article_ids(root, on_skip=on_skip):
        yield path


def iter_article_ids(
    root: Path | str,
    *,
    on_skip: Callable[[Path, str], None] | None = None,
) -> Iterator[tuple[Path, str]]:
    """`iter_article_files`, each path with its article id (`article_id(path, root)`).

    The ids come from the walk itself: no path arithmetic or stat per file.
    """
    report = on_skip or (lambda p, why: _log.warning("%s: %s", p, why))
    root = Path(root)
    if not os.path.lexists(root):
        raise ArticleError(root, "no such file or folder", stage="read")
    if not root.is_dir():
        yield root, unicodedata.normalize("NFC", root.name)
        return
    # (id, path, real path), sorted by id
    found = sorted(_walk(root, report), key=lambda item: item[0])
    if len({real for _, _, real in found}) == len(found):
        for rel, path, _ in found:
            yield path, rel
        return
    # A file reachable under two names is listed once, under its real path if
    # that is in the tree, else under the first name in sorted order.
    real_of = {rel: real for rel, _, real in found}
    keep: dict[str, tuple[str, Path]] = {}
    for rel, path, _ in sorted(found, key=lambda item: (
            os.path.abspath(item[1]) != real_of[item[0]], item[0])):
        if real_of[rel] not in keep:
            keep[real_of[rel]] = (rel, path)
    kept = {rel for rel, _ in keep.values()}
    for rel, path, _ in found:
        if rel in kept:
            yield path, rel
        else:
            report(path, f"same file as {keep[real_of[rel]][0]}, listed once")


def _walk(root: Path, report: Callable[[Path, str], None]) -> list[tuple[str, Path, str]]:
    """(article id, path, real path) of every article file under the folder `root`."""
    found: list[tuple[str, Path, str]] = []
    walked: set[str] = set()
    # (folder, its id prefix, real paths of the folders above it): a stack, so depth is unbounded
    stack: list[tuple[Path, str, tuple[str, ...]]] = [(root, "", ())]
    while stack:
        folder, prefix, ancestors = stack.pop()
        real = os.path.realpath(folder)
        if real in walked:
            why = "symlink loop" if real in ancestors else "folder already walked"
            report(folder, f"{why}: {folder} -> {real}, not entered again")
            continue
        walked.add(real)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            report(folder, f"cannot list folder: {e.strerror or e}")
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()             # follows symlinks
                is_file = entry.is_file()
                is_link = entry.is_symlink()
            except OSError as e:
                report(Path(entry.path), f"cannot stat: {e.strerror or e}")
                continue
            if is_dir:
                stack.append((Path(entry.path), f"{prefix}{name}/", ancestors + (real,)))
                continue
            if not name.lower().endswith(ARTICLE_SUFFIXES):
                continue
            path = Path(entry.path)
            if is_link and not os.path.exists(path):
                report(path, "broken symlink")
                continue
            if not is_file:
                report(path, "not a regular file")
                continue
            # macOS stores names decomposed (NFD); ids must not depend on the OS.
            # A file that is not a symlink is where its real folder says.
            found.append((unicodedata.normalize("NFC", prefix + name), path,
                          os.path.realpath(path) if is_link else os.path.join(real, name)))
    return found


def article_id(path: Path | str, root: Path | str) -> str:
    """The article id: `path` relative to the input folder, "/"-separated, NFC.

    For a single-file input (`path == root`, or `root` not a folder) it is
    the file name: `article_id("news/zh/a.md", "news")` is `"zh/a.md"`,
    `article_id("news/zh/a.md", "news/zh/a.md")` is `"a.md"`.
    """
    path, root = Path(path), Path(root)
    if path == root or not root.is_dir():
        rel = path.name
    else:
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            rel = Path(os.path.relpath(path, root)).as_posix()
    # macOS stores names decomposed (NFD); ids must not depend on the OS
    return unicodedata.normalize("NFC", rel)


# ---------------------------------------------------------------------------
# Reading one file

def read_article(path: Path | str, root: Path | str | None = None) -> Article:
    """Read one article file.

    Args:
        path: the file.
        root: the input folder `path` was found under (for the id); None or
            `path` itself for a single-file input.

    Returns:
        `Article`. The title is the frontmatter `title`, else the first
        Markdown heading, else the first line. `published` is an ISO date or
        None (`2024--3-18` -> `2024-03-18`; `2024-13-45` -> None with a
        warning). `lang` is the frontmatter `lang` (`zh-CN` -> `zh`), else
        "zh" when CJK characters are at least 10 % of the letters of title and
        body. `meta` holds every other frontmatter key; lists are joined with
        ", " (`author: [openEuler]` -> `("author", "openEuler")`).

    Raises:
        ArticleError: with `reason` one of "file not found", "permission
            denied", "not a regular file (...)", "empty file", "binary file
            (...)", "malformed YAML frontmatter at line N: ...", "malformed
            TOML frontmatter: ...", "malformed YAML frontmatter: a YAML
            alias ...", "file too large: ... (limit 10 MiB)".
    """
    path = Path(path)
    root = Path(root) if root is not None else path
    return read_article_bytes(_read_bytes(path), article_id(path, root), path)


def read_article_bytes(raw: bytes, article_id: str, path: Path | str) -> Article:
    """`read_article` for bytes already read: from an fsspec URL, or hashed for the cache.

    Args:
        raw: the whole file.
        article_id: its id (see `article_id`; a URL has no local folder to
            compute it from).
        path: where the bytes came from, a path or a URL such as
            `s3://bucket/news/zh/a.md`; kept as `Article.path`, named in errors.

    Returns and raises as `read_article`, without the file-system errors.
    """
    warnings: list[str] = []
    if len(raw) > LARGE_FILE:
        warnings.append(f"large file: {len(raw) / 2**20:.1f} MiB (over {LARGE_FILE // 2**20} MiB)")
    text, has_controls = _decode(path, raw, warnings)
    text = _strip_controls(text, has_controls, warnings)
    if not text.strip():
        raise ArticleError(path, "empty file", stage="read")

    meta, body, fm_kind = _split_frontmatter(path, text, warnings)

    has_meta = fm_kind in ("yaml", "toml")
    title = _one_line(_text_value(meta.pop("title", None)))
    if not title:
        named = PurePosixPath(path) if "://" in str(path) else Path(path)
        title, body, source = _title_from_body(body, named)
        if fm_kind == "none":
            warnings.append(f"no frontmatter: title from {source}, date unknown")
        elif has_meta:
            warnings.append(f"frontmatter has no title: title from {source}")
        else:
            warnings.append(f"title from {source}, date unknown")

    published: str | None = None
    date_key = next((k for k in ("date", "published") if k in meta), None)
    if date_key is not None:
        published = _parse_date(meta.pop(date_key), warnings)
    elif has_meta:
        warnings.append("no date in frontmatter: date unknown")

    summary = _one_line(_text_value(meta.pop("summary", None)))
    lang = _pick_lang(meta.pop("lang", meta.pop("language", None)), title, body, warnings)
    if not body.strip():
        warnings.append("empty body")

    return Article(
        id=article_id,
        path=str(path),
        lang=lang,
        title=title,
        published=published,
        body=body,
        summary=summary,
        meta=tuple(sorted((str(k), _meta_value(v)) for k, v in meta.items())),
        warnings=tuple(warnings),
    )


def read_file_bytes(path: Path | str) -> bytes:
    """The bytes of an article file, with `read_article`'s errors (missing, FIFO, permission)."""
    return _read_bytes(Path(path))


def _read_bytes(path: Path) -> bytes:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ArticleError(path, "file not found", stage="read") from None
    except PermissionError:
        raise ArticleError(path, "permission denied", stage="read") from None
    except OSError as e:
        raise ArticleError(path, f"cannot stat: {e.strerror or e}", stage="read") from None
    if not stat.S_ISREG(st.st_mode):
        # opening a FIFO would block forever: check before open()
        kind = ("a folder" if stat.S_ISDIR(st.st_mode) else
                "a FIFO" if stat.S_ISFIFO(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "a device")
        raise ArticleError(path, f"not a regular file ({kind})", stage="read")
    if st.st_size > MAX_FILE:
        raise ArticleError(path, f"file too large: {st.st_size / 2**20:.1f} MiB "
                           f"(limit {MAX_FILE // 2**20} MiB)", stage="read")
    try:
        # os.open/os.read: a file object's buffering costs as much as reading a news article
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            # read(MAX_FILE + 1) allocates 10 MiB per file (CPython 3.11), 4x the
            # cost of reading and hashing a news article: ask for the size stat()
            # saw plus one byte, and read on only if the file grew since.
            raw = _read_upto(fd, st.st_size + 1)
            if len(raw) > st.st_size:
                raw += _read_upto(fd, MAX_FILE + 1 - len(raw))
        finally:
            os.close(fd)
    except PermissionError:
        raise ArticleError(path, "permission denied", stage="read") from None
    except OSError as e:
        raise ArticleError(path, f"cannot read: {e.strerror or e}", stage="read") from None
    if len(raw) > MAX_FILE:
        raise ArticleError(path, f"file too large: over {MAX_FILE // 2**20} MiB", stage="read")
    return raw


def _read_upto(fd: int, size: int) -> bytes:
    """Up to `size` bytes from `fd`: fewer only at the end of the file."""
    chunks: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _decode(path: Path, raw: bytes, warnings: list[str]) -> tuple[str, bool]:
    """Bytes -> (str, whether it holds control characters): UTF-16 (BOM), UTF-8
    (BOM optional), else GB18030; else binary."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ArticleError(path, "binary file (UTF-16 byte order mark, invalid UTF-16)",
                               stage="read") from None
        warnings.append("decoded as UTF-16 (byte order mark)")
        return text, _CONTROL.search(text) is not None
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ArticleError(path, "empty file", stage="read")
    nul = raw.count(b"\x00")
    if nul > 0.01 * len(raw):
        raise ArticleError(path, f"binary file ({nul / len(raw):.0%} NUL bytes)", stage="read")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    else:
        if not _utf8_has_controls(raw):
            return text, False
    if text is None:
        # A few bad bytes in otherwise valid UTF-8 (a truncated copy): keep UTF-8.
        lenient = raw.decode("utf-8-sig", errors="replace")
        bad = lenient.count("\ufffd") - raw.count("\ufffd".encode())
        if bad <= max(3, len(raw) // 10_000):
            warnings.append(f"replaced {bad} invalid UTF-8 byte sequence(s) with U+FFFD")
            text = lenient
        else:
            try:
                text = raw.decode("gb18030")
                warnings.append("decoded as GB18030 (not valid UTF-8)")
            except UnicodeDecodeError:
                # Not GB18030 either: UTF-8 damaged in many places (bytes flipped
                # by a bad copy) is still text when at most 1 % of it is bad.
                if bad > len(raw) // 100:
                    raise ArticleError(path, "binary file (not UTF-8 or GB18030 text)",
                                       stage="read") from None
                warnings.append(f"replaced {bad} invalid UTF-8 byte sequence(s) with U+FFFD")
                text = lenient
    # one scan of the whole text: most files have no control character at all
    first = _CONTROL.search(text)
    if first is None:
        return text, False
    controls = len(_CONTROL.findall(text, first.start(), 65536))
    if controls > 0.05 * min(len(text), 65536):
        raise ArticleError(path, f"binary file ({controls} control characters in the first 64 KiB)",
                           stage="read")
    return text, True


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff]")
# _CONTROL's characters in UTF-8: C0 and DEL bytes, C2 80-9F but C2 85, EF B7 90-AF, EF BF BE-BF
_NOT_C0_BYTES = bytes(b for b in range(256) if not _CONTROL.match(chr(b)) or b > 0x7F)
_UTF8_C1 = re.compile(rb"\xc2[\x80-\x84\x86-\x9f]")
_UTF8_NONCHAR = re.compile(rb"\xef(?:\xb7[\x90-\xaf]|\xbf[\xbe\xbf])")


def _utf8_has_controls(raw: bytes) -> bool:
    """Whether valid UTF-8 `raw` encodes one of _CONTROL's characters.

    Three byte scans (~1 ns a byte) instead of a regex over the decoded text (~5 ns a character).
    """
    return (bool(raw.translate(None, _NOT_C0_BYTES))
            or (b"\xc2" in raw and _UTF8_C1.search(raw) is not None)
            or _UTF8_NONCHAR.search(raw) is not None)


def _strip_controls(text: str, has_controls: bool, warnings: list[str]) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not has_controls:
        return text
    found = _CONTROL.findall(text)
    names = sorted({f"U+{ord(c):04X}" for c in found})
    warnings.append(f"removed {len(found)} control character(s): {', '.join(names[:5])}"
                    + (", ..." if len(names) > 5 else ""))
    if "\x1b" in text:
        # a terminal colour code (ESC [ 3 1 m) goes as a whole, not just its ESC
        text = _ANSI.sub("\x1b", text)
    return _CONTROL.sub("", text)


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


# ---------------------------------------------------------------------------
# Frontmatter

# PyYAML's BaseLoader reads every scalar as the str the author wrote. The C
# loader (libyaml) is ~20x faster than the Python one.
_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _load_yaml(block: str) -> object:
    """YAML -> plain data; refuses aliases.

    An alias (`*a`) lets a few bytes of YAML name the same list many times
    over, and turning that into strings ("billion laughs") eats all memory.
    Frontmatter never needs one. With BaseLoader an alias is the very same
    object, so a container met twice while walking the result is an alias.
    """
    data = _simple_yaml(block)
    if data is not None:
        return data
    data = yaml.load(block, Loader=_Loader)
    seen: set[int] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, dict)):
            if id(node) in seen:
                raise yaml.YAMLError("a YAML alias (*name) repeats a value; "
                                     "frontmatter does not allow aliases")
            seen.add(id(node))
            stack.extend(node.values() if isinstance(node, dict) else node)
    return data


# The frontmatter almost every article has: `key: value` lines and `- item`
# lists, each value one quoted string or plain text without ':' or '#'.
# PyYAML spends ~50 µs on such a block, mostly in Python; `_simple_yaml`
# reads it to the same strings in a few, and leaves anything else to PyYAML.
_VALUE = r"""(?:'((?:[^'\n]|'')*)'|"([^"\\\n]*)"|([^\s\-?:,\[\]{}#&*!|>'"%@`][^:#\n]*?))"""
_SIMPLE_LINE = re.compile(
    rf"([A-Za-z_][A-Za-z0-9_]{{0,99}}):(?: +{_VALUE})? *"      # key: value (value may be empty)
    rf"|( *)- +{_VALUE} *"                                   # list item
    r"| *|#[^\n]*"                                           # blank line, comment
)
# what YAML may read differently from a plain character: line breaks other
# than "\n" (\r, \x85, \u2028, \u2029), tabs, a BOM, characters YAML refuses
_NOT_SIMPLE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                         "\U00010000-\U0010ffff]")


def _simple_yaml(block: str) -> dict | None:
    """`block` as BaseLoader reads it, if it is only keys with one-line values or
    lists of them (every key at the start of its line); else None."""
    if _NOT_SIMPLE.search(block):
        return None
    data: dict = {}
    items: list | None = None           # the list being filled, after `key:` alone
    indent = None                       # of its items
    key = None                          # the key whose value is still empty
    for line in block.split("\n"):
        m = _SIMPLE_LINE.fullmatch(line)
        if m is None:
            return None
        if m.group(1) is not None:                          # key: value
            if key is not None and items is None:
                data[key] = ""
            key, items, indent = m.group(1), None, None
            value = _simple_value(m, 2)
            if value is not None:
                data[key] = value
                key = None
        elif m.group(5) is not None:                        # - item
            if key is None or (indent is not None and len(m.group(5)) != indent):
                return None             # an item after `key: value` continues that value
            if items is None:
                items, indent = [], len(m.group(5))
                data[key] = items
            items.append(_simple_value(m, 6))
    if key is not None and items is None:
        data[key] = ""
    return data or None


def _simple_value(m: re.Match[str], first: int) -> str | None:
    """The value of the `_VALUE` groups starting at group `first`, or None if empty."""
    single, double, plain = m.group(first, first + 1, first + 2)
    if single is not None:
        return single.replace("''", "'")
    return double if double is not None else plain


_YAML_OPEN = re.compile(r"\A(?:[ \t]*\n)*(---|\+\+\+)[ \t]*\n")
_YAML_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
_TOML_CLOSE = re.compile(r"^\+\+\+[ \t]*$", re.M)


def _split_frontmatter(path: Path, text: str, warnings: list[str]) -> tuple[dict, str, str]:
    """Return (metadata, body, kind).

    kind is "yaml" or "toml" when metadata was read, "none" when the file has
    no frontmatter and "text" when a `---` block turned out to be body text.
    """
    m = _YAML_OPEN.match(text)
    if m is None:
        return {}, text.strip("\n"), "none"
    first_line = text.count("\n", 0, m.start(1)) + 2     # 1-based line after the fence
    fence = m.group(1)
    close = (_YAML_CLOSE if fence == "---" else _TOML_CLOSE).search(text, m.end())
    if close is None:
        data, body = _unclosed(text[m.end():], fence, warnings)
        return data, body, ("yaml" if fence == "---" else "toml") if data else "text"
    block = text[m.end():close.start()]
    body = text[close.end():].strip("\n")
    if len(block) > _MAX_FRONTMATTER:
        raise ArticleError(path, f"frontmatter is {len(block) / 2**20:.1f} MiB; a closing "
                           f"'{fence}' is probably missing", stage="read")
    if fence == "+++":
        try:
            return tomllib.loads(block), body, "toml"
        except tomllib.TOMLDecodeError as e:
            msg = re.sub(r"at line (\d+)", lambda g: f"at line {int(g[1]) + first_line - 1}", str(e))
            raise ArticleError(path, f"malformed TOML frontmatter: {msg}", stage="read") from None
    try:
        data = _load_yaml(block)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + first_line}" if mark else ""
        what = e.problem or str(e)
        if e.context:
            what = f"{what} ({e.context})"
        raise ArticleError(path, f"malformed YAML frontmatter{where}: {what}", stage="read") from None
    except yaml.YAMLError as e:
        raise ArticleError(path, f"malformed YAML frontmatter: {e}", stage="read") from None
    if data is None or data == "":
        warnings.append("empty frontmatter")
        return {}, body, "yaml"
    if isinstance(data, dict):
        return data, body, "yaml"
    if isinstance(data, str):
        # prose between two horizontal rules, not metadata: keep it
        warnings.append("'---' block is text, not YAML metadata: kept as body")
        return {}, (block.strip("\n") + "\n\n" + body).strip("\n"), "text"
    warnings.append(f"frontmatter is a {type(data).__name__}, not a mapping: ignored")
    return {}, body, "yaml"


def _unclosed(rest: str, fence: str, warnings: list[str]) -> tuple[dict, str]:
    head, sep, tail = rest.partition("\n\n")
    if len(head) <= _MAX_SALVAGE:
        try:
            data = _load_yaml(head) if fence == "---" else tomllib.loads(head)
        except (yaml.YAMLError, tomllib.TOMLDecodeError):
            data = None
        if isinstance(data, dict) and data:
            warnings.append(f"frontmatter has no closing '{fence}': "
                            "metadata read up to the first blank line")
            return data, tail.strip("\n")
    warnings.append(f"frontmatter has no closing '{fence}': whole file read as body")
    return {}, rest.strip("\n")


# ---------------------------------------------------------------------------
# Values

def _text_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_text_value(v) for v in value)
    return str(value)


_WS = re.compile(r"\s+")


def _one_line(s: str) -> str:
    return _WS.sub(" ", normalize_text(s)).strip()


def _meta_value(value: object) -> str:
    """A frontmatter value as one string: lists joined by ", ", dates ISO, dicts JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(_meta_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value).strip()


_DATE_YMD = re.compile(
    r"(\d{4})\s*(?:[-/.年]\s*)+(\d{1,2})\s*(?:[-/.月]\s*)+(\d{1,2})\s*日?"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_EN = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})")
_MONTHS = {m: i for i, names in enumerate(
    ("jan january", "feb february", "mar march", "apr april", "may", "jun june",
     "jul july", "aug august", "sep sept september", "oct october", "nov november",
     "dec december"), start=1) for m in names.split()}


def _parse_date(value: object, warnings: list[str]) -> str | None:
    """ISO date from a frontmatter value, or None with a warning."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    raw = _text_value(value).strip().strip("'\"")
    if not raw:
        warnings.append("empty date in frontmatter: date unknown")
        return None
    y = mo = d = None
    if m := _DATE_YMD.fullmatch(raw):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _DATE_COMPACT.fullmatch(raw):
        y, mo, d = (int(g) for g in m.groups())
    elif (m := _DATE_EN.fullmatch(raw)) and m.group(1).lower() in _MONTHS:
        y, mo, d = int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))
    if y is None:
        warnings.append(f"unrecognised date {raw!r}: date unknown")
        return None
    try:
        iso = _dt.date(y, mo, d).isoformat()
    except ValueError as e:
        warnings.append(f"invalid date {raw!r} ({e}): date unknown")
        return None
    if not raw.startswith(iso):
        warnings.append(f"date {raw!r} read as {iso}")
    return iso


def _pick_lang(value: object, title: str, body: str, warnings: list[str]) -> str:
    declared = _text_value(value).strip().lower().replace("_", "-")
    if declared:
        base = declared.split("-")[0]
        if base in ("zh", "en"):
            return base
        if declared in ("chinese", "中文"):
            return "zh"
        if declared == "english":
            return "en"
    detected = detect_lang(title + "\n" + body[:_LANG_SAMPLE])
    if declared:
        warnings.append(f"lang {declared!r} not supported: detected {detected!r} from the text")
    return detected


_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_LETTER_RUN = re.compile(r"[^\W\d_]+")      # CJK ideographs are letters too
_NOT_ASCII_LETTER = bytes(b for b in range(128) if not chr(b).isalpha())


def detect_lang(text: str) -> str:
    """"zh" if CJK characters are at least 10 % of the letters, else "en".

    >>> detect_lang("openEuler 24.03 LTS版本发布"), detect_lang("openEuler 24.03 LTS released")
    ('zh', 'en')
    """
    # Counting letters is the costly part; bounds settle most texts without it.
    ascii_only = text.encode("ascii", "ignore")
    ascii_letters = len(ascii_only.translate(None, _NOT_ASCII_LETTER))
    if len(text) - len(ascii_only) < 0.1 * ascii_letters:
        return "en"         # even if every other character were CJK: under 10 % of the ASCII letters
    enough = 0.1 * len(text)
    cjk = _cjk_lower_bound(text)
    if cjk < enough:
        cjk = _count_cjk(text, enough)
    if not cjk:
        return "en"
    if cjk >= 0.1 * len(text):
        # at least 10 % of any number of letters: there only needs to be one
        # (kana marks such as U+3099 are not letters)
        return "zh" if _LETTER_RUN.search(text) else "en"
    if cjk < 0.1 * ascii_letters:
        return "en"         # under 10 % of the ASCII letters alone
    letters = sum(map(len, _LETTER_RUN.findall(text)))
    return "zh" if letters and cjk >= 0.1 * letters else "en"


_CJK_STEP = 512         # characters counted between checks of `enough`
# UTF-8 lead bytes of U+4000..U+9FFF; of those, only U+4DC0..U+4DFF (lead E4 B7,
# hexagram symbols) are not CJK ideographs
_NOT_CJK_LEAD = bytes(b for b in range(256) if not 0xE4 <= b <= 0xE9)


def _cjk_lower_bound(text: str) -> int:
    """At most the number of CJK characters in `text`; over 10 % of its length for Chinese.

    Counts U+4000..U+9FFF but U+4DC0..U+4DFF in the first half of the text, as
    lead bytes of its UTF-8: byte scans in C, ~3x faster than counting the runs
    of `_CJK_RUN` (in the 1k corpus, 820 of 824 Chinese texts pass 10 % there).
    """
    head = text[:len(text) // 2 + 1].encode("utf-8", "surrogatepass")
    return len(head.translate(None, _NOT_CJK_LEAD)) - head.count(b"\xe4\xb7")


def _count_cjk(text: str, enough: float) -> int:
    """The number of CJK characters in `text`, or, once it reaches `enough`, the count so far.

    Chinese text reaches 10 % of its length within its first few hundred
    characters: counting stops there instead of running over the whole text.
    """
    cjk = 0
    findall = _CJK_RUN.findall
    for start in range(0, len(text), _CJK_STEP):
        # a run cut at a step boundary is counted in two parts: same total
        cjk += sum(map(len, findall(text, start, start + _CJK_STEP)))   # runs: far fewer objects than chars
        if cjk >= enough:
            break
    return cjk


# ---------------------------------------------------------------------------
# Title from the body

_ATX = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.M)
_SETEXT = re.compile(r"^ {0,3}(\S[^\n]*)\n {0,3}(?:=+|-+)[ \t]*$", re.M)
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|<[^<>]*>|\\(?=[!-/:-@\[-`{-~])|\*\*|__|~~|`")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")


def _title_from_body(body: str, path: Path) -> tuple[str, str, str]:
    """(title, body, source): the first heading when no prose comes before it
    (the heading is then removed from the body), else the first line of text
    (body unchanged), else the file name."""
    head = body[:100_000]
    found = [m for m in (_ATX.search(head), _SETEXT.search(head)) if m]
    if found:
        m = min(found, key=lambda c: c.start())
        title = _plain(m.group(1))
        if title and not any(_plain(ln) for ln in head[:m.start()].split("\n")):
            return title, (body[:m.start()] + body[m.end():]).strip("\n"), "first heading"
    for line in head.split("\n"):
        title = _plain(line)
        if title:
            if len(title) > 120:
                cut = title[:120]
                title = cut.rsplit(" ", 1)[0] if " " in cut else cut
            return title, body, "first line"
    return _one_line(path.stem), body, "file name"


def _plain(line: str) -> str:
    s = _MD_LINK.sub(r"\1", line)
    s = _MARKUP.sub("", s).strip().lstrip("#>-*+ ").strip()
    return _one_line(s)
