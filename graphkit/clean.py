"""Clean stage: Article (Markdown body) -> CleanText (plain text with offsets).

In: an `Article` whose body is Markdown with inline HTML, pandoc leftovers
(`{width=...}`, `[x]{.underline}`), backslash escapes and hard-wrapped lines.
Out: `CleanText.text` = title + "\\n\\n" + plain body, where

- paragraphs are separated by exactly "\\n\\n"; inside a paragraph the only
  newlines are the lines of a fenced code block;
- there are no runs of spaces and no space next to a newline;
- the text is NFKC-normalised (`⽉` -> `月`, `２０２４` -> `2024`) except that
  full-width CJK punctuation (`，！？：；（）`...) is kept as it is: NFKC would
  turn it into ASCII, which Chinese tokenisers and models are not trained on
  (see `normalize_text`);
- `links`, `sentences` and `paragraphs` are (start, end) offsets into `text`,
  computed after every length-changing step, so `text[start:end]` is always
  the link text / sentence / paragraph.

Hard line breaks inside a paragraph are joined with no space when either side
is CJK (`于4月8日\\n在越南` -> `于4月8日在越南`, `2024\\n于` -> `2024于`) and
with one space otherwise (`FOSSASIA\\nSummit` -> `FOSSASIA Summit`).

Every step is a regular expression over the whole text or a loop over its
matches, never over characters, and nothing recurses: 10,000 nested `<div>`s
or a 20 MB body clean in linear time. It refuses nothing: any `Article` gives
a `CleanText` (possibly just the title).
"""
from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left, bisect_right
from itertools import compress

from graphkit.types import Article, CleanText, Link

__all__ = ["clean_article", "load_tables", "normalize_text", "split_sentences"]

# ---------------------------------------------------------------------------
# Character classes

# Ideographs and kana: what language detection counts as "CJK".
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"

# Full-width punctuation that NFKC would fold to ASCII and that we keep.
_KEEP_FULLWIDTH = frozenset(
    chr(c) for c in range(0xFF01, 0xFF5F) if not chr(c).isalnum()
)

# Internal markers. Noncharacters are "permanently reserved for internal use"
# (Unicode ch. 23.7); `normalize_text` strips them from the input first, so
# they cannot clash with article text. Every marker starts with _MARK0, a
# literal prefix, which keeps the scan for them fast.
_ESC0 = 0xFDD0                      # U+FDD0..U+FDEF: one per escapable ASCII punct
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"   # exactly 32 characters
_ESC_OF = {c: chr(_ESC0 + i) for i, c in enumerate(_PUNCT)}
_MARK0, _MARK1 = "\ufffe", "\uffff"
_LINK_CLOSE = f"{_MARK0}E{_MARK1}"  # "A<n>": atom n, "L<n>": link to urls[n], "E": link end

# Removed everywhere: C0/C1 controls but tab and newline, zero-width and
# soft-hyphen characters, BOMs and noncharacters.
_STRIP_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\u00ad\u200b\u2060\ufeff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
)
_STRIP_RE = re.compile(f"[{_STRIP_CHARS}]+")


# CJK ideographs, kana, hangul, CJK punctuation, full-width forms: a line
# break next to one of these is joined without a space. `_is_wide(ch)` is a
# match object (true) or None; a bound regex method is called without a
# Python frame, ~3x faster than comparing ord(ch) with each range.
_WIDE = re.compile("[\u1100-\u11ff\u2e80-\ua4cf\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff"
                   "\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]")
_is_wide = _WIDE.match


# ---------------------------------------------------------------------------
# NFKC, keeping full-width punctuation

_candidate_re: re.Pattern[str] | None = None
_unstable: frozenset[str] = frozenset()


# Where NFKC may change a character: all but the big blocks where it changes none
# (CJK ideographs, hangul syllables, surrogates, private use, planes 2 and 3 but the
# CJK compatibility supplement, planes 4-16).
_NFKC_SCAN = ((0, 0x3400), (0x4DC0, 0x4E00), (0xA000, 0xAC00), (0xF900, 0x20000), (0x2F800, 0x30000))
# Blocks of common characters; the stable ones among them make `_candidate_re`.
_COMMON_BLOCKS = ((0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x52F), (0x2010, 0x2027), (0x2030, 0x205E),
                  (0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xFF01, 0xFF5E))


def _build_tables() -> None:
    """Find every character NFKC may change or compose (once per process, ~0.02 s).

    `_unstable`: code points whose NFKC differs, combining marks, second
    halves of canonical pairs, Hangul V/T jamo, and the characters we strip.
    `_candidate_re`: one negated class of common characters known to be
    stable (ASCII, CJK, kana, hangul, Latin/Greek/Cyrillic letters...). A
    single-character class is what `re` scans fastest (~150 M chars/s);
    only its rare matches are looked up in `_unstable` from Python.
    """
    global _candidate_re, _unstable
    unstable = _nfkc_unstable() - {ord(c) for c in _KEEP_FULLWIDTH}
    strip = _class_members(_STRIP_CHARS)
    _unstable = frozenset(map(chr, unstable)) | frozenset(strip)
    excluded = sorted(unstable | set(map(ord, strip)))
    ranges: list[str] = ["\\n"]
    for lo, hi in _COMMON_BLOCKS:
        start = lo
        inside = excluded[bisect_left(excluded, lo):bisect_right(excluded, hi)]
        for bad in inside + [hi + 1]:
            if bad > start:
                ranges.append(_range(start, bad - 1))
            start = bad + 1
    _candidate_re = re.compile("[^" + "".join(ranges) + "]")


def _class_members(chars: str) -> set[str]:
    """The characters of a regex class body made of characters and `a-z` ranges only."""
    members: set[str] = set()
    i = 0
    while i < len(chars):
        if i + 2 < len(chars) and chars[i + 1] == "-":
            members.update(map(chr, range(ord(chars[i]), ord(chars[i + 2]) + 1)))
            i += 3
        else:
            members.add(chars[i])
            i += 1
    return members


def _nfkc_unstable() -> set[int]:
    """Code points NFKC changes, combining marks, second halves of canonical pairs, Hangul V/T jamo.

    `map` and `compress` walk the 86,000 code points in C; Python looks only at
    the few thousand that have a decomposition.
    """
    second: set[int] = set()
    unstable: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for lo, hi in _NFKC_SCAN:
        chars = list(map(chr, range(lo, hi)))
        decompositions = list(map(unicodedata.decomposition, chars))
        for ch, dec in compress(zip(chars, decompositions), decompositions):
            if not dec.startswith("<"):
                parts = dec.split()
                if len(parts) == 2:
                    second.add(int(parts[1], 16))
            if unicodedata.normalize("NFKC", ch) != ch:
                unstable.add(ord(ch))
        unstable.update(map(ord, compress(chars, map(unicodedata.combining, chars))))
    return unstable | second


def load_tables() -> None:
    """Build the NFKC tables now (before forking workers, which then share them)."""
    if _candidate_re is None:
        _build_tables()


def _range(lo: int, hi: int) -> str:
    a = re.escape(chr(lo))
    return a if lo == hi else f"{a}-{re.escape(chr(hi))}"


def normalize_text(text: str) -> str:
    """NFKC-normalise `text`, keeping full-width punctuation; drop invisible junk.

    `unicodedata.normalize("NFKC")` folds `，！？：；（）` to ASCII; Chinese
    tokenisers (jieba, spaCy zh) expect the full-width forms, and sentence
    splitting keys on `；`. Everything else is folded as NFKC does. Control
    characters (but tab and newline), zero-width spaces, soft hyphens, BOMs
    and noncharacters are removed:

    >>> normalize_text("2022 年 11 ⽉，ｏｐｅｎＥｕｌｅｒ（２０２４）\u200b")
    '2022 年 11 月，openEuler（2024）'

    Only runs of characters that may change are normalised (with the
    character before them, for canonical composition): ~10x faster than
    normalising the whole text.
    """
    if _candidate_re is None:
        _build_tables()
    unstable = _unstable
    out: list[str] = []
    last = 0            # text[:last] is already in `out`
    run_start = run_end = -1
    for m in _candidate_re.finditer(text):
        i = m.start()
        if text[i] not in unstable:
            continue
        if i == run_end:
            run_end = i + 1
            continue
        if run_end >= 0:
            last = _flush_run(text, out, last, run_start, run_end)
        run_start, run_end = i, i + 1
    if run_end >= 0:
        last = _flush_run(text, out, last, run_start, run_end)
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


# Short runs seen before, normalised: the same few (a character and a Kangxi
# radical such as "⽤") recur through a text and across articles.
_NFKC_RUNS: dict[str, str] = {}
_NFKC_RUN_CACHED = 8                # characters, at most
_NFKC_RUNS_MAX = 20_000             # runs kept, at most


def _flush_run(text: str, out: list[str], last: int, s: int, e: int) -> int:
    # include the preceding base character so "e" + U+0301 composes
    if s > last and text[s - 1] not in _KEEP_FULLWIDTH and text[s - 1] != "\n":
        s -= 1
    seg = text[s:e]
    new = _NFKC_RUNS.get(seg)
    if new is None:
        new = _STRIP_RE.sub("", unicodedata.normalize("NFKC", seg))
        if len(seg) <= _NFKC_RUN_CACHED and len(_NFKC_RUNS) < _NFKC_RUNS_MAX:
            _NFKC_RUNS[seg] = new
    if new != seg:
        out.append(text[last:s])
        out.append(new)
        return e
    return last


# ---------------------------------------------------------------------------
# Patterns. All are linear (each repetition stops at the next delimiter) and
# each begins with a literal character, which `re` finds with a fast scan.

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*$", re.M)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ESC_ANY = re.compile("[\ufdd0-\ufdef]")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_AUTOLINK = re.compile(
    r"<(?<!\]\(<)((?:https?|ftp)://[^\s<>]+|[^\s<>@()\[\]]+@[^\s<>@()\[\]]+\.[A-Za-z]{2,})>")

_HTML_BLOCK = frozenset(
    "address article aside blockquote br caption center dd details dialog div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav "
    "ol p pre section summary table tbody tfoot thead tr ul".split()
)
_HTML_INLINE = frozenset(
    "a abbr area audio b bdi bdo big body button cite code col colgroup data del dfn "
    "em embed font head html i iframe img input ins kbd label link map mark meta "
    "noscript object option param picture q rp rt ruby s samp select small source span "
    "strike strong sub sup svg td template textarea th time title tt u var video wbr".split()
)
_HTML_RAW = frozenset(("script", "style"))
_HTML_TAG = re.compile(r"<(?:(/?)([A-Za-z][A-Za-z0-9]*)(\s[^<>]*)?/?>|!--|![A-Za-z][^<>]*>|\?[^<>]*\?>)")
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)

# line patterns, applied to one stripped line at a time
_HEADING = re.compile(r"#{1,6}(?: +(.*?))?(?: +#+)?")
_RULE = re.compile(r"=+|-+|(?:\* *){3,}|(?:_ *){3,}|(?:- *){3,}")
_TABLE_DELIM = re.compile(r"\|?(?: *:?-+:? *\|)+(?: *:?-+:? *)?|(?: *:?-+:? *\|)+ *:?-+:? *")
_BULLET = re.compile(r"(?:[-*+]|\d{1,9}[.)]) +(?:\[[ xX]\] +)?")
_LINKDEF = re.compile(r"\[[^\]]+\]: *\S+")
_LINE_START = frozenset("#>|=-*_+:[0123456789")

_IMAGE = re.compile(r"!\[[^\[\]\n]*\](?:\((?:<[^<>\n]*>|[^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)|\[[^\[\]\n]*\])")
_SPAN = re.compile(r"\[([^\[\]\n]*)\]\{[^{}\n]*\}")
_ATTRS = re.compile(r"\{(?:[.#][^{}\n]*|[A-Za-z][\w-]*=[^{}\n]*)\}")
_MD_LINK = re.compile(
    r"\[([^\[\]\n]*)\]\( *(?:<([^<>\n)]*)>?|([^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*))"
    r"(?: +(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))? *\)"
)
_URL_TAIL = re.compile(r"://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_SCHEME = re.compile(r"(?:https?|ftp)\Z")
_EM_STAR = re.compile(r"\*([^\s*](?:[^*\n]*?[^\s*])?)\*")
_STRONG_UNDER = re.compile(r"__(?<![^\W_]__)(?=[^\s_])([^_\n]*?[^\s_])__(?![^\W_])")
_EM_UNDER = re.compile(r"_(?<![^\W_]_)(?=[^\s_])([^_\n]*?[^\s_])_(?![^\W_])")

_SPACES = re.compile(r"  +")
_BLANKS = re.compile(r"\n\n\n+")
_MARK = re.compile(f"{_MARK0}(?:([AL])(\\d+))?E?{_MARK1}")
_WS_ANY = re.compile(r"\s+")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")


# ---------------------------------------------------------------------------
# Public API

def clean_article(article: Article) -> CleanText:
    """Turn an article's Markdown body into plain text with sentence offsets.

    Args:
        article: from `read_article`; its body may hold Markdown, inline HTML
            and pandoc leftovers.

    Returns:
        `CleanText` whose `text` is the NFKC title, a blank line, then the
        cleaned body. `title_end` is the title's length; `links` keep the URL
        of every link whose text was kept, e.g. for
        ``[Codeheat official website](https://codeheat.org/)``
        ``text[link.start:link.end] == "Codeheat official website"``.

    Example:
        ``国际开源盛会 FOSSASIA Summit 2024\\n于4月8日在越南河内举行。`` becomes
        ``国际开源盛会 FOSSASIA Summit 2024于4月8日在越南河内举行。``
    """
    title = _WS_ANY.sub(" ", normalize_text(article.title)).strip()
    body, links = _clean_body(article.body)
    if title and body:
        offset = len(title) + 2
        text = f"{title}\n\n{body}"
        links = [Link(lk.start + offset, lk.end + offset, lk.url) for lk in links]
    else:
        text = title or body
    return CleanText(
        article_id=article.id,
        lang=article.lang,
        text=text,
        sentences=split_sentences(text),
        paragraphs=_paragraphs(text),
        links=tuple(links),
        title_end=len(title) if title else 0,
    )


def split_sentences(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence of cleaned `text`, in order.

    Sentences end at `。！？；`, at `!`/`?` before whitespace, at a newline,
    and at `.` before the end of a line or before a space and an upper-case
    letter, CJK, a quote or a camel-case word (`openEuler`). `24.03`, `e.g.`,
    `Inc.`, `Dr.`, `St.`, `U.S.` and initials (`J.`) do not end a sentence.
    Closing quotes and brackets stay with their sentence. Every non-space
    character lies in exactly one sentence; none starts or ends with a space.
    """
    spans: list[tuple[int, int]] = []
    add = spans.append
    start = 0
    n = len(text)
    for m in _SENT_END.finditer(text):
        ms, me = m.span()
        c = text[ms]
        if c == "\n":
            e = ms
        elif c == "." and not _period_ends_sentence(text, ms, me, n):
            continue
        else:
            e = me
        # cleaned text has at most one blank (" ", "\n" or "\n\n") between words
        while start < e and (text[start] == " " or text[start] == "\n"):
            start += 1
        if e > start:
            add((start, e))
        start = me
    while start < n and (text[start] == " " or text[start] == "\n"):
        start += 1
    if n > start:
        add((start, n))
    return tuple(spans)


# ---------------------------------------------------------------------------
# Body cleaning

def _clean_body(body: str) -> tuple[str, list[Link]]:
    atoms: list[str] = []
    urls: list[str] = []
    escaped: set[str] = set()       # the punctuation characters escaped with a backslash

    def atom(s: str) -> str:
        atoms.append(s)
        return f"{_MARK0}A{len(atoms) - 1}{_MARK1}"

    def link_open(url: str) -> str:
        urls.append(url.strip())
        return f"{_MARK0}L{len(urls) - 1}{_MARK1}"

    def escape(m: re.Match[str]) -> str:
        escaped.add(m.group(1))
        return _ESC_OF[m.group(1)]

    t = body
    if "\r" in t:
        t = t.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2028" in t or "\u2029" in t or "\x85" in t:
        t = t.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\x85", "\n")
    if "\t" in t:
        t = t.replace("\t", "    ")
    t = normalize_text(t)       # also removes any marker characters from the input

    # a one-character test first: `in` scans for one character ~10x faster than for three
    if ("`" in t and "```" in t) or ("~" in t and "~~~" in t):
        t = _extract_fences(t, atom)
    if "\\" in t:
        t = _ESCAPE.sub(escape, t)
    if "`" in t:
        t = _CODE_SPAN.sub(lambda m: atom(_SPACES.sub(" ", _restore(m.group(1)).strip())), t)
    if "<" in t:
        t = _AUTOLINK.sub(lambda m: _autolink(m.group(1), atom, link_open), t)
        t = _strip_html(t, link_open)

    t = _blocks(_SPACES.sub(" ", t))

    # Inline Markdown; no pattern crosses "\n", so nothing crosses a paragraph.
    if "![" in t:
        t = _IMAGE.sub("", t)
    if "{" in t:
        t = _SPAN.sub(r"\1", t)
        t = _ATTRS.sub("", t)
    if "](" in t:
        t = _MD_LINK.sub(
            lambda m: f"{link_open(_restore(m.group(2) if m.group(2) is not None else m.group(3)))}"
            f"{m.group(1)}{_LINK_CLOSE}",
            t,
        )
    if "://" in t:
        t = _bare_urls(t, atom, link_open)
    if "~" in t and "~~" in t:
        t = t.replace("~~", "")
    if "*" in t:
        t = t.replace("**", "")
        t = _EM_STAR.sub(r"\1", t)
    if "_" in t:
        t = _STRONG_UNDER.sub(r"\1", t)
        t = _EM_UNDER.sub(r"\1", t)

    t = _SPACES.sub(" ", t).replace(" \n", "\n").replace("\n ", "\n")
    t = _BLANKS.sub("\n\n", t).strip(" \n")
    return _assemble(t, atoms, urls, escaped)


def _extract_fences(t: str, atom) -> str:
    """Replace fenced code blocks by atoms; an unclosed fence runs to the end."""
    out: list[str] = []
    pos = 0
    it = _FENCE.finditer(t)
    for m in it:
        fence = m.group(1)
        if m.start() < pos:
            continue
        if fence[0] == "`" and "`" in t[m.end(1):m.end()]:
            continue                        # ```code``` on one line is not a fence
        close = None
        for c in it:
            if c.group(1)[0] == fence[0] and len(c.group(1)) >= len(fence) and \
                    c.group().strip() == c.group(1):
                close = c
                break
        code_end = close.start() if close else len(t)
        lines = [_SPACES.sub(" ", ln.strip()) for ln in t[m.end():code_end].split("\n")]
        code = "\n".join(ln for ln in lines if ln)
        out.append(t[pos:m.start()])
        out.append(f"\n\n{atom(code)}\n\n" if code else "\n\n")
        pos = close.end() if close else len(t)
        if close is None:
            break
    out.append(t[pos:])
    return "".join(out)


def _restore(s: str) -> str:
    """Undo escape markers: the escaped ASCII punctuation comes back literally."""
    if _ESC_ANY.search(s) is None:
        return s
    return _ESC_ANY.sub(lambda m: _PUNCT[ord(m.group()) - _ESC0], s)


def _autolink(target: str, atom, link_open) -> str:
    target = _restore(target)
    url = target if "://" in target else f"mailto:{target}"
    return f"{link_open(url)}{atom(target)}{_LINK_CLOSE}"


def _bare_urls(t: str, atom, link_open) -> str:
    """Link bare http(s)/ftp URLs; trailing punctuation and unbalanced ')' stay outside."""
    out: list[str] = []
    pos = 0
    for m in _URL_TAIL.finditer(t):
        s = m.start()
        sm = _SCHEME.search(t, max(0, s - 5), s)
        if sm is None or sm.start() < pos:
            continue
        b = sm.start()
        if b > 0 and (t[b - 1].isalnum() or t[b - 1] in "/_"):
            continue
        url = t[b:m.end()]
        tail = ""
        while url and url[-1] in ".,;:!?'\")]*_~":
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            if url[-1] == "]" and url.count("[") >= url.count("]"):
                break
            tail = url[-1] + tail
            url = url[:-1]
        if url.endswith("://"):
            continue
        out.append(t[pos:b])
        out.append(f"{link_open(url)}{atom(url)}{_LINK_CLOSE}{tail}")
        pos = m.end()
    if not out:
        return t
    out.append(t[pos:])
    return "".join(out)


def _strip_html(t: str, link_open) -> str:
    """Drop HTML tags, comments and <script>/<style> content without recursion.

    Block-level tags become paragraph breaks; <a href> becomes a link; unknown
    "tags" such as `List<String>` are left as text. An unclosed comment or
    <script> drops only its opening tag, so no article text is lost.
    """
    out: list[str] = []
    pos = 0
    anchors: list[bool] = []        # for each open <a>: did it open a link?
    search = _HTML_TAG.search
    # where the next "-->" / "</script>" is, so a thousand unclosed "<!--"
    # do not each scan to the end of the text (quadratic)
    next_close: dict[str, int] = {}
    while True:
        m = search(t, pos)
        if m is None:
            break
        out.append(t[pos:m.start()])
        pos = m.end()
        tok = m.group()
        if tok == "<!--":
            end = _next_close(next_close, "-->", t, m.end())
            if end >= 0:
                pos = end + 3
            continue
        name = (m.group(2) or "").lower()
        if not name:                        # <!DOCTYPE>, <?xml?>
            continue
        closing = m.group(1) == "/"
        if name in _HTML_RAW and not closing:
            end = _next_close(next_close, name, t, m.end())
            if end >= 0:
                pos = t.index(">", end) + 1
            continue
        if name == "a":
            if closing:
                if anchors and anchors.pop():
                    out.append(_LINK_CLOSE)
            else:
                href = _HREF.search(m.group(3) or "")
                url = next((g for g in href.groups() if g is not None), "") if href else ""
                anchors.append(bool(url))
                if url:
                    out.append(link_open(html.unescape(url)))
            continue
        if name in _HTML_BLOCK:
            out.append("\n\n")
        elif name in ("td", "th"):
            out.append(" ")
        elif name not in _HTML_INLINE and name not in _HTML_RAW:
            out.append(tok)                 # not HTML: keep as text
    if not out:
        return t
    out.append(t[pos:])
    return "".join(out)


_RAW_CLOSE = {"script": re.compile(r"</script\s*>", re.I), "style": re.compile(r"</style\s*>", re.I)}


def _next_close(cache: dict[str, int], what: str, t: str, start: int) -> int:
    """Index of the next "-->" or "</script>"/"</style>" at or after `start`, or -1."""
    hit = cache.get(what)
    if hit is None or (0 <= hit < start):
        if what == "-->":
            hit = t.find("-->", start)
        else:
            m = _RAW_CLOSE[what].search(t, start)
            hit = m.start() if m else -1
        cache[what] = hit
    return hit


def _blocks(t: str) -> str:
    """Markdown block structure -> paragraphs separated by "\\n\\n", no other newline.

    Headings, table rows, list items and code blocks become paragraphs of
    their own; rules, setext underlines, table delimiter rows and link
    reference definitions are dropped; the hard-wrapped lines of a paragraph
    are joined (no space when either side is CJK, else one space).
    """
    paras: list[str] = []
    para: list[str] = []
    add = paras.append

    def flush() -> None:
        pieces = [para[0]]
        prev = para[0]
        for line in para[1:]:
            a = prev[-1]
            if a in "*_~":
                a = prev.rstrip("*_~")[-1:] or a
            b = line[0]
            if b in "*_~":
                b = line.lstrip("*_~")[:1] or b
            if not (_is_wide(a) or _is_wide(b)):
                pieces.append(" ")
            pieces.append(line)
            prev = line
        add("".join(pieces))
        para.clear()

    def end_para() -> None:
        if para:
            flush()

    line_start = _LINE_START
    for line in t.split("\n"):
        s = line.strip(" ")
        if not s:
            if para:
                flush() if len(para) > 1 else add(para.pop())
            continue
        if s[0] in line_start or s[-1] == "\\":
            s = _block_line(s, paras, end_para)
            if not s:
                continue
        para.append(s)
    if para:
        flush()
    return "\n\n".join(paras)


def _block_line(s: str, paras: list[str], end_para) -> str:
    """Handle one line that may be block syntax; return the text to keep in the paragraph.

    `end_para()` ends the paragraph being gathered, if any.
    """
    if s[0] == ">":                           # block quote, any depth
        s = s.lstrip("> ")
    if not s:
        end_para()
        return ""
    c = s[0]
    if c == "#" and (m := _HEADING.fullmatch(s)):
        end_para()
        if m.group(1):
            paras.append(m.group(1))
        return ""
    if c in "=-*_" and _RULE.fullmatch(s):       # rule or setext underline
        end_para()
        return ""
    if c in "|-:" and "-" in s and "|" in s and _TABLE_DELIM.fullmatch(s):
        return ""
    if c == "|":
        end_para()
        cells = [x.strip(" ") for x in s.strip("|").split("|")]
        row = " | ".join(x for x in cells if x)
        if row:
            paras.append(row)
        return ""
    if c == "[" and _LINKDEF.fullmatch(s):
        return ""
    if m := _BULLET.match(s):
        end_para()
        s = s[m.end():]
    if s.endswith("\\"):                        # hard line break
        s = s[:-1].rstrip(" ")
    return s


def _assemble(t: str, atoms: list[str], urls: list[str],
              escaped: set[str]) -> tuple[str, list[Link]]:
    """Remove markers, restore entities and the `escaped` characters, and compute link offsets.

    Whitespace next to a marker is merged ("see [ x ](u) now" -> "see x now")
    and never leads or trails a link.
    """
    out: list[str] = []
    n = 0
    pending = ""                 # whitespace owed before the next character
    open_links: list[list] = []  # [start or None, url], innermost last
    unstarted: list[list] = []   # open links whose text has not begun yet
    links: list[Link] = []

    def emit(s: str, literal: bool) -> None:
        nonlocal n, pending
        if not literal:
            if "&" in s:
                u = _ENTITY.sub(_unescape, s)
                if u != s:      # an entity may have become a space, or nothing
                    u = _SPACES.sub(" ", u).replace(" \n", "\n").replace("\n ", "\n")
                    s = _BLANKS.sub("\n\n", u)
        core = s.strip(" \n")
        if not core:
            if s:
                pending = _stronger(pending, s)
            return
        lead_len = len(s) - len(s.lstrip(" \n"))
        if lead_len:
            pending = _stronger(pending, s[:lead_len])
        if n and pending:
            out.append(pending)
            n += len(pending)
        if unstarted:
            for lk in unstarted:
                lk[0] = n
            unstarted.clear()
        out.append(core)
        n += len(core)
        trail = s[lead_len + len(core):]
        pending = _stronger("", trail) if trail else ""

    pos = 0
    if _MARK0 in t:
        for m in _MARK.finditer(t):
            if m.start() > pos:
                emit(t[pos:m.start()], literal=False)
            pos = m.end()
            kind = m.group(1)
            if kind == "A":
                emit(atoms[int(m.group(2))], literal=True)
            elif kind == "L":
                lk = [None, urls[int(m.group(2))]]
                open_links.append(lk)
                unstarted.append(lk)
            elif open_links:
                lk = open_links.pop()
                if lk[0] is None:
                    unstarted.remove(lk)
                start, url = lk
                if start is not None and n > start and url:
                    links.append(Link(start, n, url))
    if pos < len(t):
        emit(t[pos:], literal=False)
    links.sort(key=lambda lk: (lk.start, lk.end, lk.url))
    return _restore_escaped("".join(out), escaped), links


def _restore_escaped(text: str, escaped: set[str]) -> str:
    """`_restore` for the assembled text, by one `str.replace` per character escaped.

    Escape markers are only left in text outside atoms (which were restored
    when made); markers are neither spaces nor line breaks and a restored
    character has the same length, so restoring after assembly gives what
    restoring each piece did, without a regex scan of the whole text.
    """
    for c in escaped:
        text = text.replace(_ESC_OF[c], c)
    return text


def _unescape(m: re.Match[str]) -> str:
    """One HTML entity -> text; whitespace and line breaks it yields become one space.

    html.unescape returns "" for noncharacters and C0 controls, so an entity
    cannot smuggle in a marker.
    """
    s = html.unescape(m.group())
    if s == m.group():
        return s
    s = normalize_text(s)
    return " " if s.isspace() else _WS_ANY.sub(" ", s)


def _stronger(a: str, ws: str) -> str:
    b = "\n\n" if "\n" in ws else (" " if ws else "")
    return a if len(a) >= len(b) else b


# ---------------------------------------------------------------------------
# Sentences and paragraphs

_CLOSERS = "[”’\"'）)」』】〕》\\]]*+"
# Every alternative starts with a literal, so `re` (3.11) skips to the next of those eight
# characters with a fast scan; an alternative starting with a lookbehind turns that
# scan off (10x slower), so each lookbehind comes after its mark and looks at both
# characters. A run of marks is matched once, from its first mark (the lookbehind) and
# without giving back (possessive): otherwise "....x" or "!!!!" runs cost time
# quadratic in their length.
_SENT_END = re.compile(
    "\n\n*+"          # a paragraph break is one match (a newline first keeps the fast scan)
    f"|。(?<![。！？；]。)[。！？；]*+{_CLOSERS}|！(?<![。！？；]！)[。！？；]*+{_CLOSERS}"
    f"|？(?<![。！？；]？)[。！？；]*+{_CLOSERS}|；{_CLOSERS}"
    f"|!(?<![!?]!)[!?]*+{_CLOSERS}(?=\\s|$)|\\?(?<![!?]\\?)[!?]*+{_CLOSERS}(?=\\s|$)"
    f"|\\.(?<!\\.\\.)\\.*+{_CLOSERS}(?=[ \\n]|$)"
)
_ABBREV = frozenset(
    "e.g i.e al inc ltd co corp dr st mr mrs ms prof jr sr vs no nos fig figs "
    "approx dept jan feb mar apr jun jul aug sep sept oct nov dec mt ave".split()
)
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_CAMEL = re.compile(r"[a-z]+[A-Z]")
_OPENERS = frozenset("\"'“‘(（[【《「『")


def _period_ends_sentence(text: str, dot: int, end: int, n: int) -> bool:
    """A '.' ends a sentence at a line end, or before a space and a sentence starter."""
    if end >= n or text[end] == "\n":
        return True
    c = text[end + 1] if end + 1 < n else ""
    if not c or not (c.isupper() or c in _OPENERS or _is_wide(c)
                     or (c.islower() and _CAMEL.match(text, end + 1))):
        return False
    if text.startswith("..", dot):
        return True                       # ellipsis before a new sentence
    lo = max(0, dot - 40)
    k = max(text.rfind(" ", lo, dot), text.rfind("\n", lo, dot))
    word = text[k + 1:dot].lstrip("(\"'“‘（")
    return not (word.lower() in _ABBREV or _INITIALS.fullmatch(word))


def _paragraphs(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    while start < n:
        i = text.find("\n\n", start)
        if i < 0:
            i = n
        if i > start:
            spans.append((start, i))
        start = i + 2
    return tuple(spans)
