"""`graphkit report OUT_DIR`: the partner-participation report from a build's graph.json.

Thin: parses options, loads the graph and calls
`graphkit.analysis.write_report`. Prints the written paths to stdout.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graphkit.errors import GraphkitError

# graphkit.analysis (and networkx, ~0.2 s) is imported only when the command
# runs: `make_parser` imports every command, for any command and for --help.

EPILOG = """\
Writes report.md, report.html, participation.csv and, when matplotlib is
installed (pip install 'graphkit[report]'), heatmap.png.

Example:
  graphkit report outputs/
  graphkit report outputs/ --since 2024-01-01 --until 2024-12-31 --org 华为 --org KylinSoft -o reports/2024
"""


def date_arg(text: str) -> str:
    """argparse type for --since/--until: YYYY, YYYY-MM or YYYY-MM-DD."""
    from graphkit.analysis.facts import check_date

    try:
        return check_date(text)
    except GraphkitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="write the partner-participation report (Markdown, HTML, CSV, heat map)",
        description="Per partner: events with dates and venues, people and roles, talks, "
                    "products, versions, first/last seen; per event: partners, speakers, talks; "
                    "a partner × event heat map and the partners seen together most often. "
                    "Every fact cites its evidence sentences.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path,
                        help="output folder of graphkit build (holds graph.json)")
    parser.add_argument("-o", "--output", metavar="DIR", type=Path,
                        help="write the report here instead of OUT_DIR")
    parser.add_argument("--since", metavar="YYYY-MM-DD", type=date_arg,
                        help="only events (and article facts) from this date on")
    parser.add_argument("--until", metavar="YYYY-MM-DD", type=date_arg,
                        help="only events (and article facts) up to this date")
    parser.add_argument("--org", metavar="NAME", action="append", default=[],
                        help="only this partner (name or alias in either language, or id); repeatable")
    parser.add_argument("--event", metavar="NAME", action="append", default=[],
                        help="only this event (name, alias or id); repeatable")
    parser.add_argument("--lang", choices=("zh", "en"),
                        help="only evidence from articles in this language")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graphkit.analysis.facts import Filters
    from graphkit.analysis.load import load_graph
    from graphkit.analysis.report import write_report

    if args.since and args.until and args.since > args.until:
        raise GraphkitError(f"--since {args.since} is after --until {args.until}")
    G = load_graph(args.out_dir)
    filters = Filters(since=args.since, until=args.until, orgs=tuple(args.org),
                      events=tuple(args.event), lang=args.lang)
    target = args.output or args.out_dir
    paths = write_report(G, target, filters)
    for path in paths:
        print(path)
    print(f"graphkit report: {len(paths)} files written to {target} (filters: {filters.describe()})",
          file=sys.stderr)
    return 0
