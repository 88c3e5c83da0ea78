"""The precomputed explorers move on the static page, in a real browser, from the
keyboard.

Every chapter page of the built book is opened from file:// in headless Chromium
(tools/browser.py: Debian's chromium, every non-file request blocked). For each explorer
(``.am-explorer``, built by ``assocmem.explorers.static``) the test reads what the page
embeds (the widget state: slider options, the Stack of frames), then for each slider
focuses its handle and presses End, Home and ArrowRight. After every key it checks that

- the slider readouts moved to the expected option,
- exactly one frame is visible, its ``data-params`` equal the readouts, and its image is
  the frame the page embeds for those slider positions (so a new ``src``),

with no console error and no network request. It also checks that the initial frame is
visible and that every embedded frame has alt text stating its parameter values.
Screenshots of each explorer before and after a slider moves go to
_build/screens/explorers/.

Needs a built book (`make book`) and Debian's chromium; run by `make browser`.
"""

import functools
import hashlib
import html
import json
import re

import pytest

from tools import browser, site

pytestmark = pytest.mark.integration

STATE_RE = re.compile(
    r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.S
)
IMG_RE = re.compile(r"<img\b[^>]*>", re.S)
ATTR_RE = re.compile(r'([\w-]+)="([^"]*)"')

# Read the explorers in the DOM: slider labels/readouts and the visible frames.
DOM_JS = r"""
() => [...document.querySelectorAll('.am-explorer')].map(ex => {
  const vis = el => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const sliders = [...ex.querySelectorAll('.widget-slider')].map(s => ({
    label: (s.querySelector('.widget-label') || {}).textContent || '',
    readout: ((s.querySelector('.widget-readout') || {}).textContent || '').trim(),
    handles: s.querySelectorAll('.noUi-handle').length,
  }));
  const frames = [...ex.querySelectorAll('img.am-frame')].filter(vis).map(f => ({
    params: f.dataset.params, src: f.getAttribute('src'), alt: f.alt,
    shown: f.complete && f.naturalWidth > 0,
  }));
  return {sliders, frames};
})
"""
# After a key press, in one round-trip: wait (at most `ms`) until explorer k shows what
# the sliders at `want` should show (readouts `want`, one visible decoded frame whose
# data-params are `want`), then return its state, whatever it is, for check_state.
SETTLED_JS = (
    r"""
async ([k, want, ms]) => {
  const read = """
    + DOM_JS.strip()
    + r""";
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const t0 = performance.now();
  for (;;) {
    const s = read()[k];
    const f = s.frames;
    const done = same(s.sliders.map(x => x.readout), want) && f.length === 1
      && f[0].shown && same((f[0].params || '').split(';').filter(Boolean)
                              .map(kv => kv.split('=').slice(1).join('=')), want);
    if (done || performance.now() - t0 > ms) return s;
    await new Promise(r => setTimeout(r, 10));
  }
}
"""
)


def _digest(src):
    return hashlib.sha1((src or "").encode()).hexdigest()[:12]


def _img(value):
    """The attributes of the one ``<img>`` in an HTML widget's value."""
    tags = IMG_RE.findall(value or "")
    if len(tags) != 1:
        return None
    return {k: html.unescape(v) for k, v in ATTR_RE.findall(tags[0])}


@functools.cache
def embedded_explorers(page):
    """The explorers a page embeds, read from its widget state: for each, the sliders
    (description, option labels, initial index) and ``frame(indices) -> img attrs``.
    """
    text = page.read_text(encoding="utf-8")
    models = {}
    for block in STATE_RE.findall(text):
        models.update(json.loads(block)["state"])

    def model(ref):
        return models[ref.removeprefix("IPY_MODEL_")]

    found = []
    for m in models.values():
        st = m["state"]
        if m["model_name"] != "VBoxModel" or "am-explorer" not in st.get(
            "_dom_classes", []
        ):
            continue
        kids = [model(c) for c in st["children"]]
        sliders = [
            {
                "description": k["state"].get("description", ""),
                "labels": k["state"]["_options_labels"],
                "index": k["state"].get("index", 0),
            }
            for k in kids
            if k["model_name"] == "SelectionSliderModel"
        ]
        stacks = [k for k in kids if k["model_name"] == "StackModel"]
        assert len(stacks) == 1, f"{page.name}: explorer without one Stack"

        def frame(idx, node=stacks[0]):
            for i in idx:
                node = model(node["state"]["children"][i])
            return _img(node["state"].get("value"))

        def leaves(node, depth):
            if depth == 0:
                return [_img(node["state"].get("value"))]
            return [
                leaf
                for c in node["state"]["children"]
                for leaf in leaves(model(c), depth - 1)
            ]

        found.append(
            {
                "sliders": sliders,
                "frame": frame,
                "frames": leaves(stacks[0], len(sliders)),
            }
        )
    return found


def _params(tag):
    return [kv.split("=", 1) for kv in (tag or "").split(";") if kv]


def check_state(dom, ex, idx, where):
    """Problems with one explorer's DOM state when its sliders sit at ``idx``."""
    bad = []
    want = [s["labels"][i] for s, i in zip(ex["sliders"], idx)]
    readouts = [s["readout"] for s in dom["sliders"]]
    if readouts != want:
        bad.append(f"{where}: slider readouts {readouts}, expected {want}")
    if len(dom["frames"]) != 1:
        bad.append(f"{where}: {len(dom['frames'])} frames visible, expected 1")
        return bad
    f = dom["frames"][0]
    values = [v for _, v in _params(f["params"])]
    if values != readouts:
        bad.append(
            f"{where}: visible frame data-params={f['params']!r}, readouts {readouts}"
        )
    expected = ex["frame"](idx)
    if _digest(f["src"]) != _digest(expected["src"]):
        bad.append(
            f"{where}: visible image is not the embedded frame for {want} "
            f"(data-params {expected.get('data-params')!r})"
        )
    if not f["shown"]:
        bad.append(f"{where}: visible frame image not decoded")
    return bad


def test_explorer_pages_found():
    """The chapters that call the explorer have explorers on their page."""
    site.require_build()
    sources = {
        p.stem
        for p in (site.ROOT / "book").glob("[0-9][0-9]_*.ipynb")
        if "explorers.static(" in p.read_text()
    }
    built = {p.stem: p for p in site.chapter_pages()}
    missing = [
        s for s in sorted(sources) if s in built and not embedded_explorers(built[s])
    ]
    assert not missing, f"chapters calling explorers.static without one: {missing}"


def _press(pw, k, ex, idx, j, key, target):
    """Press key on slider j of explorer k, which should then sit at target (idx is
    updated); explorer k's state once it shows that, or after 3 s."""
    pw.keyboard.press(key)
    idx[j] = target
    want = [s["labels"][i] for s, i in zip(ex["sliders"], idx)]
    return pw.evaluate(SETTLED_JS, [k, want, 3000])


def explore(chromium, page, report):
    """Move every slider of every explorer on the open page from the keyboard; the
    list of problems seen."""
    explorers = embedded_explorers(page)
    name = site.page_id(page)
    pw = chromium.page
    problems = []
    doms = pw.evaluate(DOM_JS)
    assert len(doms) == len(explorers), (
        f"{name}: {len(explorers)} explorers embedded, {len(doms)} rendered"
    )
    shots = site.SCREENS / "explorers"
    shots.mkdir(parents=True, exist_ok=True)
    stem = name.removesuffix(".html").replace("/", "__")
    for k, ex in enumerate(explorers):
        where = f"{name} explorer {k + 1}"
        # every frame: non-empty alt text that states its parameter values
        for f in ex["frames"]:
            if f is None:
                problems.append(f"{where}: a frame is not one <img>")
                continue
            alt = (f.get("alt") or "").strip()
            missing = [v for _, v in _params(f.get("data-params")) if v not in alt]
            if not alt or missing:
                problems.append(
                    f"{where}: frame {f.get('data-params')!r} alt text {alt!r} does "
                    f"not state {missing or 'anything'}"
                )
        alts = [f.get("alt") for f in ex["frames"] if f]
        if len(set(alts)) != len(alts):
            problems.append(f"{where}: frames share alt text")
        dom = doms[k]
        labels = [s["label"].strip() for s in dom["sliders"]]
        if labels != [s["description"] for s in ex["sliders"]]:
            problems.append(f"{where}: slider labels {labels}")
        idx = [s["index"] for s in ex["sliders"]]
        problems += check_state(dom, ex, idx, f"{where} (initial)")
        box = pw.locator(".am-explorer").nth(k)
        box.scroll_into_view_if_needed()
        box.screenshot(path=shots / f"{stem}-{k + 1}-before.png")

        for j, s in enumerate(ex["sliders"]):
            handle = box.locator(".widget-slider").nth(j).locator(".noUi-handle")
            handle.focus()
            n = len(s["labels"])
            for key, target in (("End", n - 1), ("Home", 0), ("ArrowRight", 1)):
                before = dom["frames"]
                moved = idx[j] != target
                dom = _press(pw, k, ex, idx, j, key, target)
                at = f"{where}, slider {s['description']!r} after {key}"
                problems += check_state(dom, ex, idx, at)
                same = (
                    before
                    and dom["frames"]
                    and before[0]["src"] == dom["frames"][0]["src"]
                )
                if moved and same:
                    problems.append(f"{at}: the visible image did not change")
            if j == 0:  # the "after" shot: slider 1 away from its initial value
                if s["index"] == 1:
                    key, target = ("End", n - 1) if n > 2 else ("Home", 0)
                    dom = _press(pw, k, ex, idx, j, key, target)
                chromium.settle(quiet=50)
                box.screenshot(path=shots / f"{stem}-{k + 1}-after.png")
    problems += [f"{name}: console: {e}" for e in chromium.errors]
    problems += [f"{name}: network request: {u}" for u in chromium.requests]
    return problems


# Run on the one load of each chapter page with an explorer (tests/conftest.py), in
# the light colour scheme, after every other check of the page (it moves the sliders).
BROWSER_STEPS = [
    browser.Step(
        "explorers",
        60,
        explore,
        applies=lambda page: bool(
            site.CHAPTER.match(page.name) and embedded_explorers(page)
        ),
    )
]


@pytest.mark.parametrize("page", site.chapter_pages(), ids=site.page_id)
def test_explorers_move_from_the_keyboard(book, page):
    if not embedded_explorers(page):
        pytest.skip(f"{site.page_id(page)} has no explorer")
    problems = book.result(page, "explorers")
    assert not problems, "\n".join(problems)
