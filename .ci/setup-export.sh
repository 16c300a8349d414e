#!/usr/bin/env bash
# What tests/test_export_*.py need beyond the Python venv (pip install -e '.[test]'
# brings networkx, lxml, igraph). Run from anywhere; safe to run twice.
#  - graphology, graphology-graphml, graphology-gexf (pinned by tests/js/package-lock.json)
#    for the @pytest.mark.node tests: how Gephi Lite / sigma.js read our files.
#  - Apache commons-csv (Debian) for the test that parses nodes.csv / edges.csv
#    with the CSVFormat of Gephi's spreadsheet importer. Java 17 is on the image.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "export-setup: node is not on PATH" >&2; exit 1; }
(cd tests/js && npm ci --no-audit --no-fund)

if [ ! -f /usr/share/java/commons-csv.jar ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends libcommons-csv-java
fi
