"""Plot conventions shared by every chapter: a colour-blind-safe palette with line styles, and labels
in the symbols of the notation page. Functions draw on a given matplotlib Axes and return it.
"""
import matplotlib.pyplot as plt
import seaborn as sns

PALETTE = sns.color_palette("colorblind")
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def setup():
    """Apply the book's style: seaborn 'colorblind' palette, readable fonts, light grid."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titlesize": 11,
                         "axes.labelsize": 11, "legend.fontsize": 9, "figure.figsize": (6.4, 3.6)})


def style(i):
    """Colour, line style and marker of the i-th curve, so curves differ without colour too."""
    return {"color": PALETTE[i % len(PALETTE)], "linestyle": LINESTYLES[i % len(LINESTYLES)]}


def landscape(ax, land, levels=12, cmap="Blues_r", colorbar=True):
    """0-1 loss as filled contours (darker is lower) under black level lines of the cross-entropy.

    The 0-1 colours use one fixed scale from 0 to 1 on every panel, so colourbars can be compared.
    """
    G0, G1 = land["G0"].numpy(), land["G1"].numpy()
    cf = ax.contourf(G0, G1, land["zero_one"].numpy(), levels=[i / 20 for i in range(21)], cmap=cmap,
                     vmin=0, vmax=1)
    ax.contour(G0, G1, land["loss"].numpy(), levels=levels, colors="k", linewidths=0.6)
    ax.set_xlabel(r"$\gamma_0$")
    ax.set_ylabel(r"$\gamma_1$")
    if colorbar:
        ax.figure.colorbar(cf, ax=ax, label=r"$\mathcal{L}_{01}$")
    return ax


def curves(ax, t, ys, labels, ylabel, xlabel=r"step $t$", log=False):
    """Several curves with distinct colours and line styles."""
    for i, (y, lab) in enumerate(zip(ys, labels)):
        ax.plot(t, y, label=lab, **style(i))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    ax.legend()
    return ax
