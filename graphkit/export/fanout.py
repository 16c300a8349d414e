"""Run independent writers side by side in forked processes (`--jobs` > 1).

Writing is the serial tail of a build: with two cores, the page and the
report can be written while the GraphML, GEXF and CSV are. Each group of
writers runs in a child forked from the built graph (copy-on-write: nothing
is pickled); the first group runs here. A child that fails sends its error
back and the build raises it, naming the writer; every file is still written
atomically, so a failed group leaves the previous files in place.
"""
from __future__ import annotations

import gc
import os
import pickle
import sys
from collections.abc import Callable

from graphkit.errors import OutputError
from graphkit.export.atomic import folders_synced_once

Writer = tuple[str, Callable[[], object]]      # (name for errors, zero-argument call)


def can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def balance(writers: list[tuple[float, Writer]], groups: int) -> list[list[Writer]]:
    """Writers split into `groups` by their expected cost, largest first (order kept inside)."""
    load = [0.0] * groups
    out: list[list[tuple[int, Writer]]] = [[] for _ in range(groups)]
    indexed = sorted(enumerate(writers), key=lambda item: -item[1][0])
    for index, (cost, writer) in indexed:
        g = load.index(min(load))
        load[g] += cost
        out[g].append((index, writer))
    return [[w for _, w in sorted(group)] for group in out if group]


def run_groups(groups: list[list[Writer]]) -> None:
    """Run each group of writers; groups after the first in forked children."""
    if len(groups) <= 1 or not can_fork():
        for group in groups:
            _run(group)
        return
    children: list[tuple[int, int, str]] = []         # (pid, read end, writer names)
    sys.stdout.flush()
    sys.stderr.flush()
    # The cyclic GC would touch (and so copy) every object of the graph in the child.
    gc.freeze()
    try:
        for group in groups[1:]:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:                                # the child: never returns
                os.close(read_fd)
                _child(group, write_fd)
            os.close(write_fd)
            children.append((pid, read_fd, ", ".join(name for name, _ in group)))
        first_error: BaseException | None = None
        try:
            _run(groups[0])
        except BaseException as exc:                    # still reap the children
            first_error = exc
        errors = [_reap(*child) for child in children]
    finally:
        gc.unfreeze()
    if first_error is not None:
        raise first_error
    for error in errors:
        if error is not None:
            raise error


def _run(group: list[Writer]) -> None:
    for _, call in group:
        call()


def _child(group: list[Writer], write_fd: int) -> None:
    status = 0
    try:
        # Its own block: its files renamed and its folders synced before it exits.
        with folders_synced_once():
            _run(group)
        payload = b""
    except BaseException as exc:                         # noqa: BLE001 - reported to the parent
        status = 1
        try:
            payload = pickle.dumps(exc)
        except Exception:                               # an exception that does not pickle
            payload = pickle.dumps(OutputError(f"{type(exc).__name__}: {exc}"))
    try:
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(status)                                # no atexit, no buffers flushed twice


def _reap(pid: int, read_fd: int, names: str) -> BaseException | None:
    with os.fdopen(read_fd, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    if payload:
        try:
            return pickle.loads(payload)
        except Exception:
            return OutputError(f"writing {names} failed")
    if os.waitstatus_to_exitcode(status) != 0:
        return OutputError(f"writing {names}: the writer process ended with status "
                           f"{os.waitstatus_to_exitcode(status)}")
    return None
