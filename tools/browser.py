"""Open pages of the built book in headless Chromium and report what a reader sees.

Playwright drives Debian's ``chromium`` (``executable_path``); it never downloads a
browser. Every request that would leave the machine is blocked and recorded. Used by
the browser tests (tests/conftest.py: `Book` loads each page once for all of them); also
a command-line tool, which prints the page report as JSON::

    python -m tools.browser _build/html/book/01_memory_model.html [--dark] [--out x.png]
"""

import argparse
import contextlib
import json
import re
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
# Requests to anything else are intercepted (blocked and recorded); local ones never
# reach Python, so a page's hundred file:// loads cost no round-trip each.
NONLOCAL = re.compile(r"^(?!(?:file|data|blob|about):)")

REDIRECT_JS = "!!document.querySelector('meta[http-equiv=\"refresh\" i]')"

# Resolves once the page has settled: a frame has been drawn, no CSS transition is
# running (a colour-scheme switch fades colours for 0.15 s), and the DOM has not changed
# for `quiet` ms (late work: widget labels named 50 ms after the widgets render,
# labels typeset by MathJax). Gives up waiting after `limit` ms.
SETTLE_JS = r"""
async ({quiet, limit}) => {
  const t0 = performance.now();
  const frame = () => new Promise(r => requestAnimationFrame(() => r()));
  await frame(); await frame();
  let last = performance.now();
  const seen = new MutationObserver(() => { last = performance.now(); });
  seen.observe(document.documentElement,
               {childList: true, subtree: true, attributes: true, characterData: true});
  try {
    for (;;) {
      const now = performance.now();
      const moving = document.getAnimations()
        .filter(a => a instanceof CSSTransition && a.playState === 'running');
      if (now - t0 > limit) break;
      if (moving.length) {
        await Promise.race([Promise.all(moving.map(a => a.finished.catch(() => 0))),
                            new Promise(r => setTimeout(r, limit))]);
        continue;
      }
      if (now - last >= quiet) break;
      await new Promise(r => setTimeout(r, quiet - (now - last) + 1));
    }
  } finally { seen.disconnect(); }
  await frame();
}
"""

# The widget views of a page (the script tags the widget manager renders), and whether
# one has rendered: the manager puts its widget just before the script. Pasted into the
# scripts below and into tools/pdf.py's, where /* VIEWS */ stands.
VIEWS_JS = r"""
  const sel = 'script[type="application/vnd.jupyter.widget-view+json"]';
  const views = () => [...document.querySelectorAll(sel)];
  const rendered = s => {
    const prev = s.previousElementSibling;
    return !!(prev && prev.classList.contains('widget-subarea')
              && prev.querySelector('.jupyter-widgets, .lm-Widget'));
  };
"""

# Run in the page once it has loaded: wait for MathJax and the widget manager, then
# describe the page.
REPORT_JS = r"""
async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  /* VIEWS */
  const mj = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
  const t0 = performance.now();
  while (!mj() && performance.now() - t0 < 10000) {
    if (!document.querySelector('.math')) break;
    await sleep(20);
  }
  if (mj()) { await MathJax.startup.promise; }
  const t1 = performance.now();
  while (!views().every(rendered) && performance.now() - t1 < 20000) {
    await sleep(20);
  }
  // images the page inserts itself (widget frames) finish decoding
  const t2 = performance.now();
  const loading = () => [...document.images].some(i => !i.complete
                                                  && i.loading !== 'lazy');
  while (loading() && performance.now() - t2 < 5000) { await sleep(20); }
  await (SETTLE)({quiet: 120, limit: 3000});
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
""".replace("(SETTLE)", "(" + SETTLE_JS.strip() + ")").replace(
    "  /* VIEWS */\n", VIEWS_JS
)

# axe-core, run on the whole document once it is injected (``Browser.axe``).
AXE_JS = """
async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '),
                              html: n.html.slice(0, 160),
                              summary: (n.failureSummary || '').slice(0, 200)}))}));
}
"""


def find_chromium():
    """The path of Debian's chromium, or None."""
    return shutil.which("chromium")


class Browser:
    """One headless Chromium; `open` loads a page and reports on it.

    The page stays open (``self.page``) until the next `open`, for screenshots or
    interaction through Playwright's API; ``self.errors`` and ``self.requests`` keep
    collecting its console errors and blocked requests. The next `open` navigates the
    same browser tab to the new page (a new document, with the colour scheme and the
    viewport set again): a new context and tab for every page cost twice the time of a
    short page, most of it starting a renderer and compiling MathJax and the theme's
    scripts again. After an error the tab is closed, and the next `open` starts afresh.
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
        self.errors, self.requests, self._axe_css = [], [], set()

    def open(self, url, dark=False):
        """Load url (dark colour scheme if asked) and return its report.

        The report (see ``REPORT_JS``) gains ``errors`` (console errors, uncaught
        exceptions, failed local loads) and ``requests`` (blocked network requests).
        """
        scheme = "dark" if dark else "light"
        if self.page is None:
            self.context = self.browser.new_context(
                viewport={"width": self.width, "height": self.height},
                color_scheme=scheme,
            )
            self.context.set_default_timeout(self.timeout_ms)

            def route(r):
                self.requests.append(r.request.url)
                r.abort()

            self.context.route(NONLOCAL, route)
            page = self.page = self.context.new_page()
            # the lists of the page now open (`open` starts new ones for each page)
            page.on("console", lambda m: _console(m, self.errors, self._from_axe))
            page.on("pageerror", lambda e: self.errors.append(f"exception: {e}"))
            page.on(
                "requestfailed",
                lambda r: _failed(r, self.errors, self.requests, self._from_axe),
            )
        else:
            page = self.page
            page.goto("about:blank")  # the last page's document and its events end
            page.set_viewport_size({"width": self.width, "height": self.height})
            page.emulate_media(color_scheme=scheme)
        self.errors, self.requests, self._axe_css = [], [], set()
        try:
            page.goto(url, wait_until="load")
            return self._report_after_redirects(page)
        except BaseException:
            self._close_page()  # a tab in an unknown state is not used again
            raise

    def _report_after_redirects(self, page):
        for attempt in range(3):  # a redirect stub (index.html) navigates away under us
            try:
                if page.evaluate(REDIRECT_JS):
                    here = page.url
                    page.wait_for_url(lambda u, here=here: u != here)
                    page.wait_for_load_state("load")
                    continue
                return self.report()
            except PlaywrightError as err:
                if "context was destroyed" not in str(err) or attempt == 2:
                    raise
                page.wait_for_load_state("load")
        raise RuntimeError(f"{page.url}: still redirecting after 3 pages")

    def report(self):
        """The report of the open page as it is now (``REPORT_JS``), with the console
        errors and blocked requests seen since it was opened."""
        report = self.page.evaluate(REPORT_JS)
        self.page.evaluate("0")  # let pending console events arrive
        report["errors"] = list(self.errors)
        report["requests"] = list(self.requests)
        return report

    def settle(self, quiet=120, limit=3000):
        """Wait until the open page has drawn a frame, finished its CSS transitions
        and left its DOM alone for ``quiet`` ms (at most ``limit`` ms)."""
        self.page.evaluate(SETTLE_JS, {"quiet": quiet, "limit": limit})

    def color_scheme(self, dark):
        """Switch the open page to the dark (or light) colour scheme, as a reader's
        system setting would, and wait until it has settled in it."""
        want = "dark" if dark else "light"
        self.page.emulate_media(color_scheme=want)
        # The theme follows the media query through a `change` listener. If it never
        # does, the report's ``theme`` says so.
        with contextlib.suppress(PlaywrightError):
            self.page.wait_for_function(
                "want => document.documentElement.dataset.theme === want",
                arg=want,
                timeout=5000,
            )
        self.settle()

    def axe(self, script, tags):
        """axe-core's violations of the open page for the rule ``tags`` (injects the
        ``script`` axe.min.js once per page).

        axe reads the page's stylesheets again with XMLHttpRequest, which a file://
        page may not do: the console errors and failed loads that this causes for
        those stylesheets are axe's, not the page's, and are left out of ``errors``
        until the next `open` (some arrive after axe has returned)."""
        self._axe_css.update(
            self.page.evaluate(
                "[...document.styleSheets].map(s => s.href).filter(Boolean)"
            )
        )
        if not self.page.evaluate("!!window.axe"):
            self.page.add_script_tag(path=str(script))
        return self.page.evaluate(AXE_JS, tags)

    def _from_axe(self, text):
        """Whether a console error or failed load is axe's XMLHttpRequest for one of
        the page's stylesheets."""
        return ("XMLHttpRequest" in text or "net::ERR_FAILED" in text) and any(
            url in text for url in self._axe_css
        )

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
        self.settle(quiet=50)
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


@dataclass
class Step:
    """One check that needs a loaded page: ``run(browser, page, report)`` (``report``:
    the page's report at load) on every page for which ``applies(page)`` holds, with the
    page in the dark colour scheme if ``dark``. Steps run in increasing ``order`` on
    one load of the page."""

    name: str
    order: int
    run: Callable[["Browser", Path, dict], Any]
    applies: Callable[[Path], bool] = lambda page: True
    dark: bool = False


class Book:
    """Every page loaded once, every `Step` run on that load, the results kept.

    ``workers`` threads, each with its own headless Chromium, work through the pages
    given to `plan` (then any other page asked for), so two pages load at once on two
    cores. ``result(page, name)`` waits for the page and returns what step ``name``
    returned for it, or raises what it raised, so each test still fails on its own
    page and its own check. Use as a context manager (it stops the threads).
    """

    def __init__(self, steps, workers=2, **browser_args):
        self.steps = sorted(steps, key=lambda s: s.order)
        self._args = browser_args
        self._done, self._queued, self._todo = {}, set(), []
        self._fatal = None
        self._cond = threading.Condition()
        self._threads = [
            threading.Thread(target=self._work, name=f"book-{k}", daemon=True)
            for k in range(workers)
        ]
        for t in self._threads:
            t.start()

    def plan(self, pages):
        """Queue pages to load, in this order."""
        with self._cond:
            for page in pages:
                if page not in self._queued:
                    self._queued.add(page)
                    self._todo.append(page)
            self._cond.notify_all()

    def result(self, page, name):
        self.plan([page])
        with self._cond:
            while page not in self._done and self._fatal is None:
                self._cond.wait()
            if page not in self._done:
                raise self._fatal
        if name not in self._done[page]:
            raise KeyError(f"no step {name!r} ran on {page}")
        ok, value = self._done[page][name]
        if not ok:
            raise value
        return value

    def close(self):
        with self._cond:
            self._todo.append(None)  # each thread passes it on and stops
            self._cond.notify_all()
        for t in self._threads:
            t.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _work(self):
        try:
            chromium = Browser(**self._args)
        except Exception as err:
            with self._cond:
                self._fatal = err
                self._cond.notify_all()
            return
        try:
            while True:
                with self._cond:
                    while not self._todo:
                        self._cond.wait()
                    if self._todo[0] is None:
                        return
                    page = self._todo.pop(0)
                out = self._run(chromium, page)
                with self._cond:
                    self._done[page] = out
                    self._cond.notify_all()
        except Exception as err:  # the browser itself failed: no result will come
            with self._cond:
                self._fatal = err
                self._cond.notify_all()
        finally:
            with contextlib.suppress(Exception):
                chromium.close()

    def _run(self, b, page):
        steps = [s for s in self.steps if s.applies(page)]
        out = {}
        try:
            report = b.open(page.as_uri())
        except Exception as err:  # every step of the page fails with it
            b._close_page()
            return {"report": (False, err)} | {s.name: (False, err) for s in steps}
        out["report"] = (True, report)
        dark = failed = False
        try:
            for s in steps:
                try:
                    if s.dark != dark:
                        b.color_scheme(s.dark)
                        dark = s.dark
                    out[s.name] = (True, s.run(b, page, report))
                except Exception as err:
                    out[s.name] = (False, err)
                    failed = True
        except BaseException:
            b._close_page()
            raise
        if failed:  # the next page gets a new tab, not one a step left as it failed
            b._close_page()
        return out


def _console(message, errors, ignore=lambda text: False):
    if message.type in ("error", "assert"):
        loc = message.location or {}
        where = (
            f" ({loc['url']}:{loc.get('lineNumber', 0) + 1})" if loc.get("url") else ""
        )
        text = f"console.{message.type}: {message.text}{where}"
        if not ignore(text):
            errors.append(text)


def _failed(request, errors, blocked, ignore=lambda text: False):
    text = f"failed to load: {request.url} ({request.failure})"
    if request.url not in blocked and not ignore(text):
        errors.append(text)


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
