"""Regenerate the README's pictures from the news corpus: the interactive page and the heat map.

    .venv/bin/python docs/screenshots.py ../shared/corpus/openeuler-news

Needs Debian chromium (/usr/bin/chromium) and the playwright driver (`.ci/setup-html.sh`).
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from graphkit.pipeline import BuildOptions, run_build

IMAGES = Path(__file__).parent / "images"


def main(corpus: str) -> int:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "news"
        run_build([corpus], out, BuildOptions(report=True, report_png=True))
        if (out / "heatmap.png").exists():
            shutil.copy(out / "heatmap.png", IMAGES / "heatmap.png")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto((out / "graph.html").resolve().as_uri())
            page.wait_for_function("() => window.graphkit && window.graphkit.ready === true", timeout=60_000)
            search = page.locator("input[type=search], input#search").first
            search.fill("Huawei")
            search.press("Enter")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(IMAGES / "graph.png"))
            report = browser.new_page(viewport={"width": 1400, "height": 1000})
            report.goto((out / "report.html").resolve().as_uri())
            report.screenshot(path=str(IMAGES / "report.png"))
            browser.close()
    print(f"wrote {', '.join(p.name for p in sorted(IMAGES.glob('*.png')))} into {IMAGES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/openeuler-news"))
