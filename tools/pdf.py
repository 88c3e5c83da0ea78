"""Print pages of the built book to PDF with Debian's chromium (Playwright page.pdf).

Each page is opened from file:// with the network blocked (as in tools/browser.py),
and printed once MathJax has typeset it (its startup promise), every widget view has
rendered and the fonts have loaded, so math is typeset and a precomputed explorer shows
its initial frame. Extra print CSS wraps long code lines instead of cutting them off,
hides the navigation and the download line, and keeps figures whole on a page.

`print_pages` prints many pages with one chromium, two at a time. The load of a
chapter page also gives its statistics (tools/page_stats.py), so each page is loaded
once; such a load runs alone in the browser, as a measurement must, and the prints run
two together. `join` makes the book PDF from the page PDFs, with one bookmark per page.

    python -m tools.pdf OUT.pdf PAGE.html [PAGE.html ...]   (one PDF per page, joined)
"""

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from playwright.async_api import async_playwright

from tools import browser, page_stats

WORKERS = 2  # pages in the browser at once
TIMEOUT_MS = 120_000

PRINT_CSS = """
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  html, body { font-size: 10.5pt; }
  .bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary,
  .prev-next-area, .bd-footer, .bd-footer-article, .bd-footer-content,
  footer, .am-downloads, .headerlink, .skip-link, #pst-back-to-top {
    display: none !important; }
  .bd-main, .bd-content, .bd-article-container, .bd-article, .bd-page-width {
    max-width: 100% !important; width: 100% !important; margin: 0 !important;
    padding: 0 !important; flex: 1 1 100% !important; }
  pre, pre code, .highlight pre, div.output pre {
    white-space: pre-wrap !important; overflow-wrap: anywhere !important;
    word-break: break-word !important; overflow: visible !important;
    max-height: none !important; font-size: 8pt !important; }
  .cell_output, .cell_input, .output, .widget-subarea { overflow: visible !important; }
  img, figure, .am-explorer, mjx-container[display="true"] { break-inside: avoid; }
  img { max-width: 100% !important; height: auto !important; }
  .am-explorer .jupyter-widgets { max-width: 100% !important; }
}
"""

# Run in the page once it has loaded: wait until MathJax has typeset the page, every
# widget view has rendered and the fonts have loaded (each on its own promise or on
# animation frames, never on a fixed sleep); then report what print must not miss.
READY_JS = r"""
async (timeoutMs) => {
  const end = performance.now() + timeoutMs;
  const frame = () => new Promise(r => requestAnimationFrame(r));
  /* VIEWS */
  const mathjax = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
  const math = [...document.querySelectorAll('.math')];
  while (math.length && !mathjax() && performance.now() < end) await frame();
  if (mathjax()) await MathJax.startup.promise;
  while (!views().every(rendered) && performance.now() < end) await frame();
  await document.fonts.ready;
  return {
    title: document.title,
    untypeset: math.filter(m => !m.querySelector('mjx-container'))
                   .map(m => m.textContent.trim().slice(0, 80)),
    views: views().length,
    views_rendered: views().filter(rendered).length,
  };
}
""".replace("  /* VIEWS */\n", browser.VIEWS_JS)

# After the print CSS: code wider than the printed column would be cut off at the edge.
WIDE_JS = (
    "() => [...document.querySelectorAll('pre')]"
    ".filter(p => p.checkVisibility() && p.scrollWidth > p.clientWidth + 1)"
    ".map(p => (p.textContent.trim().split('\\n')[0] || '').slice(0, 60))"
)


async def _settled(pending, timeout_ms):
    """Wait until no request of the page is in flight (late fonts and icons)."""
    for _ in range(timeout_ms // 20):
        if not pending:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"requests still loading: {sorted(pending)[:3]}")


class Gate:
    """Lets a measured page load alone: `alone` waits until nothing else runs in the
    browser and keeps everything else out; `shared` (prints, unmeasured loads) runs
    alongside other shared work. A page waiting to load alone goes before new shared
    work, so two pages load in turn and then print together."""

    def __init__(self):
        self._cond = asyncio.Condition()
        self._shared = self._waiting = 0
        self._alone = False

    @contextlib.asynccontextmanager
    async def alone(self):
        async with self._cond:
            self._waiting += 1
            await self._cond.wait_for(lambda: not self._alone and not self._shared)
            self._waiting -= 1
            self._alone = True
        try:
            yield
        finally:
            async with self._cond:
                self._alone = False
                self._cond.notify_all()

    @contextlib.asynccontextmanager
    async def shared(self):
        async with self._cond:
            await self._cond.wait_for(lambda: not self._alone and not self._waiting)
            self._shared += 1
        try:
            yield
        finally:
            async with self._cond:
                self._shared -= 1
                self._cond.notify_all()


async def print_page(chromium, page, out, stats=False, gate=None):
    """Load one built page in a fresh context, check it and print it to ``out``.

    Returns the page's report: ``title``, ``problems`` (console errors, blocked
    requests, untypeset math, unrendered widgets, code cut off in print) and, if
    ``stats``, ``stats`` (tools/page_stats.py, measured on this load). Through the
    `Gate` (shared by the pages printed together), a measured page loads alone:
    nothing else runs in the browser from its context's creation until it has
    settled, so its timings are those of a page opened by itself, not slowed down by
    another page's print.
    """
    page = Path(page).resolve()
    gate = gate or Gate()
    errors, blocked, loaded, pending = [], [], set(), set()

    async def route(r):
        if r.request.url.startswith(browser.LOCAL):
            await r.continue_()
        else:
            blocked.append(r.request.url)
            await r.abort()

    def started(r):
        loaded.add(r.url)
        pending.add(r.url)

    context = None
    try:
        async with gate.alone() if stats else gate.shared():
            context = await chromium.new_context(
                viewport={"width": browser.WIDTH, "height": browser.HEIGHT}
            )
            context.set_default_timeout(TIMEOUT_MS)
            await context.route("**/*", route)
            if stats:
                await context.add_init_script(page_stats.TIMING_JS)
            pw = await context.new_page()
            pw.on("console", lambda m: browser._console(m, errors))
            pw.on("pageerror", lambda e: errors.append(f"exception: {e}"))
            pw.on("request", started)
            pw.on("requestfinished", lambda r: pending.discard(r.url))
            pw.on("requestfailed", lambda r: pending.discard(r.url))
            pw.on("requestfailed", lambda r: browser._failed(r, errors, blocked))
            await pw.goto(page.as_uri(), wait_until="load")
            report = await pw.evaluate(READY_JS, TIMEOUT_MS)
            timing = stats and await page_stats.wait(pw, page, TIMEOUT_MS)
            await _settled(pending, TIMEOUT_MS)
            if stats:
                report["stats"] = page_stats.measure(page, timing, loaded, blocked)
        async with gate.shared():
            await pw.add_style_tag(content=PRINT_CSS)
            await pw.emulate_media(media="print")
            wide = await pw.evaluate(WIDE_JS)
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            await pw.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                prefer_css_page_size=True,
                outline=True,
                tagged=True,
            )
            await pw.evaluate("0")  # let pending console events arrive
            await context.close()
            context = None
    finally:
        if context is not None:
            await context.close()
    problems = errors + [f"request: {u}" for u in blocked]
    problems += [f"math not typeset: {t}" for t in report["untypeset"]]
    if report["views"] != report["views_rendered"]:
        problems.append(
            f"{report['views'] - report['views_rendered']} widget views not rendered"
        )
    problems += [f"code cut off in print: {line}" for line in wide]
    report["problems"] = problems
    return report


async def _print_all(jobs, workers):
    exe = browser.find_chromium()
    if exe is None:
        raise FileNotFoundError("chromium not found (Debian: apt-get install chromium)")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=exe, args=browser.FLAGS, headless=True
        )
        slots, gate = asyncio.Semaphore(workers), Gate()

        async def one(page, out, stats):
            async with slots:
                return await print_page(chromium, page, out, stats, gate)

        try:
            return await asyncio.gather(*(one(*job) for job in jobs))
        finally:
            await chromium.close()


def print_pages(jobs, workers=WORKERS):
    """Print ``[(page, out, stats)]`` with one chromium, ``workers`` pages at a time
    (see `print_page`); returns their reports, in the order of ``jobs``."""
    jobs = [(Path(p), Path(o), bool(s)) for p, o, s in jobs]
    # The largest pages first, so that the last ones to finish are short; the
    # unmeasured pages last: they need not load alone, so they print with the last
    # chapters.
    order = sorted(range(len(jobs)), key=lambda k: -jobs[k][0].stat().st_size)
    order = [k for k in order if jobs[k][2]] + [k for k in order if not jobs[k][2]]
    reports = asyncio.run(_print_all([jobs[k] for k in order], workers))
    out = [None] * len(jobs)
    for k, report in zip(order, reports):
        out[k] = report
    return out


def join(parts, out):
    """Concatenate PDFs ``[(title, path)]`` into ``out`` with one bookmark each;
    returns the number of pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for title, path in parts:
        start = len(writer.pages)
        writer.append(str(path), import_outline=False)
        writer.add_outline_item(title=title, page_number=start)
    with open(out, "wb") as fh:
        writer.write(fh)
    return len(writer.pages)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("pages", type=Path, nargs="+")
    args = parser.parse_args(argv)
    outs = [args.out.with_name(f"{page.stem}.pdf") for page in args.pages]
    reports = print_pages([(p, o, False) for p, o in zip(args.pages, outs)])
    for page, report in zip(args.pages, reports):
        for p in report["problems"]:
            print(f"{page}: {p}", file=sys.stderr)
    if len(outs) > 1:
        parts = [(r["title"], o) for r, o in zip(reports, outs)]
        print(f"{args.out}: {join(parts, args.out)} pages")


if __name__ == "__main__":
    main()
