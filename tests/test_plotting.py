"""Tests of the attention pictures: heatmaps on axes, saved files and terminal text."""

import csv
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from keras_attn.plotting import (
    SHADES,
    attention_figure,
    display_width,
    plot_attention,
    save_attention,
    text_heatmap,
    update_attention_rows,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SOURCE = ["ich", "habe", "Hunger", "東京", "Привет", "[END]"]
TARGET = ["i", "am", "hungry", "привет", "[END]"]


def _weights(rows, cols, seed=0):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.full(cols, 0.3), size=rows).astype(np.float32)


def test_plot_attention_draws_weights_and_tokens():
    """The image holds the weights and the ticks carry the source and output tokens."""
    weights = _weights(len(TARGET), len(SOURCE))
    fig = Figure()
    ax = fig.add_subplot()
    image = plot_attention(ax, weights, SOURCE, TARGET)
    np.testing.assert_allclose(np.asarray(image.get_array()), weights, rtol=1e-6)
    assert [t.get_text() for t in ax.get_xticklabels()] == SOURCE
    assert [t.get_text() for t in ax.get_yticklabels()] == TARGET
    assert image.colorbar is not None and len(fig.axes) == 2
    values = [t for t in ax.texts if t.get_gid() == "attention-value"]
    assert len(values) == weights.size
    assert values[0].get_text() == f"{weights[0, 0]:.2f}"


def test_plot_attention_highlights_the_current_row():
    """The highlighted row gets an outline spanning every source column at that row."""
    fig = Figure()
    ax = fig.add_subplot()
    plot_attention(ax, _weights(5, 6), SOURCE, TARGET, highlight_row=2, colorbar=False)
    outlines = [p for p in ax.patches if p.get_gid() == "attention-highlight"]
    assert len(outlines) == 1
    assert outlines[0].get_y() == pytest.approx(1.5)
    assert outlines[0].get_height() == pytest.approx(1.0)
    assert outlines[0].get_width() == pytest.approx(len(SOURCE))
    assert not outlines[0].get_fill()
    assert len(fig.axes) == 1  # no colour bar asked for
    with pytest.raises(ValueError, match="highlight_row"):
        plot_attention(fig.add_subplot(), _weights(5, 6), SOURCE, TARGET, highlight_row=5)


@pytest.mark.filterwarnings("ignore:Glyph")
def test_new_rows_on_a_drawn_heatmap_look_as_a_new_plot_of_them():
    """update_attention_rows gives the picture plot_attention draws for the new rows: the
    image, its extent and limits, the row labels and lines, one outline; rendered, the two
    figures are the same pixels."""
    source, target = SOURCE, TARGET
    grown = Figure(figsize=(5, 4))
    ax = grown.add_subplot()
    image = plot_attention(ax, _weights(0, 6), source, [], annotate=False, fontsize=9)
    for rows in range(1, len(target) + 1):
        weights = _weights(rows, 6, seed=rows)
        update_attention_rows(ax, image, weights, target[:rows], highlight_row=rows - 1, fontsize=9)
    fresh = Figure(figsize=(5, 4))
    fresh_ax = fresh.add_subplot()
    plot_attention(
        fresh_ax, weights, source, target, highlight_row=len(target) - 1, annotate=False, fontsize=9
    )
    np.testing.assert_allclose(np.asarray(image.get_array()), weights)
    assert ax.get_ylim() == fresh_ax.get_ylim()
    assert [t.get_text() for t in ax.get_yticklabels()] == target
    assert list(ax.get_yticks(minor=True)) == list(fresh_ax.get_yticks(minor=True))
    outlines = [p for p in ax.patches if p.get_gid() == "attention-highlight"]
    assert len(outlines) == 1 and outlines[0].get_y() == pytest.approx(len(target) - 1.5)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for figure in (grown, fresh):
        FigureCanvasAgg(figure).draw()
    np.testing.assert_array_equal(
        np.asarray(grown.canvas.buffer_rgba()), np.asarray(fresh.canvas.buffer_rgba())
    )
    with pytest.raises(ValueError, match="expected \\(2, 6\\)"):
        update_attention_rows(ax, image, _weights(2, 5), target[:2])
    with pytest.raises(ValueError, match="highlight_row"):
        update_attention_rows(ax, image, _weights(2, 6), target[:2], highlight_row=2)


def test_plot_attention_rejects_a_shape_mismatch():
    """Weights whose shape does not match the tokens raise ValueError naming both shapes."""
    ax = Figure().add_subplot()
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(5, 6\)"):
        plot_attention(ax, np.zeros((3, 4)), SOURCE, TARGET)


def test_large_matrices_are_not_annotated_and_dark_text_is_light():
    """Numbers are left out above 12x12; dark mode uses light tick labels."""
    source = [f"s{i}" for i in range(13)]
    target = [f"t{i}" for i in range(13)]
    ax = Figure().add_subplot()
    plot_attention(ax, _weights(13, 13), source, target, dark=True)
    assert not [t for t in ax.texts if t.get_gid() == "attention-value"]
    red, green, blue = to_rgb(ax.get_xticklabels()[0].get_color())
    assert 0.299 * red + 0.587 * green + 0.114 * blue > 0.7


def test_save_png_has_the_expected_shape(tmp_path):
    """PNG files are real PNGs, wider than tall for a wide matrix and taller for a tall one."""
    from matplotlib.image import imread

    wide = save_attention(
        tmp_path / "wide.png", _weights(3, 14), [f"w{i}" for i in range(14)], ["a", "b", "c"]
    )
    tall = save_attention(
        tmp_path / "tall.png", _weights(14, 3), ["a", "b", "c"], [f"w{i}" for i in range(14)]
    )
    for path in (wide, tall):
        assert path.read_bytes()[:8] == PNG_SIGNATURE
    height, width = imread(wide).shape[:2]
    assert width > 1.5 * height
    height, width = imread(tall).shape[:2]
    assert height > width


def test_save_svg_and_pdf(tmp_path):
    """SVG files are XML naming the tokens; PDF files start with the PDF header."""
    weights = _weights(len(TARGET), len(SOURCE))
    svg = save_attention(tmp_path / "a.svg", weights, SOURCE, TARGET)
    text = svg.read_text(encoding="utf-8")
    ET.fromstring(text)
    assert "Hunger" in text and "Привет" in text
    pdf = save_attention(tmp_path / "a.pdf", weights, SOURCE, TARGET, dark=True)
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_save_csv_round_trips(tmp_path):
    """CSV files hold the source tokens as header, the output tokens as first column and
    the weights to within 1e-6."""
    weights = _weights(len(TARGET), len(SOURCE))
    path = save_attention(tmp_path / "a.csv", weights, SOURCE, TARGET)
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["output", *SOURCE]
    assert [row[0] for row in rows[1:]] == TARGET
    numbers = np.array([[float(x) for x in row[1:]] for row in rows[1:]])
    np.testing.assert_allclose(numbers, weights, atol=1e-6)


def test_save_rejects_unknown_suffixes(tmp_path):
    """An unknown suffix raises ValueError listing the allowed ones, and writes nothing."""
    with pytest.raises(ValueError, match=r"\.png.*\.svg.*\.pdf.*\.csv"):
        save_attention(tmp_path / "a.jpg", _weights(5, 6), SOURCE, TARGET)
    assert not (tmp_path / "a.jpg").exists()


def _rows(text):
    return [line for line in text.splitlines() if "│" in line]


def test_text_heatmap_marks_each_rows_maximum():
    """One line per output token; each row's darkest shade is in its max-weight column,
    and the row names that source token."""
    weights = _weights(len(TARGET), len(SOURCE), seed=3)
    text = text_heatmap(weights, SOURCE, TARGET)
    rows = _rows(text)
    assert len(rows) == len(TARGET)
    for row, line, token in zip(weights, rows, TARGET, strict=True):
        assert line.startswith(token)
        cells = line.split("│")[1]
        assert len(cells) == 2 * len(SOURCE)
        levels = [SHADES.index(c) for c in cells[::2]]
        best = int(np.argmax(row))
        assert levels[best] == max(levels)
        assert line.split("│")[2].split()[0] == SOURCE[best]
    assert "東" in text and "京" in text and "П" in text and "привет" in text


def test_text_heatmap_shades_known_weights():
    """Weights 0, 0.1, 0.3, 0.6 and 0.9 get the five shades, blank to full block."""
    weights = np.array([[0.0, 0.1, 0.3, 0.6, 0.9]])
    line = _rows(text_heatmap(weights, list("abcde"), ["x"]))[0]
    assert line.split("│")[1] == "".join(c * 2 for c in SHADES)


def test_text_heatmap_stays_narrow_for_forty_columns():
    """Forty source tokens fit in 80 columns when asked, one character per cell."""
    source = [f"tok{i}" for i in range(40)]
    target = [f"out{i}" for i in range(10)]
    text = text_heatmap(_weights(10, 40), source, target, width=80)
    assert max(display_width(line) for line in text.splitlines()) <= 80
    rows = _rows(text)
    assert len(rows) == 10 and all(len(r.split("│")[1]) == 40 for r in rows)
    colored = text_heatmap(_weights(10, 40), source, target, color=True)
    assert "\x1b[48;5;" in colored and len(_rows(colored)) == 10


def test_real_attention_figure(trained, tmp_path):
    """A step-through decoding of the trained model renders to a PNG heatmap."""
    from matplotlib.image import imread

    from keras_attn.session import DecodingSession

    model, held_out = trained[0].model, trained[1]
    session = DecodingSession(model)
    source_tokens = session.start(held_out[0][0])
    session.run_to_end()
    weights = session.attention
    figure = attention_figure(
        weights, source_tokens, session.target_tokens, highlight_row=len(weights) - 1
    )
    assert isinstance(figure, Figure)
    path = save_attention(tmp_path / "real.png", weights, source_tokens, session.target_tokens)
    image = imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 200
    assert image[..., :3].std() > 0.1  # a picture, not a blank page
