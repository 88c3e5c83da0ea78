"""Plot conventions shared by every chapter: a colour-blind-safe palette with line
styles, and labels in the symbols of the notation page. Functions draw on a given
matplotlib Axes and return it.
"""

import numbers
import os
import textwrap

import matplotlib.pyplot as plt
import seaborn as sns

PALETTE = sns.color_palette("colorblind")
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def setup():
    """Apply the book's style: seaborn 'colorblind' palette, readable fonts, light grid.

    Parameters
    ----------
    None

    Returns
    -------
    None
    """
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.titlesize": 11,
            "axes.labelsize": 11,
            "legend.fontsize": 9,
            "figure.figsize": (6.4, 3.6),
        }
    )


def save(fig, name):
    """Write ``fig`` to ``$ASSOCMEM_FIGS/<name>.png`` when that environment variable is
    set.

    The book shows figures inline; set ``ASSOCMEM_FIGS`` to a folder to also keep a PNG
    of every figure a chapter draws (for review). Without it, nothing is written.

    Parameters
    ----------
    fig : matplotlib Figure
        The figure to write.
    name : str
        File name without extension: letters, digits, ``-``, ``_`` and ``.``.

    Returns
    -------
    str or None
        The path written, or None when ``ASSOCMEM_FIGS`` is not set.
    """
    if not hasattr(fig, "savefig"):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise ValueError(
            "name must be a non-empty file name (letters, digits, -, _, .), got "
            f"{name!r}"
        )
    folder = os.environ.get("ASSOCMEM_FIGS")
    if not folder:
        return None
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.png")
    fig.savefig(path, bbox_inches="tight")
    return path


def style(i):
    """Colour and line style of the i-th curve, so curves differ without colour too.

    Parameters
    ----------
    i : int
        Index of the curve, >= 0.

    Returns
    -------
    dict
        ``color`` and ``linestyle`` keyword arguments for ``Axes.plot``.
    """
    if isinstance(i, bool) or not isinstance(i, numbers.Integral) or i < 0:
        raise TypeError(f"i must be an int >= 0 (a curve index), got {i!r}")
    return {
        "color": PALETTE[i % len(PALETTE)],
        "linestyle": LINESTYLES[i % len(LINESTYLES)],
    }


def landscape(ax, land, levels=12, cmap="Blues_r", colorbar=True):
    """0-1 loss as filled contours (darker is lower) under black level lines of the
    cross-entropy.

    The 0-1 colours use one fixed scale from 0 to 1 on every panel, so colourbars can be
    compared.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    land : dict
        The result of ``plane.landscape`` (``G0``, ``G1``, ``loss``, ``zero_one``).
    levels : int
        Number of cross-entropy level lines.
    cmap : str
        Colour map of the 0-1 loss.
    colorbar : bool
        Whether to add a colour bar.

    Returns
    -------
    matplotlib Axes
    """
    if not hasattr(ax, "contourf"):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    if not isinstance(land, dict) or not {"G0", "G1", "loss", "zero_one"} <= set(land):
        raise TypeError("land must be the dict returned by assocmem.plane.landscape")
    G0, G1 = land["G0"].numpy(), land["G1"].numpy()
    cf = ax.contourf(
        G0,
        G1,
        land["zero_one"].numpy(),
        levels=[i / 20 for i in range(21)],
        cmap=cmap,
        vmin=0,
        vmax=1,
    )
    ax.contour(G0, G1, land["loss"].numpy(), levels=levels, colors="k", linewidths=0.6)
    ax.set_xlabel(r"$\gamma_0$")
    ax.set_ylabel(r"$\gamma_1$")
    if colorbar:
        ax.figure.colorbar(cf, ax=ax, label=r"$\mathcal{L}_{01}$")
    return ax


# One style per step size across the whole book: the same eta has the same colour, line
# style and marker in
# every chapter (eta = 10 green and eta = 1 vermilion, as in the paper's Figure 2).
_ETAS = [0.1, 1, 2, 3, 4, 4.5, 5, 6, 8, 10, 20, 50, 100, 200, 1000]
# palette indices chosen so that the step sizes plotted together in one figure never
# share a colour
_ETA_COLOUR = [0, 3, 0, 4, 5, 7, 1, 6, 8, 2, 9, 1, 4, 5, 7]
_ETA_MARKER = [
    "o",
    "s",
    "^",
    "D",
    "v",
    "P",
    "X",
    "*",
    "p",
    "h",
    "<",
    ">",
    "d",
    "H",
    "8",
]


def eta_style(lr):
    """Colour, line style and marker of step size ``lr``: the same in every chapter.

    Parameters
    ----------
    lr : float
        A step size used in the book (0.1, 1, 2, 3, 4, 4.5, 5, 6, 8, 10, 20, 50, 100,
        200 or 1000).

    Returns
    -------
    dict
        ``color``, ``linestyle`` and ``marker`` keyword arguments for ``Axes.plot``.
    """
    try:
        k = _ETAS.index(float(lr))
    except (TypeError, ValueError):
        raise ValueError(
            f"lr = {lr!r} has no book-wide style; known step sizes: {_ETAS}"
        ) from None
    return {
        "color": PALETTE[_ETA_COLOUR[k]],
        "linestyle": LINESTYLES[k % len(LINESTYLES)],
        "marker": _ETA_MARKER[k],
    }


# The regime map: which chapter explains which phenomenon. Rows: capacity; columns: step
# size.
REGIMES = {
    ("over", "small"): [
        (3, "margins grow like log t (orthogonal)"),
        (4, "interference: the frequent token keeps a lead (correlated)"),
    ],
    ("over", "large"): [
        (3, "faster, still monotone (orthogonal)"),
        (4, "benign loss spikes, two tokens (correlated)"),
        (5, "oscillating margins, many tokens"),
        (7, "spikes in a small Transformer"),
    ],
    ("under", "small"): [
        (6, "cross-entropy trades tokens off: sub-optimal 0-1 loss"),
        (6, "forgetting along SGD"),
        (7, "tokens forgotten and recovered"),
    ],
    ("under", "large"): [
        (5, "period-2 orbit around the minimizer beyond 2/λ*"),
    ],
}


def regime_map(here=None, ax=None):
    """The book's map of regimes, with the chapters that explain each phenomenon.

    Parameters
    ----------
    here : int, optional
        A chapter number (1 to 8) to highlight ("you are here"); chapters 1, 2 and 8
        cover the whole map.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes
    """
    if here is not None and (not isinstance(here, int) or not 1 <= here <= 8):
        raise ValueError(f"here must be a chapter number from 1 to 8, got {here!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.6, 4.4))
    whole = here in (1, 2, 8)
    cols, rows = ["small", "large"], ["under", "over"]
    for (row, col), items in REGIMES.items():
        x, y = cols.index(col), rows.index(row)
        lit = whole or any(ch == here for ch, _ in items)
        ax.add_patch(
            plt.Rectangle(
                (x + 0.03, y + 0.03),
                0.94,
                0.94,
                facecolor=PALETTE[9] if lit else "white",
                alpha=0.35 if lit else 1.0,
                edgecolor="k",
                linewidth=1.6 if lit and here else 0.8,
            )
        )
        line = 0
        for ch, text in items:
            wrapped = textwrap.wrap(f"ch. {ch}: {text}", 38, subsequent_indent="   ")
            ax.text(
                x + 0.07,
                y + 0.9 - 0.085 * line,
                "\n".join(wrapped),
                fontsize=8,
                va="top",
                linespacing=1.25,
                fontweight="bold" if ch == here else "normal",
            )
            line += len(wrapped) + 0.4
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], ["small step η", "large step η"])
    ax.set_yticks(
        [0.5, 1.5],
        [
            "under-parameterized\n(not every association fits)",
            "over-parameterized\n(every association fits)",
        ],
    )
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    title = "Regimes of gradient descent on an associative memory"
    if here is not None:
        title += f": chapter {here}" + (
            " covers the whole map" if whole else " is highlighted"
        )
    ax.set_title(title, fontsize=10)
    return ax
