#!/usr/bin/env bash
# Quality tables for the README: seeds against their gold, the news corpus against gold-dev and tests/gold.
# Usage: benchmarks/quality.sh [SHARED_DIR]   (default ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
gk=${GRAPHKIT:-.venv/bin/graphkit}
out=$(mktemp -d)
"$gk" build "$shared/corpus/seeds" --out "$out/seeds" --no-report --quiet
"$gk" build "$shared/corpus/openeuler-news" --out "$out/news" --no-report --quiet
echo "## seeds (examples/articles) against gold"; python3 "$shared/eval/score.py" "$out/seeds/graph.json" "$shared/gold"
echo "## news corpus against gold-dev (10 articles)"; python3 "$shared/eval/score.py" "$out/news/graph.json" "$shared/gold-dev"
echo "## news corpus against tests/gold (15 articles annotated here)"; python3 "$shared/eval/score.py" "$out/news/graph.json" tests/gold
rm -rf "$out"
