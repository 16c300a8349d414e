"""The pipeline, in order: read -> clean -> extract -> resolve -> build graph -> write.

Only this module knows the order of the stages. Per-article work
(`process_article`) is a pure function of the file and the rules, so it can
run in worker processes or be cached; everything after it sees all articles.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import networkx as nx

from graphkit.clean import clean_article
from graphkit.errors import ArticleError, GraphkitError, OutputError
from graphkit.extract import Extractor
from graphkit.graph import build_graph
from graphkit.read import article_id, iter_article_files, read_article, read_article_bytes
from graphkit.resolve import resolve
from graphkit.rules import Rules, load_rules
from graphkit.types import ArticleRecord, Extraction

STAGES = ("read", "clean", "extract", "resolve", "graph", "write")


@dataclass
class BuildOptions:
    rules_dir: str | None = None
    spacy_model: str | None = None
    min_confidence: float = 0.0
    strict: bool = False
    progress: bool = False
    report: bool = True
    report_png: bool = False
    jobs: int = 1                    # worker processes (or Dask workers) for extraction
    cache: str | None = None         # extraction cache file (cache.py); None: no cache
    executor: str = "local"          # "local" (this machine) or "dask"
    scheduler: str | None = None     # Dask scheduler address; None: a LocalCluster of `jobs`


@dataclass
class BuildResult:
    graph: nx.MultiDiGraph
    records: list[ArticleRecord]
    seconds: dict[str, float] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    merge_candidates: tuple = ()

    @property
    def skipped(self) -> list[ArticleRecord]:
        return [r for r in self.records if r.error]


_EXTRACTOR: dict[tuple, Extractor] = {}


def get_extractor(rules: Rules, spacy_model: str | None = None) -> Extractor:
    """One Extractor per process and rules digest (built in each worker, never shipped)."""
    key = (rules.digest, spacy_model)
    if key not in _EXTRACTOR:
        _EXTRACTOR[key] = Extractor(rules, spacy_model)
    return _EXTRACTOR[key]


def process_article(path: Path, root: Path, rules: Rules, spacy_model: str | None = None,
                    timings: Counter | None = None, *, raw: bytes | None = None,
                    aid: str | None = None) -> tuple[ArticleRecord, Extraction | None]:
    """Read, clean and extract one file; a bad file gives a record with its error.

    `raw` is the file's bytes when already read (hashed for the cache, or from
    a URL, for which `aid` gives the article id).
    """
    aid = aid or article_id(path, root)
    timings = timings if timings is not None else Counter()
    t0 = time.perf_counter()
    try:
        article = read_article(path, root) if raw is None else read_article_bytes(raw, aid, path)
    except ArticleError as exc:
        return ArticleRecord(aid, str(path), error=exc.reason, stage=exc.stage), None
    t1 = time.perf_counter()
    clean = clean_article(article)
    t2 = time.perf_counter()
    extraction = get_extractor(rules, spacy_model).extract(
        clean, title=article.title, published=article.published, summary=article.summary)
    t3 = time.perf_counter()
    timings["read"] += t1 - t0
    timings["clean"] += t2 - t1
    timings["extract"] += t3 - t2
    record = ArticleRecord(aid, str(path), article.title, article.published, article.lang,
                           len(extraction.mentions), len(extraction.relations),
                           warnings=article.warnings)
    return record, extraction


def filter_confidence(graph: nx.MultiDiGraph, minimum: float) -> nx.MultiDiGraph:
    """Drop edges, then nodes, under the confidence threshold (nodes kept if an edge needs them)."""
    if minimum <= 0:
        return graph
    drop_edges = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d.get("confidence", 1) < minimum]
    graph.remove_edges_from(drop_edges)
    drop_nodes = [n for n, d in graph.nodes(data=True) if d.get("confidence", 1) < minimum and graph.degree(n) == 0]
    graph.remove_nodes_from(drop_nodes)
    return graph


def extract_all(inputs: list[Path | str], rules: Rules, options: BuildOptions, timings: Counter):
    """(records, extractions) for every file under the inputs, in a stable order.

    The files are processed by `graphkit.parallel` (in this process, worker
    processes or Dask, with the cache); results come back in listing order,
    so the graph does not depend on `options.jobs` or the executor.
    """
    from graphkit.parallel import is_url, list_url_articles, run_tasks

    records: list[ArticleRecord] = []
    extractions: list[Extraction] = []
    jobs: list[tuple[Path | str, Path | str, str]] = []     # (path or URL, input folder, article id)
    for root in inputs:
        if is_url(root):
            jobs.extend(list_url_articles(root))
            continue
        if not root.exists():
            raise GraphkitError(f"{root}: no such file or folder")
        base = root if root.is_dir() else root.parent

        def skipped(path: Path, why: str, base: Path = base) -> None:
            # symlink loops, FIFOs, unlistable folders: a skipped file like any other
            records.append(ArticleRecord(article_id(path, base), str(path), error=why, stage="read"))

        for item in iter_article_files(root, on_skip=skipped):
            if isinstance(item, ArticleError):
                records.append(ArticleRecord(item.path, item.path, error=item.reason, stage=item.stage))
                continue
            jobs.append((item, base, article_id(item, base)))
    progress = Progress(len(jobs), enabled=options.progress)
    for record, extraction in run_tasks(jobs, rules, options, timings, progress.step):
        records.append(record)
        if extraction is not None:
            extractions.append(extraction)
    progress.close()
    return records, extractions


def run_build(inputs: list[str | Path], out_dir: str | Path | None = None,
              options: BuildOptions | None = None) -> BuildResult:
    """Build the graph of every article under `inputs`; write outputs when `out_dir` is given.

    With `out_dir`, the whole build holds the folder's lock (graphkit/lock.py):
    a second build into the same folder waits for this one to finish.
    """
    if out_dir is None:
        return _run_build(inputs, None, options)
    from graphkit.lock import output_lock

    with output_lock(out_dir):
        return _run_build(inputs, out_dir, options)


def _run_build(inputs: list[str | Path], out_dir: str | Path | None,
               options: BuildOptions | None) -> BuildResult:
    options = options or BuildOptions()
    timings: Counter = Counter()
    t0 = time.perf_counter()
    rules = load_rules(options.rules_dir)
    timings["rules"] = time.perf_counter() - t0
    records, extractions = extract_all([p if isinstance(p, str) and "://" in p else Path(p) for p in inputs],
                                       rules, options, timings)
    if options.strict and any(r.error for r in records):
        bad = sorted((r for r in records if r.error), key=lambda r: r.id)
        more = f"; {len(bad) - 1} more file(s) skipped" if len(bad) > 1 else ""
        raise ArticleError(bad[0].path, f"{bad[0].error} (--strict: nothing written{more})",
                           bad[0].stage or "read")
    t = time.perf_counter()
    dates = {r.id: r.date for r in records if r.date}
    resolved = resolve(extractions, rules, article_dates=dates)
    del extractions      # ~50 kB an article: not held while the graph is built and written
    timings["resolve"] = time.perf_counter() - t
    t = time.perf_counter()
    meta = {r.id: {k: v for k, v in (("title", r.title), ("date", r.date), ("lang", r.lang)) if v}
            for r in records if not r.error}
    graph = filter_confidence(build_graph(resolved, meta), options.min_confidence)
    timings["graph"] = time.perf_counter() - t
    result = BuildResult(graph, records, merge_candidates=resolved.merge_candidates)
    if out_dir is not None:
        t = time.perf_counter()
        result.files = write_outputs(result, Path(out_dir), options)
        timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    result.seconds = {k: round(v, 3) for k, v in timings.items()}
    return result


def write_outputs(result: BuildResult, out: Path, options: BuildOptions) -> list[str]:
    """Every output file, each written to a temporary name and renamed."""
    from graphkit.export import write_csv, write_gexf, write_graphml, write_html, write_json
    from graphkit.export.atomic import atomic_write

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder: {exc.strerror or exc}") from exc
    graph = result.graph
    # graph.json, the file other tools and commands read, is written last: a
    # build killed earlier leaves the previous graph.json (each file is atomic).
    write_graphml(graph, out / "graph.graphml")
    write_gexf(graph, out / "graph.gexf")
    write_csv(graph, out)
    write_html(graph, out / "graph.html")
    lines = [json.dumps(_record_dict(r), ensure_ascii=False, sort_keys=True) for r in
             sorted(result.records, key=lambda r: r.id)]
    atomic_write(out / "articles.jsonl", "\n".join(lines) + ("\n" if lines else ""))
    errors = [json.dumps({"file": r.path, "article": r.id, "stage": r.stage, "error": r.error},
                         ensure_ascii=False, sort_keys=True) for r in result.records if r.error]
    atomic_write(out / "errors.jsonl", "\n".join(errors) + ("\n" if errors else ""))
    atomic_write(out / "merge_candidates.csv", _candidates_csv(result.merge_candidates))
    files = ["graph.json", "graph.graphml", "graph.gexf", "nodes.csv", "edges.csv", "graph.html",
             "articles.jsonl", "errors.jsonl", "merge_candidates.csv"]
    if options.report:
        from graphkit.analysis.report import write_report

        files += [Path(p).name for p in write_report(graph, out, png=options.report_png)]
    write_json(graph, out / "graph.json")
    return files


def _record_dict(record: ArticleRecord) -> dict:
    data = asdict(record)
    data["warnings"] = list(record.warnings)
    return {k: v for k, v in data.items() if v not in (None, [], "")} | {"id": record.id}


def _candidates_csv(candidates) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["node_a", "node_b", "why"])
    writer.writerows(candidates)
    return buf.getvalue()


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done = total, 0
        self.enabled = enabled and sys.stderr.isatty() and total > 1
        self.started = time.perf_counter()

    def step(self) -> None:
        self.done += 1
        if self.enabled and (self.done == self.total or self.done % 10 == 0):
            width = 30
            filled = width * self.done // self.total
            rate = self.done / max(time.perf_counter() - self.started, 1e-9)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                             f"articles ({rate:.0f}/s)")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def build_graph_from_path(path: str | os.PathLike, **kwargs) -> nx.MultiDiGraph:
    """`graphkit.build_graph(path)`: the graph of a folder of articles, nothing written."""
    return run_build([path], None, BuildOptions(**kwargs)).graph
