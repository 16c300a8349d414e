"""Atomic writes: a failed write keeps the previous file byte-identical.

Every failure here is real: a library raising while it writes, a target
that cannot be replaced, an interrupt. No mocks.
"""
from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import pytest

from graphkit.errors import OutputError
from graphkit.export import atomic_path, atomic_write, write_csv, write_gexf, write_graphml, write_json

OLD = "旧内容 old content\n".encode("utf-8")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


def _small_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_node("org:huawei", id="org:huawei", type="ORG", label="华为", aliases=["Huawei", "华为"],
               articles=["zh/a.md"], confidence=1.0, rules=["gazetteers/orgs.yaml#huawei"])
    return G


def test_export_atomic_write_creates_and_replaces(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    atomic_write(target, "华为\n")
    assert target.read_bytes() == "华为\n".encode("utf-8")
    atomic_write(target, b"\x00bytes\r\n")
    assert target.read_bytes() == b"\x00bytes\r\n"
    assert _leftovers(tmp_path) == []


def test_export_atomic_write_uses_umask_not_0600(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write(target, "x")
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_export_atomic_library_raising_midway_keeps_previous_file(tmp_path):
    target = tmp_path / "graph.graphml"
    target.write_bytes(OLD)
    # networkx streams node after node; lxml refuses the NUL of the last one
    # after thousands of nodes have gone to the temporary file.
    bad = nx.MultiDiGraph()
    for i in range(5000):
        bad.add_node(f"n{i}", label=f"节点 {i} " + "x" * 50)
    bad.add_node("z-broken", label="NUL \x00 here")
    seen = []
    with pytest.raises(ValueError, match="XML compatible"):
        with atomic_path(target) as tmp:
            seen.append(tmp)
            try:
                nx.write_graphml(bad, tmp)
            finally:
                seen.append(Path(tmp).stat().st_size)
    assert seen[1] > 100_000, "the writer failed midway, after writing"
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_export_atomic_partial_write_then_exception_keeps_previous_file(tmp_path):
    target = tmp_path / "graph.json"
    target.write_bytes(OLD)
    with pytest.raises(RuntimeError, match="disk on fire"):
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b'{"nodes": [')
            raise RuntimeError("disk on fire")
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_export_atomic_interrupt_keeps_previous_file(tmp_path):
    target = tmp_path / "graph.gexf"
    target.write_bytes(OLD)
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            Path(tmp).write_text("<gexf", encoding="utf-8")
            raise KeyboardInterrupt
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_export_atomic_unencodable_text_keeps_previous_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_bytes(OLD)
    with pytest.raises(UnicodeEncodeError):
        atomic_write(target, "lone \ud800 surrogate")
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("writer", [write_json, write_graphml, write_gexf])
def test_export_atomic_writer_unreplaceable_target_raises_output_error(tmp_path, writer):
    # A folder where the file should go: os.replace fails, as on a locked file.
    target = tmp_path / "graph.out"
    target.mkdir()
    (target / "keep.txt").write_bytes(OLD)
    with pytest.raises(OutputError, match="graph.out"):
        writer(_small_graph(), target)
    assert (target / "keep.txt").read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_export_atomic_csv_all_or_nothing(tmp_path):
    write_csv(_small_graph(), tmp_path)
    before = {p: p.read_bytes() for p in (tmp_path / "nodes.csv", tmp_path / "edges.csv", tmp_path / "neo4j" / "nodes.csv")}
    (tmp_path / "neo4j" / "edges.csv").unlink()
    (tmp_path / "neo4j" / "edges.csv").mkdir()  # the last of the four cannot be replaced
    G = _small_graph()
    G.add_node("org:kylinsoft", id="org:kylinsoft", type="ORG", label="麒麟软件")
    with pytest.raises(OutputError):
        write_csv(G, tmp_path)
    assert {p: p.read_bytes() for p in before} == before
    assert _leftovers(tmp_path) == []


def _count_folder_syncs(monkeypatch) -> list[Path]:
    from graphkit.export import atomic

    synced: list[Path] = []
    real = atomic._fsync_dir
    monkeypatch.setattr(atomic, "_fsync_dir", lambda folder: (synced.append(Path(folder)), real(folder)))
    return synced


def test_export_atomic_folders_synced_once_per_block(tmp_path, monkeypatch):
    from graphkit.export.atomic import folders_synced_once

    synced = _count_folder_syncs(monkeypatch)
    atomic_write(tmp_path / "alone.txt", "x")
    assert synced == [tmp_path]                          # outside a block: after each rename
    synced.clear()
    with folders_synced_once():
        for name in ("a.txt", "b.txt", "sub/c.txt", "sub/d.txt"):
            atomic_write(tmp_path / name, name)
        assert synced == []
    assert (tmp_path / "sub" / "d.txt").read_text() == "sub/d.txt"   # renamed by the block's end ...
    assert sorted(synced) == [tmp_path, tmp_path / "sub"]   # ... folders synced once, at the end
    assert _leftovers(tmp_path) == []


def test_export_atomic_folders_synced_even_when_the_block_fails(tmp_path, monkeypatch):
    from graphkit.export.atomic import folders_synced_once

    synced = _count_folder_syncs(monkeypatch)
    with pytest.raises(RuntimeError):
        with folders_synced_once():
            atomic_write(tmp_path / "a.txt", "a")
            raise RuntimeError("a writer failed")
    assert synced == [tmp_path]
    atomic_write(tmp_path / "b.txt", "b")               # the block is over: back to one sync a file
    assert synced == [tmp_path, tmp_path]


def _unreplaceable(target: Path) -> Path:
    # A folder where the file should go: os.replace fails, as on a locked file.
    target.mkdir()
    (target / "keep.txt").write_bytes(OLD)
    return target


def test_export_atomic_background_failure_raises_and_stops_later_renames(tmp_path):
    from graphkit.export.atomic import folders_synced_once

    (tmp_path / "last.json").write_bytes(OLD)
    bad = _unreplaceable(tmp_path / "graph.gexf")
    with pytest.raises(OutputError, match="graph.gexf"):
        with folders_synced_once():
            atomic_write(bad, "<gexf/>")        # fails in the background thread ...
            try:
                atomic_write(tmp_path / "last.json", "{}")
            except OutputError:                 # ... or already here, if it was quick
                pass
    assert (tmp_path / "last.json").read_bytes() == OLD     # queued behind the failure: not renamed
    assert (bad / "keep.txt").read_bytes() == OLD
    assert _leftovers(tmp_path) == []


def test_export_atomic_background_failure_is_noted_on_the_blocks_own_error(tmp_path):
    from graphkit.export.atomic import folders_synced_once

    bad = _unreplaceable(tmp_path / "graph.graphml")
    with pytest.raises(RuntimeError, match="a writer failed") as failure:
        with folders_synced_once():
            atomic_write(bad, "<graphml/>")
            raise RuntimeError("a writer failed")
    assert any("graph.graphml" in note for note in failure.value.__notes__)
    assert _leftovers(tmp_path) == []


def test_export_atomic_block_after_a_failed_block_starts_clean(tmp_path):
    from graphkit.export.atomic import folders_synced_once

    with pytest.raises(OutputError):
        with folders_synced_once():
            atomic_write(_unreplaceable(tmp_path / "bad.txt"), "x")
    with folders_synced_once():
        atomic_write(tmp_path / "good.txt", "good")
    assert (tmp_path / "good.txt").read_text() == "good"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_export_atomic_renames_settle_before_a_fork(tmp_path):
    from graphkit.export.atomic import folders_synced_once

    with folders_synced_once():
        atomic_write(tmp_path / "before.txt", "x" * 4_000_000)
        pid = os.fork()
        if pid == 0:        # the child: what it found, written in a block of its own
            try:
                seen = f"{(tmp_path / 'before.txt').exists()} {_leftovers(tmp_path)}"
                with folders_synced_once():
                    atomic_write(tmp_path / "child.txt", seen)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The rename thread had finished before the fork: no half-done rename in the child.
    assert (tmp_path / "child.txt").read_text() == "True []"
    assert _leftovers(tmp_path) == []


def test_export_atomic_file_written_into_a_pending_temp_is_fsynced_once(tmp_path, monkeypatch):
    # graph.json is written atomically into the temporary file of the block that renames
    # it last: one fsync of its data (by that block), not two.
    from graphkit.export import atomic

    import stat

    synced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"), real(fd)))
    target = tmp_path / "graph.json"
    target.write_bytes(OLD)
    with atomic_path(target) as pending:
        atomic_write(pending, '{"nodes": []}')
        assert synced == [] and target.read_bytes() == OLD
    assert synced == ["file", "folder"]
    assert target.read_text() == '{"nodes": []}'
    assert _leftovers(tmp_path) == []


def test_export_atomic_sync_early_syncs_in_the_block_only_and_closes_its_fd(tmp_path, monkeypatch):
    from graphkit.export import atomic
    from graphkit.export.atomic import folders_synced_once, sync_early

    import stat

    synced: list[int] = []          # the size of each regular file synced
    real = os.fsync
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (
        stat.S_ISREG(os.fstat(fd).st_mode) and synced.append(os.fstat(fd).st_size), real(fd)))
    fds_before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    target = tmp_path / "graph.json"
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(b"[1,")
        sync_early(fh)                   # outside folders_synced_once: nothing
    assert synced == [3]                 # only the fsync before the rename
    synced.clear()
    with folders_synced_once():
        with atomic_path(target) as tmp, open(tmp, "wb") as fh:
            fh.write(b"[1,")
            sync_early(fh)               # what is written so far: flushed, then synced (a duplicate fd)
            fh.write(b"2]")
    assert synced == [5, 5] or synced == [3, 5]    # the early sync, then the one before the rename
    assert target.read_bytes() == b"[1,2]"
    if fds_before is not None:
        assert len(os.listdir("/proc/self/fd")) == fds_before      # the duplicate fd was closed
