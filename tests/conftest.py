import os

import pytest
import torch

import assocmem as am
from tools import site

torch.set_num_threads(1)


@pytest.fixture
def random_task():
    """A small generic task: correlated random embeddings, non-uniform p, M = 3
    outputs.
    """
    E = am.random_embeddings(5, 4, seed=1)
    U = am.random_embeddings(3, 4, seed=2)
    return am.Task(E=E, U=U, p=am.zipf(5, 1.0), targets=[0, 1, 2, 0, 1])


@pytest.fixture
def spike_task():
    """The two-token task of the paper's Figs. 1-2: alpha = 0.95, p1 = 0.75, U = I,
    f*(x) = x.
    """
    return am.two_token_task(0.95, 0.75)


# The browser tests (test_browser, test_a11y, test_explorers) load each page once: every
# test module lists the checks it needs a loaded page for in BROWSER_STEPS, and `book`
# runs those of the collected modules on each page, in order, in two headless Chromiums
# side by side (tools/browser.py: `Book`), chapters first (they take longest).


def _browser_plan(items):
    """The browser steps of the collected modules, and the pages their tests ask for."""
    modules, pages = {}, {}
    for item in items:
        module = getattr(item, "module", None)
        if not hasattr(module, "BROWSER_STEPS"):
            continue
        modules[id(module)] = module
        callspec = getattr(item, "callspec", None)
        if callspec and "page" in callspec.params:
            pages.setdefault(callspec.params["page"], None)
    steps = [s for m in modules.values() for s in m.BROWSER_STEPS]
    order = sorted(pages, key=lambda p: not site.CHAPTER.match(p.name))
    return steps, order


@pytest.fixture(scope="session")
def book(request):
    """``book.result(page, step)``: the page's load report (step ``"report"``) or
    what a step of BROWSER_STEPS found on it."""
    from tools import browser

    site.require_build()
    if browser.find_chromium() is None:
        message = "chromium is not installed (apt-get install -y chromium)"
        (pytest.fail if os.environ.get("ASSOCMEM_REQUIRE_BUILD") else pytest.skip)(
            message
        )
    steps, pages = _browser_plan(request.session.items)
    with browser.Book(steps, workers=2, width=1280) as book:
        book.plan(pages)
        yield book
