"""`graphkit diff OLD_OUT NEW_OUT`: what changed between two builds.

Thin: loads both graphs, calls `graphkit.analysis.diff.diff_graphs` and
prints Markdown (default) or JSON to stdout.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

# graphkit.analysis (and networkx, ~0.2 s) is imported only when the command
# runs: `make_parser` imports every command, for any command and for --help.
# The same number as graphkit.analysis.diff.DEFAULT_GAP_DAYS (a test checks it).
DEFAULT_GAP_DAYS = 180

EPILOG = """\
Lists new partners, new events, partners seen again after a long gap, and new
and dropped relations (compared by source, type and target), each with an
evidence sentence.

Example:
  graphkit diff outputs-2024-03/ outputs/
  graphkit diff outputs-2024-03/ outputs/ --gap-days 365 --json > changes.json
"""


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of days, e.g. 180")
    return value


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "diff", help="compare two builds: new partners, events, returning partners, relations",
        description="Compare the graph.json of two graphkit builds.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", metavar="OLD_OUT", type=Path, help="output folder of the earlier build")
    parser.add_argument("new", metavar="NEW_OUT", type=Path, help="output folder of the later build")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--gap-days", type=_days, default=DEFAULT_GAP_DAYS, metavar="N",
                        help=f"a partner is 'seen again' when a new participation comes more than "
                             f"N days after its previous one (default {DEFAULT_GAP_DAYS})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graphkit.analysis.diff import diff_graphs, render_markdown, to_data
    from graphkit.analysis.load import load_graph

    old, new = load_graph(args.old), load_graph(args.new)
    diff = diff_graphs(old, new, gap_days=args.gap_days, old_name=str(args.old),
                       new_name=str(args.new))
    if args.json:
        print(json.dumps(to_data(diff), ensure_ascii=False, indent=2))
    else:
        print(render_markdown(diff), end="")
    return 0
