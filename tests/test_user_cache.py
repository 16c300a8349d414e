"""Framed files in the user's cache: what was saved comes back, anything else is None."""
from __future__ import annotations

from graphkit.user_cache import keyed_file, read_framed, save_framed

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


def test_keyed_file_names_the_key_and_needs_a_usable_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    one = keyed_file("kind", "a|1", ".bin")
    assert one.parent == tmp_path / "graphkit" and one.name.startswith("kind-") and one.suffix == ".bin"
    assert keyed_file("kind", "a|1", ".bin") == one != keyed_file("kind", "a|2", ".bin")
    (tmp_path / "graphkit").chmod(0o777)                        # others may write: never used
    assert keyed_file("kind", "a|1", ".bin") is None
