"""Fuzz the pipeline with mutated real articles: read -> clean -> extract -> resolve -> graph -> write.

In: real articles (examples/articles, the shared news corpus when present,
tests/data/bad) as seeds, and a seed for the random generator. Each input is
a seed article's bytes after one to three mutations: byte flips, truncation,
inserted control characters, duplicated or broken frontmatter fences, random
Markdown and HTML fragments, huge lines, re-encoding (GBK, UTF-16, BOM, CRLF),
splices of two articles. Every input is written to a file and run through
the stages as `graphkit build` runs them; every `BATCH` inputs the
extractions so far are also resolved together and written as JSON, GraphML,
GEXF and (every `--html-every` batches) HTML and the report, and the XML is
parsed strictly (lxml, recover=False) and the JSON loaded.

Out: counts (inputs tried, read refusals, crashes, hangs) and, per crash, the
mutation and the traceback; with --crash-dir, each crashing input is saved
there as a file to reproduce with `graphkit build`.

A crash is any exception other than `ArticleError` (a refused file), an
output that does not parse, or an input that takes longer than --timeout
seconds (a hang). Exit status 1 when there was a crash.

Example:
    .venv/bin/python tests/fuzz/fuzz_articles.py --inputs 3000 --seed 1 --crash-dir /tmp/crashes
"""
from __future__ import annotations

import argparse
import json
import random
import re
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from graphkit.clean import clean_article  # noqa: E402
from graphkit.errors import ArticleError  # noqa: E402
from graphkit.graph import build_graph  # noqa: E402
from graphkit.pipeline import get_extractor  # noqa: E402
from graphkit.read import read_article  # noqa: E402
from graphkit.resolve import resolve  # noqa: E402
from graphkit.rules import load_rules  # noqa: E402

BATCH = 10

FRAGMENTS = [
    b"---\n", b"+++\n", b"---\ntitle: x\n", b"\n---\n---\n", b"title: [a, b\n", b"date: 2024-13-45\n",
    b"date: '2024--3-18'\n", b"&a [x]\n", b"*a\n", b"<div>", b"</div>", b"<script>alert(1)</script>",
    b"<!--", b"-->", b"<a href='http://x.org/?a=<b>'>", b"</a>", b"<img src=x onerror=alert(1)>",
    b"<table><tr><td>", b"```", b"~~~", b"`", b"[", b"](", b")", b"![img](", b"**", b"__", b"~~",
    b"# ", b"\n## ", b"> ", b"- ", b"1. ", b"| a | b |\n|---|---|\n", b"{width=3in}", b"{.underline}",
    b"\\", b"&nbsp;", b"&#0;", b"&#x1F600;", b"&lt;", b"http://", b"https://a.b/c(d)", b"\r", b"\r\n",
    b"\t", b"  \n", "华为".encode(), "麒麟软件".encode(), "openEuler Summit 2024".encode(),
    "于2024年5月24日在北京举行".encode(), "熊伟".encode(), "⽉".encode(), "\u3000".encode(),
    "\u2028".encode(), "\ufeff".encode(), "\ufffd".encode(), "😀".encode(), "\u0301".encode(),
    "\U0010ffff".encode(), b"\xef\xbf\xbe", b"\xed\xa0\x80", b"\xff", b"\xc3", b"\x00",
]
CONTROLS = bytes(list(range(0x00, 0x09)) + [0x0B, 0x0C] + list(range(0x0E, 0x20)) + [0x7F])


@dataclass
class Crash:
    input: int
    seed_file: str
    mutations: list[str]
    error: str
    where: str
    saved: str = ""


@dataclass
class FuzzStats:
    inputs: int = 0
    refused: int = 0               # ArticleError: skipped with a reason, as designed
    batches: int = 0
    crashes: list[Crash] = field(default_factory=list)
    seconds: float = 0.0
    refusals: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.refusals.items(), key=lambda kv: -kv[1]))
        return (f"inputs tried: {self.inputs}  refused (ArticleError): {self.refused}  "
                f"batches resolved+written: {self.batches}  crashes: {len(self.crashes)}  "
                f"time: {self.seconds:.0f} s\nrefusals by reason: {kinds}")


# ---------------------------------------------------------------------------
# Mutations: each takes (data, rng, seeds) and returns (new data, description)

def _flip(data, rng, seeds):
    if not data:
        return data, "flip (empty)"
    b = bytearray(data)
    n = rng.randint(1, 8)
    for _ in range(n):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b), f"flip {n} bits"


def _truncate(data, rng, seeds):
    cut = rng.randint(0, len(data))
    return data[:cut], f"truncate at {cut}"


def _controls(data, rng, seeds):
    b = bytearray(data)
    n = rng.randint(1, 20)
    for _ in range(n):
        b.insert(rng.randint(0, len(b)), rng.choice(CONTROLS))
    return bytes(b), f"insert {n} control bytes"


def _fences(data, rng, seeds):
    fence = rng.choice([b"---\n", b"+++\n", b"---", b"--- \n", b"\n---\n"])
    i = rng.choice([0, data.find(b"\n") + 1, data.find(b"---", 3), rng.randint(0, len(data))])
    i = max(0, min(i, len(data)))
    return data[:i] + fence * rng.randint(1, 3) + data[i:], f"insert {fence!r} at {i}"


def _fragments(data, rng, seeds):
    b = data
    n = rng.randint(1, 12)
    for _ in range(n):
        i = rng.randint(0, len(b))
        b = b[:i] + rng.choice(FRAGMENTS) * rng.choice([1, 1, 2, 50]) + b[i:]
    return b, f"insert {n} Markdown/HTML fragments"


def _huge_line(data, rng, seeds):
    unit = rng.choice([b"a", b"A ", b"2024", b"*", b"[", b"<", "华".encode(), b"v1.", b"  ", b"- ",
                       b"openEuler ", b"\t", b"\\", b"`", b"&", "年".encode(), b".", b"http://a"])
    size = rng.choice([10_000, 100_000, 300_000])
    i = rng.randint(0, len(data))
    return data[:i] + unit * (size // len(unit)) + data[i:], f"insert {size}-byte line of {unit!r}"


def _reencode(data, rng, seeds):
    text = data.decode("utf-8", "replace")
    how = rng.choice(["gbk", "utf-16", "bom", "crlf", "cr", "latin-1"])
    if how == "gbk":
        return text.encode("gbk", "replace"), "re-encode GBK"
    if how == "utf-16":
        return text.encode("utf-16"), "re-encode UTF-16"
    if how == "bom":
        return b"\xef\xbb\xbf" + data, "prepend UTF-8 BOM"
    if how == "crlf":
        return data.replace(b"\n", b"\r\n"), "CRLF"
    if how == "cr":
        return data.replace(b"\n", b"\r"), "CR only"
    return text.encode("latin-1", "replace"), "re-encode Latin-1"


def _splice(data, rng, seeds):
    other = rng.choice(seeds)[1]
    i, j = rng.randint(0, len(data)), rng.randint(0, len(other))
    return data[:i] + other[j:], f"splice at {i}/{j}"


def _delete(data, rng, seeds):
    if not data:
        return data, "delete (empty)"
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 2000))
    return data[:i] + data[j:], f"delete {i}:{j}"


def _duplicate(data, rng, seeds):
    return data * rng.randint(2, 20), "repeat whole article"


MUTATIONS = [_flip, _truncate, _controls, _fences, _fragments, _huge_line, _reencode, _splice,
             _delete, _duplicate]
WEIGHTS = [3, 2, 2, 2, 4, 1, 1, 2, 2, 1]


def load_seeds() -> list[tuple[str, bytes]]:
    paths = sorted((ROOT / "examples" / "articles").glob("*.txt"))
    news = ROOT.parent / "shared" / "corpus" / "openeuler-news"
    paths += sorted(p for p in news.rglob("*.md") if p.name != "README.md")
    paths += sorted(p for p in (ROOT / "tests" / "data" / "bad").iterdir() if p.name != "README.md")
    return [(p.name, p.read_bytes()) for p in paths]


def mutate(data: bytes, rng: random.Random, seeds) -> tuple[bytes, list[str]]:
    done = []
    for fn in rng.choices(MUTATIONS, WEIGHTS, k=rng.randint(1, 3)):
        data, what = fn(data, rng, seeds)
        done.append(what)
    return data, done


# ---------------------------------------------------------------------------
# Running

class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang("input took longer than the timeout")


def _where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in tb if "/graphkit/" in f.filename] or tb
    f = mine[-1]
    return f"{Path(f.filename).relative_to(ROOT) if str(f.filename).startswith(str(ROOT)) else f.filename}:{f.lineno} in {f.name}"


def _check_outputs(folder: Path) -> None:
    parser = etree.XMLParser(recover=False, huge_tree=True)
    etree.parse(str(folder / "graph.graphml"), parser)
    etree.parse(str(folder / "graph.gexf"), parser)
    json.loads((folder / "graph.json").read_text(encoding="utf-8"))


def _write_batch(batch, rules, folder: Path, full: bool) -> None:
    from graphkit.export import write_gexf, write_graphml, write_json

    extractions = [e for _, e in batch]
    dates = {a.id: a.published for a, _ in batch if a.published}
    resolved = resolve(extractions, rules, article_dates=dates)
    meta = {a.id: {"title": a.title, "date": a.published or "", "lang": a.lang} for a, _ in batch}
    meta = {k: {kk: vv for kk, vv in v.items() if vv} for k, v in meta.items()}
    graph = build_graph(resolved, meta)
    write_json(graph, folder / "graph.json")
    write_graphml(graph, folder / "graph.graphml")
    write_gexf(graph, folder / "graph.gexf")
    if full:
        from graphkit.analysis.report import write_report
        from graphkit.export import write_html

        write_html(graph, folder / "graph.html")
        write_report(graph, folder)
    _check_outputs(folder)


def run_fuzz(inputs: int, seed: int, *, crash_dir: Path | None = None, timeout: int = 120,
             html_every: int = 20, progress: bool = False) -> FuzzStats:
    """Run `inputs` mutated articles through the pipeline; see the module docstring."""
    import logging

    logging.getLogger("graphkit").setLevel(logging.ERROR)   # "heatmap not written" etc.
    rng = random.Random(seed)
    seeds = load_seeds()
    rules = load_rules()
    extractor = get_extractor(rules)
    stats = FuzzStats()
    started = time.perf_counter()
    old = signal.signal(signal.SIGALRM, _alarm)
    batch: list = []
    batch_inputs: list[tuple[int, str, list[str], bytes]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="graphkit-fuzz-") as tmp:
            work = Path(tmp)
            for n in range(inputs):
                name, original = rng.choice(seeds)
                data, mutations = mutate(original, rng, seeds)
                path = work / "in" / f"f{n:05d}.md"
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(data)
                stats.inputs += 1
                signal.alarm(timeout)
                try:
                    article = read_article(path, path.parent)
                    clean = clean_article(article)
                    extraction = extractor.extract(clean, title=article.title,
                                                   published=article.published, summary=article.summary)
                    batch.append((article, extraction))
                    batch_inputs.append((n, name, mutations, data))
                except ArticleError as exc:
                    stats.refused += 1
                    key = re.sub(r" at line \d+|\d+%? (?=NUL|control)", "", exc.reason.split(":")[0])
                    stats.refusals[key] = stats.refusals.get(key, 0) + 1
                except (Exception, Hang) as exc:       # noqa: BLE001 - a crash is what we look for
                    stats.crashes.append(_crash(n, name, mutations, exc, data, crash_dir))
                finally:
                    signal.alarm(0)
                path.unlink()
                if len(batch) >= BATCH or (n == inputs - 1 and batch):
                    stats.batches += 1
                    signal.alarm(timeout * 2)
                    try:
                        _write_batch(batch, rules, work / "out", full=stats.batches % html_every == 1)
                    except (Exception, Hang) as exc:   # noqa: BLE001
                        for bn, bname, bmut, bdata in batch_inputs:
                            stats.crashes.append(_crash(bn, bname, bmut + ["(in a batch)"], exc, bdata,
                                                        crash_dir))
                    finally:
                        signal.alarm(0)
                    batch, batch_inputs = [], []
                if progress and (n + 1) % 100 == 0:
                    print(f"{n + 1} inputs, {len(stats.crashes)} crashes, "
                          f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGALRM, old)
    stats.seconds = time.perf_counter() - started
    return stats


def _crash(n, name, mutations, exc, data, crash_dir) -> Crash:
    crash = Crash(n, name, mutations, f"{type(exc).__name__}: {str(exc)[:300]}", _where(exc))
    if crash_dir is not None:
        crash_dir.mkdir(parents=True, exist_ok=True)
        saved = crash_dir / f"crash-{n:05d}.md"
        saved.write_bytes(data)
        crash.saved = str(saved)
    return crash


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example:\n  tests/fuzz/fuzz_articles.py --inputs 3000 --seed 1",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=1000, help="how many mutated articles (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--crash-dir", type=Path, default=None, help="save crashing inputs here")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per input before it counts as a hang")
    parser.add_argument("--html-every", type=int, default=20,
                        help="write graph.html and the report every N batches (default 20)")
    args = parser.parse_args(argv)
    stats = run_fuzz(args.inputs, args.seed, crash_dir=args.crash_dir, timeout=args.timeout,
                     html_every=args.html_every, progress=True)
    print(stats.summary())
    for c in stats.crashes:
        print(f"CRASH input {c.input} (from {c.seed_file}; {'; '.join(c.mutations)}): {c.error} "
              f"at {c.where}" + (f" -> {c.saved}" if c.saved else ""))
    return 1 if stats.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
