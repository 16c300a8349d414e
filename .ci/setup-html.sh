#!/usr/bin/env bash
# What tests/test_html_browser.py (@pytest.mark.browser) needs. Run from anywhere; safe to run twice.
#  - Debian's chromium at /usr/bin/chromium (the test skips when it is absent), and a CJK
#    font so that Chinese labels in tests/artifacts/*.png are readable, not boxes.
#  - Python playwright, used only as a CDP driver for that chromium. Never run
#    `playwright install`: it downloads a browser build, which this network refuses.
# Python: $PYTHON if set, else .venv/bin/python (the venv is created if missing;
# `python3 -m venv .venv` run again later keeps what is installed here).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] || ! fc-list ':lang=zh' 2>/dev/null | grep -q .; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium fonts-wqy-zenhei
fi

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  PY=.venv/bin/python
fi
"$PY" -m pip install -q "playwright==1.65.3"
