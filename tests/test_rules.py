"""rules/ loads, and bad rule files are refused with the file, the key and the problem."""
from __future__ import annotations

import textwrap

import pytest

from graphkit.errors import RuleError
from graphkit.rules import check_pattern, load_rules


def test_rules_bundled_load(rules):
    labels = {e.label for e in rules.gazetteer}
    assert {"ORG", "VENUE", "PRODUCT", "EVENT_SERIES"} <= labels
    assert {"DATE", "VERSION", "EVENT"} <= set(rules.regexes)
    assert len(rules.digest) == 16


def test_rules_examples_hold(rules):
    # load_rules checks match/no_match; assert it really ran them by counting examples.
    for label, regexes in rules.regexes.items():
        for rule in regexes:
            assert rule.pattern.pattern, (label, rule.id)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize("name, text, key, reason", [
    ("patterns/bad.yaml", """
        kind: regex
        label: DATE
        rules:
          - id: broken
            pattern: '(unclosed'
        """, "broken", "does not compile"),
    ("patterns/slow.yaml", """
        kind: regex
        label: VERSION
        rules:
          - id: nested
            pattern: '(a+)+b'
        """, "nested", "backtrack"),
    ("patterns/type.yaml", """
        kind: regex
        label: WIDGET
        rules: []
        """, "label", "unknown type"),
    ("gazetteers/dup.yaml", """
        kind: gazetteer
        label: ORG
        entries:
          - id: huawei
            names: {zh: [华为]}
          - id: huawei
            names: {en: [Huawei]}
        """, "huawei", "duplicate id"),
    ("gazetteers/num.yaml", """
        kind: gazetteer
        label: ORG
        entries:
          - id: x360
            names: {en: [360]}
        """, "x360.names.en", "quote it"),
    ("patterns/example.yaml", """
        kind: regex
        label: VERSION
        rules:
          - id: v
            pattern: '\\d+\\.\\d+'
            match: ['no digits here']
        """, "v.match", "does not match"),
    ("odd.yaml", """
        kind: gazetteer
        label: ORG
        entries: []
        colour: blue
        """, "colour", "unknown key"),
    ("patterns/window.yaml", """
        kind: regex
        label: VERSION
        rules:
          - id: v
            pattern: 'v\\d'
            window: 20
        """, "v.window", "needs an anchor"),
    ("patterns/after.yaml", """
        kind: regex
        label: VERSION
        rules:
          - id: v
            pattern: 'v\\d'
            anchor: 'v'
            after: -3
        """, "v.after", "whole number"),
])
def test_rules_bad_file_refused(tmp_path, name, text, key, reason):
    _write(tmp_path, name, text)
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path)
    assert info.value.file == name
    assert info.value.key == key
    assert reason in info.value.reason
    assert name in str(info.value)


def test_rules_missing_folder(tmp_path):
    with pytest.raises(RuleError, match="not found"):
        load_rules(tmp_path / "nope")


@pytest.mark.parametrize("pattern, refused", [
    (r"(a+)+", True),
    (r"(?:\w*\s)*x", True),
    (r"((ab)+c)*", True),
    (r"(?:[A-Z][a-z]*+\s++){0,5}", False),   # possessive: cannot backtrack
    (r"(?>[A-Z]\w*\s+){0,5}", False),        # atomic group
    (r"(?<![\d.])v?\d+\.\d+(?:\.\d+)?(?![\d.])", False),
    (r"(\d{4})+", False),
])
def test_rules_nested_quantifiers(pattern, refused):
    if refused:
        with pytest.raises(RuleError, match="backtrack"):
            check_pattern("f.yaml", "r", pattern)
    else:
        assert check_pattern("f.yaml", "r", pattern).pattern == pattern


def test_rules_patterns_linear_on_long_lines(rules):
    # Every bundled pattern over a 200 kB adversarial line: must finish (no exponential blow-up).
    line = ("openEuler Summit 2024 " * 2000) + ("a" * 50000) + ("2024年" * 5000) + ("A " * 20000)
    for regexes in rules.regexes.values():
        for rule in regexes:
            sum(1 for _ in rule.pattern.finditer(line))


def test_rules_window_after_bound_where_a_match_is_looked_for(tmp_path):
    _write(tmp_path, "patterns/events.yaml", """
        kind: regex
        label: EVENT
        rules:
          - id: e
            pattern: '(?P<name>[A-Z]\\w* Summit)'
            anchor: 'Summit'
            window: 12
            after: 0
            match: ['Open Summit']
        """)
    rule = load_rules(tmp_path).regexes["EVENT"][0]
    assert (rule.window, rule.after) == (12, 0)
    text = "x" * 30 + " Open Summit " + "y" * 30
    assert rule.windows([(36, 42)], len(text)) == [(24, 42)]
    assert [m.group(0) for m in rule.finditer(text)] == ["Open Summit"]
    # an explicit window is the same on both sides
    assert rule.windows([(36, 42)], len(text), 5) == [(31, 47)]


def _load_in_fresh_process(rules_dir, cache_home) -> str:
    import os
    import subprocess
    import sys

    code = ("from graphkit.rules import load_rules; r = load_rules(%r); "
            "print(r.digest, len(r.gazetteer), sorted((k, len(v)) for k, v in r.regexes.items()), "
            "sorted((k, len(v)) for k, v in r.lexicon.items()))" % str(rules_dir))
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return done.stdout + done.stderr


def test_rules_parsed_once_then_read_from_the_user_cache(tmp_path):
    from graphkit.rules import DEFAULT_RULES_DIR

    cache = tmp_path / "cache"
    first = _load_in_fresh_process(DEFAULT_RULES_DIR, cache)
    stored = sorted((cache / "graphkit").glob("rules-*.marshal"))
    assert len(stored) == 1
    assert _load_in_fresh_process(DEFAULT_RULES_DIR, cache) == first        # from the cache
    stored[0].write_bytes(b"\x00garbage")                                     # damaged: parsed again
    assert _load_in_fresh_process(DEFAULT_RULES_DIR, cache) == first
    assert _load_in_fresh_process(DEFAULT_RULES_DIR, tmp_path / "other") == first   # no cache at all


def test_rules_cache_never_hides_a_bad_file(tmp_path):
    cache = tmp_path / "cache"
    rules = tmp_path / "rules"
    _write(rules, "patterns/v.yaml", """
        kind: regex
        label: VERSION
        rules:
          - id: v
            pattern: 'v\\d'
        """)
    assert "Error" not in _load_in_fresh_process(rules, cache)
    _write(rules, "patterns/v.yaml", "kind: regex\nlabel: [unclosed\n")
    assert "not valid YAML" in _load_in_fresh_process(rules, cache)


def test_rules_cache_folder_others_can_write_is_not_used(tmp_path):
    import os

    from graphkit.rules import DEFAULT_RULES_DIR

    cache = tmp_path / "cache"
    (cache / "graphkit").mkdir(parents=True)
    os.chmod(cache / "graphkit", 0o777)
    assert "Error" not in _load_in_fresh_process(DEFAULT_RULES_DIR, cache)
    assert not list((cache / "graphkit").glob("rules-*"))
