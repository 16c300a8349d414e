"""pypinyin, imported with its tables read in parts: 0.20 -> 0.03 CPU-s for a fresh process's
first names, 0.31 -> 0.17 for what a build loads before forking.

pypinyin 0.55.0 parses two JSON files at import (47,111 phrases, 41,923
character readings: ~0.13 s) and trains its phrase segmenter's prefix set over
every phrase (~0.04 s). graphkit keeps both tables in a shard file
(pinyin_shards.py) in the user's own cache folder (graphkit/user_cache.py),
keyed by pypinyin's version and its JSON files' path, size and mtime, and puts
lazy stand-ins where pypinyin keeps them. What is left is importing pypinyin's
code (~0.014 s, most of it compiling its styles' regexes) and the units the
names need (1k bench: ~0.008 s). Without a good file, pypinyin loads its own
way and the file is written (~0.3 s, once).

Exact, for every caller of pypinyin in the process, because pypinyin 0.55.0
reads its tables only through `PHRASES_DICT` and `PINYIN_DICT` (pypinyin/constants.py,
bound by name in core.py, converter.py, seg/simpleseg.py and seg/mmseg.py) and
the prefix set `mmseg.p_set._set`:
- `lazy_pinyin` and `pinyin` test `key in` and read `[key]` (converter.py
  `_phrase_pinyin`, `_single_pinyin`; mmseg `Seg.cut`), which load the key's
  unit first; `if PHRASES_DICT:` (simpleseg `seg`) reads `len`, the file's
  count;
- `Seg.cut` tests `word in` the prefix set, which adds the prefixes of every
  phrase starting with `word[0]` first, and only those can be prefixes of it;
- `load_phrases_dict` and `load_single_dict` change the tables (all is loaded
  first) and retrain over `PHRASES_DICT.keys()` (all is loaded).
The one read that is not: mmseg's `p_set.train(PHRASES_DICT.keys())` at import,
which sees no keys; the lazy prefix set replaces what it trained (nothing).
Check this again when pypinyin changes, then add its version to CHECKED_VERSIONS;
another version is imported as it is.
"""
from __future__ import annotations

import importlib.util
import os
import re
import sys
import types
from pathlib import Path

from graphkit.pinyin_shards import (PHRASES, READINGS, SHARDS_KIND, LazyPrefixes, LazyTable,
                                    open_shards, save_shards)
from graphkit.user_cache import keyed_file

CHECKED_VERSIONS = ("0.55.0",)
_VERSION = re.compile(r"""^__version__ = ['"]([^'"]+)['"]""", re.M)
# pypinyin's module, and the name of the table in it, for each table.
_MODULES = {PHRASES: ("phrases_dict", "phrases_dict"), READINGS: ("pinyin_dict", "pinyin_dict")}


def import_pypinyin():
    """`pypinyin`, with its tables from graphkit's shard file when there is a good one; else
    pypinyin's own import, and then the file is saved for the next process.

    A pypinyin that is already imported is used as it is; one that is missing raises
    ImportError, as `import pypinyin` does.
    """
    if "pypinyin" in sys.modules:
        import pypinyin

        return pypinyin
    path, folder = _shards_path()
    shards = open_shards(path, lambda: _own_tables(folder)) if path is not None else None
    if shards is None:
        import pypinyin

        if path is not None:
            tables = {table: getattr(sys.modules[f"pypinyin.{module}"], name, None)
                      for table, (module, name) in _MODULES.items()}
            if all(type(entries) is dict for entries in tables.values()):
                save_shards(path, tables[PHRASES], tables[READINGS])
        return pypinyin
    return _import_with(shards)


def _shards_path() -> tuple[Path | None, Path | None]:
    """(the shard file for the installed pypinyin, pypinyin's folder), or Nones when pypinyin is
    missing, of a version not checked, set to go without phrases, or there is no cache folder."""
    if os.environ.get("PYPINYIN_NO_PHRASES"):
        return None, None
    try:
        spec = importlib.util.find_spec("pypinyin")
    except (ImportError, ValueError):
        return None, None
    if spec is None or not spec.origin:
        return None, None
    folder = Path(spec.origin).parent
    try:
        version = _VERSION.search((folder / "__init__.py").read_text(encoding="utf-8"))
        stats = [os.stat(folder / f"{module}.json") for module, _ in _MODULES.values()]
    except (OSError, UnicodeDecodeError):
        return None, None
    if version is None or version.group(1) not in CHECKED_VERSIONS:
        return None, None
    # The file holds native unsigned ints: the byte order is part of the key.
    tag = "|".join([version.group(1), str(folder), sys.byteorder] + [f"{s.st_size}:{s.st_mtime_ns}" for s in stats])
    path = keyed_file(SHARDS_KIND, tag, ".shards")
    return (path, folder) if path is not None else (None, None)


def _import_with(shards):
    """`import pypinyin` with stand-in table modules, then its prefix set made lazy."""
    stand_ins = {}
    for table, (module, name) in _MODULES.items():
        stand_in = types.ModuleType(f"pypinyin.{module}", f"pypinyin's {name}, read in parts by graphkit.")
        setattr(stand_in, name, LazyTable(shards, table))
        stand_ins[stand_in.__name__] = stand_in
    sys.modules.update(stand_ins)
    shards.training_deferred = True
    try:
        import pypinyin
        from pypinyin.seg import mmseg
    except BaseException:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
        raise
    finally:
        shards.training_deferred = False
    mmseg.p_set._set = LazyPrefixes(shards, mmseg.p_set._set)
    for name, stand_in in stand_ins.items():
        setattr(pypinyin, name.rpartition(".")[2], stand_in)
    return pypinyin


def _own_tables(folder: Path) -> dict:
    """pypinyin's tables loaded by its own code (the modules run again under other names)."""
    tables = {}
    for table, (module, name) in _MODULES.items():
        spec = importlib.util.spec_from_file_location(f"graphkit._pypinyin_{module}", folder / f"{module}.py")
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        tables[table] = getattr(loaded, name)
    return tables
