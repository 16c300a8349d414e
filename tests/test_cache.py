"""The extraction cache: redo only what changed, and never fail a build because of the cache."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graphkit import cache as cache_mod
from graphkit import parallel
from graphkit.cli import main
from graphkit.export import write_json
from graphkit.pipeline import BuildOptions, run_build
from graphkit.rules import DEFAULT_RULES_DIR

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"


@pytest.fixture
def corpus(tmp_path) -> Path:
    src = tmp_path / "in"
    shutil.copytree(EXAMPLES, src)
    return src


def build(inputs, cache: Path, tmp_path: Path | None = None, **options) -> bytes:
    result = run_build(inputs if isinstance(inputs, list) else [inputs], None,
                       BuildOptions(cache=str(cache), **options))
    if tmp_path is None:
        return b""
    write_json(result.graph, tmp_path / "graph.json")
    return (tmp_path / "graph.json").read_bytes()


def counts() -> tuple[int, int]:
    return parallel.STATS["extracted"], parallel.STATS["cached"]


def test_cache_unchanged_corpus_extracts_nothing(corpus, tmp_path):
    db = tmp_path / "c.sqlite"
    first = build(corpus, db, tmp_path)
    assert counts() == (5, 0)
    second = build(corpus, db, tmp_path)
    assert counts() == (0, 5)
    assert second == first


def test_cache_unchanged_corpus_with_jobs_2(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "SERIAL_BELOW", 0)
    db = tmp_path / "c.sqlite"
    first = build(corpus, db, tmp_path, jobs=2)
    assert counts() == (5, 0)
    assert build(corpus, db, tmp_path, jobs=2) == first
    assert counts() == (0, 5)


def test_cache_edit_one_article_extracts_only_it(corpus, tmp_path):
    db = tmp_path / "c.sqlite"
    build(corpus, db)
    edited = sorted(corpus.iterdir())[2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n华为参加了本次大会。\n", encoding="utf-8")
    build(corpus, db)
    assert counts() == (1, 4)


def test_cache_rule_change_extracts_all(corpus, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    db = tmp_path / "c.sqlite"
    build(corpus, db, rules_dir=str(rules))
    build(corpus, db, rules_dir=str(rules))
    assert counts() == (0, 5)
    some_rule = sorted(rules.rglob("*.yaml"))[0]
    some_rule.write_text(some_rule.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    build(corpus, db, rules_dir=str(rules))
    assert counts() == (5, 0)


def test_cache_same_bytes_other_id_not_shared(corpus, tmp_path):
    """The article id is in every mention: a copy under another name is extracted for itself."""
    db = tmp_path / "c.sqlite"
    build(corpus, db)
    first = sorted(corpus.iterdir())[0]
    shutil.copy(first, corpus / ("copy-" + first.name))
    result = run_build([corpus], None, BuildOptions(cache=str(db)))
    assert counts() == (1, 5)
    copy = next(r for r in result.records if r.id == "copy-" + first.name)
    assert copy.path == str(corpus / copy.id)


def test_cache_moved_corpus_hits_with_new_paths(corpus, tmp_path):
    db = tmp_path / "c.sqlite"
    build(corpus, db)
    moved = tmp_path / "moved"
    corpus.rename(moved)
    result = run_build([moved], None, BuildOptions(cache=str(db)))
    assert counts() == (0, 5)
    assert all(r.path.startswith(str(moved)) for r in result.records)


def test_cache_corrupt_file_warns_and_rebuilds(corpus, tmp_path, capsys):
    db = tmp_path / "c.sqlite"
    expected = build(corpus, db, tmp_path)
    db.write_bytes(b"this is not a database" * 100)
    assert build(corpus, db, tmp_path) == expected
    assert counts() == (5, 0)
    assert "cache is corrupt" in capsys.readouterr().err
    assert (tmp_path / "c.sqlite.corrupt").read_bytes().startswith(b"this is not")
    build(corpus, db)
    assert counts() == (0, 5), "the rebuilt cache serves the next build"


def test_cache_corrupt_values_warn_and_reextract(corpus, tmp_path, capsys):
    db = tmp_path / "c.sqlite"
    expected = build(corpus, db, tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE extraction SET value = x'00ff00'")
    assert build(corpus, db, tmp_path) == expected
    assert counts() == (5, 0)
    assert "cache is corrupt" in capsys.readouterr().err
    build(corpus, db)
    build(corpus, db)
    assert counts() == (0, 5)


def test_cache_other_sqlite_database_is_left_alone(corpus, tmp_path, capsys):
    db = tmp_path / "mine.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (x)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    before = db.read_bytes()
    build(corpus, db)
    build(corpus, db)
    assert counts() == (5, 0)
    assert "not a graphkit cache" in capsys.readouterr().err
    assert db.read_bytes() == before


def test_cache_locked_while_writing_warns_and_proceeds(corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cache_mod, "LOCK_TIMEOUT", 0.2)
    db = tmp_path / "c.sqlite"
    build(corpus, db)
    edited = sorted(corpus.iterdir())[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\n更新。\n", encoding="utf-8")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")          # another build in the middle of a write
    try:
        build(corpus, db)
        assert counts() == (1, 4), "reads still work in WAL mode"
        assert "cache is locked" in capsys.readouterr().err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert build(corpus, db, tmp_path) != b""
    assert counts() == (1, 4), "the locked build saved nothing"


def test_cache_locked_from_the_start_is_bypassed(corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cache_mod, "LOCK_TIMEOUT", 0.2)
    db = tmp_path / "c.sqlite"
    holder = sqlite3.connect(db, isolation_level=None)   # a rollback-journal file, exclusively locked
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        expected = build(corpus, tmp_path / "other.sqlite", tmp_path)
        assert build(corpus, db, tmp_path) == expected
        assert counts() == (5, 0)
        assert "cache is locked" in capsys.readouterr().err
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_cache_sigkill_mid_write_leaves_a_valid_cache(tmp_path):
    db = tmp_path / "c.sqlite"
    code = textwrap.dedent(f"""
        import os, signal
        from graphkit.cache import ExtractionCache, dump_result
        from graphkit.types import ArticleRecord, Extraction
        cache = ExtractionCache({str(db)!r}, "config")
        def put(n, prefix):
            for i in range(n):
                aid = f"{{prefix}}{{i}}.md"
                cache.put(cache.key(aid, "sha"), aid,
                          dump_result(ArticleRecord(aid, aid), Extraction(aid, "zh", "t", None, (), ())))
        put(10, "a"); cache.flush()          # committed
        cache._conn.execute("BEGIN IMMEDIATE")
        cache._conn.executemany("INSERT INTO extraction VALUES (?, ?, ?)",
                                [(f"k{{i}}", "x", b"y" * 1000) for i in range(5000)])
        os.kill(os.getpid(), signal.SIGKILL)  # in the middle of a transaction
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert proc.returncode == -9, proc.stderr
    reopened = cache_mod.open_cache(db, "config")
    assert reopened is not None
    assert reopened._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert reopened._conn.execute("SELECT count(*) FROM extraction").fetchone()[0] == 10
    assert reopened.get(reopened.key("a3.md", "sha"), "a3.md", "a3.md") is not None
    reopened.close()


def test_cache_key_depends_on_config_id_and_bytes(tmp_path):
    a = cache_mod.ExtractionCache(tmp_path / "c.sqlite", cache_mod.cache_config("rules1", None))
    b = cache_mod.ExtractionCache(tmp_path / "c.sqlite", cache_mod.cache_config("rules2", None))
    c = cache_mod.ExtractionCache(tmp_path / "c.sqlite", cache_mod.cache_config("rules1", "zh_core_web_sm"))
    keys = {a.key("x.md", "s1"), a.key("y.md", "s1"), a.key("x.md", "s2"), b.key("x.md", "s1"), c.key("x.md", "s1")}
    assert len(keys) == 5
    for cache in (a, b, c):
        cache.close()
    import graphkit

    assert graphkit.__version__ in cache_mod.cache_config("r", None)


def test_cache_cli_default_in_out_folder_and_no_cache(corpus, tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(corpus), "--out", str(out), "--jobs", "1", "--quiet", "--no-report"]) == 0
    assert (out / "graph.cache.sqlite").is_file()
    # --force: unforced, the outputs are up to date and the cache is not even opened (test_stamp.py)
    assert main(["build", str(corpus), "--out", str(out), "--jobs", "1", "--quiet", "--no-report",
                 "--force"]) == 0
    assert counts() == (0, 5)
    shared = tmp_path / "shared" / "cache.sqlite"
    assert main(["build", str(corpus), "--out", str(tmp_path / "o2"), "--cache", str(shared),
                 "--jobs", "1", "--quiet", "--no-report"]) == 0
    assert shared.is_file() and counts() == (5, 0)
    assert main(["build", str(corpus), "--out", str(tmp_path / "o3"), "--no-cache",
                 "--jobs", "1", "--quiet", "--no-report"]) == 0
    assert not (tmp_path / "o3" / "graph.cache.sqlite").exists() and counts() == (5, 0)


def _result_with_shared_mentions():
    from graphkit.types import ArticleRecord, Extraction, Mention, Relation

    aid = "news/2024/summit.md"
    org = Mention(aid, "ORG", "华为", 0, 2, "gazetteers/orgs.yaml#huawei", "huawei", 0.9, (("role", "主办"),))
    event = Mention(aid, "EVENT", "openEuler Summit 2024", 5, 26, "gazetteers/events.yaml#summit", "summit-2024")
    extra = Mention(aid, "ORG", "openEuler", 30, 39, "gazetteers/orgs.yaml#openeuler", "openeuler", 0.6)
    relations = (Relation(aid, "PARTICIPATED_IN", org, event, "relations/participation-trigger", (0, 40),
                          "华为参加了openEuler Summit 2024。", 0.8, ""),
                 Relation(aid, "RELEASED", extra, event, "relations/release-trigger", (0, 40), "…", 0.45, "r"))
    record = ArticleRecord(aid, "/data/" + aid, "标题", "2024-11-21", "zh", 2, 2, warnings=("fixed",))
    return record, Extraction(aid, "zh", "标题", "2024-11-21", (org, event), relations, event, ("w",))


@pytest.mark.parametrize("dump, load", [(cache_mod.dump_result, cache_mod.load_result),
                                        (cache_mod.pack_result, cache_mod.unpack_result)])
def test_cache_result_round_trip_keeps_values_and_sharing(dump, load):
    record, extraction = _result_with_shared_mentions()
    loaded_record, loaded = load(dump(record, extraction))
    assert (loaded_record, loaded) == (record, extraction)
    assert loaded.relations[0].source is loaded.mentions[0]
    assert loaded.main_event is loaded.mentions[1]


class _Label(str):
    """A str subclass: marshal refuses it, pickle takes it."""


def test_cache_result_not_marshallable_is_pickled():
    from dataclasses import replace

    record, extraction = _result_with_shared_mentions()
    odd = replace(extraction, title=_Label("标题"))
    assert cache_mod.load_result(cache_mod.dump_result(record, odd)) == (record, odd)
    assert cache_mod.unpack_result(cache_mod.pack_result(record, odd)) == (record, odd)


def test_cache_result_sent_without_cache_is_not_compressed():
    """Only what the cache stores is worth compressing; a result crossing a pipe is not."""
    import marshal

    record, extraction = _result_with_shared_mentions()
    packed = cache_mod.pack_result(record, extraction)
    assert cache_mod.unpack_result(marshal.dumps(marshal.loads(packed))) == (record, extraction)
    assert len(cache_mod.dump_result(record, extraction)) < len(packed)


@pytest.mark.parametrize("blob", [b"", b"\x00\xff\x00", __import__("zlib").compress(b"not marshal"),
                                  __import__("zlib").compress(__import__("marshal").dumps(("flat", 1)))])
def test_cache_result_other_bytes_raise(blob):
    with pytest.raises(Exception):
        cache_mod.load_result(blob)
