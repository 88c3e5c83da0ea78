"""The figure hook: a PNG per figure when $ASSOCMEM_FIGS is set, nothing otherwise."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import assocmem as am  # noqa: E402


def test_save_writes_only_when_the_variable_is_set(tmp_path, monkeypatch):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    monkeypatch.delenv("ASSOCMEM_FIGS", raising=False)
    assert am.plots.save(fig, "line") is None
    monkeypatch.setenv("ASSOCMEM_FIGS", str(tmp_path / "figs"))
    path = am.plots.save(fig, "line")
    assert path == str(tmp_path / "figs" / "line.png")
    assert (tmp_path / "figs" / "line.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="name must be a non-empty file name"):
        am.plots.save(fig, "../up")
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        am.plots.save("fig", "x")
    plt.close(fig)
