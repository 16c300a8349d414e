"""Helpers shared by the robustness tests: run the real CLI, check the real output files.

Not a test module (pytest collects test_*.py only) and not a conftest: these
are plain functions the test_robust_*.py files import.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
BAD = Path(__file__).resolve().parent / "data" / "bad"
NEWS = ROOT.parent / "shared" / "corpus" / "openeuler-news"

# export/atomic.py's temporary names: ".<target>.<12 hex>.tmp"
TEMP_NAME = re.compile(r"\..+\.[0-9a-f]{12}\.tmp")


def graphkit_cmd(*args: object) -> list[str]:
    return [sys.executable, "-m", "graphkit", *(str(a) for a in args)]


def run_graphkit(*args: object, timeout: float = 900, env: dict | None = None,
                 **kwargs) -> subprocess.CompletedProcess:
    """`python -m graphkit ARGS` in a subprocess, from the repository root, text output."""
    return subprocess.run(graphkit_cmd(*args), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env if env is not None else child_env(), **kwargs)


def child_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONHASHSEED", None)
    env.update(extra)
    return env


def parse_xml_strict(path: Path) -> etree._ElementTree:
    """Parse with lxml refusing any repair (recover=False): what Gephi's StAX parser needs."""
    parser = etree.XMLParser(recover=False, resolve_entities=False, huge_tree=True)
    return etree.parse(str(path), parser)


def check_outputs_readable(out: Path) -> dict:
    """Assert the main outputs of a build in `out` parse; return graph.json's data."""
    data = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    assert {"nodes", "edges"} <= set(data)
    parse_xml_strict(out / "graph.graphml")
    parse_xml_strict(out / "graph.gexf")
    for name in ("articles.jsonl", "errors.jsonl"):
        for line in (out / name).read_text(encoding="utf-8").splitlines():
            json.loads(line)
    html = (out / "graph.html").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>"), "graph.html is cut short"
    return data


def temp_leftovers(out: Path) -> list[Path]:
    """Files in `out` (recursively) that are not outputs: interrupted atomic writes."""
    return sorted(p for p in out.rglob("*") if p.name.endswith(".tmp"))
