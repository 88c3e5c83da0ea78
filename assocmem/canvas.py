"""Figures for explorers: one figure reused frame after frame, and its PNG.

Making a figure and its axes (ticks, spines, labels) for every frame, then writing it
with ``savefig``, costs about a quarter of an explorer frame's time more than drawing
into one figure made once and writing its Agg canvas (measured on chapter 4's
explorer). A :class:`Canvas` makes the figure once and, for every later frame, only
removes what the frame before drew. :func:`render_png` turns a figure into the PNG bytes
that both explorers show (:mod:`assocmem.explorers`).
"""

import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image as PILImage


def _check_render(dpi, tight):
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 1:
        raise ValueError(f"dpi must be a positive int, got {dpi!r}")
    if not isinstance(tight, bool):
        raise TypeError(f"tight must be True or False, got {tight!r}")


def render_png(fig, dpi=80, tight=True):
    """The figure as PNG bytes (a pyplot figure is closed).

    Parameters
    ----------
    fig : matplotlib Figure
        The figure.
    dpi : int
        Resolution.
    tight : bool
        Crop the image to what is drawn (``bbox_inches="tight"``). That costs a second
        layout pass, about 40 % of the time; a figure whose margins are set to fit its
        labels (``subplots_adjust``) can pass False and keep its whole canvas, which is
        drawn by the Agg canvas directly (the pixels ``savefig`` would write, faster).

    Returns
    -------
    bytes
    """
    return _png(fig, dpi, tight, level=6)


def _png(fig, dpi, tight, level):
    # level: zlib compression, 6 as savefig; the live explorer's images are never kept
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    _check_render(dpi, tight)
    buf = io.BytesIO()
    if tight:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    else:
        fig.set_dpi(dpi)
        canvas = fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(fig)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())  # (height, width, 4)
        PILImage.fromarray(rgba).save(buf, format="png", compress_level=level)
    plt.close(fig)  # a figure of a Canvas is not pyplot's: nothing to close
    return buf.getvalue()


class Canvas:
    """One figure that ``draw`` fills again for every frame.

    The figure and its axes are made on the first call of :meth:`clear`; every later
    call removes what the last frame drew (lines, collections, patches, texts, images,
    legends, titles, axis labels, any axes added since, such as a colour bar's, and the
    figure's legends, texts and suptitle) and puts back what a new axes has (its place,
    linear scales, automatic aspect, limits 0 to 1 with autoscaling, the first colour
    of the cycle), so ``draw`` starts from the same empty axes. Anything else ``draw``
    sets on an axis (ticks, tick labels' size, grid, label positions) it must set for
    every frame; :func:`~assocmem.explorers.static` checks that the image does not
    depend on the frame drawn before.

    Parameters
    ----------
    nrows, ncols : int
        A grid of subplots, as ``plt.subplots`` (ignored when ``rects`` is given).
    rects : list of tuple, optional
        Axes at fixed positions instead, each ``(left, bottom, width, height)`` in
        figure fractions.
    **figure_kw
        Passed to ``matplotlib.figure.Figure`` (``figsize``, ``dpi``).

    Examples
    --------
    >>> canvas = Canvas(1, 2, figsize=(6, 2))
    >>> fig, (ax0, ax1) = canvas.clear()
    >>> _ = ax0.plot([0, 1], [1, 0])
    >>> fig2, axes = canvas.clear()
    >>> fig2 is fig, len(ax0.lines)
    (True, 0)
    """

    def __init__(self, nrows=1, ncols=1, rects=None, **figure_kw):
        for name, n in (("nrows", nrows), ("ncols", ncols)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"{name} must be a positive int, got {n!r}")
        if rects is not None:
            ok = isinstance(rects, (list, tuple)) and rects
            if not ok or not all(len(r) == 4 for r in rects):
                raise ValueError(
                    f"rects must be a list of (left, bottom, width, height), "
                    f"got {rects!r}"
                )
        self._shape, self._rects, self._kw = (nrows, ncols), rects, figure_kw
        self._fig = self._axes = None
        self._places = []  # (subplotspec, position) of each axes, once it is made

    def clear(self):
        """The figure and its axes (shaped as ``plt.subplots`` returns them, or a list
        for ``rects``), empty.

        Returns
        -------
        (Figure, Axes or array of Axes or list of Axes)
        """
        if self._fig is None:
            fig = Figure(**self._kw)
            FigureCanvasAgg(fig)
            if self._rects is None:
                axes = fig.subplots(*self._shape)
            else:
                axes = [fig.add_axes(r) for r in self._rects]
            self._fig, self._axes = fig, axes
            # where each axes sits: a colour bar made with ax= takes room from it
            self._places = [
                (ax.get_subplotspec(), ax.get_position(original=True).frozen())
                for ax in np.ravel(axes)
            ]
            return fig, axes
        fig, kept = self._fig, list(np.ravel(self._axes))
        for ax in fig.axes:
            if ax not in kept:
                ax.remove()
        for ax, (spec, box) in zip(kept, self._places):
            if spec is not None:
                ax.set_subplotspec(spec)
            ax.set_position(box)
            _empty(ax)
        for artist in [*fig.legends, *fig.texts]:
            artist.remove()
        if fig.get_suptitle():
            fig.suptitle("")
        return fig, self._axes


def _empty(ax):
    """Remove what was drawn on ``ax``; keep the axes, its ticks and its spines."""
    drawn = [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images]
    for artist in [*drawn, *ax.tables, *ax.artists]:
        artist.remove()
    ax.containers.clear()
    if ax.legend_ is not None:
        ax.legend_.remove()
    for loc in ("left", "center", "right"):
        ax.set_title("", loc=loc)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_prop_cycle(None)  # the next unstyled line takes the first colour again
    # a new axes' scales, aspect and limits (an image inverts y and sets the aspect)
    ax.set_xscale("linear")
    ax.set_yscale("linear")
    ax.set_aspect("auto")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.dataLim.set_points(Bbox.null().get_points())
    ax.ignore_existing_data_limits = True
    ax.set_autoscale_on(True)
