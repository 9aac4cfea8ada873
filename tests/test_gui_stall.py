"""What keeps the window answering while it works: the Train page's curves update without
rebuilding or laying out their panels, and bench/gui_stall.py's gap summary (offscreen)."""

import sys
from pathlib import Path

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


def fits(canvas):
    """Every panel, its labels and title included, lies inside the canvas, left of the
    next panel's."""
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = canvas.get_width_height(physical=True)
    boxes = [axes.get_tightbbox(renderer) for axes in canvas.axes.values()]
    for box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, box
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left.x1 <= right.x0, (left, right)


def test_live_curves_keep_their_panels_and_show_what_the_plain_ones_show(qtbot):
    """Epochs added to LiveCurves change only the lines' data (the same axes and lines
    stay), no layout engine runs at a draw, the panels and their labels fit the canvas at
    any epoch and size, and the curves hold the plain CurvesCanvas's points."""
    live, plain = LiveCurves(), CurvesCanvas()
    for canvas in (live, plain):
        qtbot.addWidget(canvas)
        canvas.resize(900, 220)
        canvas.show()
    fits(live)
    axes, loss_line = dict(live.axes), live.lines["loss"]
    assert live.points("loss") == 0
    assert type(live.figure.get_layout_engine()).__name__ != "ConstrainedLayoutEngine"
    for number in range(1, 13):
        live.add_epoch(epoch(number))
        plain.add_epoch(epoch(number))
        fits(live)
    assert live.axes == axes and live.lines["loss"] is loss_line
    assert live.points("loss") == plain.points("loss") == 12
    assert live.points("bleu") == plain.points("bleu") == 11  # epoch 2 had none
    for key, line in live.lines.items():
        assert list(line.get_ydata()) == list(plain.lines[key].get_ydata()), key
    assert live.axes["bleu"].get_ylim() == plain.figure.axes[2].get_ylim()
    for size in ((700, 260), (420, 170)):
        live.resize(*size)
        fits(live)
    live.clear()
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
    fits(live)


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


def test_freeze_survivors_frees_young_cycles_and_freezes_what_lives():
    """After an epoch or a request: the young generations' cycles are collected, and what
    is still alive goes to the permanent generation, which no collection walks."""
    import gc
    import weakref

    from keras_attn_app.worker_tasks import freeze_survivors

    class Node:
        pass

    dead = Node()
    dead.me = dead
    gone = weakref.ref(dead)
    del dead
    alive = Node()
    alive.me = alive
    try:
        freeze_survivors()
        assert gone() is None
        assert gc.get_freeze_count() > 0
        assert not any(o is alive for o in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(o is alive for o in gc.get_objects())
