"""graphkit build: articles -> graph files, report and a summary on the terminal."""
from __future__ import annotations

import argparse
import sys
from collections import Counter

EPILOG = """Example:
  graphkit build examples/articles --out outputs/examples
  graphkit build ../shared/corpus/openeuler-news --out outputs/news --min-confidence 0.5

Writes graph.json (node-link, the contract in docs/graph-contract.md),
graph.graphml, graph.gexf, nodes.csv, edges.csv, graph.html, articles.jsonl,
errors.jsonl, merge_candidates.csv and the partner report (report.md,
report.html, participation.csv). Exit 0 when the graph was written (skipped
files are counted), 1 on bad rules or with --strict and a bad file, 2 on usage errors."""


def add_parser(sub) -> None:
    p = sub.add_parser("build", help="build the event graph of a folder of articles",
                       description="Read articles, extract entities and relations, resolve them "
                                   "and write the graph with provenance.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="ARTICLES", help="article files or folders (.md, .markdown, .txt)")
    p.add_argument("--out", default="outputs/graph", help="output folder (default: outputs/graph)")
    p.add_argument("--rules", default=None, help="rules folder (default: the bundled rules/)")
    p.add_argument("--spacy-model", default=None, metavar="NAME",
                   help="add the NER of an installed spaCy model, e.g. zh_core_web_sm")
    p.add_argument("--min-confidence", type=float, default=0.0, metavar="X",
                   help="drop edges (and unconnected nodes) below this confidence, 0..1")
    p.add_argument("--strict", action="store_true", help="any unreadable article is fatal (exit 1)")
    p.add_argument("--no-report", action="store_true", help="skip the partner-participation report")
    p.add_argument("--quiet", action="store_true", help="no summary, no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphkit.pipeline import BuildOptions, run_build

    if not 0 <= args.min_confidence <= 1:
        print("graphkit build: error: --min-confidence must be between 0 and 1", file=sys.stderr)
        return 2
    options = BuildOptions(rules_dir=args.rules, spacy_model=args.spacy_model,
                           min_confidence=args.min_confidence, strict=args.strict,
                           progress=not args.quiet, report=not args.no_report)
    result = run_build(args.inputs, args.out, options)
    if not args.quiet:
        print_summary(result, args.out)
    return 0


def print_summary(result, out: str) -> None:
    g = result.graph
    used = [r for r in result.records if not r.error]
    err = sys.stderr
    print(f"files read: {len(result.records)}  articles used: {len(used)}  skipped: {len(result.skipped)}", file=err)
    for r in result.skipped:
        print(f"  skipped {r.path}: {r.stage}: {r.error}", file=err)
    for r in used:
        for w in r.warnings:
            print(f"  warning {r.path}: {w}", file=err)
    nodes = Counter(d.get("type") for _, d in g.nodes(data=True))
    edges = Counter(d.get("type") for *_, d in g.edges(data=True))
    print(f"nodes: {g.number_of_nodes()}  " + "  ".join(f"{k} {v}" for k, v in sorted(nodes.items())), file=err)
    print(f"edges: {g.number_of_edges()}  " + "  ".join(f"{k} {v}" for k, v in sorted(edges.items())), file=err)
    stages = "  ".join(f"{k} {v:.2f}s" for k, v in result.seconds.items() if k != "total")
    print(f"seconds: {result.seconds.get('total', 0):.2f}  ({stages})", file=err)
    print(f"written to {out}/", file=err)
