"""Explorable figures: one drawing function, moved two ways.

A chapter writes one function ``draw(**params) -> matplotlib Figure`` and hands it to
both explorers:

- :func:`static` renders ``draw`` for every point of a small grid when the chapter
  executes, puts the frames in an ``ipywidgets.Stack`` and ties each slider to it with
  ``widgets.jslink``. The link runs in the browser, so the sliders move on the static
  HTML page with no kernel (Binder, Colab and a local kernel show it too).
- :func:`live` redraws ``draw`` through a running kernel, with every slider and the full
  ranges.

Both explorers draw with the same function and turn its figure into a PNG with the same
:func:`render_png`, so a precomputed frame is exactly the image the live explorer shows
for the same values (give both the same ``dpi`` and ``tight``). Each frame is an
``<img>`` with alt text that states its parameters, and carries them in a
``data-params`` attribute (``"d=16;N=100"``) that the browser test compares with the
slider readouts.

A :class:`Canvas` (:mod:`assocmem.canvas`) lets ``draw`` reuse one figure: its axes,
with their ticks, spines and labels, are made once and only cleared of what the last
frame drew, which saves about a quarter of a live redraw. :func:`static` draws its first
frame again after all the others and requires the same image, so a ``draw`` whose
picture depends on what it drew before fails when the chapter executes.

:func:`live` also moves the objects the kernel holds when it starts (a chapter's about
300,000) out of the garbage collector's full collections (``gc.freeze``): one such
collection scanned them all for 0.15 s, and when it fell inside a redraw that frame
took 0.25 s instead of 0.1 s.
"""

import base64
import gc
import html
import itertools

import ipywidgets as widgets
from IPython.display import Image, display

from .canvas import Canvas, _check_render, _png, render_png

__all__ = ["Canvas", "grid_points", "live", "render_png", "static"]

STATIC_NOTE = (
    "<b>Precomputed explorer.</b> {n} frames were drawn when this page was built; the "
    "sliders move on the page with no kernel. Run the notebook (Binder, Colab or "
    "locally) for the live explorer with every slider."
)
LIVE_NOTE = (
    "<b>Live explorer.</b> Redrawn by the running kernel: it moves only in a running "
    "notebook (Binder, Colab or locally)."
)


def _label(value):
    """Slider readout of a grid value: short and stable (16, 0.5, 1e-03)."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _tag(params):
    """The ``data-params`` of a frame: ``"d=16;N=100"``."""
    return ";".join(f"{k}={_label(v)}" for k, v in params.items())


def _check_grid(grid, initial):
    if not isinstance(grid, dict):
        raise TypeError(
            f"grid must be a dict name -> list of values, got {type(grid).__name__}"
        )
    if not 1 <= len(grid) <= 2:
        raise ValueError(
            f"grid must scrub 1 or 2 parameters, got {len(grid)}: {list(grid)}"
        )
    for name, values in grid.items():
        if not isinstance(values, (list, tuple)) or len(values) < 2:
            raise ValueError(
                f"grid[{name!r}] must be a list of at least 2 values, got {values!r}"
            )
        labels = [_label(v) for v in values]
        if len(set(labels)) != len(labels):
            raise ValueError(
                f"grid[{name!r}] has values with the same readout: {labels}"
            )
    initial = dict(initial or {})
    for name, value in initial.items():
        if name not in grid:
            raise ValueError(
                f"initial names {name!r}, which is not in grid {list(grid)}"
            )
        if value not in grid[name]:
            raise ValueError(
                f"initial[{name!r}] = {value!r} is not one of grid[{name!r}]"
            )
    return {name: initial.get(name, values[0]) for name, values in grid.items()}


def _frame(draw, params, alt, dpi, tight):
    """The frame widget and its PNG."""
    png = render_png(draw(**params), dpi=dpi, tight=tight)
    tag = _tag(params)
    text = alt.format(**params) if alt else f"Figure for {tag.replace(';', ', ')}"
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    img = widgets.HTML(
        f'<img class="am-frame" data-params="{html.escape(tag)}" '
        f'alt="{html.escape(text)}" src="{src}" style="max-width:100%">'
    )
    return img, png


def static(draw, grid, initial=None, alt=None, labels=None, dpi=80, tight=True):
    """A kernel-free explorer: every frame of ``grid`` precomputed, sliders linked in
    the browser.

    Parameters
    ----------
    draw : callable
        ``draw(**params)`` returns a matplotlib Figure (it must not call ``plt.show``).
    grid : dict
        One or two parameter names, each mapped to its list of values (2 to about 10
        each).
    initial : dict, optional
        Starting value of some parameters (default: the first value of each list).
    alt : str, optional
        Alt text of a frame, formatted with the frame's parameters, e.g. ``"Loss for d =
        {d}"``.
    labels : dict, optional
        Slider label per parameter (default: the parameter's name).
    dpi : int
        Resolution of the frames (80 keeps a frame near 25 kB).
    tight : bool
        Crop each frame to what is drawn (see :func:`render_png`).

    Returns
    -------
    ipywidgets.VBox
        A note saying which explorer this is, the sliders, and the frames.
    """
    if not callable(draw):
        raise TypeError(
            f"draw must be a function returning a Figure, got {type(draw).__name__}"
        )
    _check_render(dpi, tight)
    start = _check_grid(grid, initial)
    names = list(grid)
    labels = dict(labels or {})
    sliders = []
    for name in names:
        options = [(_label(v), k) for k, v in enumerate(grid[name])]
        sliders.append(
            widgets.SelectionSlider(
                options=options,
                index=list(grid[name]).index(start[name]),
                description=labels.get(name, name),
                continuous_update=True,
                style={"description_width": "initial"},
            )
        )
    index0 = [list(grid[n]).index(start[n]) for n in names]
    points = grid_points(grid)  # frame order: the last parameter varies fastest
    frames, pngs = zip(*(_frame(draw, p, alt, dpi, tight) for p in points))
    again = render_png(draw(**points[0]), dpi=dpi, tight=tight)
    if again != pngs[0]:
        raise RuntimeError(
            f"draw(**{points[0]!r}) drew a different image after the other frames: "
            "what it draws depends on the frame before (with a Canvas: set every "
            "axis property, such as scale, limits and ticks, in every frame)"
        )
    if len(names) == 1:
        stack = widgets.Stack(list(frames), selected_index=index0[0])
        widgets.jslink((sliders[0], "index"), (stack, "selected_index"))
    else:
        k = len(grid[names[1]])
        inner = [
            widgets.Stack(list(frames[i : i + k]), selected_index=index0[1])
            for i in range(0, len(frames), k)
        ]
        stack = widgets.Stack(inner, selected_index=index0[0])
        widgets.jslink((sliders[0], "index"), (stack, "selected_index"))
        for child in inner:
            widgets.jslink((sliders[1], "index"), (child, "selected_index"))
    n_frames = len(frames)
    note = widgets.HTML(STATIC_NOTE.format(n=n_frames))
    box = widgets.VBox([note, *sliders, stack])
    box.add_class("am-explorer")
    return box


def live(draw, dpi=None, tight=True, **controls):
    """A kernel explorer: ``draw`` is called again whenever a control moves.

    The figure is shown as the PNG that :func:`render_png` makes of it, so with the
    ``dpi`` and ``tight`` given to :func:`static` the live image of a grid point is the
    precomputed frame.

    Parameters
    ----------
    draw : callable
        The same drawing function as for :func:`static`.
    dpi : int, optional
        Resolution, as for :func:`static` (default: the figure's own, as the notebook's
        inline display uses).
    tight : bool
        Crop to what is drawn, as for :func:`static`.
    **controls : ipywidgets widgets
        One widget per parameter of ``draw`` (sliders, dropdowns), keyed by the
        parameter's name.

    Returns
    -------
    ipywidgets.VBox
        A note saying which explorer this is, the controls, and the figure.

    Notes
    -----
    Collects the garbage, then freezes every object alive (``gc.freeze``): they stay
    where they are, but the collector's full collections, which come after some tens of
    thousands of allocations and would scan them all, leave them out. Cyclic garbage
    made of frozen objects is freed only after ``gc.unfreeze()``.
    """
    if not callable(draw):
        raise TypeError(
            f"draw must be a function returning a Figure, got {type(draw).__name__}"
        )
    for name, control in controls.items():
        if not isinstance(control, widgets.ValueWidget):
            raise TypeError(
                f"control {name!r} must be an ipywidgets control, got {control!r}"
            )

    _check_render(80 if dpi is None else dpi, tight)
    gc.collect()
    gc.freeze()  # full collections during a redraw scan only what is new

    def show(**params):
        fig = draw(**params)
        png = _png(fig, round(fig.dpi) if dpi is None else dpi, tight, level=1)
        display(Image(data=png))  # level 1: the fastest zlib level, same pixels

    out = widgets.interactive_output(show, controls)
    box = widgets.VBox([widgets.HTML(LIVE_NOTE), *controls.values(), out])
    box.add_class("am-explorer-live")
    return box


def grid_points(grid):
    """Every parameter combination of a grid, as dicts, in frame order.

    Parameters
    ----------
    grid : dict
        Parameter names mapped to lists of values, as for :func:`static`.

    Returns
    -------
    list of dict
    """
    if not isinstance(grid, dict):
        raise TypeError(
            f"grid must be a dict name -> list of values, got {type(grid).__name__}"
        )
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*grid.values())]
