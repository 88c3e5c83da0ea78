"""Page weight and time to the first figure of every chapter page, measured in Chromium.

For each chapter page of the built book, opened from file:// in headless Chromium with
the network blocked, on the load that prints it (tools/pdf.py):

- **weight**: the bytes of the HTML plus every file the page makes the browser load
  (scripts, stylesheets, fonts, images), each file counted once, split into the page's
  own (the HTML and its images) and the shared files under ``_static/`` (theme, MathJax,
  widget manager) and the search index; the precomputed explorer frames are inside the
  HTML (data: URIs), so they are part of the page's own bytes;
- **compressed**: the same files as a web server that compresses text would send them
  (each file through zlib at level 6, as gzip's default; images and fonts are already
  compressed and shrink little);
- **explorer frames**: the number of ``img.am-frame`` frames in the page's widget state,
  and their bytes;
- **first figure**: milliseconds from navigation start until the first figure (an image
  in a cell output or an explorer frame) is decoded and laid out on the page;
- **explorers ready**: milliseconds until every explorer shows a frame.

`write` stores the numbers as JSON; `fill` puts them as a table into the built
execution-statistics page, replacing the placeholder ``<div id="am-page-stats">``
(a missing placeholder is an error, so the page cannot silently lose its table).
"""

import functools
import html
import json
import re
import zlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

STATE_RE = re.compile(
    r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.S
)
PLACEHOLDER = re.compile(r'<div id="am-page-stats"[^>]*>.*?</div>', re.S)

# Installed before any page script: records when the first figure and every explorer
# frame are on screen (performance.now() is milliseconds since navigation start).
TIMING_JS = r"""
(() => {
  window.__am = {first: null, explorers: null};
  const shown = i => i.complete && i.naturalWidth > 0
                     && i.getBoundingClientRect().width > 0;
  const poll = () => {
    if (window.__am.first === null && [...document.querySelectorAll(
        '.cell_output img, img.am-frame')].some(shown)) {
      window.__am.first = performance.now();
    }
    const ex = [...document.querySelectorAll('.am-explorer')];
    const want = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-state+json"]').length;
    if (window.__am.explorers === null && ex.length && ex.every(
        e => [...e.querySelectorAll('img.am-frame')].some(shown))) {
      window.__am.explorers = performance.now();
    }
    if (window.__am.first === null || (want && window.__am.explorers === null)) {
      requestAnimationFrame(poll);
    }
  };
  requestAnimationFrame(poll);
})();
"""


def explorer_frames(text):
    """(number, bytes) of the explorer frames in a page's widget state."""
    n = size = 0
    for block in STATE_RE.findall(text):
        for m in json.loads(block)["state"].values():
            value = m["state"].get("value")
            if m["model_name"] == "HTMLModel" and 'class="am-frame"' in str(value):
                n += 1
                size += len(value.encode())
    return n, size


async def wait(pw, page, timeout_ms):
    """Wait in the Playwright page ``pw`` (async API), opened with `TIMING_JS` as an
    init script, until the first figure and every explorer are shown; returns the
    timings (``window.__am``)."""
    n, _ = explorer_frames(Path(page).read_text(encoding="utf-8"))
    await pw.wait_for_function(
        "(n) => window.__am.first !== null && (!n || window.__am.explorers !== null)",
        arg=n,
        timeout=timeout_ms,
    )
    return await pw.evaluate("window.__am")


def measure(page, timing, loaded, blocked):
    """The statistics of one built page (a dict), from one load of it: ``timing``
    from `wait`, ``loaded`` the URLs it requested (taken once the page has settled:
    math typeset, widgets rendered, fonts loaded, no request in flight, so every file
    the page loads is counted), ``blocked`` the requests that would have left the
    machine."""
    page = Path(page).resolve()
    n, frame_bytes = explorer_frames(page.read_text(encoding="utf-8"))
    files = set()
    for url in loaded:
        parts = urlsplit(url)
        if parts.scheme == "file":
            files.add(Path(unquote(parts.path)))
    files.add(page)
    sizes = {f: f.stat().st_size for f in files if f.is_file()}
    root = page.parent.parent
    own, shared = _split(sizes, root)
    packed = {f: _compressed(f, f.stat().st_mtime_ns) for f in sizes}
    own_packed, shared_packed = _split(packed, root)
    return {
        "page": page.name,
        "html_bytes": page.stat().st_size,
        "own_bytes": own,
        "shared_bytes": shared,
        "weight_bytes": own + shared,
        "own_compressed_bytes": own_packed,
        "weight_compressed_bytes": own_packed + shared_packed,
        "files": len(files),
        "explorer_frames": n,
        "explorer_frame_bytes": frame_bytes,
        "first_figure_ms": round(timing["first"]),
        "explorers_ready_ms": (
            None if timing["explorers"] is None else round(timing["explorers"])
        ),
        "blocked_requests": list(blocked),
    }


def _split(sizes, root):
    """(the page's own bytes, the shared files' bytes) of ``{path: bytes}``."""
    shared = sum(n for f, n in sizes.items() if _shared(f, root))
    return sum(sizes.values()) - shared, shared


@functools.cache
def _compressed(path, mtime_ns):
    """Bytes of ``path`` through zlib at level 6 (cached per file and version: the
    shared files are the same for every page)."""
    return len(zlib.compress(Path(path).read_bytes(), 6))


def _shared(path, root):
    """Whether a loaded file is shared by every page (theme, MathJax, widget manager,
    search index) rather than the page's own (its HTML and its images)."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        return False
    return rel.parts[0] == "_static" or rel.name == "searchindex.js"


def _name(stat):
    """A chapter's name in the table: ``04 interference``."""
    return stat["page"].removesuffix(".html").replace("_", " ")


def _mb(n):
    return f"{n / 1e6:.2f} MB"


def table(stats, budget_bytes):
    """The statistics as an HTML table (rows in the order of ``stats``)."""
    head = [
        "Chapter",
        "Page, MB (compressed)",
        "Explorer frames (MB)",
        "Shared, MB",
        "First visit, MB (compressed)",
        "First figure, s",
        "Explorers shown, s",
    ]
    rows = []
    for s in stats:
        ready = s["explorers_ready_ms"]
        cells = [
            f'<a href="{html.escape(s["page"])}">{html.escape(_name(s))}</a>',
            f"{s['own_bytes'] / 1e6:.2f} ({s['own_compressed_bytes'] / 1e6:.2f})",
            f"{s['explorer_frames']} ({s['explorer_frame_bytes'] / 1e6:.2f})",
            f"{s['shared_bytes'] / 1e6:.2f}",
            f"{s['weight_bytes'] / 1e6:.2f} ({s['weight_compressed_bytes'] / 1e6:.2f})",
            f"{s['first_figure_ms'] / 1000:.2f}",
            "n/a" if ready is None else f"{ready / 1000:.2f}",
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    over = [s["page"] for s in stats if s["own_bytes"] > budget_bytes]
    note = (
        f"Every chapter page (HTML and its images) is within the budget of "
        f"{_mb(budget_bytes)}."
        if not over
        else f"Over the budget of {_mb(budget_bytes)}: {', '.join(over)}."
    )
    heavy = [_name(s) for s in stats if s["weight_compressed_bytes"] > budget_bytes]
    first = (
        f"A first visit (the page and the shared files) is over {_mb(budget_bytes)} "
        f"even compressed on: {', '.join(heavy)}."
        if heavy
        else f"Compressed, every first visit is within {_mb(budget_bytes)} too."
    )
    note = (
        "Page: the HTML and its images (the explorer frames are in the HTML). "
        + note
        + " The shared files (theme scripts and icon fonts, MathJax, the widget "
        "manager, the search index) are the same for every page and loaded once. "
        "Compressed: what a web server that compresses text sends (zlib level 6 per "
        "file); opened from the disk or a server that does not compress, the "
        "uncompressed figures apply. " + first
    )
    return (
        '<div id="am-page-stats">'
        '<table class="table" style="font-size: 0.85em"><thead><tr>'
        + "".join(f"<th>{h}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody></table><p>{html.escape(note)}</p></div>"
    )


def write(stats, path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(stats, indent=1) + "\n")


def fill(stats_page, stats, budget_bytes):
    """Replace the placeholder of the built execution-statistics page with the table."""
    text = Path(stats_page).read_text(encoding="utf-8")
    if not PLACEHOLDER.search(text):
        raise RuntimeError(f'{stats_page}: no <div id="am-page-stats"> placeholder')
    new = PLACEHOLDER.sub(lambda m: table(stats, budget_bytes), text, count=1)
    Path(stats_page).write_text(new, encoding="utf-8")
