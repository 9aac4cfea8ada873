"""What keeps the window answering while it works: the Train page's curves update without
rebuilding or laying out their panels, and bench/gui_stall.py's gap summary (offscreen)."""

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from keras_attn_app.wizard.live_curves import LiveCurves  # noqa: E402
from keras_attn_app.wizard.plots import CurvesCanvas  # noqa: E402

BENCH = Path(__file__).resolve().parent.parent / "bench"


def epoch(number):
    return {
        "epoch": number,
        "loss": 3 / number,
        "val_loss": 3.2 / number,
        "accuracy": 0.09 * number,
        "val_accuracy": 0.08 * number,
        "bleu": None if number == 2 else 2.0 * number,
    }


def picture(canvas):
    canvas.draw()
    image = canvas.grab().toImage()
    return np.array(
        [
            [image.pixel(x, y) for x in range(0, image.width(), 3)]
            for y in range(0, image.height(), 3)
        ],
        dtype=np.int64,
    )


def test_live_curves_keep_their_panels_and_look_like_the_plain_ones(qtbot):
    """Epochs added to LiveCurves change only the lines' data: the same axes and lines
    stay, the panels are laid out again only after a resize or when a tick label's width
    changes, and the picture is the plain CurvesCanvas's."""
    live, plain = LiveCurves(), CurvesCanvas()
    for canvas in (live, plain):
        qtbot.addWidget(canvas)
        canvas.resize(900, 220)
        canvas.show()
    live.draw()
    axes, loss_line = dict(live.axes), live.lines["loss"]
    assert live.layouts == 1 and live.points("loss") == 0
    for number in range(1, 10):
        live.add_epoch(epoch(number))
        plain.add_epoch(epoch(number))
        live.draw()
    assert live.axes == axes and live.lines["loss"] is loss_line
    assert live.layouts < 10  # not at every draw: when the width of a tick label changes
    laid_out = live.layouts
    live.draw()
    assert live.layouts == laid_out
    assert live.points("loss") == plain.points("loss") == 9
    assert live.points("bleu") == plain.points("bleu") == 8  # epoch 2 had none
    assert live.axes["bleu"].get_ylim() == plain.figure.axes[2].get_ylim()
    difference = np.abs(picture(live) - picture(plain)) > 0
    assert difference.mean() < 0.01, difference.mean()

    for number in range(10, 26):  # the labels settle: few layouts more in 16 epochs
        live.add_epoch(epoch(number))
        live.draw()
    assert live.layouts - laid_out <= 5, live.layouts - laid_out
    laid_out = live.layouts
    live.resize(700, 260)
    live.draw()
    assert live.layouts == laid_out + 1
    live.clear()
    live.draw()
    assert live.points("loss") == 0 and live.axes == axes
    live.set_history(
        {
            "loss": [2.0, 1.0],
            "val_loss": [2.1, 1.2],
            "accuracy": [0.1, 0.2],
            "val_accuracy": [0.1, 0.15],
        },
        [None, 3.0],
    )
    assert live.points("loss") == 2 and live.points("bleu") == 1


def test_gap_summary_counts_long_gaps(monkeypatch):
    """bench/gui_stall.py: max, p99, p50 and the count of gaps over 50 ms, longest first."""
    monkeypatch.syspath_prepend(str(BENCH))
    sys.modules.pop("gui_stall", None)
    import gui_stall

    gaps = gui_stall.Gaps()
    gaps.gaps = [(i * 0.005, 0.2) for i in range(980)] + [(7.0, 10.0)] * 18
    gaps.gaps += [(5.0, 60.0), (6.0, 120.0)]
    found = gaps.summary()
    assert found["max_gap_ms"] == 120.0 and found["gaps_over_50ms"] == 2
    assert found["p50_ms"] == 0.2 and found["p99_ms"] == 10.0
    assert found["ticks"] == 1000
    assert found["longest"][:2] == [{"at_s": 6.0, "gap_ms": 120.0}, {"at_s": 5.0, "gap_ms": 60.0}]
