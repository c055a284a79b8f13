"""Check the built HTML documentation the way a reader sees it.

Two checks over a Sphinx HTML build (``python3 dev.py docs`` or
``sphinx -b html docs <out>``):

* **offline**: no page loads a script, stylesheet, image, font or frame from
  ``http(s)://`` (links to other sites are fine; assets are not);
* **nothing cut off at 1280 px** (needs Chromium: ``apt-get install
  chromium``): each page is loaded in headless Chromium at a 1280 px wide
  window, and a script measures every code block (``pre``), table and image:
  one wider than its box (horizontal overflow: text cut off or behind a
  scroll bar) or reaching past the window's right edge is reported, as is a
  page wider than the window. ``--screenshots DIR`` also saves a PNG of each
  page for a person to look at.

Usage::

    python docs/check_layout.py docs/_build/html [--screenshots DIR] [--pages N]

Exit status 0 when every page passes, 1 otherwise (the problems are
printed). Without Chromium the layout check is skipped with a message, or
fails with ``--require-browser``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

WIDTH, HEIGHT = 1280, 900
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")

# Measured after the page (and its fonts) loaded; the result is written into
# the DOM, which --dump-dom prints.
MEASURE = """
<script>
window.addEventListener("load", function () {
  var problems = [];
  var width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push("page is " + document.documentElement.scrollWidth + " px wide");
  }
  document.querySelectorAll("pre, table, img").forEach(function (el) {
    var box = el.getBoundingClientRect();
    if (box.width === 0) { return; }  // hidden (e.g. a collapsed menu)
    var text = (el.innerText || el.getAttribute("src") || "").trim().slice(0, 60);
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push(el.tagName.toLowerCase() + " overflows its box (" + el.scrollWidth
                    + " > " + el.clientWidth + " px): " + JSON.stringify(text));
    }
    if (box.right > width + 1) {
      problems.push(el.tagName.toLowerCase() + " reaches past the window ("
                    + Math.round(box.right) + " > " + width + " px): " + JSON.stringify(text));
    }
  });
  var out = document.createElement("div");
  out.id = "skrnn-layout-result";
  out.setAttribute("data-problems", JSON.stringify(problems));
  document.body.appendChild(out);
});
</script>
"""


class _Assets(HTMLParser):
    """Collect the URLs a page *loads* (not the ones it links to)."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio", "embed"):
            self.urls.append(attrs.get("src"))
        elif tag == "link":
            rel = (attrs.get("rel") or "").lower()
            if any(word in rel for word in ("stylesheet", "preload", "icon", "modulepreload")):
                self.urls.append(attrs.get("href"))


REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", re.IGNORECASE)
CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]((?:https?:)?//[^'\"]+)", re.IGNORECASE)


def remote_assets(html_dir: Path) -> list[str]:
    """``page: url`` for every asset a page or a stylesheet loads from the internet."""
    problems = []
    for page in sorted(html_dir.rglob("*.html")):
        parser = _Assets()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        problems += [f"{page.relative_to(html_dir)}: {url}" for url in parser.urls
                     if url and REMOTE.match(url)]
    for sheet in sorted(html_dir.rglob("*.css")):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        problems += [f"{sheet.relative_to(html_dir)}: {url}"
                     for url in CSS_URL.findall(text) + CSS_IMPORT.findall(text)]
    return problems


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _chromium(browser: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
               f"--window-size={WIDTH},{HEIGHT}", "--virtual-time-budget=5000",
               # offline on purpose: a page needing the internet shows it
               "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def layout_problems(browser: str, page: Path, screenshot: Path | None = None) -> list[str]:
    """What is cut off on ``page`` at 1280 px, measured in ``browser``."""
    # the measuring script goes into a copy next to the page (same relative assets)
    with tempfile.NamedTemporaryFile("w", suffix=".html", dir=page.parent, delete=False,
                                     prefix=".layout-", encoding="utf-8") as copy:
        html = page.read_text(encoding="utf-8")
        copy.write(html.replace("</body>", MEASURE + "</body>", 1))
    probe = Path(copy.name)
    try:
        result = _chromium(browser, "--dump-dom", probe.as_uri())
        found = re.search(r'id="skrnn-layout-result" data-problems="([^"]*)"', result.stdout)
        if not found:
            return [f"no measurement (browser exit {result.returncode}): "
                    f"{result.stderr.strip()[-300:]}"]
        problems = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")
                              .replace("&lt;", "<").replace("&gt;", ">"))
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            _chromium(browser, f"--screenshot={screenshot}", page.as_uri())
        return problems
    finally:
        probe.unlink(missing_ok=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", type=Path)
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--pages", type=int, default=None, help="check only the first N pages")
    parser.add_argument("--require-browser", action="store_true")
    args = parser.parse_args(argv)
    args.html_dir = args.html_dir.resolve()

    failed = False
    remote = remote_assets(args.html_dir)
    for problem in remote:
        print(f"remote asset: {problem}")
    failed |= bool(remote)

    browser = find_browser()
    if browser is None:
        print("no Chromium found: layout check skipped (apt-get install chromium)")
        return 1 if (failed or args.require_browser) else 0
    pages = [p for p in sorted(args.html_dir.rglob("*.html"))
             if not p.name.startswith((".layout-", "genindex", "search", "py-modindex"))
             and "_sources" not in p.parts and "_static" not in p.parts]
    for page in pages[: args.pages]:
        name = page.relative_to(args.html_dir)
        shot = None if args.screenshots is None else (
            args.screenshots / str(name).replace("/", "_").replace(".html", ".png"))
        problems = layout_problems(browser, page, shot)
        for problem in problems:
            print(f"{name}: {problem}")
        failed |= bool(problems)
    print(f"{len(pages[: args.pages])} pages checked at {WIDTH} px: "
          f"{'problems found' if failed else 'nothing cut off, nothing remote'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
