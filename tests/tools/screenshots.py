"""Take the README's screenshots (docs/screenshots/) with Debian's chromium against a local server.

Usage: ``python tests/tools/screenshots.py [OUT_DIR]`` (default docs/screenshots). Starts
``aifactories serve`` on a free loopback port, shoots each page at desktop (1280 px) and phone
(390 px) widths, and stops the server.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
#: Where a phone screenshot starts (the page's top otherwise).
ANCHORS = {
    "map": "#europe-map",
    "entity": 'table.props th:has-text("investment")',
    "query": "#results-heading",
}
PAGES = {
    "home": "/?as_of=2025-03-12",
    "map": "/map?as_of=2025-10-31",
    "timeline": "/timeline",
    "search": "/search?q=lumi",
    "entity": "/id/system/jupiter",
    "api": "/api",
    "query": "/query?name=factory-supercomputers&factory=JAIF",
    "questions": "/questions",
}


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    only = set(sys.argv[2:])
    out.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "aifactories.cli", "serve", "--port", str(port), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for width, suffix in ((1280, ""), (390, "-390")):
                ctx = browser.new_context(
                    viewport={"width": width, "height": 844 if width == 390 else 900}
                )
                page = ctx.new_page()
                for name, path in PAGES.items():
                    if only and name not in only:
                        continue
                    page.goto(url + path)
                    page.wait_for_load_state("networkidle")
                    if width == 390 and name in ANCHORS:
                        page.locator(ANCHORS[name]).first.scroll_into_view_if_needed()
                    page.screenshot(path=str(out / f"{name}{suffix}.png"))
                ctx.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
