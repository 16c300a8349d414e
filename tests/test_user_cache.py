"""Framed files in the user's cache: what was saved comes back, anything else is None."""
from __future__ import annotations

from graphkit.user_cache import read_framed, save_framed

MAGIC = b"graphkit test frame 1\n"


def test_framed_file_round_trip_and_alignment(tmp_path):
    path = tmp_path / "t.frame"
    save_framed(path, MAGIC, ("header", 3, {"a": (0, 4)}), b"\x01\x02\x03\x04", align=8)
    header, data = read_framed(path, MAGIC)
    assert header == ("header", 3, {"a": (0, 4)})
    assert bytes(data) == b"\x01\x02\x03\x04"
    assert (path.stat().st_size - len(data)) % 8 == 0       # the data starts at a multiple of 8


def test_framed_file_foreign_or_broken_is_none(tmp_path):
    path = tmp_path / "t.frame"
    assert read_framed(path, MAGIC) is None                     # missing
    save_framed(path, MAGIC, (1, 2), b"data")
    assert read_framed(path, b"another magic\n") is None       # another kind of file
    path.write_bytes(MAGIC + (5).to_bytes(8, "little") + b"\xff\xff")   # header cut short
    assert read_framed(path, MAGIC) is None
