"""jieba's posseg tables in a shard file, read in parts as sentences need them.

graphkit cuts only short windows with jieba: on the 1k bench corpus, the keys
starting with the windows' one- and two-character pieces are 3 % of the
prefix dictionary. `LazyDictionary` fills jieba's own `FREQ` and
`word_tag_tab` dicts in place with those parts just before jieba reads them
(jieba_dict.py decides when the file is used, and writes it).
"""
from __future__ import annotations

import marshal
import sys
from operator import add
from pathlib import Path

from graphkit.user_cache import read_framed, save_framed

# A unit is every FREQ and word_tag_tab entry whose key starts with the same one or two
# characters (`key[:2]`), marshalled as (FREQ part, word_tag_tab part). A framed file
# (user_cache.save_framed): MAGIC, the header, the data. Header: marshal of
# (total, length of the data, {character: (offset of its one-character unit or -1, offset of
# its block)}). A character's block: marshal of (the second characters of its two-character
# units, their offsets as 4 little-endian bytes each): the 1k bench's 679 characters' blocks
# load in 1.7 ms, as dicts of (offset, length) in 18 ms.
# Offsets count from the start of the data; marshal ignores the bytes after a value.

SHARDS_KIND = "posseg-shards-v1"
MAGIC = b"graphkit jieba shards 1\n"
_READY_LIMIT = 1 << 16      # sentences remembered as loaded, then forgotten and checked again

active: LazyDictionary | None = None


def words_for(text: str) -> dict[str, int]:
    """jieba's prefix dictionary (`jieba.dt.FREQ`), holding at least every key that is a
    substring of `text`."""
    lazy = active
    if lazy is not None:
        return lazy.words_for(text)
    return sys.modules["jieba"].dt.FREQ


class LazyDictionary:
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
        save_shards(self.path, jieba_freq, total, tagged.word_tag_tab)

    def install(self) -> None:
        """In front of jieba.dt's `get_DAG` and `add_word` (instance attributes, which jieba's own
        methods call), and of the module's `get_DAG`, `add_word` and `get_FREQ`: jieba 0.42.1
        binds those to `dt` at import."""
        global active
        self.tokenizer.get_DAG = self.get_DAG
        self.tokenizer.add_word = self.add_word
        for name in ("get_DAG", "add_word", "get_FREQ"):
            self.jieba_functions[name] = getattr(self.jieba, name)
            setattr(self.jieba, name, getattr(self, name))
        active = self

    def _uninstall(self) -> None:
        global active
        for name in ("get_DAG", "add_word"):
            if self.tokenizer.__dict__.get(name) == getattr(self, name):
                del self.tokenizer.__dict__[name]
        for name, function in self.jieba_functions.items():
            if getattr(self.jieba, name) == getattr(self, name):
                setattr(self.jieba, name, function)
        if active is self:
            active = None


def open_shards(path: Path) -> tuple[int, memoryview, dict] | None:
    """(total, data, index) from graphkit's shard file (a file of this user's), or None:
    missing, truncated or foreign files mean jieba's own load."""
    framed = read_framed(path, MAGIC)
    if framed is None:
        return None
    header, data = framed
    try:
        total, data_length, index = header
    except (TypeError, ValueError):
        return None
    if type(total) is not int or type(index) is not dict or data_length != len(data) or not index:
        return None
    return total, data, index


def save_shards(path: Path, freq: dict, total: int, tags: dict) -> None:
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
    save_framed(path, MAGIC, (total, len(data), index), data)
