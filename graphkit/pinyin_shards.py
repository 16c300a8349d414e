"""pypinyin's tables in a shard file, read in parts as strings need them.

graphkit romanises only names and titles: pypinyin loads 47,111 phrases,
41,923 character readings and a prefix set over the phrases for them (~0.17
CPU-s per process), while a 1,000-article build looks up 248 strings (443
characters; 238 phrases start with their two-character pieces). `LazyTable`
stands in for pypinyin's PHRASES_DICT and PINYIN_DICT and `LazyPrefixes` for
its phrase segmenter's prefix set; each loads a unit (the phrases with the same
first two characters, the reading of one character) just before a key in it is
looked up. pinyin_tables.py decides when the file is used, and writes it.
"""
from __future__ import annotations

import marshal
from array import array
from pathlib import Path

from graphkit.user_cache import read_framed, save_framed

# A framed file (user_cache.save_framed): MAGIC, the header, the data. Header: marshal of
# (number of phrases, number of readings, {section: (start, length)}), sections in the data
# at multiples of 8:
# - "blocks": each character's block, marshal of (offset of its one-character unit or -1, the
#   second characters of its two-character units, their offsets as 4 little-endian bytes each);
#   a unit: marshal of the dict of its phrases (marshal ignores the bytes after a value);
# - "block_index": the offset of each code point's block in "blocks", or NONE; native unsigned
#   ints, read in place (memoryview.cast), so opening the file decodes nothing big;
# - "readings": every reading, UTF-8, in code point order;
# - "reading_index": where each code point's reading starts in "readings", one more at the end;
#   a code point without a reading has an empty one.

SHARDS_KIND = "pinyin-shards-v1"
MAGIC = b"graphkit pinyin shards 1\n"
PHRASES = "phrases"         # pypinyin.phrases_dict: {'重庆': [['chóng'], ['qìng']], ...}
READINGS = "readings"       # pypinyin.pinyin_dict: {0x91CD: 'zhòng,chóng,tóng', ...}
NONE = 0xFFFFFFFF
_SECTIONS = ("blocks", "block_index", "readings", "reading_index")


def unit_of(table: str, key) -> object:
    """The unit a key would be in: a phrase's first two characters, a code point itself.
    None for a key of another type, which may still equal a stored key (19968.0 == 19968):
    then everything is loaded."""
    if table == PHRASES:
        return key[:2] if isinstance(key, str) else None
    return int(key) if isinstance(key, int) else None       # True is code point 1


class Shards:
    """The units of the shard file, each decoded once and shared by the tables filled from it
    (pypinyin's PHRASES_DICT is a shallow copy of phrases_dict.phrases_dict: they share values).

    `fall_back` (a function returning the whole tables, by pypinyin's own load) is called when
    a unit does not decode; the units then come from those tables and the file is written again.
    """

    def __init__(self, path: Path, counts: dict, sections: dict, fall_back):
        self.path, self.counts, self.fall_back = path, counts, fall_back
        self.blocks_data, self.readings = sections["blocks"], sections["readings"]
        self.block_index = sections["block_index"].cast("I")
        self.reading_index = sections["reading_index"].cast("I")
        self.blocks: dict[str, tuple[int, str, bytes]] = {}
        self.units: dict[tuple[str, object], dict] = {}
        self.tables: dict | None = None      # pypinyin's own, once fallen back to
        self.firsts: set[str] = set()        # their phrases' first characters
        # True during `import pypinyin`: pypinyin 0.55.0's seg/mmseg.py trains its prefix set over
        # PHRASES_DICT.keys() at import; a LazyPrefixes takes that set's place afterwards.
        self.training_deferred = False

    def starts_a_phrase(self, char: str) -> bool:
        if self.tables is not None:
            return char in self.firsts
        return len(char) == 1 and self._block_offset(char) != NONE

    def first_characters(self) -> list[str]:
        if self.tables is not None:
            return list(self.firsts)
        return [chr(point) for point, at in enumerate(self.block_index) if at != NONE]

    def unit(self, table: str, unit) -> dict:
        """The unit's entries (empty when there are none)."""
        found = self.units.get((table, unit))
        if found is None:
            if self.tables is not None:
                return {}
            try:
                found = self._phrases(unit) if table == PHRASES else self._reading(unit)
            except Exception:
                self._load_whole_tables()
                return self.units.get((table, unit), {})
            self.units[table, unit] = found
        return found

    def all_units(self, table: str) -> list:
        if self.tables is None:
            try:
                if table == READINGS:
                    return [point for point in range(len(self.reading_index) - 1)
                            if self.reading_index[point] != self.reading_index[point + 1]]
                return [char + second for char in self.first_characters() for second in ("", *self._block(char)[1])]
            except Exception:
                self._load_whole_tables()
        return [unit for t, unit in self.units if t == table]

    def _reading(self, point: int) -> dict:
        if not 0 <= point < len(self.reading_index) - 1:
            return {}
        start, end = self.reading_index[point], self.reading_index[point + 1]
        return {point: str(self.readings[start:end], "utf-8")} if end > start else {}

    def _phrases(self, unit: str) -> dict:
        if not unit:
            return {}
        single, seconds, offsets = self._block(unit[:1])
        if len(unit) < 2:
            at = single
        else:
            i = seconds.find(unit[1])
            at = -1 if i < 0 else int.from_bytes(offsets[4 * i:4 * i + 4], "little")
        if at < 0:
            return {}
        found = marshal.loads(self.blocks_data[at:])
        if type(found) is not dict:
            raise ValueError("not a unit")
        return found

    def _block_offset(self, char: str) -> int:
        point = ord(char)
        return self.block_index[point] if point < len(self.block_index) else NONE

    def _block(self, char: str) -> tuple[int, str, bytes]:
        block = self.blocks.get(char)
        if block is None:
            at = self._block_offset(char)
            block = (-1, "", b"") if at == NONE else marshal.loads(self.blocks_data[at:])
            single, seconds, offsets = block        # raises when it is not a triple
            if type(single) is not int or type(seconds) is not str or len(offsets) != 4 * len(seconds):
                raise ValueError("not a block")
            self.blocks[char] = block
        return block

    def _load_whole_tables(self) -> None:
        """A unit that does not decode: every unit from pypinyin's own tables, and the file again."""
        self.tables = self.fall_back()
        self.units = {}
        for table, entries in self.tables.items():
            for key, value in entries.items():
                self.units.setdefault((table, unit_of(table, key)), {})[key] = value
        self.counts = {table: len(entries) for table, entries in self.tables.items()}
        self.firsts = {key[:1] for key in self.tables[PHRASES]}
        save_shards(self.path, self.tables[PHRASES], self.tables[READINGS])


class LazyTable(dict):
    """A pypinyin table that loads the unit of a key before looking it up.

    Reading one key (`in`, `[]`, `get`) loads its unit; reading all of it (iterating, `keys`,
    `items`, `==`, ...) or changing it loads every unit first, so a later unit never
    overwrites what a caller put in (`pypinyin.load_phrases_dict`). `len` is the file's count
    until then. `copy()` of an unchanged table is another lazy one over the same shards.
    C code that reads a dict's storage without calling its methods (PyDict_GetItem) sees
    only the units loaded; pypinyin does not.
    """

    __slots__ = ("shards", "table", "loaded", "whole")

    def __init__(self, shards: Shards, table: str):
        super().__init__()
        self.shards, self.table = shards, table
        self.loaded: set = set()
        self.whole = False

    def _now_in(self, key) -> bool:
        """Whether a key that was not in the table is, once its unit is loaded."""
        if self.whole:
            return False
        unit = unit_of(self.table, key)
        if unit is None:
            self.load_everything()
        elif unit in self.loaded:
            return False
        else:
            dict.update(self, self.shards.unit(self.table, unit))
            self.loaded.add(unit)
        return dict.__contains__(self, key)

    def load_everything(self) -> None:
        if not self.whole:
            for unit in self.shards.all_units(self.table):
                if unit not in self.loaded:
                    dict.update(self, self.shards.unit(self.table, unit))
                    self.loaded.add(unit)
            self.whole = True

    # A key found is found: only a miss needs its unit checked (most of pypinyin's lookups hit).
    def __contains__(self, key):
        return dict.__contains__(self, key) or self._now_in(key)

    def __getitem__(self, key):
        if not dict.__contains__(self, key):
            self._now_in(key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        if not dict.__contains__(self, key):
            self._now_in(key)
        return dict.get(self, key, default)

    def __len__(self):
        return dict.__len__(self) if self.whole else self.shards.counts[self.table]

    def keys(self):
        if self.shards.training_deferred and self.table == PHRASES:
            return {}.keys()
        self.load_everything()
        return dict.keys(self)

    def copy(self):
        if self.whole:
            return dict.copy(self)
        twin = LazyTable(self.shards, self.table)
        dict.update(twin, dict.items(self))     # not `self`: dict.update would call keys()
        twin.loaded = set(self.loaded)
        return twin

    def __reduce__(self):
        self.load_everything()
        return dict, (dict(self),)


def _whole_first(cls, name: str) -> None:
    method = getattr(cls.__mro__[1], name)

    def whole_first(self, *args, **kwargs):
        self.load_everything()
        return method(self, *args, **kwargs)

    whole_first.__name__ = name
    setattr(cls, name, whole_first)


for _name in ("__iter__", "__reversed__", "values", "items", "__eq__", "__ne__", "__repr__",
              "__or__", "__ror__", "__ior__", "__setitem__", "__delitem__", "update", "setdefault",
              "pop", "popitem", "clear"):
    _whole_first(LazyTable, _name)


class LazyPrefixes:
    """The `_set` of pypinyin's `mmseg.p_set`: every prefix of every phrase, and the words
    trained into it. A one-character prefix is a phrase's first character (the file's index);
    before a longer key is tested, the prefixes of the phrases in its unit (first two
    characters) are added. pypinyin's PrefixSet only adds to it and tests membership; not a
    set subclass, which `set(...)` and `|` would copy without asking it."""

    __slots__ = ("shards", "words", "loaded", "whole")

    def __init__(self, shards: Shards, trained: set):
        self.shards, self.words = shards, set(trained)
        self.loaded: set = set()
        self.whole = False

    def add(self, word) -> None:
        self.words.add(word)

    def _add_unit(self, unit) -> None:
        self.words.update(word[:end] for word in self.shards.unit(PHRASES, unit)
                          for end in range(2, len(word) + 1))
        self.loaded.add(unit)

    def load_everything(self) -> None:
        if not self.whole:
            for unit in self.shards.all_units(PHRASES):
                if unit not in self.loaded:
                    self._add_unit(unit)
            self.words.update(self.shards.first_characters())
            self.whole = True

    def __contains__(self, key):
        if key in self.words:
            return True
        if self.whole:
            return False
        unit = unit_of(PHRASES, key)
        if unit is None:
            self.load_everything()
        elif len(unit) < 2:
            return self.shards.starts_a_phrase(key)
        elif unit in self.loaded:
            return False
        else:
            self._add_unit(unit)
        return key in self.words

    def __iter__(self):
        self.load_everything()
        return iter(self.words)

    def __len__(self):
        self.load_everything()
        return len(self.words)


def open_shards(path: Path, fall_back) -> Shards | None:
    """The shard file (a file of this user's), or None: missing, truncated or foreign files
    mean pypinyin's own load."""
    framed = read_framed(path, MAGIC)
    if framed is None:
        return None
    header, data = framed
    try:
        phrase_count, reading_count, places = header
        sections = {}
        for name in _SECTIONS:
            at, length = places[name]
            if not (type(at) is int and type(length) is int and 0 <= at and at + length <= len(data)):
                return None
            sections[name] = data[at:at + length]
        if len(sections["block_index"]) % 4 or len(sections["reading_index"]) % 4:
            return None
        reading_index = sections["reading_index"].cast("I")
        if reading_index[0] != 0 or reading_index[-1] != len(sections["readings"]):
            return None
        counts = {PHRASES: phrase_count, READINGS: reading_count}
        if type(phrase_count) is not int or type(reading_count) is not int:
            return None
        return Shards(path, counts, sections, fall_back)
    except Exception:
        return None


def save_shards(path: Path, phrases: dict, readings: dict) -> None:
    """Write the shard file (layout above) from pypinyin's whole tables; nothing when they hold
    what the layout cannot (a key that is not a character string or a code point, an empty
    reading)."""
    if not (all(type(key) is str and key for key in phrases)
            and all(type(key) is int and 0 <= key < 0x110000 and type(value) is str and value
                    for key, value in readings.items())):
        return
    syllables: dict[str, str] = {}
    # Each syllable one object: marshal then writes it once per unit, and reads it back once.
    by_char: dict[str, dict[str, dict]] = {}
    for key, value in phrases.items():
        unit = by_char.setdefault(key[0], {}).setdefault(key[:2], {})
        unit[key] = [[syllables.setdefault(s, s) for s in item] for item in value]
    blocks = bytearray()
    block_index = array("I", [NONE]) * (max(map(ord, by_char), default=-1) + 1)
    for char, units in by_char.items():
        single, seconds, offsets = -1, [], bytearray()
        for unit, part in units.items():
            if len(unit) < 2:
                single = len(blocks)
            else:
                seconds.append(unit[1])
                offsets += len(blocks).to_bytes(4, "little")
            blocks += marshal.dumps(part)
        block_index[ord(char)] = len(blocks)
        blocks += marshal.dumps((single, "".join(seconds), bytes(offsets)))
    text = bytearray()
    reading_index = array("I")
    for point in range(max(readings, default=-1) + 1):
        reading_index.append(len(text))
        text += readings.get(point, "").encode("utf-8")
    reading_index.append(len(text))
    data = bytearray()
    places = {}
    for name, section in zip(_SECTIONS, (blocks, block_index.tobytes(), text, reading_index.tobytes())):
        data += bytes(-len(data) % 8)
        places[name] = (len(data), len(section))
        data += section
    save_framed(path, MAGIC, (len(phrases), len(readings), places), data, align=8)
