"""Bad input files: each is read with a warning saying what was repaired, or skipped
with one line naming the file, the stage and the reason (also in errors.jsonl).

The files live in tests/data/bad/ (see its README.md for what each one is);
the ones that cannot be shipped in git (a 20 MB article, a symlink loop, a
FIFO, an unreadable file) are made in tmp_path. The end-to-end tests run the
real CLI (`python -m graphkit build`) in a subprocess.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from graphkit.errors import ArticleError
from graphkit.read import MAX_FILE, read_article
from robust_util import BAD, EXAMPLES, check_outputs_readable, child_env, graphkit_cmd, run_graphkit

GOOD = ("000_67abb11d709915a6.txt", "001_93b270255030ad57.txt")

# file -> ("read", substring of a warning or None for no warning, title)
#       | ("skip", substring of the reason, None)
EXPECTED = {
    "bad-date.md": ("read", "invalid date '2024-13-45'", "日期不是日期"),
    "binary.md": ("skip", "binary file", None),
    "control-chars.md": ("read", "removed 8 control character(s)", "控制字符的标题"),
    "crlf.md": ("read", None, "CRLF line ends"),
    "damaged-utf8.md": ("read", "replaced 19 invalid UTF-8 byte sequence(s) with U+FFFD",
                        "损坏的 UTF-8"),
    "empty.md": ("skip", "empty file", None),
    "gbk.md": ("read", "decoded as GB18030", "GBK 编码的文章"),
    "malformed-yaml.md": ("skip", "malformed YAML frontmatter at line 3", None),
    "nested-html.md": ("read", None, "Deeply nested HTML"),
    "no-frontmatter.md": ("read", "no frontmatter: title from first heading",
                          "华为参加 openEuler Developer Day 2024"),
    "toml-frontmatter.md": ("read", None, "TOML 元数据的文章"),
    "unclosed-frontmatter.md": ("read", "no closing '---'", "没有结尾的元数据"),
    "utf16-bom.md": ("read", "decoded as UTF-16", "UTF-16 文章"),
    "utf8-bom.md": ("read", None, "带 BOM 的文章"),
    "yaml-alias-bomb.md": ("skip", "alias", None),
    "名字 with spaces 文章.md": ("read", None, "文件名有空格和中文"),
}
# made by make_generated(): name -> ("skip", reason)
GENERATED = {
    "big-20mb.md": "file too large: 20.0 MiB",
    "loop": "symlink loop",
    "x.md": "not a regular file",
    "broken-link.md": "broken symlink",
}


def test_robust_bad_folder_lists_every_shipped_file():
    shipped = {p.name for p in BAD.iterdir() if p.name != "README.md"}
    assert shipped == set(EXPECTED)
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    for name in (*EXPECTED, *GENERATED):
        assert f"`{name}`" in readme, f"{name} is not described in tests/data/bad/README.md"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_robust_read_bad_file(name):
    outcome, detail, title = EXPECTED[name]
    path = BAD / name
    if outcome == "skip":
        with pytest.raises(ArticleError) as info:
            read_article(path, BAD)
        assert info.value.stage == "read"
        assert detail in info.value.reason
        assert name in str(info.value)
        return
    article = read_article(path, BAD)
    assert article.title == title
    assert article.id == name
    if detail is None:
        assert article.warnings == ()
    else:
        assert any(detail in w for w in article.warnings), article.warnings
    if name != "no-frontmatter.md":
        assert article.published in ("2024-05-01", None)
    assert "\x00" not in article.body and "\x00" not in article.title


def make_generated(folder: Path) -> None:
    """The bad inputs git cannot hold, made next to the shipped ones."""
    text = (EXAMPLES / GOOD[0]).read_text(encoding="utf-8")
    end = text.index("\n---\n", 4) + 5
    head, body = text[:end], text[end:]
    with open(folder / "big-20mb.md", "w", encoding="utf-8") as fh:
        fh.write(head)
        size = len(head.encode())
        chunk = body.encode()
        while size < 20 * 2**20:
            fh.write(body)
            size += len(chunk)
    os.symlink(".", folder / "loop")               # loop -> the folder itself
    os.mkfifo(folder / "x.md")                      # opening it would block forever
    os.symlink("nowhere.md", folder / "broken-link.md")


def stderr_lines(stderr: str, word: str) -> list[str]:
    return [ln.strip() for ln in stderr.splitlines() if ln.strip().startswith(word + " ")]


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory):
    """One real `graphkit build` over every bad input plus two good articles."""
    tmp = tmp_path_factory.mktemp("bad")
    src = tmp / "in"
    shutil.copytree(BAD, src, ignore=shutil.ignore_patterns("README.md"))
    for name in GOOD:
        shutil.copy(EXAMPLES / name, src / name)
    make_generated(src)
    out = tmp / "out"
    proc = run_graphkit("build", src, "--out", out, timeout=900)
    return src, out, proc


def test_robust_cli_bad_folder_exit_0_and_graph_written(bad_build):
    src, out, proc = bad_build
    assert proc.returncode == 0, proc.stderr
    data = check_outputs_readable(out)
    articles = {a for n in data["nodes"] for a in n.get("articles", [])}
    assert set(GOOD) <= articles, "the good articles must be in the graph"
    skipped = [n for n, e in EXPECTED.items() if e[0] == "skip"] + list(GENERATED)
    used = len(EXPECTED) + len(GOOD) - sum(e[0] == "skip" for e in EXPECTED.values())
    assert f"articles used: {used}  skipped: {len(skipped)}" in proc.stderr


def test_robust_cli_bad_folder_one_line_per_skipped_file(bad_build):
    src, out, proc = bad_build
    lines = stderr_lines(proc.stderr, "skipped")
    reasons = {n: e[1] for n, e in EXPECTED.items() if e[0] == "skip"} | GENERATED
    assert len(lines) == len(reasons), lines
    for name, reason in reasons.items():
        mine = [ln for ln in lines if ln.startswith(f"skipped {src / name}:")]
        assert len(mine) == 1, (name, lines)
        assert ": read: " in mine[0] and reason in mine[0], mine[0]


def test_robust_cli_bad_folder_errors_jsonl(bad_build):
    src, out, proc = bad_build
    rows = [json.loads(ln) for ln in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    reasons = {n: e[1] for n, e in EXPECTED.items() if e[0] == "skip"} | GENERATED
    assert sorted(r["article"] for r in rows) == sorted(reasons)
    for row in rows:
        assert row["stage"] == "read"
        assert row["file"] == str(src / row["article"])
        assert reasons[row["article"]] in row["error"]


def test_robust_cli_bad_folder_warnings_name_the_repair(bad_build):
    src, out, proc = bad_build
    lines = stderr_lines(proc.stderr, "warning")
    for name, (outcome, detail, _) in EXPECTED.items():
        if outcome == "read" and detail:
            mine = [ln for ln in lines if ln.startswith(f"warning {src / name}:")]
            assert len(mine) == 1 and detail in mine[0], (name, lines)
    records = {json.loads(ln)["id"]: json.loads(ln)
               for ln in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()}
    assert "GB18030" in " ".join(records["gbk.md"]["warnings"])
    assert records["名字 with spaces 文章.md"]["title"] == "文件名有空格和中文"


def test_robust_cli_strict_exits_1_and_writes_nothing(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / GOOD[0], src / GOOD[0])
    shutil.copy(BAD / "binary.md", src / "binary.md")
    shutil.copy(BAD / "empty.md", src / "empty.md")
    out = tmp_path / "out"
    proc = run_graphkit("build", src, "--out", out, "--strict", "--no-report")
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("graphkit: error: ") and "binary.md: read: binary file" in last
    assert "1 more file(s) skipped" in last
    assert not (out / "graph.json").exists()


def test_robust_cli_strict_with_good_files_exits_0(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / GOOD[0], src / GOOD[0])
    shutil.copy(BAD / "gbk.md", src / "gbk.md")          # repaired, not skipped
    proc = run_graphkit("build", src, "--out", tmp_path / "out", "--strict", "--no-report")
    assert proc.returncode == 0, proc.stderr
    assert "skipped: 0" in proc.stderr


def test_robust_read_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    with pytest.raises(ArticleError, match="not a regular file"):
        read_article(fifo)


def test_robust_read_too_large_is_refused_before_reading(tmp_path):
    big = tmp_path / "sparse.md"
    with open(big, "wb") as fh:          # sparse: 1 GiB on paper, nothing on disk
        fh.truncate(2**30)
    with pytest.raises(ArticleError, match="file too large: 1024.0 MiB"):
        read_article(big)
    assert MAX_FILE < 2**30


def _without_dac_override() -> list[str] | None:
    """A command prefix under which a mode-000 file cannot be read; None when there is none.

    chmod does not stop root, who has CAP_DAC_OVERRIDE. util-linux `setpriv`
    drops that capability (and CAP_DAC_READ_SEARCH) from the bounding set,
    so the build runs as root that obeys file modes: the permission check is
    the kernel's, not a mock.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    cmd = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
    probe = tempfile.NamedTemporaryFile(prefix="graphkit-perm-", suffix=".md", delete=False)
    try:
        os.chmod(probe.name, 0)
        check = subprocess.run([*cmd, sys.executable, "-c", f"open({probe.name!r}).read()"],
                               capture_output=True, text=True)
    except OSError:
        return None
    finally:
        probe.close()
        os.unlink(probe.name)
    return cmd if "PermissionError" in check.stderr else None


def test_robust_cli_unreadable_file_skipped(tmp_path):
    prefix = _without_dac_override()
    if prefix is None:
        pytest.skip("running as root without util-linux setpriv: no way to make a file "
                    "unreadable (root ignores file modes)")
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / GOOD[0], src / GOOD[0])
    secret = src / "secret.md"
    shutil.copy(BAD / "crlf.md", secret)
    secret.chmod(0)
    out = tmp_path / "out"
    proc = subprocess.run([*prefix, *graphkit_cmd("build", src, "--out", out, "--no-report")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env=child_env())
    assert proc.returncode == 0, proc.stderr
    assert stderr_lines(proc.stderr, "skipped") == [f"skipped {secret}: read: permission denied"]
    rows = [json.loads(ln) for ln in (out / "errors.jsonl").read_text().splitlines()]
    assert rows == [{"article": "secret.md", "error": "permission denied",
                     "file": str(secret), "stage": "read"}]
    assert GOOD[0] in (out / "graph.json").read_text(encoding="utf-8")
