"""argparse only: parse, call the library, print. Data to stdout, progress and errors to stderr.

Exit codes: 0 ok, 1 bad input or rules (a GraphkitError, one line on stderr),
2 usage. Any other exception is a bug and shows its traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from graphkit.errors import GraphkitError

COMMANDS = ("build", "eval", "report", "query", "diff", "check_rules")


def make_parser() -> argparse.ArgumentParser:
    from graphkit import __version__

    parser = argparse.ArgumentParser(
        prog="graphkit",
        description="Turn news articles (Markdown with YAML frontmatter, Chinese and English) "
                    "into an event knowledge graph with provenance.",
        epilog="Example:\n  graphkit build examples/articles --out outputs/examples\n\n"
               "Run 'graphkit COMMAND --help' for each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"graphkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"graphkit.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("graphkit.commands"):
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except GraphkitError as exc:
        print(f"graphkit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("graphkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `graphkit eval ... | head`: the reader left; say nothing more.
        sys.stderr = None
        return 0


def run() -> None:
    """The `graphkit` command: `main()`, then the process ends without tearing down its modules.

    After a build, module-level tables (jieba's and pypinyin's dictionaries, the rules'
    automata, name caches) hold about a million objects, and the interpreter's teardown
    frees them one by one: ~0.15 s of a 1,000-article build, for memory the OS takes back
    anyway. Other threads are joined and exit handlers run (multiprocessing, logging), as at
    any exit, and output is flushed first.
    An exception out of `main()` ends the process the usual way.
    """
    status = main()
    import atexit
    import threading

    for thread in threading.enumerate():     # as the interpreter's exit would: a rename may be queued
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):       # a closed pipe or stream: nothing more to say
            pass
    os._exit(status)


if __name__ == "__main__":
    run()
