"""graphkit build: articles -> graph files, report and a summary on the terminal."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EPILOG = """Example:
  graphkit build examples/articles --out outputs/examples
  graphkit build ../shared/corpus/openeuler-news --out outputs/news --min-confidence 0.5
  graphkit build news/ --out outputs/news --jobs 4 --cache ~/.cache/graphkit.sqlite
  graphkit build s3://bucket/news/ --executor dask --scheduler tcp://10.0.0.5:8786
  graphkit build news/ --out outputs/news --force     # rebuild although nothing changed

Writes graph.json (node-link, the contract in docs/graph-contract.md),
graph.graphml, graph.gexf, nodes.csv, edges.csv, graph.html, articles.jsonl,
errors.jsonl, merge_candidates.csv and the partner report (report.md,
report.html, participation.csv). When nothing the outputs depend on has
changed since the last build into OUT (articles, rules, options, graphkit)
and its files are untouched, nothing is rebuilt (OUT/.graphkit-stamp.json;
--force rebuilds). Exit 0 when the graph was written or is up to date
(skipped files are counted), 1 on bad rules or with --strict and a bad file,
2 on usage errors."""


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
    p.add_argument("--heatmap-png", action="store_true",
                   help="also draw the report's heat map as heatmap.png (matplotlib; report.html has it as a table)")
    p.add_argument("--quiet", action="store_true", help="no summary, no progress bar")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="worker processes for extraction (default: the number of cores; "
                        "1 runs in this process); with --executor dask, LocalCluster workers")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--cache", default=None, metavar="PATH",
                       help="extraction cache, SQLite (default: OUT/graph.cache.sqlite); "
                            "unchanged articles are not extracted again")
    cache.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the cache (and always rebuild)")
    p.add_argument("--force", action="store_true",
                   help="rebuild even when the outputs are up to date (same articles, rules, "
                        "options and graphkit as the last build into OUT, its files untouched)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where extraction runs: worker processes here (local, the default) or "
                        "a Dask cluster (needs graphkit[dask])")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default with --executor dask: "
                        "a LocalCluster of --jobs workers)")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphkit.pipeline import BuildOptions, run_build

    if not 0 <= args.min_confidence <= 1:
        print("graphkit build: error: --min-confidence must be between 0 and 1", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("graphkit build: error: --jobs must be 1 or more", file=sys.stderr)
        return 2
    if args.scheduler and args.executor != "dask":
        print("graphkit build: error: --scheduler needs --executor dask", file=sys.stderr)
        return 2
    for item in args.inputs:
        if "://" not in item and not os.path.lexists(item):
            print(f"graphkit build: error: {item}: no such file or folder", file=sys.stderr)
            return 2
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        print(f"graphkit build: error: --out {args.out}: exists and is not a folder", file=sys.stderr)
        return 2
    from graphkit.cache import CACHE_NAME
    from graphkit.parallel import default_jobs

    cache = None if args.no_cache else (args.cache or str(Path(args.out) / CACHE_NAME))
    options = BuildOptions(rules_dir=args.rules, spacy_model=args.spacy_model,
                           min_confidence=args.min_confidence, strict=args.strict,
                           progress=not args.quiet, report=not args.no_report, report_png=args.heatmap_png,
                           jobs=args.jobs or default_jobs(), cache=cache,
                           executor=args.executor, scheduler=args.scheduler, force=args.force)
    result = run_build(args.inputs, args.out, options)
    if not args.quiet:
        print_summary(result, args.out)
    return 0


def print_summary(result, out: str) -> None:
    used = [r for r in result.records if not r.error]
    err = sys.stderr
    print(f"files read: {len(result.records)}  articles used: {len(used)}  skipped: {len(result.skipped)}", file=err)
    for r in result.skipped:
        print(f"  skipped {r.path}: {r.stage}: {r.error}", file=err)
    for r in used:
        for w in r.warnings:
            print(f"  warning {r.path}: {w}", file=err)
    # counts, not the graph: an up-to-date build never loads it
    nodes, edges = result.type_counts()
    print(f"nodes: {sum(nodes.values())}  " + "  ".join(f"{k} {v}" for k, v in sorted(nodes.items())), file=err)
    print(f"edges: {sum(edges.values())}  " + "  ".join(f"{k} {v}" for k, v in sorted(edges.items())), file=err)
    from graphkit.parallel import STATS

    print(f"extracted: {STATS['extracted']}  from cache: {STATS['cached']}", file=err)
    stages = "  ".join(f"{k} {v:.2f}s" for k, v in result.seconds.items() if k != "total")
    print(f"seconds: {result.seconds.get('total', 0):.2f}  ({stages})", file=err)
    if result.up_to_date:
        print(f"{out}/ is up to date: nothing extracted, resolved or written (--force rebuilds)", file=err)
    else:
        print(f"written to {out}/", file=err)
