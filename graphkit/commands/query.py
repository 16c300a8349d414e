"""`graphkit query OUT_DIR org|event|person|neighbors|path ...`: one question about the graph.

Thin: loads the graph, calls `graphkit.analysis.query` and prints text or,
with --json, JSON to stdout. An unknown or ambiguous name is a user error
(exit 1); with --json the candidates are also printed to stdout as JSON.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

# graphkit.analysis (and networkx, ~0.2 s) is imported only when the command
# runs: `make_parser` imports every command, for any command and for --help.

EPILOG = """\
Names match labels, aliases and ids in either language, ignoring case,
full-width forms, spaces and punctuation: 麒麟软件, KylinSoft and org:kylinsoft
are one org. An ambiguous name lists the candidate ids; pass one of them.

Example:
  graphkit query outputs/ org 麒麟软件
  graphkit query outputs/ event "FOSSASIA Summit 2024" --json
  graphkit query outputs/ path 熊伟 KylinSoft
"""

_WHAT = {
    "org": ("profile of an organisation: events, people, talks, products, versions",
            "graphkit query outputs/ org 华为"),
    "event": ("profile of an event: date, venue, partners, speakers, talks",
              "graphkit query outputs/ event \"FOSSASIA Summit 2024\""),
    "person": ("profile of a person: affiliations and roles, events spoken at, talks",
               "graphkit query outputs/ person 熊伟"),
    "neighbors": ("nodes one relation away, either direction",
                  "graphkit query outputs/ neighbors Huawei --type EVENT"),
    "path": ("shortest path between two nodes (direction ignored), with evidence per hop",
             "graphkit query outputs/ path 熊伟 KylinSoft"),
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "query", help="look up an org, event or person, neighbours or a path",
        description="Answer one question about a built graph (OUT_DIR/graph.json).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path,
                        help="output folder of graphkit build (holds graph.json)")
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    # On the sub-commands --json has no default, so it cannot reset one given before them.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON for machines")
    what = parser.add_subparsers(dest="what", metavar="{org,event,person,neighbors,path}",
                                 required=True)
    for name, (help_text, example) in _WHAT.items():
        sub = what.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".",
                              parents=[common], epilog=f"Example:\n  {example}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
        if name == "path":
            sub.add_argument("a", metavar="A", help="start: name, alias or id")
            sub.add_argument("b", metavar="B", help="end: name, alias or id")
        else:
            sub.add_argument("name", metavar="NAME", help="name, alias or id, either language")
        if name == "neighbors":
            sub.add_argument("--type", metavar="T", dest="kind",
                             help="only neighbours of this node type (ORG, PERSON, EVENT…) "
                                  "or relations of this type (PARTICIPATED_IN…)")
    parser.set_defaults(func=run)


def _ask(facts, args: argparse.Namespace):
    from graphkit.analysis import query

    if args.what == "org":
        return query.org_profile(facts, args.name)
    if args.what == "event":
        return query.event_profile(facts, args.name)
    if args.what == "person":
        return query.person_profile(facts, args.name)
    if args.what == "neighbors":
        return query.neighbors(facts, args.name, getattr(args, "kind", None))
    return query.shortest_path(facts, args.a, args.b)


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def run(args: argparse.Namespace) -> int:
    from graphkit.analysis import query
    from graphkit.analysis.facts import Facts
    from graphkit.analysis.load import load_graph
    from graphkit.analysis.names import AmbiguousNameError, NameLookupError

    facts = Facts(load_graph(args.out_dir))
    try:
        result = _ask(facts, args)
    except NameLookupError as exc:
        if args.json:
            print(_dump({
                "error": "ambiguous" if isinstance(exc, AmbiguousNameError) else "unknown",
                "name": exc.name, "message": str(exc),
                "candidates": [{"id": c.id, "type": c.type, "label": c.label}
                               for c in exc.candidates]}))
        raise
    if args.json:
        print(_dump(query.to_data(result)))
    else:
        print(query.render_text(result), end="")
    return 0
