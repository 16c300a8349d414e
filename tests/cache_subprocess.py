"""Helpers for tests that load tables from the user's cache in a fresh interpreter.

Not a test module: test_jieba_dict.py and test_pinyin_tables.py import these.
"""
from __future__ import annotations

import os
import subprocess
import sys


def run_with_cache(script: str, cache_home, stdin: str | None = None) -> str:
    """stdout of `python -c script` with `cache_home` as XDG_CACHE_HOME."""
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          check=True, input=stdin).stdout


def cache_files(cache_home, pattern: str) -> list:
    """graphkit's files in that cache folder matching `pattern`, sorted."""
    folder = cache_home / "graphkit"
    return sorted(folder.glob(pattern)) if folder.exists() else []
