"""graphkit eval: the scorer's table for a graph against gold annotations."""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from graphkit.errors import GraphkitError

EPILOG = """Example:
  graphkit eval outputs/seeds --gold ../shared/gold
  graphkit eval ../shared/corpus/openeuler-news --gold tests/gold --errors
  graphkit eval outputs/news --gold tests/gold --errors --articles ../shared/corpus/openeuler-news

GRAPH_OR_FOLDER is a graph.json, an output folder holding one, or a folder of
articles (built first, in a temporary folder)."""


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="score a graph against gold annotations",
                       description="Precision, recall and F1 per entity and relation type, "
                                   "as ../shared/eval/score.py counts them.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("graph", metavar="GRAPH_OR_FOLDER")
    p.add_argument("--gold", required=True, help="folder of gold JSON files")
    p.add_argument("--errors", action="store_true", help="list every miss and every extra with its sentence")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--articles", metavar="DIR", default=None,
                   help="the articles the graph was built from: misses then show the sentence that names them")
    p.set_defaults(func=run)


def run(args) -> int:
    from graphkit.evaluate import format_errors, format_table, score_graph

    target, gold = Path(args.graph), Path(args.gold)
    if not gold.is_dir() or not any(gold.glob("*.json")):
        raise GraphkitError(f"{gold}: no gold *.json files")
    articles_dir = Path(args.articles) if args.articles else None
    if target.is_file() or (target / "graph.json").is_file():
        score = score_graph(target, gold)
    elif target.is_dir():
        from graphkit.pipeline import BuildOptions, run_build

        with tempfile.TemporaryDirectory() as tmp:
            run_build([target], tmp, BuildOptions(report=False))
            score = score_graph(Path(tmp) / "graph.json", gold)
        articles_dir = articles_dir or target
    else:
        raise GraphkitError(f"{target}: no graph.json, output folder or article folder there")
    if args.errors and articles_dir is not None:
        from graphkit.evaluate import attach_sentences

        attach_sentences(score, _cleaned(articles_dir))
    if args.json:
        data = score.as_dict()
        if args.errors:
            data["errors"] = score.errors
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(format_table(score))
        if args.errors:
            print(format_errors(score))
    return 0


def _cleaned(folder: Path) -> dict:
    """Cleaned text of every readable article under folder, by article id."""
    from graphkit.clean import clean_article
    from graphkit.errors import ArticleError
    from graphkit.read import iter_article_files, read_article

    out = {}
    for path in iter_article_files(folder):
        try:
            article = read_article(path, folder)
        except ArticleError:
            continue
        out[article.id] = clean_article(article)
    return out
