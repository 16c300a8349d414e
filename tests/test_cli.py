"""The command line: every subcommand has help with an example, and exit statuses
are the documented ones (docs/cli.md): 0 ok, 1 bad input or rules, 2 usage.

Usage errors are checked in-process through `cli.main` (argparse exits with
SystemExit(2)); the exit statuses of real builds run `python -m graphkit` in
a subprocess, as a user or a script would.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import textwrap

import pytest

from graphkit.cli import COMMANDS, main, make_parser
from robust_util import BAD, EXAMPLES, ROOT, child_env, graphkit_cmd, run_graphkit


def _exit_status(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:           # argparse: --help, usage errors
        return int(exc.code or 0)


def _subcommands() -> list[str]:
    parser = make_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)


def test_cli_every_command_listed_has_help_with_example(capsys):
    names = _subcommands()
    assert "build" in names and len(names) >= len(COMMANDS) - 1
    for name in names:
        assert _exit_status([name, "--help"]) == 0
        out = capsys.readouterr().out
        assert "Example" in out, f"graphkit {name} --help has no example"


@pytest.mark.parametrize("argv", [
    [],                                               # no command
    ["no-such-command"],
    ["build"],                                        # no ARTICLES
    ["build", "examples/articles", "--no-such-option"],
    ["build", "examples/articles", "--min-confidence", "high"],
    ["build", "examples/articles", "--min-confidence", "1.5"],
    ["build", "examples/articles", "--jobs", "0"],
    ["build", "does/not/exist", "--out", "/tmp/never-written"],
])
def test_cli_usage_errors_exit_2(argv, capsys):
    assert _exit_status(argv) == 2
    err = capsys.readouterr().err
    assert err.strip(), "a usage error must say what is wrong"


def test_cli_out_is_a_file_exits_2(tmp_path, capsys):
    target = tmp_path / "graph.json"
    target.write_text("{}", encoding="utf-8")
    assert _exit_status(["build", str(EXAMPLES), "--out", str(target)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "{}"


def test_cli_bad_rules_exit_1(tmp_path):
    rules = tmp_path / "rules" / "patterns"
    rules.mkdir(parents=True)
    (rules / "slow.yaml").write_text(textwrap.dedent("""
        kind: regex
        label: VERSION
        rules:
          - id: nested
            pattern: '(a+)+b'
        """), encoding="utf-8")
    proc = run_graphkit("build", EXAMPLES, "--out", tmp_path / "out", "--rules", tmp_path / "rules")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("graphkit: error: patterns/slow.yaml: nested:")
    assert "Traceback" not in proc.stderr


def test_cli_broken_article_exit_0_then_strict_exit_1(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / "000_67abb11d709915a6.txt", src)
    shutil.copy(BAD / "malformed-yaml.md", src)
    ok = run_graphkit("build", src, "--out", tmp_path / "a", "--no-report")
    assert ok.returncode == 0, ok.stderr
    assert "articles used: 1  skipped: 1" in ok.stderr
    strict = run_graphkit("build", src, "--out", tmp_path / "b", "--no-report", "--strict")
    assert strict.returncode == 1
    assert "malformed-yaml.md: read: malformed YAML frontmatter" in strict.stderr
    assert "Traceback" not in strict.stderr
    assert ok.stdout == "" and strict.stdout == "", "build writes data to files, nothing to stdout"


def test_cli_docs_list_exit_statuses():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for status in ("| 0 |", "| 1 |", "| 2 |"):
        assert status in text
    assert "--strict" in text and "errors.jsonl" in text and ".graphkit.lock" in text


def test_cli_help_imports_neither_networkx_nor_the_pipeline():
    """`make_parser` imports every command: their heavy imports wait until they run."""
    import subprocess
    import sys

    script = ("import sys; from graphkit.cli import make_parser; make_parser(); "
              "print(sorted(m for m in ('networkx', 'graphkit.pipeline', 'graphkit.analysis.facts', "
              "'jieba', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_diff_gap_days_default_is_the_analysis_default():
    from graphkit.analysis.diff import DEFAULT_GAP_DAYS
    from graphkit.commands import diff

    assert diff.DEFAULT_GAP_DAYS == DEFAULT_GAP_DAYS


def test_cli_command_ends_fast_with_its_output_whole_and_its_status(tmp_path):
    """`cli.run` ends the process with os._exit after main(): buffered stdout (a file, not a
    terminal) must still be written in full, and the status kept."""
    out = tmp_path / "out"
    assert run_graphkit("build", EXAMPLES, "--out", out, "--no-report", "--quiet").returncode == 0
    env = child_env()
    env.pop("PYTHONUNBUFFERED", None)       # stdout to a file is then block-buffered
    with open(tmp_path / "answer.json", "w", encoding="utf-8") as stdout:
        proc = subprocess.run(graphkit_cmd("query", out, "org", "Huawei", "--json"), cwd=ROOT, stdout=stdout,
                              stderr=subprocess.PIPE, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads((tmp_path / "answer.json").read_text(encoding="utf-8"))
    assert answer["id"] == "org:huawei" and answer["events"]
    missing = run_graphkit("query", tmp_path / "nowhere", "org", "Huawei")
    assert missing.returncode == 1 and "graphkit: error:" in missing.stderr
