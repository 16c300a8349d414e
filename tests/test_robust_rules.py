"""Rules cannot make extraction hang: catastrophic patterns are refused at load,
and a real build over a 1 MB line of adversarial text completes.

tests/test_rules.py covers invalid regexes, unknown types, duplicate ids and
nested quantifiers; here are the other shapes that backtrack exponentially
(or as a high polynomial) in Python's `re`, each refused with file and key.
"""
from __future__ import annotations

import json
import textwrap

import pytest

from graphkit.errors import RuleError
from graphkit.rules import check_pattern, load_rules
from robust_util import check_outputs_readable, run_graphkit

CATASTROPHIC = [
    r"(a|aa)+$",              # overlapping alternatives, repeated
    r"(a|a)*b",
    r"(\w|\d)+x",
    r"(?:a|b?)+c",
    r"(.*a){20}",             # bounded count of a group that repeats: O(n**20)
    r"(.*?,){11}P",
    r"^(a?){30}a{30}$",       # 2**30 ways to place the optional a's
    r"(\w+\s*)+$",
    r"(x+x+)+y",
    r"\s*\s*\s*x",            # the same atom twice in a row: O(n**3)
    r".*.*=.*",
]
SAFE = [
    r"(?:[A-Za-z][A-Za-z0-9.&+-]*+\s?){0,3}",   # small bounded count, possessive inside
    r"(?>[A-Z]\w*\s+){0,6}",                     # atomic group
    r"(\w|\d){2,5}",
    r"(?:-|—|–|~|～|至|到)",
    r"\s*年\s*",
    r"(?P<y>\d{4})-(?P=y)",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_robust_rules_catastrophic_pattern_refused_with_file_and_key(tmp_path, pattern):
    (tmp_path / "patterns").mkdir()
    (tmp_path / "patterns" / "slow.yaml").write_text(textwrap.dedent(f"""
        kind: regex
        label: VERSION
        rules:
          - id: ok
            pattern: 'v\\d+'
          - id: slow-one
            pattern: {json.dumps(pattern)}
        """), encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path)
    assert (info.value.file, info.value.key) == ("patterns/slow.yaml", "slow-one")
    assert "backtrack catastrophically" in info.value.reason
    assert str(info.value).startswith("patterns/slow.yaml: slow-one: pattern ")


@pytest.mark.parametrize("pattern", SAFE)
def test_robust_rules_safe_shapes_accepted(pattern):
    assert check_pattern("f.yaml", "r", pattern).pattern == pattern


def test_robust_rules_bundled_patterns_pass_the_check(rules):
    for regexes in rules.regexes.values():
        for rule in regexes:
            check_pattern(rule.source, rule.id, rule.pattern.pattern, rule.pattern.flags)


# Near misses for every kind of rule and Markdown construct: each almost
# matches, which is where a backtracking engine spends its time.
ADVERSARIAL = (
    "2024年 13月 2024年1 20245月 2024-13- 2024/1/ Jan 32, May 2024x 31st of 5 ",
    "v1. 1.2.3.4.5.6 openEuler 24. 24.031 kernel 4. Linux 内核 SP LTS- 2.1% ",
    "A B C D E F G H I J K L M N O P Of The And ",
    "第十届 开发者 Meet 中国 Summit- 大会大会 ",
    "[[[[ ](((( **** __a_b_c_ ~~ ` <a <a href= <!-- http://a.b/( &#&#x; \\\\ {.{.{ ![ ",
    "\u3000\u3000\u1680\u1680\u2003 \u00a0\u00a0 \t ",
    "的在了和与及或是有为以于被把从对向到至",
    ".......!!!!????。。。；；；,,,,",
    "张 王 李 先生 女士 教授 博士 总裁 ",
)


def test_robust_build_one_mb_adversarial_line_completes(tmp_path):
    unit = "".join(ADVERSARIAL)
    line = (unit * (2**20 // len(unit.encode()) + 1))
    src = tmp_path / "in"
    src.mkdir()
    text = "---\ntitle: adversarial\ndate: 2024-05-01\n---\n\n" + line + "\n"
    assert text.count("\n") == 6 and len(text.encode()) > 2**20
    (src / "adversarial.md").write_text(text, encoding="utf-8")
    # no time limit but a generous one, so a regression fails instead of hanging CI
    proc = run_graphkit("build", src, "--out", tmp_path / "out", "--no-report", "--no-cache",
                        timeout=1200)
    assert proc.returncode == 0, proc.stderr
    assert "articles used: 1  skipped: 0" in proc.stderr
    check_outputs_readable(tmp_path / "out")
