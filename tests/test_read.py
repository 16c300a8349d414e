"""graphkit.read: finding article files, decoding, frontmatter, dates, language.

Shipped bad inputs live in tests/data/bad/ (its README.md says what each one
is); what git cannot hold (a 20 MB article, symlink loops, FIFOs, unreadable
files) is made in tmp_path.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from graphkit.errors import ArticleError
from graphkit.read import (
    article_id,
    detect_lang,
    iter_article_files,
    read_article,
    read_article_bytes,
)

BAD = Path(__file__).parent / "data" / "bad"
BODY = "华为与麒麟软件参加了openEuler Developer Day 2024。\n\n会议于2024年5月24日在北京举行。\n"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def article(tmp_path: Path, text: str | bytes, name: str = "a.md"):
    return read_article(write(tmp_path, name, text), tmp_path)


# ---------------------------------------------------------------------------
# Shipped bad inputs: read with a warning, or refused with a reason

# file -> (title, published, substring of a warning or None for no warning)
READ_CASES = [
    ("utf8-bom.md", "带 BOM 的文章", "2024-05-01", None),
    ("crlf.md", "CRLF line ends", "2024-05-01", None),
    ("gbk.md", "GBK 编码的文章", "2024-05-01", "decoded as GB18030"),
    ("utf16-bom.md", "UTF-16 文章", "2024-05-01", "decoded as UTF-16"),
    ("bad-date.md", "日期不是日期", None, "invalid date '2024-13-45'"),
    ("toml-frontmatter.md", "TOML 元数据的文章", "2024-05-01", None),
    ("unclosed-frontmatter.md", "没有结尾的元数据", "2024-05-01",
     "frontmatter has no closing '---': metadata read up to the first blank line"),
    ("no-frontmatter.md", "华为参加 openEuler Developer Day 2024", None,
     "no frontmatter: title from first heading, date unknown"),
    ("control-chars.md", "控制字符的标题", "2024-05-01", "removed 8 control character(s)"),
    ("nested-html.md", "Deeply nested HTML", "2024-05-01", None),
    ("名字 with spaces 文章.md", "文件名有空格和中文", "2024-05-01", None),
]


@pytest.mark.parametrize(("name", "title", "published", "warning"), READ_CASES)
def test_read_bad_file_is_read(name, title, published, warning):
    art = read_article(BAD / name, BAD)
    assert art.id == name
    assert art.title == title
    assert art.published == published
    if warning is None:
        assert art.warnings == ()
    else:
        assert any(warning in w for w in art.warnings), art.warnings
    assert "\r" not in art.body
    assert not any(c < " " and c not in "\n\t" for c in art.title + art.body)


# file -> substring of ArticleError.reason
ERROR_CASES = [
    ("malformed-yaml.md", "malformed YAML frontmatter at line 3: did not find expected ','"),
    ("binary.md", "binary file"),
    ("empty.md", "empty file"),
    ("yaml-alias-bomb.md", "does not allow aliases"),
]


@pytest.mark.parametrize(("name", "reason"), ERROR_CASES)
def test_read_bad_file_is_refused(name, reason):
    with pytest.raises(ArticleError) as info:
        read_article(BAD / name, BAD)
    assert reason in info.value.reason
    assert info.value.stage == "read"
    assert str(BAD / name) in str(info.value)


@pytest.mark.parametrize("name", ["utf8-bom.md", "gbk.md", "utf16-bom.md", "crlf.md"])
def test_read_encodings_give_the_same_body(name):
    """BOM, GBK, UTF-16 and CRLF variants of one article read to the same text."""
    assert read_article(BAD / name, BAD).body == BODY.strip("\n")


def test_read_control_chars_drops_whole_terminal_escape():
    art = read_article(BAD / "control-chars.md", BAD)
    assert "[31m" not in art.body
    assert "会议于2024年5月24日" in art.body


# ---------------------------------------------------------------------------
# Frontmatter

@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("---\n- a\n- b\n---\n\n# 标题\n\n正文", "frontmatter is a list, not a mapping: ignored"),
        ("---\n---\n\n# 标题\n\n正文", "empty frontmatter"),
    ],
)
def test_read_frontmatter_not_a_mapping_is_ignored(tmp_path, text, warning):
    art = article(tmp_path, text)
    assert warning in art.warnings
    assert (art.title, art.body, art.meta) == ("标题", "正文", ())


@pytest.mark.parametrize("block", ["openEuler 社区发布新版本", "42"])
def test_read_prose_between_rules_is_kept(tmp_path, block):
    """A `---` block whose YAML is a plain scalar is text between two rules."""
    art = article(tmp_path, f"---\n{block}\n---\n\n更多内容。")
    assert "'---' block is text, not YAML metadata: kept as body" in art.warnings
    assert art.body == f"{block}\n\n更多内容。"
    assert art.title == block


def test_read_unclosed_without_metadata_reads_whole_file(tmp_path):
    art = article(tmp_path, "---\n# 标题\n\n正文第一段。\n\n正文第二段。")
    assert "frontmatter has no closing '---': whole file read as body" in art.warnings
    assert art.title == "标题"
    assert art.body == "正文第一段。\n\n正文第二段。"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---\ntitle: a: b\n---\nbody", "malformed YAML frontmatter at line 2: mapping values are not allowed"),
        ("---\ntitle: x\n  bad indent: [\n---\nbody", "malformed YAML frontmatter at line 3"),
        # unclosed quote: the block ends at the closing fence, line 5 of the file
        ("\n\n---\ntitle: 'open\n---\nbody", "malformed YAML frontmatter at line 5: found unexpected end"),
        ("+++\ntitle = \n+++\nbody", "malformed TOML frontmatter: Invalid value (at line 2"),
        ("---\ntags: &t [a]\nkeywords: *t\n---\nbody", "does not allow aliases"),
    ],
)
def test_read_malformed_frontmatter_names_problem_and_line(tmp_path, text, reason):
    with pytest.raises(ArticleError) as info:
        article(tmp_path, text)
    assert reason in info.value.reason


def test_read_toml_frontmatter_values(tmp_path):
    art = article(tmp_path, '+++\ntitle = "openEuler Summit"\ndate = 2024-11-15\n'
                            'author = ["openEuler", "华为"]\ndraft = false\n+++\n\nText.')
    assert (art.title, art.published) == ("openEuler Summit", "2024-11-15")
    assert art.meta == (("author", "openEuler, 华为"), ("draft", "false"))
    assert art.warnings == ()


def test_read_meta_is_sorted_strings_as_written(tmp_path):
    """YAML 1.1 would make NO False, 0123 83 and 1.10 1.1; we keep what the author wrote."""
    art = article(tmp_path, "---\ntitle: T\ndate: 2024-01-02\nversion: 1.10\ndraft: NO\n"
                            "code: 0123\nauthor:\n  - openEuler\n  - 华为\nbanner: x.png\n"
                            "extra: {b: 1, a: [2]}\n---\nbody")
    assert art.meta == (
        ("author", "openEuler, 华为"),
        ("banner", "x.png"),
        ("code", "0123"),
        ("draft", "NO"),
        ("extra", '{"a": ["2"], "b": "1"}'),
        ("version", "1.10"),
    )
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in art.meta)


def test_read_summary_and_title_normalised(tmp_path):
    art = article(tmp_path, "---\ntitle: '  openEuler 社区 2022 年 11⽉运作报告\n  续 '\n"
                            "summary: ' 国际开源盛会 FOSSASIA Summit 2024于4月8日在越南河内举行。 '\n---\nx")
    assert art.title == "openEuler 社区 2022 年 11月运作报告 续"
    assert art.summary == "国际开源盛会 FOSSASIA Summit 2024于4月8日在越南河内举行。"


# ---------------------------------------------------------------------------
# Dates

@pytest.mark.parametrize(
    ("line", "published", "warning"),
    [
        ("date: 2024-05-01", "2024-05-01", None),
        ("date: '2024-05-01'", "2024-05-01", None),
        ("date: 2024-05-01T10:30:00+08:00", "2024-05-01", None),
        ("date: 2024--3-18", "2024-03-18", "date '2024--3-18' read as 2024-03-18"),
        ("date: 2024/3/8", "2024-03-08", "read as 2024-03-08"),
        ("date: 2024年3月18日", "2024-03-18", "read as 2024-03-18"),
        ("date: March 18, 2024", "2024-03-18", "read as 2024-03-18"),
        ("date: 2024-13-45", None, "invalid date '2024-13-45'"),
        ("date: 2023-02-29", None, "invalid date '2023-02-29' (day is out of range"),
        ("date: soon", None, "unrecognised date 'soon'"),
        ("date:", None, "empty date in frontmatter"),
        ("category: news", None, "no date in frontmatter: date unknown"),
        ("published: 2024-05-01", "2024-05-01", None),
    ],
)
def test_read_date_normalised_or_unknown(tmp_path, line, published, warning):
    art = article(tmp_path, f"---\ntitle: T\n{line}\n---\nbody")
    assert art.published == published
    if warning is None:
        assert art.warnings == ()
    else:
        assert any(warning in w for w in art.warnings), art.warnings


# ---------------------------------------------------------------------------
# Title and language

@pytest.mark.parametrize(
    ("text", "title", "body_start", "warning"),
    [
        ("# openEuler Summit 2024\n\n正文。", "openEuler Summit 2024", "正文。", "title from first heading"),
        ("<img src='a.png'>\n\n## **精彩** 回顾 ##\n\n正文。", "精彩 回顾", "<img src='a.png'>",
         "title from first heading"),
        ("openEuler Meetup\n================\n\n正文。", "openEuler Meetup", "正文。", "title from first heading"),
        ("国际开源盛会 FOSSASIA Summit 2024\n于4月8日举行。\n\n## 精彩回顾\n\n正文。",
         "国际开源盛会 FOSSASIA Summit 2024", "国际开源盛会", "title from first line"),
        ("<img src='a.png'>\n", "a", "<img", "title from file name"),
    ],
)
def test_read_title_from_body_without_frontmatter(tmp_path, text, title, body_start, warning):
    art = article(tmp_path, text)
    assert art.title == title
    assert art.body.startswith(body_start)
    assert art.published is None
    assert any(warning in w for w in art.warnings), art.warnings


@pytest.mark.parametrize(
    ("lang_line", "title", "body", "lang"),
    [
        ("lang: zh-CN", "Hello", "English text only.", "zh"),
        ("lang: en", "中文标题", "全是中文的正文。", "en"),
        ("language: zh_CN", "Hello", "English.", "zh"),
        ("", "openEuler 24.03 LTS 发布", "openEuler社区发布了24.03 LTS版本。", "zh"),
        ("", "openEuler Summit", "openEuler Summit 2024 was held in Beijing.", "en"),
        # 10 CJK characters among 200 Latin letters: 4.8 % -> en
        ("", "T", "a" * 199 + " 北京国家会议中心举行", "en"),
        # 30 CJK characters among 200 letters: 13 % -> zh
        ("", "T", "a" * 199 + " " + "北京国家会议中心举行" * 3, "zh"),
    ],
)
def test_read_lang_from_frontmatter_else_cjk_share(tmp_path, lang_line, title, body, lang):
    assert article(tmp_path, f"---\ntitle: {title}\ndate: 2024-01-01\n{lang_line}\n---\n{body}").lang == lang


def test_read_unknown_lang_falls_back_to_detection(tmp_path):
    art = article(tmp_path, "---\ntitle: T\ndate: 2024-01-01\nlang: fr\n---\nopenEuler 社区在北京召开会议。")
    assert art.lang == "zh"
    assert "lang 'fr' not supported: detected 'zh' from the text" in art.warnings


@pytest.mark.parametrize(("text", "lang"), [("openEuler 24.03 LTS版本发布", "zh"),
                                             ("openEuler 24.03 LTS released", "en"),
                                             ("2024-05-01 12:00", "en"),
                                             ("1 ・ 2", "en"),           # kana punctuation, no letter
                                             ("\u3099\u309a", "en"),    # combining kana marks
                                             ("a" * 90 + " " * 200 + "中" * 10, "zh"),   # exactly 10 %
                                             ("a" * 91 + " " * 200 + "中" * 10, "en"),
                                             ("é" * 90 + "1" * 200 + "中" * 10, "zh"),   # non-ASCII letters
                                             ("é" * 91 + "1" * 200 + "中" * 10, "en"),
                                             ("a" * 300 + "中" * 40, "zh"),     # CJK only in the second half
                                             ("\u4dc0" * 100 + "abc", "en")])   # hexagram symbols are not CJK
def test_read_detect_lang(text, lang):
    assert detect_lang(text) == lang


# ---------------------------------------------------------------------------
# Bytes that are not clean UTF-8

def test_read_a_few_invalid_utf8_bytes_are_replaced(tmp_path):
    raw = ("---\ntitle: 标题\ndate: 2024-01-01\n---\n" + "正文内容。" * 200).encode() + b"\xff\xfe!"
    art = article(tmp_path, raw)
    assert art.title == "标题"
    assert any("invalid UTF-8" in w for w in art.warnings)


def test_read_undecodable_bytes_are_binary(tmp_path):
    with pytest.raises(ArticleError, match="binary file"):
        article(tmp_path, bytes(range(0x80, 0x100)) * 40)


def test_read_whitespace_only_is_empty(tmp_path):
    with pytest.raises(ArticleError, match="empty file"):
        article(tmp_path, b"\xef\xbb\xbf \n\r\n\t\n")


# ---------------------------------------------------------------------------
# Files that cannot be read

def test_read_missing_file(tmp_path):
    with pytest.raises(ArticleError, match="file not found"):
        read_article(tmp_path / "missing.md", tmp_path)


def test_read_folder_named_md_is_refused(tmp_path):
    (tmp_path / "x.md").mkdir()
    with pytest.raises(ArticleError, match=r"not a regular file \(a folder\)"):
        read_article(tmp_path / "x.md", tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_read_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    with pytest.raises(ArticleError, match=r"not a regular file \(a FIFO\)"):
        read_article(fifo, tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root reads mode-000 files (CAP_DAC_OVERRIDE); the FIFO and folder "
                           "tests cover unreadable paths")
def test_read_unreadable_file_permission_denied(tmp_path):
    path = write(tmp_path, "secret.md", "---\ntitle: T\n---\nx")
    path.chmod(0)
    try:
        with pytest.raises(ArticleError, match="permission denied"):
            read_article(path, tmp_path)
    finally:
        path.chmod(0o644)


# ---------------------------------------------------------------------------
# Size: large inputs are read in linear time

def _big_article(mb: int) -> bytes:
    head = "---\ntitle: 大文件\ndate: 2024-04-12\n---\n\n"
    para = ("国际开源盛会 FOSSASIA Summit 2024\n于4月8日在越南河内举行。作为一个支持多样性算力的Linux发行版，"
            "OpenAtom\nopenEuler（简称\\\"openEuler\\\"）与华为、麒麟软件等合作伙伴共同参展。\n\n")
    unit = para.encode()
    return head.encode() + unit * (mb * 2**20 // len(unit) + 1)


def test_read_20mb_bytes_are_read_with_warning():
    """A 20 MB article is read (warning "large file"), at a linear cost.

    `read_article` refuses files over `MAX_FILE` (10 MiB) before opening them;
    `read_article_bytes`, used for bytes already in memory, does not.
    """
    small, big = _big_article(2), _big_article(20)
    cpu = []
    for raw in (small, big):
        t = time.process_time()
        art = read_article_bytes(raw, "big.md", "big.md")
        cpu.append(time.process_time() - t)
    assert art.title == "大文件" and art.published == "2024-04-12" and art.lang == "zh"
    assert any(w.startswith("large file: 20.0 MiB") for w in art.warnings), art.warnings
    assert len(art.body) > 6_000_000
    assert cpu[1] < 10, f"20 MB read took {cpu[1]:.1f} s"
    # 10x the input: linear costs ~10x, quadratic ~100x
    assert cpu[1] < 30 * max(cpu[0], 0.01), cpu


def test_read_file_over_max_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.md"
    path.write_bytes(_big_article(20))
    with pytest.raises(ArticleError, match=r"file too large: 20\.\d MiB \(limit 10 MiB\)"):
        read_article(path, tmp_path)


# ---------------------------------------------------------------------------
# Finding files and naming them

@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "news"
    write(root, "zh/b.md", BODY)
    write(root, "zh/a.markdown", BODY)
    write(root, "en/C.MD", BODY)
    write(root, "z.txt", BODY)
    write(root, "notes.pdf", b"%PDF")
    write(root, ".hidden/x.md", BODY)
    write(root, ".draft.md", BODY)
    write(root, "文章 with spaces.md", BODY)
    return root


def test_read_iter_files_sorted_filtered_hidden_skipped(tree):
    skipped: list[tuple[Path, str]] = []
    found = [article_id(p, tree) for p in iter_article_files(tree, on_skip=lambda p, w: skipped.append((p, w)))]
    assert found == ["en/C.MD", "z.txt", "zh/a.markdown", "zh/b.md", "文章 with spaces.md"]
    assert skipped == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_read_iter_files_symlink_loops_reported_not_fatal(tree):
    os.symlink("..", tree / "zh" / "up")                 # zh/up -> news: a loop
    os.symlink(".", tree / "en" / "self")                # en/self -> en: a loop
    os.symlink("zh/b.md", tree / "alias.md")             # a second name for zh/b.md
    os.symlink("nowhere.md", tree / "broken.md")
    os.mkfifo(tree / "pipe.md")
    outside = tree.parent / "outside"
    write(outside, "o.md", BODY)
    os.symlink(outside, tree / "ext")                    # a folder outside the tree
    skipped: dict[str, str] = {}
    found = [article_id(p, tree) for p in
             iter_article_files(tree, on_skip=lambda p, w: skipped.__setitem__(p.relative_to(tree).as_posix(), w))]
    assert found == ["en/C.MD", "ext/o.md", "z.txt", "zh/a.markdown", "zh/b.md", "文章 with spaces.md"]
    assert skipped["zh/up"].startswith("symlink loop")
    assert skipped["en/self"].startswith("symlink loop")
    assert skipped["alias.md"] == "same file as zh/b.md, listed once"   # the real path wins
    assert skipped["broken.md"] == "broken symlink"
    assert skipped["pipe.md"] == "not a regular file"


def test_read_iter_files_single_file_and_missing_root(tmp_path):
    path = write(tmp_path, "one.text", BODY)
    assert list(iter_article_files(path)) == [path]
    with pytest.raises(ArticleError, match="no such file or folder"):
        list(iter_article_files(tmp_path / "missing"))


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("news/zh/a.md", "news", "zh/a.md"),
        ("news/zh/文章 with spaces.md", "news", "zh/文章 with spaces.md"),
        ("news/zh/a.md", "news/zh/a.md", "a.md"),
        ("news/zh/Cafe\u0301.md", "news", "zh/Caf\u00e9.md"),      # NFD name (macOS) -> NFC id
    ],
)
def test_read_article_id(tmp_path, path, root, expected):
    write(tmp_path, path, BODY)
    assert article_id(tmp_path / path, tmp_path / root) == expected


def test_read_article_id_is_read_articles_id(tree):
    art = read_article(tree / "文章 with spaces.md", tree)
    assert art.id == "文章 with spaces.md"
    assert read_article(tree / "zh" / "b.md").id == "b.md"


def test_read_real_seed_article():
    """The FOSSASIA seed article as shipped in examples/."""
    path = Path(__file__).resolve().parent.parent / "examples" / "articles" / "000_67abb11d709915a6.txt"
    if not path.exists():
        pytest.skip("examples/articles not present")
    art = read_article(path, path.parent)
    assert art.title == "聚焦开源力量：openEuler携手合作伙伴闪耀FOSSASIA Summit 2024"
    assert (art.published, art.lang, art.summary) == (
        "2024-04-12", "zh", "国际开源盛会 FOSSASIA Summit 2024于4月8日在越南河内举行。")
    assert dict(art.meta)["author"] == "openEuler"
    assert art.body.startswith("国际开源盛会 FOSSASIA Summit 2024\n于4月8日")
