"""The step view's heatmap: a step of the same sentence changes the rows of the picture
already drawn; a new sentence, new colours or a new text size draw it anew."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")

from PySide6.QtGui import QColor  # noqa: E402

from keras_attn_app.widgets.heatmap import HeatmapCanvas  # noqa: E402

SOURCE = ["Ich", "habe", "heute", "keine", "Zeit", ".", "[END]"]
TARGET = ["I", "don't", "have", "time", "today", ".", "[END]"]


def _weights(rows, cols=7, seed=0):
    return np.random.default_rng(seed).dirichlet(np.ones(cols), size=rows).astype(np.float32)


def test_steps_of_one_sentence_keep_the_picture_and_show_every_row(qtbot):
    canvas = HeatmapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(640, 420)
    canvas.show()
    canvas.show_attention(_weights(1), SOURCE, TARGET[:1], highlight_row=0)
    canvas.flush()
    axes, image = canvas._axes, canvas.image
    for rows in range(2, len(TARGET) + 1):
        weights = _weights(rows, seed=rows)
        canvas.show_attention(weights, SOURCE, TARGET[:rows], highlight_row=rows - 1)
        np.testing.assert_allclose(canvas.image_array(), weights)
        assert canvas._axes is axes and canvas.image is image  # not drawn anew
        assert [t.get_text() for t in axes.get_yticklabels()] == TARGET[:rows]
    # Back one step: fewer rows, same picture.
    canvas.show_attention(_weights(3), SOURCE, TARGET[:3], highlight_row=2)
    np.testing.assert_allclose(canvas.image_array(), _weights(3))
    assert canvas._axes is axes
    # Another sentence, then dark colours: drawn anew.
    canvas.show_attention(_weights(1, 3), SOURCE[:3], TARGET[:1], highlight_row=0)
    canvas.flush()
    assert canvas._axes is not axes
    other = canvas._axes
    canvas.set_colors(True, QColor("#202020"), QColor("#eeeeee"))
    canvas.flush()
    assert canvas._axes is not other
    np.testing.assert_allclose(canvas.image_array(), _weights(1, 3))
