"""gk.plotting.curves.plain_log_ticks: log axes with plain 1-2-5 tick labels (chapter 06)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

import genai_keras as gk


def test_plain_log_ticks_labels_1_2_5_and_no_minor_labels():
    fig, ax = plt.subplots()
    try:
        ax.plot([5, 10, 20, 50], [0.4, 0.2, 0.1, 0.04])
        gk.plotting.curves.plain_log_ticks(ax, "x")
        fig.canvas.draw()
        assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
        labels = {t.get_text() for t in ax.get_xticklabels() if t.get_text()}
        assert {"5", "10", "20", "50"} <= labels
        assert not any(t.get_text() for t in ax.xaxis.get_minorticklabels())
        gk.plotting.curves.plain_log_ticks(ax, "both")
        assert ax.get_yscale() == "log"
        with pytest.raises(ValueError, match="axis must be 'x', 'y' or 'both'"):
            gk.plotting.curves.plain_log_ticks(ax, "z")
    finally:
        plt.close(fig)
