"""A reused explorer figure draws what a new one draws, static catches a draw whose
image depends on the frame before, live shows the precomputed frame at every grid point
and keeps full collections out of redraws."""

import base64
import gc
import io

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from assocmem import explorers  # noqa: E402
from assocmem.canvas import Canvas, render_png  # noqa: E402


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def _paint(fig, axes, k):
    """A frame with a bit of everything a chapter's draw makes, varying with k."""
    ax0, ax1 = axes
    x = np.linspace(0, 1, 20)
    ax0.plot(x, np.sin((k + 1) * x), label=f"k = {k}")
    ax0.fill_between(x, 0, x**k, alpha=0.3)
    ax0.axhline(0.5 * k, color="k")
    ax0.annotate(f"note {k}", (0.2, 0.2))
    ax0.legend(loc="upper right")
    ax0.set_title(f"frame {k}")
    ax0.set_xlabel("x")
    if k % 2:  # only some frames: the canvas must not keep them for the others
        ax1.bar([0, 1, 2], [k, 1, 2])
        ax1.set_ylabel("odd frames only")
        fig.text(0.01, 0.01, "odd")
        fig.legend(*ax0.get_legend_handles_labels(), loc="lower right")
        fig.colorbar(ax1.imshow(np.eye(3) * k), ax=ax1)
    fig.suptitle(f"k = {k}" if k < 3 else "")
    ax1.set_xlim(-1, 3)  # set in every frame; turns autoscaling off for x


def _draw_fresh(k):
    fig, axes = plt.subplots(1, 2, figsize=(6, 2.5), dpi=60)
    _paint(fig, axes, k)
    return fig


def _draw_reusing(canvas):
    """A draw(k) that paints frame k into the canvas's one figure."""

    def draw(k):
        fig, axes = canvas.clear()
        _paint(fig, axes, k)
        return fig

    return draw


def test_a_reused_canvas_draws_the_pixels_of_a_new_figure():
    draw_reused = _draw_reusing(Canvas(1, 2, figsize=(6, 2.5), dpi=60))
    for k in [3, 1, 0, 2, 1, 3, 0]:  # every frame after every other kind of frame
        fresh = _pixels(render_png(_draw_fresh(k), dpi=60, tight=False))
        reused = _pixels(render_png(draw_reused(k), dpi=60, tight=False))
        assert fresh.shape == reused.shape
        assert np.array_equal(fresh, reused), f"frame {k} differs"


def test_the_canvas_path_writes_the_pixels_savefig_writes():
    fig = _draw_fresh(1)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    assert np.array_equal(
        _pixels(buf.getvalue()), _pixels(render_png(fig, dpi=60, tight=False))
    )


def test_static_refuses_a_draw_that_depends_on_the_frame_before():
    canvas = Canvas(figsize=(3, 2), dpi=50)

    def leaky(a):  # turns the grid on only for a = 2: it stays for the next frame
        fig, ax = canvas.clear()
        ax.plot([0, 1], [0, a])
        if a == 2:
            ax.grid(True)
        return fig

    with pytest.raises(RuntimeError, match="depends on the frame before"):
        explorers.static(leaky, {"a": [1, 2]}, tight=False)

    def honest(a):
        fig, ax = canvas.clear()
        ax.plot([0, 1], [0, a])
        ax.grid(False)
        return fig

    box = explorers.static(honest, {"a": [1, 2]}, tight=False)
    assert "2 frames" in box.children[0].value


def test_live_takes_the_objects_alive_out_of_full_collections():
    gc.unfreeze()
    kept = [[k] for k in range(1000)]  # containers the collector tracks
    try:
        explorers.live(_draw_fresh, k=widgets.IntSlider(value=1, min=0, max=3))
        assert gc.get_freeze_count() >= len(kept)
        tracked = {id(o) for o in gc.get_objects()}  # frozen ones are not listed
        assert not any(id(x) in tracked for x in kept)
    finally:
        gc.unfreeze()
        plt.close("all")


@pytest.mark.parametrize("tight", [False, True])
def test_live_shows_the_precomputed_frame_at_every_grid_point(monkeypatch, tight):
    draw = _draw_reusing(Canvas(1, 2, figsize=(6, 2.5), dpi=60))
    grid = {"k": [0, 1, 2, 3]}
    box = explorers.static(draw, grid, dpi=60, tight=tight)
    srcs = [
        f.value.split('src="data:image/png;base64,')[1]
        for f in box.children[-1].children
    ]
    frames = [_pixels(base64.b64decode(s.split('"')[0])) for s in srcs]
    shown = []
    monkeypatch.setattr(explorers, "display", lambda im: shown.append(im.data))
    slider = widgets.SelectionSlider(options=grid["k"], value=0)
    explorers.live(draw, dpi=60, tight=tight, k=slider)
    try:
        for k in [1, 3, 2, 0]:  # out of order: every frame after some other one
            slider.value = k
            np.testing.assert_array_equal(_pixels(shown[-1]), frames[k])
    finally:
        gc.unfreeze()
