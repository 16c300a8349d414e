"""The errors graphkit raises at its three edges: reading, rules, writing.

A `GraphkitError` becomes one line on stderr in the CLI; anything else is a bug.
"""
from __future__ import annotations


class GraphkitError(Exception):
    """Base class: a problem the user can fix (bad input, bad rules, bad options)."""


class ArticleError(GraphkitError):
    """An article that cannot be read or parsed; the run skips it and goes on."""

    def __init__(self, path: str, reason: str, stage: str = "read"):
        self.path, self.reason, self.stage = str(path), reason, stage
        super().__init__(f"{path}: {stage}: {reason}")


class RuleError(GraphkitError):
    """A rule file that does not load or validate; the run stops."""

    def __init__(self, file: str, key: str, reason: str):
        self.file, self.key, self.reason = str(file), key, reason
        where = f"{file}: {key}" if key else str(file)
        super().__init__(f"{where}: {reason}")


class OutputError(GraphkitError):
    """An output that cannot be written (folder locked, disk full)."""
