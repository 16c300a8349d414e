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
The prefix dictionary alone (`load_prefix_dictionary`) is still one pickle.
Both files are kept in the user's own cache folder (graphkit/user_cache.py:
`$XDG_CACHE_HOME/graphkit`, mode 0700; never read from a folder other users
can write), keyed by jieba's version and the dictionary file's size and
mtime. Anything wrong with them, and jieba loads its own way (and the file is
written again for the next process).
"""
from __future__ import annotations

import hashlib
import io
import marshal
import os
import pickle
import sys
from operator import add
from pathlib import Path

from graphkit.user_cache import cache_folder, read_own, save_atomically


def _cache_path(jieba, dictionary: str, kind: str = "jieba", suffix: str = ".pickle") -> Path | None:
    folder = cache_folder()
    if folder is None:
        return None
    try:
        info = os.stat(dictionary)
    except OSError:
        return None
    tag = f"{jieba.__version__}|{dictionary}|{info.st_size}|{info.st_mtime_ns}"
    return folder / f"{kind}-{hashlib.sha256(tag.encode()).hexdigest()[:16]}{suffix}"


def _default_dictionary(jieba) -> str | None:
    """The default dictionary's path, or None when jieba is set to another one."""
    tokenizer = jieba.dt
    if tokenizer.dictionary not in (None, jieba.DEFAULT_DICT):
        return None
    return str(Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME)


def load_prefix_dictionary(jieba) -> None:
    """Initialise `jieba.dt` from the pickle when there is a good one; else jieba's way, then save it."""
    tokenizer = jieba.dt
    if tokenizer.initialized:
        return
    dictionary = _default_dictionary(jieba)
    path = _cache_path(jieba, dictionary) if dictionary else None
    cached = _own_pickle(path) if path is not None else None
    if isinstance(cached, tuple) and len(cached) == 2:
        freq, total = cached
        if isinstance(freq, dict) and isinstance(total, int) and freq:
            with tokenizer.lock:
                if not tokenizer.initialized:
                    tokenizer.FREQ, tokenizer.total = freq, total
                    tokenizer.initialized = True
            return
    tokenizer.initialize()
    if path is not None:
        _save(path, (tokenizer.FREQ, tokenizer.total))


def _save(path: Path, value) -> None:
    save_atomically(path, lambda f: pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL))


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
    path = _cache_path(jieba, dictionary, kind=SHARDS_KIND, suffix=".shards") if dictionary else None
    shards = _open_shards(path) if path is not None else None
    if shards is not None:
        total, data, index = shards
        with tokenizer.lock:
            fresh = not tokenizer.initialized
            if fresh:
                tokenizer.FREQ, tokenizer.total = {}, total
                tokenizer.initialized = True
        if tags_missing:
            posseg.dt.word_tag_tab = {}
        lazy = _LazyDictionary(jieba, posseg, path, data, index,
                               tokenizer.FREQ if fresh else None, posseg.dt.word_tag_tab if tags_missing else None)
        lazy.install()
        if not fresh:       # jieba was loaded (maybe with user words) by someone else: tags now, whole
            lazy.load_everything()
        return posseg
    tokenizer.check_initialized()
    if tags_missing:
        posseg.dt.load_word_tag(tokenizer.get_dict_file())
    if path is not None and fresh and tags_missing:     # jieba's own tables, no user words yet
        _save_shards(path, tokenizer.FREQ, tokenizer.total, posseg.dt.word_tag_tab)
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


def _own_pickle(path: Path):
    """What graphkit pickled at `path` (a file of this user's), or None: missing, truncated or
    foreign files mean jieba's own load."""
    data = read_own(path)
    if data is None:
        return None
    try:
        return pickle.loads(data)
    except Exception:
        return None


# --- the dictionary in shards -------------------------------------------------------------
#
# A unit is every FREQ and word_tag_tab entry whose key starts with the same one or two
# characters (`key[:2]`), marshalled as (FREQ part, word_tag_tab part). The file: MAGIC, the
# header's length (8 bytes, little-endian), the header, the data. Header: marshal of
# (total, length of the data, {character: (offset of its one-character unit or -1, offset of
# its block)}). A character's block: marshal of (the second characters of its two-character
# units, their offsets as 4 little-endian bytes each): the 1k bench's 679 characters' blocks
# load in 1.7 ms, as dicts of (offset, length) in 18 ms.
# Offsets count from the start of the data; marshal ignores the bytes after a value.

SHARDS_KIND = "posseg-shards-v1"
MAGIC = b"graphkit jieba shards 1\n"
_READY_LIMIT = 1 << 16      # sentences remembered as loaded, then forgotten and checked again

_active: _LazyDictionary | None = None


def words_for(text: str) -> dict[str, int]:
    """jieba's prefix dictionary (`jieba.dt.FREQ`), holding at least every key that is a
    substring of `text`."""
    lazy = _active
    if lazy is not None:
        return lazy.words_for(text)
    return sys.modules["jieba"].dt.FREQ


class _LazyDictionary:
    """`jieba.dt.FREQ` and `posseg.dt.word_tag_tab` (either None when it is already whole),
    filled in place with the units of every sentence before jieba's `get_DAG` reads it.

    Exact because every lookup jieba 0.42.1 makes while cutting (`get_DAG`, `calc`, the
    `__cut_DAG*` of Tokenizer and POSTokenizer, `cut_for_search`) is of a substring of a block
    that went through `get_DAG` first, and a substring of s starts with s[i] or s[i:i+2].
    `add_word` (and `load_userdict`, `del_word`, `suggest_freq`, which call it) loads all first.
    """

    def __init__(self, jieba, posseg, path: Path, data: memoryview, index: dict,
                 freq: dict | None, tags: dict | None):
        self.jieba, self.tokenizer, self.posseg, self.path = jieba, jieba.dt, posseg, path
        self.data, self.index = data, index
        self.freq, self.tags = freq, tags
        self.blocks: dict[str, tuple[str, bytes]] = {}
        self.singles: set[str] = set()      # characters whose one-character unit is loaded (or absent)
        self.pairs: set[str] = set()        # two-character units loaded (or absent)
        self.ready: set[str] = set()        # sentences whose units are all loaded
        self.jieba_get_DAG = self.tokenizer.get_DAG
        self.jieba_functions: dict[str, object] = {}

    def get_DAG(self, sentence):
        if sentence not in self.ready:
            self.load(sentence)
        return self.jieba_get_DAG(sentence)

    def add_word(self, *args, **kwargs):
        """A user word must not be overwritten by a unit loaded later: load them all first."""
        self.load_everything()
        return self.tokenizer.add_word(*args, **kwargs)

    def get_FREQ(self, word, default=None):
        return self.words_for(word).get(word, default)

    def words_for(self, text: str) -> dict:
        if text not in self.ready:
            self.load(text)
        return self.tokenizer.FREQ

    def load(self, text: str) -> None:
        pairs = set(map(add, text, text[1:]))      # text's two-character pieces
        if not (self.singles.issuperset(text) and self.pairs.issuperset(pairs)):
            with self.tokenizer.lock:
                try:
                    for char in set(text) - self.singles:
                        self._load_single(char)
                        self.singles.add(char)
                    for pair in pairs - self.pairs:
                        self._load_pair(pair)
                        self.pairs.add(pair)
                except Exception:
                    self._fall_back()
                    return
        if len(self.ready) >= _READY_LIMIT:
            self.ready.clear()
        self.ready.add(text)

    def _load_single(self, char: str) -> None:
        single, _ = self.index.get(char, (-1, -1))
        if single >= 0:
            self._load_unit(single)

    def _load_pair(self, pair: str) -> None:
        seconds, offsets = self._block(pair[0])
        i = seconds.find(pair[1])
        if i >= 0:
            self._load_unit(int.from_bytes(offsets[4 * i:4 * i + 4], "little"))

    def _block(self, char: str) -> tuple[str, bytes]:
        block = self.blocks.get(char)
        if block is None:
            _, at = self.index.get(char, (-1, -1))
            block = ("", b"") if at < 0 else marshal.loads(self.data[at:])
            seconds, offsets = block        # raises when it is not a pair
            if type(seconds) is not str or type(offsets) is not bytes or len(offsets) != 4 * len(seconds):
                raise ValueError("not a block")
            self.blocks[char] = block
        return block

    def _load_unit(self, offset: int) -> None:
        freq, tags = marshal.loads(self.data[offset:])
        if type(freq) is not dict or type(tags) is not dict:
            raise ValueError("not a unit")
        if self.freq is not None:
            self.freq.update(freq)
        if self.tags is not None:
            self.tags.update(tags)

    def load_everything(self) -> None:
        """Every unit, then jieba's own get_DAG and add_word back."""
        with self.tokenizer.lock:
            try:
                for char in self.index:
                    self._load_single(char)
                    for second in self._block(char)[0]:
                        self._load_pair(char + second)
            except Exception:
                self._fall_back()
                return
            self._uninstall()

    def _fall_back(self) -> None:
        """A unit that does not load: the rest from jieba's dict.txt, and the file written again."""
        jieba_freq, total = self.tokenizer.gen_pfdict(self.tokenizer.get_dict_file())
        tagged = type("Tags", (), {})()
        self.posseg.POSTokenizer.load_word_tag(tagged, self.tokenizer.get_dict_file())
        if self.freq is not None:
            self.freq.update(jieba_freq)
            self.tokenizer.total = total
        if self.tags is not None:
            self.tags.update(tagged.word_tag_tab)
        self._uninstall()
        _save_shards(self.path, jieba_freq, total, tagged.word_tag_tab)

    def install(self) -> None:
        """In front of jieba.dt's `get_DAG` and `add_word` (instance attributes, which jieba's own
        methods call), and of the module's `get_DAG`, `add_word` and `get_FREQ`: jieba 0.42.1
        binds those to `dt` at import."""
        global _active
        self.tokenizer.get_DAG = self.get_DAG
        self.tokenizer.add_word = self.add_word
        for name in ("get_DAG", "add_word", "get_FREQ"):
            self.jieba_functions[name] = getattr(self.jieba, name)
            setattr(self.jieba, name, getattr(self, name))
        _active = self

    def _uninstall(self) -> None:
        global _active
        for name in ("get_DAG", "add_word"):
            if self.tokenizer.__dict__.get(name) == getattr(self, name):
                del self.tokenizer.__dict__[name]
        for name, function in self.jieba_functions.items():
            if getattr(self.jieba, name) == getattr(self, name):
                setattr(self.jieba, name, function)
        if _active is self:
            _active = None


def _open_shards(path: Path) -> tuple[int, memoryview, dict] | None:
    """(total, data, index) from graphkit's shard file (a file of this user's), or None:
    missing, truncated or foreign files mean jieba's own load."""
    content = read_own(path)
    if content is None or not content.startswith(MAGIC):
        return None
    view = memoryview(content)
    start = len(MAGIC) + 8
    try:
        header_length = int.from_bytes(view[len(MAGIC):start], "little")
        total, data_length, index = marshal.loads(view[start:start + header_length])
    except Exception:
        return None
    data = view[start + header_length:]
    if type(total) is not int or type(index) is not dict or data_length != len(data) or not index:
        return None
    return total, data, index


def _save_shards(path: Path, freq: dict, total: int, tags: dict) -> None:
    """Write the shard file (layout above) from jieba's whole tables."""
    words = {w: w for w in freq}
    flags: dict[str, str] = {}
    units: dict[str, tuple[dict, dict]] = {}
    for word, count in freq.items():
        units.setdefault(word[:2], ({}, {}))[0][word] = count
    for word, flag in tags.items():
        # The tag table keyed by the prefix dictionary's own word objects: marshal then
        # writes each word once per unit.
        units.setdefault(word[:2], ({}, {}))[1][words.get(word, word)] = flags.setdefault(flag, flag)
    by_char: dict[str, list[str]] = {}
    for unit in units:
        by_char.setdefault(unit[0], []).append(unit)
    data = bytearray()
    index = {}
    for char, char_units in by_char.items():
        single, seconds, offsets = -1, [], bytearray()
        for unit in char_units:
            if len(unit) == 1:
                single = len(data)
            else:
                seconds.append(unit[1])
                offsets += len(data).to_bytes(4, "little")
            data += marshal.dumps(units[unit])
        index[char] = (single, len(data))
        data += marshal.dumps(("".join(seconds), bytes(offsets)))
    header = marshal.dumps((total, len(data), index))

    def write(f):
        f.write(MAGIC + len(header).to_bytes(8, "little") + header)
        f.write(data)

    save_atomically(path, write)
