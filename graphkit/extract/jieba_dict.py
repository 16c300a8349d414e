"""jieba's prefix dictionary and POS tags, loaded in a fraction of the time.

jieba keeps its 500,000-entry prefix dictionary in a marshal file that takes
~0.9 s to load, and `import jieba.posseg` parses dict.txt again for the POS
tag of each of its 350,000 words (~0.3 s), in every process (every `--jobs`
worker pays it again). Pickled, both still took ~0.25 s. graphkit cuts only
short windows with jieba (1k bench articles: ~700 distinct characters, keys
starting with their two-character pieces are 3 % of the dictionary), so the
posseg tables are kept in a shard file, one unit per first one or two
characters, and a unit is read only when a sentence needs it: `_posseg()`
0.37 -> 0.13 CPU-s (imports included), units for 1k articles ~0.01 s.
The file is kept in the user's own cache folder (graphkit/user_cache.py:
`$XDG_CACHE_HOME/graphkit`, mode 0700; never read from a folder other users
can write), keyed by jieba's version and the dictionary file's size and
mtime. Anything wrong with it, and jieba loads its own way (and the file is
written again for the next process).
"""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from graphkit.extract.jieba_shards import SHARDS_KIND, LazyDictionary, open_shards, save_shards
from graphkit.user_cache import keyed_file


def _shards_path(jieba, dictionary: str) -> Path | None:
    try:
        info = os.stat(dictionary)
    except OSError:
        return None
    key = f"{jieba.__version__}|{dictionary}|{info.st_size}|{info.st_mtime_ns}"
    return keyed_file(SHARDS_KIND, key, ".shards")


def _default_dictionary(jieba) -> str | None:
    """The default dictionary's path, or None when jieba is set to another one."""
    tokenizer = jieba.dt
    if tokenizer.dictionary not in (None, jieba.DEFAULT_DICT):
        return None
    return str(Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME)


def load_jieba():
    """`jieba.posseg`, quiet and ready to cut: what graphkit uses jieba through.

    jieba's tables are process-global. From the shard file they fill as sentences need them:
    loaded before a fork, workers share the file's bytes and what the parent had loaded, and
    each loads the rest it needs.
    """
    import logging

    jieba = import_jieba()
    jieba.setLogLevel(logging.WARNING)
    return load_posseg(jieba)


def import_jieba():
    """`import jieba` without pkg_resources, ~0.1 s faster.

    jieba 0.42.1 (`jieba/_compat.py`) imports pkg_resources only to open its
    own dict.txt; when that import fails it opens the same file by path.
    """
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba

        return jieba
    sys.modules["pkg_resources"] = None         # makes `import pkg_resources` raise ImportError
    try:
        import jieba
    finally:
        if sys.modules.get("pkg_resources", False) is None:
            del sys.modules["pkg_resources"]
    return jieba


def load_posseg(jieba):
    """`jieba.posseg`, with jieba's prefix dictionary and POS tags read in parts from graphkit's
    shard file when there is a good one; else jieba's way, then the file is saved for the next
    process."""
    tokenizer = jieba.dt
    fresh = not tokenizer.initialized
    posseg, tags_missing = _import_posseg_untagged(jieba)
    if not (fresh or tags_missing):
        return posseg
    dictionary = _default_dictionary(jieba)
    path = _shards_path(jieba, dictionary) if dictionary else None
    shards = open_shards(path) if path is not None else None
    if shards is not None:
        total, data, index = shards
        with tokenizer.lock:
            fresh = not tokenizer.initialized
            if fresh:
                tokenizer.FREQ, tokenizer.total = {}, total
                tokenizer.initialized = True
        if tags_missing:
            posseg.dt.word_tag_tab = {}
        lazy = LazyDictionary(jieba, posseg, path, data, index,
                               tokenizer.FREQ if fresh else None, posseg.dt.word_tag_tab if tags_missing else None)
        lazy.install()
        if not fresh:       # jieba was loaded (maybe with user words) by someone else: tags now, whole
            lazy.load_everything()
        return posseg
    tokenizer.check_initialized()
    if tags_missing:
        posseg.dt.load_word_tag(tokenizer.get_dict_file())
    if path is not None and fresh and tags_missing:     # jieba's own tables, no user words yet
        save_shards(path, tokenizer.FREQ, tokenizer.total, posseg.dt.word_tag_tab)
    return posseg


def _import_posseg_untagged(jieba):
    """(jieba.posseg, True when its tag table is still empty and needs loading).

    jieba 0.42.1 builds `posseg.dt = POSTokenizer(jieba.dt)` at import, and
    `POSTokenizer.__init__` parses `jieba.dt.get_dict_file()` into
    `word_tag_tab`. An instance attribute on `jieba.dt` hands it an empty file
    for the time of the import; the caller fills the table.
    """
    if "jieba.posseg" in sys.modules:
        return sys.modules["jieba.posseg"], False
    jieba.dt.get_dict_file = io.BytesIO
    try:
        import jieba.posseg as posseg
    finally:
        del jieba.dt.get_dict_file
    return posseg, True
