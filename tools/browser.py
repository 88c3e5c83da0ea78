"""Open pages of the built book in headless Chromium and report what a reader sees.

Playwright drives Debian's ``chromium`` (``executable_path``); it never downloads a
browser. Every request that would leave the machine is blocked and recorded. Used by
tests/test_browser.py; also a command-line tool, which prints the page report as JSON::

    python -m tools.browser _build/html/book/01_memory_model.html [--dark] [--out x.png]
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDTH = 1280
HEIGHT = 900
TILE = 10000  # px per screenshot file (Chromium garbles single captures past ~16k px)
MAX_SHOT_HEIGHT = 60000  # px of a page in screenshots
LOCAL = ("file:", "data:", "blob:", "about:")

REDIRECT_JS = "!!document.querySelector('meta[http-equiv=\"refresh\" i]')"

# Run in the page once it has loaded: wait for MathJax and the widget manager, then
# describe the page.
REPORT_JS = r"""
async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const sel = 'script[type="application/vnd.jupyter.widget-view+json"]';
  const views = () => [...document.querySelectorAll(sel)];
  const rendered = s => {
    const prev = s.previousElementSibling;
    return !!(prev && prev.classList.contains('widget-subarea')
              && prev.querySelector('.jupyter-widgets, .lm-Widget'));
  };
  const mj = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
  for (let i = 0; i < 100 && !mj(); i++) {
    if (!document.querySelector('.math')) break;
    await sleep(100);
  }
  if (mj()) { await MathJax.startup.promise; }
  for (let i = 0; i < 200 && !views().every(rendered); i++) { await sleep(100); }
  await sleep(200);
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight, '
             + '.cell_input, .MathJax';
  const raw = [];
  const root = document.body || document.documentElement;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const tex = /\$\$|\\\(|\\\[|\\begin\{|\$[^$\s][^$]*\\[A-Za-z]+[^$]*\$/;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && n.parentElement.closest(skip)) continue;
    if (tex.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 120));
  }
  const math = [...document.querySelectorAll('.math')];
  const visible = el => el.checkVisibility({checkOpacity: true,
                                            checkVisibilityCSS: true});
  // the longest line of a block (the one that scrolls), shortened for the report
  const longest = el => el.textContent.split('\n')
    .reduce((a, b) => (b.length > a.length ? b : a), '').trim().slice(0, 100);
  // `assert` keywords (Pygments class "k") in the code cells a reader sees at load:
  // cells with folded input (hide-input) do not count.
  const lineOf = (cell, span) => {
    const r = document.createRange();
    r.setStart(cell, 0);
    r.setEndBefore(span);
    const k = r.toString().split('\n').length - 1;
    return cell.textContent.split('\n')[k].trim().slice(0, 80);
  };
  const asserts = [...document.querySelectorAll('.cell_input')].filter(visible)
    .flatMap(c => [...c.querySelectorAll('span.k')]
                  .filter(k => k.textContent === 'assert').map(k => lineOf(c, k)));
  const kind = p => p.closest('.cell_input') ? 'input'
                  : p.closest('.cell_output') ? 'output' : 'text';
  const wide = [...document.querySelectorAll('pre')].filter(visible)
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => ({kind: kind(p), overflow: p.scrollWidth - p.clientWidth,
                line: longest(p)}));
  return {
    title: document.title,
    url: location.href,
    height: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight),
    math: math.length,
    untypeset: math.filter(m => !m.querySelector('mjx-container'))
                   .map(m => m.textContent.trim().slice(0, 80)),
    mjx: document.querySelectorAll('mjx-container').length,
    merror: [...document.querySelectorAll('mjx-merror')]
                .map(e => e.getAttribute('data-mjx-error') || e.textContent),
    raw_tex: raw,
    mathjax: !!(window.MathJax && MathJax.version),
    views: views().length,
    views_rendered: views().filter(rendered).length,
    images_broken: [...document.images].filter(i => i.complete && i.naturalWidth === 0)
                       .map(i => i.src),
    theme: document.documentElement.dataset.theme || '',
    visible_asserts: asserts,
    wide_code: wide,
  };
}
"""


def find_chromium():
    """The path of Debian's chromium, or None."""
    return shutil.which("chromium")


class Browser:
    """One headless Chromium; `open` loads a page in a fresh context and reports on it.

    The page stays open (``self.page``) until the next `open`, for screenshots or
    interaction through Playwright's API.
    """

    def __init__(self, executable=None, width=WIDTH, height=HEIGHT, timeout=60):
        exe = executable or find_chromium()
        if exe is None:
            raise FileNotFoundError(
                "chromium not found (Debian: apt-get install chromium)"
            )
        self.width, self.height, self.timeout_ms = width, height, timeout * 1000
        self._pw = sync_playwright().start()
        try:
            self.browser = self._pw.chromium.launch(
                executable_path=exe, args=FLAGS, headless=True
            )
        except BaseException:
            self._pw.stop()
            raise
        self.context = self.page = None

    def open(self, url, dark=False):
        """Load url (dark colour scheme if asked) and return its report.

        The report (see ``REPORT_JS``) gains ``errors`` (console errors, uncaught
        exceptions, failed local loads) and ``requests`` (blocked network requests).
        """
        self._close_page()
        errors, blocked = [], []
        self.context = self.browser.new_context(
            viewport={"width": self.width, "height": self.height},
            color_scheme="dark" if dark else "light",
        )
        self.context.set_default_timeout(self.timeout_ms)

        def route(r):
            if r.request.url.startswith(LOCAL):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        page = self.page = self.context.new_page()
        page.on("console", lambda m: _console(m, errors))
        page.on("pageerror", lambda e: errors.append(f"exception: {e}"))
        page.on("requestfailed", lambda r: _failed(r, errors, blocked))
        page.goto(url, wait_until="load")
        for attempt in range(3):  # a redirect stub (index.html) navigates away under us
            try:
                if page.evaluate(REDIRECT_JS):
                    here = page.url
                    page.wait_for_url(lambda u, here=here: u != here)
                    page.wait_for_load_state("load")
                    continue
                report = page.evaluate(REPORT_JS)
                break
            except PlaywrightError as err:
                if "context was destroyed" not in str(err) or attempt == 2:
                    raise
                page.wait_for_load_state("load")
        else:
            raise RuntimeError(f"{url}: still redirecting after 3 pages")
        page.evaluate("0")  # let pending console events arrive
        report["errors"] = errors
        report["requests"] = blocked
        return report

    def screenshot(self, path, height=None):
        """Full-page PNG of the open page: path for the first TILE px, then path.2.png,
        path.3.png, ... (MAX_SHOT_HEIGHT px in all). Returns the paths written."""
        path = Path(path)
        h = height or self.page.evaluate("document.documentElement.scrollHeight")
        h = min(int(h), MAX_SHOT_HEIGHT)
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{path.stem}.[0-9]*.png"):
            old.unlink()
        # The whole page in one viewport: the sticky header and sidebars (100vh) are
        # drawn once, in full, at the top, as a reader scrolling the page sees them.
        self.page.set_viewport_size({"width": self.width, "height": h})
        self.page.wait_for_timeout(300)
        written = []
        try:
            for k, y in enumerate(range(0, h, TILE)):
                name = f"{path.stem}.{k + 1}{path.suffix}"
                out = path if k == 0 else path.with_name(name)
                clip = {"x": 0, "y": y, "width": self.width, "height": min(TILE, h - y)}
                self.page.screenshot(path=out, clip=clip)
                written.append(out)
        finally:
            self.page.set_viewport_size({"width": self.width, "height": self.height})
        return written

    def _close_page(self):
        if self.context is not None:
            self.context.close()
        self.context = self.page = None

    def close(self):
        try:
            self._close_page()
            self.browser.close()
        finally:
            self._pw.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _console(message, errors):
    if message.type in ("error", "assert"):
        loc = message.location or {}
        where = (
            f" ({loc['url']}:{loc.get('lineNumber', 0) + 1})" if loc.get("url") else ""
        )
        errors.append(f"console.{message.type}: {message.text}{where}")


def _failed(request, errors, blocked):
    if request.url not in blocked:
        errors.append(f"failed to load: {request.url} ({request.failure})")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Open a page in headless Chromium.")
    parser.add_argument("page", type=Path)
    parser.add_argument(
        "--dark", action="store_true", help="prefers-color-scheme: dark"
    )
    parser.add_argument("--out", type=Path, help="save a full-page screenshot here")
    args = parser.parse_args(argv)
    with Browser() as browser:
        report = browser.open(args.page.resolve().as_uri(), dark=args.dark)
        if args.out:
            for out in browser.screenshot(args.out, report["height"]):
                print(out, file=sys.stderr)
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
