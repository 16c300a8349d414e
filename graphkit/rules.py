"""Load and validate rules/ once per run: the only code that reads rule files.

Every file is YAML with a `kind:` key. Kinds and their folders:

- `gazetteer` (gazetteers/): named things with zh/en aliases, label ORG,
  PERSON, VENUE, PRODUCT or EVENT_SERIES;
- `regex` (patterns/): regular expressions with `match`/`no_match` examples;
- `lexicon` (lexicon/): word lists that context rules use (roles, surnames,
  trigger words for relations, organisation suffixes);
- `resolution` (resolution.yaml): `same_as` groups and `never_merge` pairs an
  analyst promotes from merge_candidates.csv.

A bad file stops the run with `RuleError(file, key, reason)`: unknown keys,
duplicate ids, names that are not strings, regexes that do not compile or
that nest quantifiers (catastrophic backtracking on long lines).
"""
from __future__ import annotations

import hashlib
import marshal
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from graphkit.errors import RuleError
from graphkit.user_cache import keyed_file, read_own, save_atomically

GAZETTEER_LABELS = {"ORG", "PERSON", "VENUE", "PRODUCT", "EVENT_SERIES"}
PATTERN_LABELS = {"ORG", "PERSON", "EVENT", "VENUE", "DATE", "VERSION", "PRODUCT", "TALK"}
# libyaml's loader is ~10x faster than the pure-Python one: rules load at every start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"

_FILE_KEYS = {
    "gazetteer": {"kind", "label", "entries", "description"},
    "regex": {"kind", "label", "rules", "description"},
    "lexicon": {"kind", "lists", "description"},
    "resolution": {"kind", "same_as", "never_merge", "description"},
}
_ENTRY_KEYS = {"id", "names", "case_sensitive", "parent", "series"}
_REGEX_KEYS = {"id", "pattern", "match", "no_match", "confidence", "flags", "description", "lang", "anchor",
               "window", "after"}
_MAX_WINDOW = 1000
_FLAGS = {"IGNORECASE": re.IGNORECASE, "VERBOSE": re.VERBOSE}


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    id: str
    label: str
    names_zh: tuple[str, ...]
    names_en: tuple[str, ...]
    case_sensitive: bool
    parent: str
    source: str            # "gazetteers/orgs.yaml#huawei"

    @property
    def names(self) -> tuple[str, ...]:
        return self.names_en + self.names_zh

    @property
    def display(self) -> str:
        return (self.names_en or self.names_zh)[0]


def word_alternation(words) -> str:
    """A regex matching any of `words`, longest first, factored as a trie: `Chair(?:man|person)?`.

    The same strings in the same preference order as `a|b|c` sorted longest first,
    but the regex engine checks one branch per first character instead of every word.
    """
    trie: dict = {}
    for word in set(words):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_regex(trie) or "(?!)"


def _trie_regex(node: dict) -> str:
    branches = [re.escape(ch) + _trie_regex(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    # A word ends here and longer ones go on: the longer ones are tried first (greedy).
    return body + "?" if len(branches) > 1 else f"(?:{body})?"


@dataclass(frozen=True, slots=True)
class RegexRule:
    id: str
    label: str
    pattern: re.Pattern
    confidence: float
    source: str            # "patterns/dates.yaml#zh-month-day"
    lang: str = ""         # "zh" or "en": run only on articles of that language
    anchor: re.Pattern | None = None   # words every match contains: the pattern runs only near them
    window: int = 80                   # how far a match may reach before its anchor word...
    after: int | None = None           # ...and after it (None: as far as before)

    def finditer(self, text: str, window: int | None = None):
        """Matches of the pattern; with an anchor, only in windows around the anchor's hits
        (a pattern whose every part is optional otherwise tries every position)."""
        if self.anchor is None:
            return self.pattern.finditer(text)
        hits = ((a.start(), a.end()) for a in self.anchor.finditer(text))
        return self.finditer_windows(text, self.windows(hits, len(text), window))

    def windows(self, hits, length: int, window: int | None = None) -> list[tuple[int, int]]:
        """(lo, hi) spans of text around sorted (start, end) anchor hits, where matches can lie."""
        return anchor_windows(hits, *self.reach(window), length)

    def reach(self, window: int | None = None) -> tuple[int, int]:
        """(characters before, characters after) an anchor hit that a match may cover."""
        before = self.window if window is None else window
        return before, before if window is not None or self.after is None else self.after

    def finditer_windows(self, text: str, spans: list[tuple[int, int]]):
        for lo, hi in spans:
            yield from self.pattern.finditer(text, lo, hi)


def anchor_windows(hits, before: int, after: int, length: int) -> list[tuple[int, int]]:
    """(lo, hi) windows from `before` characters ahead of each (start, end) hit to `after`
    past it, sorted. Windows that touch are merged, so dense anchors cost one linear
    scan, never more."""
    spans: list[list[int]] = []
    for start, end in hits:
        lo, hi = max(0, start - before), min(length, end + after)
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    return [(lo, hi) for lo, hi in spans]


@dataclass(frozen=True)
class Rules:
    """Everything in rules/, validated; `digest` keys the extraction cache."""

    gazetteer: tuple[GazetteerEntry, ...]
    regexes: dict[str, tuple[RegexRule, ...]]          # label -> rules, file order
    lexicon: dict[str, tuple[str, ...]]                # list name -> words
    same_as: tuple[tuple[str, ...], ...]
    never_merge: tuple[tuple[str, str], ...]
    digest: str
    directory: str
    by_source: dict[str, GazetteerEntry] = field(default_factory=dict)

    def words(self, name: str) -> tuple[str, ...]:
        return self.lexicon.get(name, ())


def load_rules(directory: str | Path | None = None) -> Rules:
    """Read every YAML file under `directory` (default: the bundled rules/).

    Raises:
        RuleError: naming the file, the key and the problem.
    """
    root = Path(directory) if directory else DEFAULT_RULES_DIR
    if not root.is_dir():
        raise RuleError(str(root), "", "rules folder not found")
    files = sorted(p for p in root.rglob("*.y*ml") if p.is_file())
    if not files:
        raise RuleError(str(root), "", "no rule files (*.yaml) found")
    digest = hashlib.sha256()
    raws: dict[str, bytes] = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        raws[rel] = raw = path.read_bytes()
        digest.update(rel.encode() + b"\0" + raw + b"\0")
    parsed = _parsed_yaml(raws, digest.hexdigest())
    gazetteer: list[GazetteerEntry] = []
    regexes: dict[str, list[RegexRule]] = {}
    lexicon: dict[str, tuple[str, ...]] = {}
    same_as: list[tuple[str, ...]] = []
    never_merge: list[tuple[str, str]] = []
    for rel in raws:
        data = _checked(rel, parsed[rel])
        kind = data["kind"]
        if kind == "gazetteer":
            gazetteer.extend(_load_gazetteer(rel, data))
        elif kind == "regex":
            for rule in _load_regexes(rel, data):
                regexes.setdefault(rule.label, []).append(rule)
        elif kind == "lexicon":
            for name, words in _load_lexicon(rel, data).items():
                if name in lexicon:
                    raise RuleError(rel, f"lists.{name}", "list defined in two files")
                lexicon[name] = words
        elif kind == "resolution":
            groups, pairs = _load_resolution(rel, data)
            same_as.extend(groups)
            never_merge.extend(pairs)
    by_source = {e.source: e for e in gazetteer}
    return Rules(tuple(gazetteer), {k: tuple(v) for k, v in regexes.items()}, lexicon,
                 tuple(same_as), tuple(never_merge), digest.hexdigest()[:16], str(root), by_source)


def _parsed_yaml(raws: dict[str, bytes], digest: str) -> dict[str, object]:
    """Every file's YAML, parsed; from the user's cache when these exact files were parsed
    before (libyaml still builds ~20,000 Python objects one by one: ~0.1 s at every start,
    marshal ~10 ms). Only plain data is cached: a file that does not parse is never in it."""
    path = _cache_file(digest)
    cached = read_own(path) if path is not None else None
    if cached is not None:
        try:
            data = marshal.loads(cached)
            if isinstance(data, dict) and data.keys() == raws.keys():
                return data
        except (EOFError, ValueError, TypeError):
            pass
    data = {rel: _parse_yaml(rel, raw) for rel, raw in raws.items()}
    if path is not None:
        try:
            blob = marshal.dumps(data)
        except ValueError:      # a YAML type marshal cannot write (a date): not cached
            return data
        save_atomically(path, lambda f: f.write(blob))
        _forget_old(path.parent)
    return data


def _forget_old(folder: Path, keep: int = 8) -> None:
    """Only the newest few parses are kept: each edit of a rule file makes a new one."""
    try:
        found = sorted(folder.glob("rules-*.marshal"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in found[keep:]:
            old.unlink()
    except OSError:
        pass


def _cache_file(digest: str) -> Path | None:
    key = f"{digest}|{yaml.__version__}|{marshal.version}|{sys.version_info[:2]}"
    return keyed_file("rules", key, ".marshal")


def _parse_yaml(rel: str, raw: bytes) -> object:
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError(rel, "", f"not valid YAML: {exc}") from None


def _checked(rel: str, data: object) -> dict:
    """The file's top level, with its kind and keys checked."""
    if not isinstance(data, dict):
        raise RuleError(rel, "", "top level must be a mapping with a 'kind' key")
    kind = data.get("kind")
    if kind not in _FILE_KEYS:
        raise RuleError(rel, "kind", f"unknown kind {kind!r}; expected one of {sorted(_FILE_KEYS)}")
    unknown = set(data) - _FILE_KEYS[kind]
    if unknown:
        raise RuleError(rel, sorted(unknown)[0], f"unknown key for kind {kind}")
    return data


def _strings(rel: str, key: str, value) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RuleError(rel, key, "must be a list of strings")
    for v in value:
        if not isinstance(v, str) or not v.strip():
            raise RuleError(rel, key, f"{v!r} is not a non-empty string (YAML reads unquoted "
                            "numbers, dates, yes/no/on/off as other types: quote it)")
    return tuple(v.strip() for v in value)


def _load_gazetteer(rel: str, data: dict) -> list[GazetteerEntry]:
    label = data.get("label")
    if label not in GAZETTEER_LABELS:
        raise RuleError(rel, "label", f"unknown type {label!r}; expected one of {sorted(GAZETTEER_LABELS)}")
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise RuleError(rel, "entries", "must be a list")
    seen: set[str] = set()
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise RuleError(rel, f"entries[{i}]", "must be a mapping")
        eid = entry.get("id")
        if not isinstance(eid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.\-]*", eid):
            raise RuleError(rel, f"entries[{i}].id", f"id {eid!r} must be lower-case ascii slug")
        if eid in seen:
            raise RuleError(rel, eid, "duplicate id")
        seen.add(eid)
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise RuleError(rel, eid, f"unknown key {sorted(unknown)[0]!r}")
        names = entry.get("names")
        if not isinstance(names, dict) or set(names) - {"zh", "en"}:
            raise RuleError(rel, f"{eid}.names", "must be a mapping with zh and/or en lists")
        zh = _strings(rel, f"{eid}.names.zh", names.get("zh"))
        en = _strings(rel, f"{eid}.names.en", names.get("en"))
        if not zh and not en:
            raise RuleError(rel, eid, "entry has no names")
        parent = entry.get("parent") or ""
        if not isinstance(parent, str):
            raise RuleError(rel, f"{eid}.parent", "must be a string id")
        out.append(GazetteerEntry(eid, label, zh, en, bool(entry.get("case_sensitive")),
                                  parent, f"{rel}#{eid}"))
    return out


def check_pattern(rel: str, rid: str, pattern: str, flags: int = 0) -> re.Pattern:
    """Compile a rule regex, refusing shapes that backtrack catastrophically on a long line.

    Refused (Python's `re` backtracks, so each of these is exponential or a
    high polynomial on a long line that almost matches):

    - a repeated group that itself backtracks: `(a+)+`, `(?:\\w*\\s)*`,
      `(.*a){20}`, `(a?){30}`;
    - a repeated group with alternatives: `(a|aa)+`, `(\\w|\\d)*`, which
      backtrack exponentially when the alternatives overlap;
    - the same atom, or `.`, repeated twice in a row: `\\s*\\s*`, `.*.+`.

    Write the inner quantifier possessive (`\\w*+`, Python >= 3.11) or the
    group atomic (`(?>...)`) to show it cannot backtrack.
    """
    if not isinstance(pattern, str) or not pattern:
        raise RuleError(rel, rid, "pattern must be a non-empty string")
    problem = _backtracking_problem(pattern)
    if problem:
        raise RuleError(rel, rid, f"pattern {problem}: it can backtrack catastrophically on a "
                        "long line; make the inner quantifier possessive (a++) or the group "
                        "atomic (?>...)")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise RuleError(rel, rid, f"pattern does not compile: {exc}") from None


_QUANT = re.compile(r"(?:([*+?])|\{(\d*)(,?)(\d*)\})([+?]?)")
_GROUP_PREFIX = re.compile(r"\(\?(?:[:>=!]|<[=!]|P<\w+>|<\w+>|[aiLmsux-]+:)?")
_MAX_SMALL_COUNT = 10   # (x?){0,3} is a few choices; (a?){30} is 2**30


def _quantifier(pattern: str, i: int) -> tuple[int, float, bool] | None:
    """(length, most repeats, leaves a choice) of the quantifier at i, or None.

    `*` -> (1, inf, True); `{4}` -> (3, 4, False); `{1,3}` -> (5, 3, True);
    `?` -> (1, 1, True); a possessive `*+` leaves no choice.
    """
    m = _QUANT.match(pattern, i)
    if not m:
        return None
    possessive = m.group(5) == "+"
    if m.group(1):
        most = 1.0 if m.group(1) == "?" else float("inf")
        choice = True
    else:
        lo, comma, hi = m.group(2), m.group(3), m.group(4)
        if not comma:
            if not lo:
                return None                      # "{" as a literal
            most, choice = float(lo), False
        else:
            most = float(hi) if hi else float("inf")
            choice = most > (int(lo) if lo else 0)
    return m.end() - i, most, choice and not possessive


def _backtracking_problem(pattern: str) -> str:
    """Why `pattern` can backtrack catastrophically, or "" (see check_pattern)."""
    # per open group: [has an unbounded backtracking repeat, has any choice point, atomic]
    stack: list[list[bool]] = [[False, False, False]]
    last_atom: str | None = None     # previous item, when it was an atom under * or +
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "(":
            if pattern.startswith(("(?#", "(?P="), i):   # comment, backreference
                i = pattern.find(")", i) + 1 or n
                last_atom = None
                continue
            prefix = _GROUP_PREFIX.match(pattern, i)
            stack.append([False, False, pattern.startswith("(?>", i)])
            i = prefix.end() if prefix else i + 1
            last_atom = None
            continue
        if ch == "|":
            stack[-1][1] = True
            i += 1
            last_atom = None
            continue
        if ch == ")" and len(stack) > 1:
            unbounded, choice, atomic = stack.pop()
            i += 1
            q = _quantifier(pattern, i)
            if q and q[1] >= 2 and not atomic:
                if unbounded:
                    return "repeats a group that itself repeats (e.g. (a+)+, (.*a){20})"
                if choice and q[1] > _MAX_SMALL_COUNT:
                    return ("repeats a group with optional parts or alternatives "
                            "(e.g. (a|aa)+, (a?){30})")
            if not atomic:
                stack[-1][0] |= unbounded
                stack[-1][1] |= choice
            if q:
                i += q[0]
                stack[-1][0] |= q[2] and q[1] == float("inf")
                stack[-1][1] |= q[2]
            last_atom = None
            continue
        if ch == "\\":
            atom = pattern[i:i + 2]
            i += 2
        elif ch == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            atom = pattern[i:j + 1]
            i = j + 1
        else:
            atom = ch
            i += 1
        q = _quantifier(pattern, i)
        if q is None:
            last_atom = None
            continue
        i += q[0]
        unbounded = q[2] and q[1] == float("inf")
        stack[-1][0] |= unbounded
        stack[-1][1] |= q[2]
        if unbounded and last_atom is not None and (atom == last_atom or "." in (atom, last_atom)):
            return f"repeats {last_atom} and then {atom} in a row (e.g. \\s*\\s*, .*.*)"
        last_atom = atom if unbounded else None
    return ""


def _load_regexes(rel: str, data: dict) -> list[RegexRule]:
    label = data.get("label")
    if label not in PATTERN_LABELS:
        raise RuleError(rel, "label", f"unknown type {label!r}; expected one of {sorted(PATTERN_LABELS)}")
    rules = data.get("rules")
    if not isinstance(rules, list):
        raise RuleError(rel, "rules", "must be a list")
    seen: set[str] = set()
    out = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or not isinstance(rule.get("id"), str):
            raise RuleError(rel, f"rules[{i}]", "must be a mapping with a string id")
        rid = rule["id"]
        if rid in seen:
            raise RuleError(rel, rid, "duplicate id")
        seen.add(rid)
        unknown = set(rule) - _REGEX_KEYS
        if unknown:
            raise RuleError(rel, rid, f"unknown key {sorted(unknown)[0]!r}")
        flags = 0
        for name in _strings(rel, f"{rid}.flags", rule.get("flags")):
            if name not in _FLAGS:
                raise RuleError(rel, f"{rid}.flags", f"unknown flag {name!r}")
            flags |= _FLAGS[name]
        compiled = check_pattern(rel, rid, rule.get("pattern"), flags)
        for example in _strings(rel, f"{rid}.match", rule.get("match")):
            if not compiled.search(example):
                raise RuleError(rel, f"{rid}.match", f"example {example!r} does not match")
        for example in _strings(rel, f"{rid}.no_match", rule.get("no_match")):
            if compiled.search(example):
                raise RuleError(rel, f"{rid}.no_match", f"example {example!r} matches")
        confidence = rule.get("confidence", 0.8)
        if not isinstance(confidence, (int, float)) or not 0 < confidence <= 1:
            raise RuleError(rel, f"{rid}.confidence", "must be a number in (0, 1]")
        lang = rule.get("lang", "")
        if lang not in ("", "zh", "en"):
            raise RuleError(rel, f"{rid}.lang", f"unknown language {lang!r}; expected zh or en")
        anchor = rule.get("anchor")
        anchor_re = check_pattern(rel, f"{rid}.anchor", anchor) if anchor is not None else None
        for example in _strings(rel, f"{rid}.match", rule.get("match")) if anchor_re else ():
            if not anchor_re.search(example):
                raise RuleError(rel, f"{rid}.anchor", f"example {example!r} has no anchor word")
        window = _window(rel, rid, rule, "window", 80, anchor_re)
        after = _window(rel, rid, rule, "after", None, anchor_re)
        out.append(RegexRule(rid, label, compiled, float(confidence), f"{rel}#{rid}", lang, anchor_re,
                             window, after))
    return out


def _window(rel: str, rid: str, rule: dict, key: str, default, anchor) -> int | None:
    """`window` / `after`: characters around the anchor; they mean nothing without one."""
    value = rule.get(key, default)
    if key in rule and anchor is None:
        raise RuleError(rel, f"{rid}.{key}", "needs an anchor: it is the distance from the anchor word")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_WINDOW):
        raise RuleError(rel, f"{rid}.{key}", f"must be a whole number of characters, 0..{_MAX_WINDOW}")
    return value


def _load_lexicon(rel: str, data: dict) -> dict[str, tuple[str, ...]]:
    lists = data.get("lists")
    if not isinstance(lists, dict):
        raise RuleError(rel, "lists", "must be a mapping of list name -> words")
    return {str(name): _strings(rel, f"lists.{name}", words) for name, words in lists.items()}


def _load_resolution(rel: str, data: dict):
    groups = []
    for i, group in enumerate(data.get("same_as") or []):
        ids = _strings(rel, f"same_as[{i}]", group)
        if len(ids) < 2:
            raise RuleError(rel, f"same_as[{i}]", "needs at least two node ids")
        groups.append(ids)
    pairs = []
    for i, pair in enumerate(data.get("never_merge") or []):
        ids = _strings(rel, f"never_merge[{i}]", pair)
        if len(ids) != 2:
            raise RuleError(rel, f"never_merge[{i}]", "must be a pair of node ids or names")
        pairs.append((ids[0], ids[1]))
    return groups, pairs
