"""The attention heatmap on matplotlib axes, as a figure, and saved as a picture or CSV.

Weights have shape `(len(target_tokens), len(source_tokens))`: one row per output token,
one column per source token.
"""

from __future__ import annotations

import csv

import numpy as np

from keras_attn.plotting.common import (
    SUFFIXES,
    check_shapes,
    check_suffix,
    font_families,
    palette,
    save_figure,
    style_spines,
)

# Matrices up to this size get their numbers written in the cells by default.
ANNOTATE_MAX = 12


def _annotated(rows: int, cols: int) -> bool:
    """Whether a matrix of this size gets its numbers written in the cells by default."""
    return 0 < rows <= ANNOTATE_MAX and 0 < cols <= ANNOTATE_MAX


def _tick_size(rows: int, cols: int) -> int:
    """The default tick label size in points for a matrix of this size."""
    big = max(rows, cols)
    return 10 if big <= 20 else 8 if big <= 40 else 6


def plot_attention(
    ax,
    weights,
    source_tokens,
    target_tokens,
    *,
    highlight_row=None,
    colorbar=True,
    cmap="viridis",
    annotate=None,
    dark=False,
    aspect="auto",
    fontsize=None,
):
    """Draw an attention heatmap on `ax`.

    Source tokens run along the top, output tokens down the left side; cell `(i, j)` is
    how much output token `i` attended to source token `j` (colour scale 0 to 1).

    Args:
        ax: a matplotlib `Axes` (it is drawn on, not cleared).
        weights: array `(len(target_tokens), len(source_tokens))`.
        source_tokens: list of str, the x axis labels.
        target_tokens: list of str, the y axis labels.
        highlight_row: index of an output row to outline (the current step), or None.
        colorbar: add a colour bar beside `ax` (on `ax.figure`); reachable afterwards as
            `image.colorbar`, e.g. to remove it before drawing again.
        cmap: colour map name.
        annotate: write each weight in its cell; None: only when the matrix has at most
            12 rows and 12 columns.
        dark: colours for text and outlines readable on a dark background.
        aspect: the image's aspect, "auto" (fill the axes) or "equal" (square cells).
        fontsize: tick label size in points; None picks one from the token counts.

    Returns:
        the `AxesImage`.

    Raises:
        ValueError: `weights` does not have the shape the tokens ask for, or
            `highlight_row` is not a row.
    """
    from matplotlib.colors import Normalize

    weights = check_shapes(weights, source_tokens, target_tokens)
    rows, cols = weights.shape
    if highlight_row is not None and not 0 <= highlight_row < rows:
        raise ValueError(
            f"Received an invalid value for argument `highlight_row`: "
            f"{highlight_row}; expected a row index in [0, {rows})."
        )
    colours = palette(dark)
    vmax = max(1.0, float(weights.max())) if weights.size else 1.0
    norm = Normalize(vmin=0.0, vmax=vmax)
    # An empty matrix (no output yet) still shows the source tokens on an empty row.
    shown = weights if rows else np.ma.masked_all((1, max(cols, 1)))
    image = ax.imshow(
        shown, cmap=cmap, norm=norm, aspect=aspect, interpolation="nearest", origin="upper"
    )
    families = list(font_families())
    if fontsize is None:
        fontsize = _tick_size(rows, cols)

    longest = max((len(t) for t in source_tokens), default=0)
    rotation = 90 if cols > 30 else 60 if longest > 2 else 0
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xticks(range(cols))
    ax.set_xticklabels(
        list(source_tokens),
        rotation=rotation,
        fontsize=fontsize,
        family=families,
        parse_math=False,
        color=colours["text"],
        **(
            {
                "ha": "left",
                "va": "bottom" if rotation == 60 else "center",
                "rotation_mode": "anchor",
            }
            if rotation
            else {"ha": "center"}
        ),
    )
    _label_rows(ax, target_tokens, fontsize, colours)
    ax.set_xlabel("source", color=colours["text"], fontsize=fontsize)
    ax.set_ylabel("output", color=colours["text"], fontsize=fontsize)
    ax.tick_params(which="both", length=0, colors=colours["text"])
    # Thin lines between cells.
    ax.set_xticks(np.arange(-0.5, cols, 1.0), minor=True)
    ax.grid(which="minor", color=colours["grid"], linewidth=0.8 if max(rows, cols) <= 20 else 0.4)
    ax.grid(which="major", visible=False)
    style_spines(ax, colours["text"])

    if annotate is None:
        annotate = _annotated(rows, cols)
    if annotate and rows:
        colour_map = image.get_cmap()
        size = max(5, fontsize - 2)
        for i in range(rows):
            for j in range(cols):
                red, green, blue, _ = colour_map(norm(weights[i, j]))
                light_cell = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
                ax.text(
                    j,
                    i,
                    f"{weights[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=size,
                    color="#111111" if light_cell else "#f5f5f5",
                    parse_math=False,
                    gid="attention-value",
                )

    _outline_row(ax, highlight_row, cols, colours)

    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
        bar.set_label("attention weight", color=colours["text"], fontsize=fontsize)
        bar.ax.tick_params(colors=colours["text"], labelsize=max(6, fontsize - 1))
        bar.outline.set_edgecolor(colours["text"])
        bar.outline.set_linewidth(0.6)
    return image


def _label_rows(ax, target_tokens, fontsize, colours) -> None:
    """The output tokens down the left side, and the thin lines between the rows."""
    rows = len(target_tokens)
    ax.set_yticks(range(rows))
    ax.set_yticklabels(
        list(target_tokens),
        fontsize=fontsize,
        family=list(font_families()),
        parse_math=False,
        color=colours["text"],
    )
    ax.set_yticks(np.arange(-0.5, max(rows, 1), 1.0), minor=True)


def _outline_row(ax, highlight_row, cols, colours) -> None:
    """Outline row `highlight_row` (the current step), replacing an earlier outline."""
    from matplotlib.patches import Rectangle

    for patch in [p for p in ax.patches if p.get_gid() == "attention-highlight"]:
        patch.remove()
    if highlight_row is None:
        return
    outline = Rectangle(
        (-0.5, highlight_row - 0.5),
        cols,
        1.0,
        fill=False,
        edgecolor=colours["highlight"],
        linewidth=2.5,
        zorder=5,
        clip_on=False,
        gid="attention-highlight",
    )
    ax.add_patch(outline)


def update_attention_rows(
    ax, image, weights, target_tokens, *, highlight_row=None, dark=False, fontsize=10
):
    """Show new output rows on a heatmap :func:`plot_attention` drew on `ax` without
    drawing it again: the same source tokens, no numbers in the cells. Much cheaper than
    a new plot when decoding adds one row at a time.

    Args:
        ax, image: the axes and the `AxesImage` :func:`plot_attention` returned.
        weights: array `(len(target_tokens), source tokens)`.
        target_tokens, highlight_row, dark, fontsize: as for :func:`plot_attention`.

    Raises:
        ValueError: `weights` does not have the shape the tokens ask for, or
            `highlight_row` is not a row.
    """
    cols = image.get_array().shape[1]
    weights = np.asarray(weights, np.float32)
    rows = len(target_tokens)
    if weights.shape != (rows, cols):
        raise ValueError(
            f"Received weights of shape {weights.shape}; expected ({rows}, {cols}) for "
            f"{rows} output tokens over the plot's {cols} source tokens."
        )
    if highlight_row is not None and not 0 <= highlight_row < rows:
        raise ValueError(
            f"Received an invalid value for argument `highlight_row`: "
            f"{highlight_row}; expected a row index in [0, {rows})."
        )
    colours = palette(dark)
    image.set_data(weights if rows else np.ma.masked_all((1, max(cols, 1))))
    image.set_extent((-0.5, cols - 0.5, max(rows, 1) - 0.5, -0.5))
    ax.set_ylim(max(rows, 1) - 0.5, -0.5)
    _label_rows(ax, target_tokens, fontsize, colours)
    _outline_row(ax, highlight_row, cols, colours)


def attention_figure(weights, source_tokens, target_tokens, **kwargs):
    """A `matplotlib.figure.Figure` holding one attention heatmap, sized for its tokens.

    Keyword arguments are those of :func:`plot_attention`. With `dark=True` the figure's
    background is dark too.
    """
    from matplotlib.figure import Figure

    weights = check_shapes(weights, source_tokens, target_tokens)
    rows, cols = weights.shape
    big = max(rows, cols)
    annotate = kwargs.get("annotate")
    if annotate is None:
        annotate = _annotated(rows, cols)
    fontsize = kwargs.setdefault("fontsize", _tick_size(rows, cols))
    char = fontsize / 72 * 0.62  # inches per character, roughly
    cell = 0.48 if annotate else max(0.16, min(0.32, 12.0 / max(big, 1)))
    label_width = char * max((len(t) for t in target_tokens), default=1)
    label_height = char * max((len(t) for t in source_tokens), default=1) * 0.9
    width = 0.7 + label_width + cell * max(cols, 1) + 1.3 + label_height * 0.5
    height = 0.7 + label_height + cell * max(rows, 1) + 0.3
    figure = Figure(
        figsize=(min(max(width, 3.5), 30.0), min(max(height, 2.5), 30.0)), layout="constrained"
    )
    if kwargs.get("dark"):
        figure.set_facecolor(palette(dark=True)["face"])
    plot_attention(figure.add_subplot(), weights, source_tokens, target_tokens, **kwargs)
    return figure


def save_attention(path, weights, source_tokens, target_tokens, *, dpi=150, **kwargs):
    """Save attention weights as a picture or as numbers, chosen by the file's suffix.

    `.png`, `.svg`, `.pdf`: the heatmap of :func:`attention_figure` (keyword arguments go
    to it). `.csv` (UTF-8): a header row `output, <source tokens...>`, then one row per
    output token: the token, then its weights.

    Returns:
        the path written, a `pathlib.Path`.

    Raises:
        ValueError: unknown suffix, or weights of the wrong shape.
    """
    path, suffix = check_suffix(path, SUFFIXES, "attention")
    weights = check_shapes(weights, source_tokens, target_tokens)
    if suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["output", *source_tokens])
            for token, row in zip(target_tokens, weights, strict=True):
                writer.writerow([token, *(format(float(w), ".9g") for w in row)])
        return path
    figure = attention_figure(weights, source_tokens, target_tokens, **kwargs)
    return save_figure(figure, path, suffix, dpi)
