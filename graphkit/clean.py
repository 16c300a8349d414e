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

from graphkit.types import Article, CleanText, Link

__all__ = ["clean_article", "normalize_text", "split_sentences"]

# ---------------------------------------------------------------------------
# Character classes

# "Wide" characters: CJK ideographs, kana, hangul, CJK punctuation, full-width
# forms. A line break next to one of these is joined without a space.
_WIDE = (
    "\u1100-\u11ff\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff"
    "\u3200-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff"
    "\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
# Ideographs and kana: what language detection counts as "CJK".
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"

# Full-width punctuation that NFKC would fold to ASCII and that we keep.
_KEEP_FULLWIDTH = frozenset(
    chr(c) for c in range(0xFF01, 0xFF5F) if not chr(c).isalnum()
)

# Internal markers. Noncharacters are "permanently reserved for internal use"
# (Unicode ch. 23.7); input is stripped of them first, so they cannot clash.
_ESC0 = 0xFDD0                      # U+FDD0..U+FDEF: one per escapable ASCII punct
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"   # exactly 32 characters
_ESC_OF = {c: chr(_ESC0 + i) for i, c in enumerate(_PUNCT)}
_ATOM = "\ufffe"                    # ATOM <digits> END: literal text kept aside
_LINK = "\uffff"                    # LINK <digits> END: link start, url index
_END = "\U0010fffe"
_LINK_CLOSE = "\U0010ffff"
_NONCHARS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17)
)

# ---------------------------------------------------------------------------
# NFKC, keeping full-width punctuation

_nfkc_re: re.Pattern[str] | None = None


def _build_nfkc_re() -> re.Pattern[str]:
    """A class of every character NFKC may change or compose, minus kept punctuation.

    Computed once per process (~0.2 s): code points whose NFKC differs, all
    combining marks, second halves of canonical pairs, Hangul V/T jamo.
    """
    second: set[int] = set()
    change: list[int] = []
    skip = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7FF), (0xD800, 0xF8FF),
            (0x20000, 0x2F7FF), (0x30000, 0x10FFFF))
    cp = 0
    while cp <= 0x10FFFF:
        for lo, hi in skip:
            if lo <= cp <= hi:
                cp = hi + 1
                break
        else:
            ch = chr(cp)
            dec = unicodedata.decomposition(ch)
            if dec and not dec.startswith("<"):
                parts = dec.split()
                if len(parts) == 2:
                    second.add(int(parts[1], 16))
            if (dec and unicodedata.normalize("NFKC", ch) != ch) or unicodedata.combining(ch):
                change.append(cp)
            cp += 1
    codes = set(change) | second | set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    codes -= {ord(c) for c in _KEEP_FULLWIDTH}
    codes -= {0x0A, 0x0D}
    ranges: list[str] = []
    run: list[int] = []
    for c in sorted(codes):
        if run and c == run[-1] + 1:
            run.append(c)
            continue
        if run:
            ranges.append(_range(run[0], run[-1]))
        run = [c]
    if run:
        ranges.append(_range(run[0], run[-1]))
    return re.compile("[" + "".join(ranges) + "]+")


def _range(lo: int, hi: int) -> str:
    a = re.escape(chr(lo)) if lo > 0x20 else f"\\x{lo:02x}"
    return a if lo == hi else f"{a}-{re.escape(chr(hi))}"


def normalize_text(text: str) -> str:
    """NFKC-normalise `text`, but keep full-width punctuation.

    `unicodedata.normalize("NFKC")` folds `，！？：；（）` to ASCII; Chinese
    tokenisers (jieba, spaCy zh) expect the full-width forms, and sentence
    splitting keys on `；`. Everything else is folded as NFKC does:

    >>> normalize_text("2022 年 11 ⽉，ｏｐｅｎＥｕｌｅｒ（２０２４）")
    '2022 年 11 月，openEuler（2024）'

    Only runs of characters that NFKC would change are normalised (plus the
    character before them, for canonical composition), which is 5-10x faster
    than normalising the whole text.
    """
    global _nfkc_re
    if _nfkc_re is None:
        _nfkc_re = _build_nfkc_re()
    out: list[str] = []
    last = 0
    for m in _nfkc_re.finditer(text):
        s = m.start()
        # include the preceding base character so "e" + U+0301 composes
        if s > last and text[s - 1] not in _KEEP_FULLWIDTH and text[s - 1] != "\n":
            s -= 1
        out.append(text[last:s])
        out.append(unicodedata.normalize("NFKC", text[s:m.end()]))
        last = m.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


# ---------------------------------------------------------------------------
# Patterns (all linear: every repetition is bounded by a character class that
# stops at the next delimiter, and no group can match the same text two ways)

_PRE_STRIP = re.compile(f"[{_NONCHARS}\u200b\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*$", re.M)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ESC_ANY = re.compile("[\ufdd0-\ufdef]")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_AUTOLINK = re.compile(r"(?<!\]\()<((?:https?|ftp)://[^\s<>]+|[^\s<>@()\[\]]+@[^\s<>@()\[\]]+\.[A-Za-z]{2,})>")

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
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)(\s[^<>]*)?/?>|<!--|<![A-Za-z][^<>]*>|<\?[^<>]*\?>")
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)

_BQUOTE = re.compile(r"^(?:> ?)+", re.M)
_HEADING = re.compile(r"^#{1,6}(?: +(.*?))?(?: +#+)? *$", re.M)
_RULE = re.compile(r"^(?:=+|-+|(?:\* *){3,}|(?:_ *){3,}|(?:- +){2,}-) *$", re.M)
_TABLE_DELIM = re.compile(r"^\|?(?: *:?-+:? *\|)+(?: *:?-+:? *)?$", re.M)
_TABLE_ROW = re.compile(r"^\|(.*?)\|? *$", re.M)
_BULLET = re.compile(r"^(?:[-*+]|\d{1,9}[.)]) +(?:\[[ xX]\] +)?", re.M)
_LINKDEF = re.compile(r"^\[[^\]\n]+\]: *\S+[^\n]*$", re.M)
_HARD_BREAK = re.compile(r"\\$", re.M)
_JOIN_WIDE = re.compile(f"(?<=[{_WIDE}])([*_~]{{0,3}})\n(?!\n)|(?<!\n)\n(?=[*_~]{{0,3}}[{_WIDE}])")
_JOIN_SPACE = re.compile(r"(?<!\n)\n(?!\n)")

_IMAGE = re.compile(r"!\[[^\]\n]*\](?:\((?:<[^<>\n]*>|[^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)|\[[^\]\n]*\])")
_SPAN = re.compile(r"\[([^\[\]\n]*)\]\{[^{}\n]*\}")
_ATTRS = re.compile(r"\{(?:[.#][^{}\n]*|[A-Za-z][\w-]*=[^{}\n]*)\}")
_MD_LINK = re.compile(
    r"\[([^\[\]\n]*)\]\( *(?:<([^<>\n)]*)>?|([^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*))"
    r"(?: +(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))? *\)"
)
_BARE_URL = re.compile(r"(?<![\w/])(?:https?|ftp)://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_STRIKE = re.compile(r"~~")
_STRONG_STAR = re.compile(r"\*{2,}")
_EM_STAR = re.compile(r"\*([^\s*](?:[^*\n]*?[^\s*])?)\*")
_EM_UNDER = re.compile(r"(?<![^\W_])(__?)(?=[^\s_])([^_\n]*?[^\s_])\1(?![^\W_])")

_SPACES = re.compile(r"  +")
_PARA_BREAK = re.compile(r"[ \n]*\n[ \n]*")
_MARK = re.compile(f"{_ATOM}(\\d+){_END}|{_LINK}(\\d+){_END}|{_LINK_CLOSE}")
_WS_ANY = re.compile(r"\s+")


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
    title = _WS_ANY.sub(" ", normalize_text(_PRE_STRIP.sub("", article.title))).strip()
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

    Sentences end at `。！？；`, at `!`/`?` before a space, at a newline, and
    at `.` before the end or before a space and an upper-case letter, CJK, a
    quote or a camel-case word (`openEuler`). `24.03`, `e.g.`, `Inc.`, `Dr.`,
    `St.`, `U.S.` and initials (`J.`) do not end a sentence. Closing quotes and
    brackets stay with their sentence. Every non-space character lies in
    exactly one sentence; no sentence starts or ends with whitespace.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _SENT_END.finditer(text):
        if m.group() == "\n":
            _add_span(text, start, m.start(), spans)
            start = m.end()
            continue
        end = m.end()
        if m.group().startswith("."):
            if not _period_ends_sentence(text, m.start(), end, n):
                continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, n, spans)
    return tuple(spans)


# ---------------------------------------------------------------------------
# Body cleaning

def _clean_body(body: str) -> tuple[str, list[Link]]:
    atoms: list[str] = []
    urls: list[str] = []

    def atom(s: str) -> str:
        atoms.append(s)
        return f"{_ATOM}{len(atoms) - 1}{_END}"

    def link_open(url: str) -> str:
        urls.append(url.strip())
        return f"{_LINK}{len(urls) - 1}{_END}"

    t = body
    if "\r" in t:
        t = t.replace("\r\n", "\n").replace("\r", "\n")
    t = t.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\x85", "\n")
    t = _PRE_STRIP.sub("", t)
    t = t.replace("\t", "    ")
    t = normalize_text(t)

    t = _extract_fences(t, atom)
    t = _ESCAPE.sub(lambda m: _ESC_OF[m.group(1)], t)
    t = _CODE_SPAN.sub(lambda m: atom(_restore(m.group(1)).strip()), t)
    t = _AUTOLINK.sub(lambda m: _autolink(m.group(1), atom, link_open), t)
    if "<" in t:
        t = _strip_html(t, link_open)

    # Block structure: every block becomes a paragraph, delimited by blank lines.
    t = _SPACES.sub(" ", f"\n{t}\n")
    t = _PARA_BREAK.sub(lambda m: "\n" if m.group().count("\n") == 1 else "\n\n", t)
    t = _BQUOTE.sub("", t)
    t = _HEADING.sub(lambda m: f"\n{m.group(1) or ''}\n", t)
    t = _TABLE_DELIM.sub("", t)
    t = _RULE.sub("", t)
    if "|" in t:
        t = _TABLE_ROW.sub(_table_row, t)
    t = _BULLET.sub("\n", t)
    t = _LINKDEF.sub("", t)
    t = _HARD_BREAK.sub("", t)
    t = _PARA_BREAK.sub(lambda m: "\n" if m.group().count("\n") == 1 else "\n\n", t)
    # Soft line breaks: CJK on either side joins tight, otherwise one space.
    t = _JOIN_WIDE.sub(lambda m: m.group(1) or "", t)
    t = _JOIN_SPACE.sub(" ", t)

    # Inline Markdown (single-line patterns: nothing crosses a paragraph).
    t = _IMAGE.sub("", t)
    t = _SPAN.sub(r"\1", t)
    t = _ATTRS.sub("", t)
    t = _MD_LINK.sub(
        lambda m: f"{link_open(_restore(m.group(2) if m.group(2) is not None else m.group(3)))}"
        f"{m.group(1)}{_LINK_CLOSE}",
        t,
    )
    t = _BARE_URL.sub(lambda m: _bare_url(m.group(), atom, link_open), t)
    t = _STRIKE.sub("", t)
    t = _STRONG_STAR.sub("", t)
    t = _EM_STAR.sub(r"\1", t)
    t = _EM_UNDER.sub(r"\2", t)

    t = _SPACES.sub(" ", t)
    t = _PARA_BREAK.sub("\n\n", t).strip(" \n")
    return _assemble(t, atoms, urls)


def _extract_fences(t: str, atom) -> str:
    """Replace fenced code blocks by atoms; an unclosed fence runs to the end."""
    if "```" not in t and "~~~" not in t:
        return t
    out: list[str] = []
    pos = 0
    it = _FENCE.finditer(t)
    for m in it:
        fence = m.group(1)
        if fence[0] == "`" and "`" in m.group()[m.end(1) - m.start():]:
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


def _bare_url(url: str, atom, link_open) -> str:
    """Link a bare URL, leaving trailing punctuation and unbalanced ')' outside."""
    tail = ""
    while url and url[-1] in ".,;:!?'\")]*_~":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        if url[-1] == "]" and url.count("[") >= url.count("]"):
            break
        tail = url[-1] + tail
        url = url[:-1]
    if "://" not in url or url.endswith("://"):
        return url + tail
    return f"{link_open(url)}{atom(url)}{_LINK_CLOSE}{tail}"


def _table_row(m: re.Match[str]) -> str:
    cells = [c.strip() for c in m.group(1).split("|")]
    return "\n" + " | ".join(c for c in cells if c) + "\n"


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
    while True:
        m = search(t, pos)
        if m is None:
            break
        out.append(t[pos:m.start()])
        pos = m.end()
        tok = m.group()
        if tok.startswith("<!--"):
            end = t.find("-->", m.end())
            if end >= 0:
                pos = end + 3
            continue
        name = (m.group(2) or "").lower()
        if not name:                        # <!DOCTYPE>, <?xml?>
            continue
        closing = m.group(1) == "/"
        if name in _HTML_RAW and not closing:
            close = re.compile(rf"</{name}\s*>", re.I).search(t, m.end())
            if close:
                pos = close.end()
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
    out.append(t[pos:])
    return "".join(out)


def _assemble(t: str, atoms: list[str], urls: list[str]) -> tuple[str, list[Link]]:
    """Remove markers, restore escapes and entities, and compute link offsets.

    Whitespace next to a marker is merged ("see [ x ](u) now" -> "see x now")
    and never leads or trails a link.
    """
    out: list[str] = []
    n = 0
    pending = ""                 # whitespace owed before the next character
    open_links: list[list] = []  # [start or None, url]
    links: list[Link] = []

    def emit(s: str, literal: bool) -> None:
        nonlocal n, pending
        if not literal:
            if "&" in s:
                # html.unescape returns "" for noncharacters and C0 controls
                s = normalize_text(html.unescape(s))
                s = _PARA_BREAK.sub("\n\n", _SPACES.sub(" ", s.replace("\t", " ")))
            s = _restore(s)
        core = s.strip(" \n")
        if not core:
            if s:
                pending = _stronger(pending, s)
            return
        lead = s[: len(s) - len(s.lstrip(" \n"))]
        if lead:
            pending = _stronger(pending, lead)
        if n and pending:
            out.append(pending)
            n += len(pending)
        for lk in open_links:
            if lk[0] is None:
                lk[0] = n
        out.append(core)
        n += len(core)
        trail = s[len(lead) + len(core):]
        pending = _stronger("", trail) if trail else ""

    pos = 0
    for m in _MARK.finditer(t):
        if m.start() > pos:
            emit(t[pos:m.start()], literal=False)
        pos = m.end()
        if m.group(1) is not None:
            emit(atoms[int(m.group(1))], literal=True)
        elif m.group(2) is not None:
            open_links.append([None, urls[int(m.group(2))]])
        elif open_links:
            start, url = open_links.pop()
            if start is not None and n > start and url:
                links.append(Link(start, n, url))
    if pos < len(t):
        emit(t[pos:], literal=False)
    links.sort(key=lambda lk: (lk.start, lk.end, lk.url))
    return "".join(out), links


def _stronger(a: str, ws: str) -> str:
    b = "\n\n" if "\n" in ws else (" " if ws else "")
    return a if len(a) >= len(b) else b


# ---------------------------------------------------------------------------
# Sentences and paragraphs

_CLOSERS = "”’\"'）)」』】〕》\\]"
_SENT_END = re.compile(
    rf"\n|[。！？；]+[{_CLOSERS}]*|[!?]+[{_CLOSERS}]*(?=[\s]|$)|\.+[{_CLOSERS}]*(?=[ \n]|$)"
)
_ABBREV = frozenset(
    "e.g i.e al inc ltd co corp dr st mr mrs ms prof jr sr vs no nos fig figs "
    "approx dept jan feb mar apr jun jul aug sep sept oct nov dec mt ave".split()
)
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_CAMEL = re.compile(r"[a-z]+[A-Z]")
_OPENERS = frozenset("\"'“‘(（[【《「『")
_WIDE_RE = re.compile(f"[{_WIDE}]")


def _period_ends_sentence(text: str, dot: int, end: int, n: int) -> bool:
    """A '.' ends a sentence at a paragraph/line end, or before a space and a starter."""
    if end >= n or text[end] == "\n":
        return True
    c = text[end + 1] if end + 1 < n else ""
    if not (c.isupper() or c in _OPENERS or _WIDE_RE.match(c)
            or (c.islower() and _CAMEL.match(text, end + 1))):
        return False
    if text.startswith("..", dot):
        return True                       # ellipsis before a new sentence
    lo = max(0, dot - 40)
    k = max(text.rfind(" ", lo, dot), text.rfind("\n", lo, dot))
    word = text[k + 1:dot].lstrip("(\"'“‘（")
    return not (word.lower() in _ABBREV or _INITIALS.fullmatch(word))


def _add_span(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> None:
    while s < e and text[s] in " \n":
        s += 1
    while e > s and text[e - 1] in " \n":
        e -= 1
    if e > s:
        spans.append((s, e))


def _paragraphs(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        i = text.find("\n\n", start)
        if i < 0:
            _add_span(text, start, len(text), spans)
            return tuple(spans)
        _add_span(text, start, i, spans)
        start = i + 2
