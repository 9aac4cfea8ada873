"""Pictures of attention: heatmaps on matplotlib axes, saved files and terminal text.

Every function draws on what it is given (an ``Axes``) or builds its own
``matplotlib.figure.Figure``; none touches ``pyplot`` or the global ``rcParams``, so they
are safe inside the desktop app's canvases and in scripts alike.

    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> image = plot_attention(fig.add_subplot(), session.attention,
    ...                        session.source_tokens, session.target_tokens)
    >>> save_attention("attention.png", weights, source_tokens, target_tokens)
    >>> print(text_heatmap(weights, source_tokens, target_tokens))
    >>> plot_length_curve(fig.add_subplot(), comparison, "bleu")  # keras_attn.compare

Weights have shape `(len(target_tokens), len(source_tokens))`: one row per output token,
one column per source token.
"""

from __future__ import annotations

import csv
import functools
import unicodedata
import warnings
from pathlib import Path

import numpy as np

# Fonts tried in order for each glyph (those installed are used): broad Unicode coverage
# first, then CJK and other scripts.
FALLBACK_FONTS = (
    "DejaVu Sans", "Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK KR",
    "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback",
    "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari", "Noto Sans Thai",
    "Noto Sans Georgian", "Noto Sans Armenian", "Arial Unicode MS", "Microsoft YaHei",
    "Yu Gothic", "Malgun Gothic", "PingFang SC", "Hiragino Sans", "Apple SD Gothic Neo",
    "Segoe UI", "Nirmala UI", "Leelawadee UI",
)
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
SUFFIXES = (*IMAGE_SUFFIXES, ".csv")
# Matrices up to this size get their numbers written in the cells by default.
ANNOTATE_MAX = 12

_LIGHT = {"text": "#222222", "grid": "#ffffff", "highlight": "#e8202a", "face": "#ffffff"}
_DARK = {"text": "#e6e6e6", "grid": "#1e1e1e", "highlight": "#ff5a5f", "face": "#1e1e1e"}


@functools.lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The installed fonts of :data:`FALLBACK_FONTS`, in order (at least "DejaVu Sans",
    which matplotlib ships). Missing glyphs are drawn as boxes, never an error."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    found = tuple(name for name in FALLBACK_FONTS if name in installed)
    return found or ("DejaVu Sans",)


def _check_shapes(weights, source_tokens, target_tokens) -> np.ndarray:
    weights = np.asarray(weights, dtype=np.float64)
    expected = (len(target_tokens), len(source_tokens))
    if weights.ndim != 2 or weights.shape != expected:
        raise ValueError(
            f"Received `weights` of shape {tuple(weights.shape)}, expected "
            f"(len(target_tokens), len(source_tokens)) = {expected}.")
    return weights


def plot_attention(ax, weights, source_tokens, target_tokens, *, highlight_row=None,
                   colorbar=True, cmap="viridis", annotate=None, dark=False, aspect="auto",
                   fontsize=None):
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
    from matplotlib.patches import Rectangle

    weights = _check_shapes(weights, source_tokens, target_tokens)
    rows, cols = weights.shape
    if highlight_row is not None and not 0 <= highlight_row < rows:
        raise ValueError(f"Received an invalid value for argument `highlight_row`: "
                         f"{highlight_row}; expected a row index in [0, {rows}).")
    colours = _DARK if dark else _LIGHT
    vmax = max(1.0, float(weights.max())) if weights.size else 1.0
    norm = Normalize(vmin=0.0, vmax=vmax)
    # An empty matrix (no output yet) still shows the source tokens on an empty row.
    shown = weights if rows else np.ma.masked_all((1, max(cols, 1)))
    image = ax.imshow(shown, cmap=cmap, norm=norm, aspect=aspect, interpolation="nearest",
                      origin="upper")
    families = list(font_families())
    if fontsize is None:
        fontsize = 10 if max(rows, cols) <= 20 else 8 if max(rows, cols) <= 40 else 6

    longest = max((len(t) for t in source_tokens), default=0)
    rotation = 90 if cols > 30 else 60 if longest > 2 else 0
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xticks(range(cols))
    ax.set_xticklabels(
        list(source_tokens), rotation=rotation, fontsize=fontsize, family=families,
        parse_math=False, color=colours["text"],
        **({"ha": "left", "va": "bottom" if rotation == 60 else "center",
            "rotation_mode": "anchor"} if rotation else {"ha": "center"}))
    ax.set_yticks(range(rows))
    ax.set_yticklabels(list(target_tokens), fontsize=fontsize, family=families,
                       parse_math=False, color=colours["text"])
    ax.set_xlabel("source", color=colours["text"], fontsize=fontsize)
    ax.set_ylabel("output", color=colours["text"], fontsize=fontsize)
    ax.tick_params(which="both", length=0, colors=colours["text"])
    # Thin lines between cells.
    ax.set_xticks(np.arange(-0.5, cols, 1.0), minor=True)
    ax.set_yticks(np.arange(-0.5, max(rows, 1), 1.0), minor=True)
    ax.grid(which="minor", color=colours["grid"],
            linewidth=0.8 if max(rows, cols) <= 20 else 0.4)
    ax.grid(which="major", visible=False)
    for spine in ax.spines.values():
        spine.set_edgecolor(colours["text"])
        spine.set_linewidth(0.6)

    if annotate is None:
        annotate = 0 < rows <= ANNOTATE_MAX and 0 < cols <= ANNOTATE_MAX
    if annotate and rows:
        palette = image.get_cmap()
        size = max(5, fontsize - 2)
        for i in range(rows):
            for j in range(cols):
                red, green, blue, _ = palette(norm(weights[i, j]))
                light_cell = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
                ax.text(j, i, f"{weights[i, j]:.2f}", ha="center", va="center",
                        fontsize=size, color="#111111" if light_cell else "#f5f5f5",
                        parse_math=False, gid="attention-value")

    if highlight_row is not None:
        outline = Rectangle((-0.5, highlight_row - 0.5), cols, 1.0, fill=False,
                            edgecolor=colours["highlight"], linewidth=2.5, zorder=5,
                            clip_on=False, gid="attention-highlight")
        ax.add_patch(outline)

    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
        bar.set_label("attention weight", color=colours["text"], fontsize=fontsize)
        bar.ax.tick_params(colors=colours["text"], labelsize=max(6, fontsize - 1))
        bar.outline.set_edgecolor(colours["text"])
        bar.outline.set_linewidth(0.6)
    return image


def attention_figure(weights, source_tokens, target_tokens, **kwargs):
    """A `matplotlib.figure.Figure` holding one attention heatmap, sized for its tokens.

    Keyword arguments are those of :func:`plot_attention`. With `dark=True` the figure's
    background is dark too.
    """
    from matplotlib.figure import Figure

    weights = _check_shapes(weights, source_tokens, target_tokens)
    rows, cols = weights.shape
    big = max(rows, cols)
    annotate = kwargs.get("annotate")
    if annotate is None:
        annotate = 0 < rows <= ANNOTATE_MAX and 0 < cols <= ANNOTATE_MAX
    fontsize = kwargs.setdefault("fontsize", 10 if big <= 20 else 8 if big <= 40 else 6)
    char = fontsize / 72 * 0.62  # inches per character, roughly
    cell = 0.48 if annotate else max(0.16, min(0.32, 12.0 / max(big, 1)))
    label_width = char * max((len(t) for t in target_tokens), default=1)
    label_height = char * max((len(t) for t in source_tokens), default=1) * 0.9
    width = 0.7 + label_width + cell * max(cols, 1) + 1.3 + label_height * 0.5
    height = 0.7 + label_height + cell * max(rows, 1) + 0.3
    figure = Figure(figsize=(min(max(width, 3.5), 30.0), min(max(height, 2.5), 30.0)),
                    layout="constrained")
    if kwargs.get("dark"):
        figure.set_facecolor(_DARK["face"])
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
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"Cannot save attention as {path.name!r}: the file name must end "
                         f"in one of {', '.join(SUFFIXES)}.")
    weights = _check_shapes(weights, source_tokens, target_tokens)
    if suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["output", *source_tokens])
            for token, row in zip(target_tokens, weights, strict=True):
                writer.writerow([token, *(format(float(w), ".9g") for w in row)])
        return path
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = attention_figure(weights, source_tokens, target_tokens, **kwargs)
    FigureCanvasAgg(figure)
    with warnings.catch_warnings():  # a glyph no installed font has is drawn as a box
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        figure.savefig(path, dpi=dpi, format=suffix[1:], facecolor=figure.get_facecolor())
    return path


# -- terminal -------------------------------------------------------------------------------
SHADES = " ░▒▓█"
# A weight at or above THRESHOLDS[k] is drawn with SHADES[k + 1].
THRESHOLDS = (0.05, 0.25, 0.5, 0.75)
_VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
_CUBE = (0, 95, 135, 175, 215, 255)  # levels of the xterm 256-colour cube


def shade(weight: float) -> str:
    """The shade character for one weight (blank below 0.05, full block from 0.75)."""
    return SHADES[sum(weight >= t for t in THRESHOLDS)]


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal (wide East Asian characters count twice)."""
    return sum(_char_width(c) for c in text)


def _units(text: str) -> list[str]:
    """Characters with their combining marks attached."""
    units: list[str] = []
    for char in text:
        if units and _char_width(char) == 0:
            units[-1] += char
        else:
            units.append(char)
    return units


def _fit(text: str, width: int) -> str:
    """`text` cut (with "…") to at most `width` columns, then padded to exactly `width`."""
    if display_width(text) > width:
        kept, used = "", 0
        for unit in _units(text):
            w = display_width(unit)
            if used + w > width - 1:
                break
            kept, used = kept + unit, used + w
        text = kept + "…"
    return text + " " * (width - display_width(text))


def _ansi_colour(weight: float) -> int:
    """xterm-256 colour index of a weight on a viridis-like scale."""
    x = min(max(weight, 0.0), 1.0) * (len(_VIRIDIS) - 1)
    low = min(int(x), len(_VIRIDIS) - 2)
    t = x - low
    rgb = [a + (b - a) * t for a, b in zip(_VIRIDIS[low], _VIRIDIS[low + 1], strict=True)]
    r, g, b = (_cube_level(v) for v in rgb)
    return 16 + 36 * r + 6 * g + b


def _cube_level(value: float) -> int:
    """Index of the xterm colour cube level nearest `value` (0-255)."""
    return min(range(len(_CUBE)), key=lambda k: abs(_CUBE[k] - value))


def text_heatmap(weights, source_tokens, target_tokens, width=None, *, color=False,
                 max_label=14, max_header=8) -> str:
    """A compact heatmap of attention for a terminal.

    The source tokens are written top to bottom above their columns (cut to
    `max_header` characters); each output token gets one row of shade characters
    (`" ░▒▓█"` for weights from 0 to 1) followed by the source token it attended to most
    and that weight. A legend line ends the picture.

    Args:
        weights: array `(len(target_tokens), len(source_tokens))`.
        width: widest line wanted, in columns (None: 100). Columns are two characters
            wide when that fits, one character otherwise.
        color: draw cells with ANSI 256-colour backgrounds instead of shade characters.
        max_label: widest output-token label, in columns.
        max_header: most characters of a source token shown above its column.

    Returns:
        the heatmap as text, lines joined with "\\n" (no final newline).
    """
    weights = _check_shapes(weights, source_tokens, target_tokens)
    rows, cols = weights.shape
    label_width = min(max([display_width(t) for t in target_tokens] + [1]), max_label)
    tail_width = min(max([display_width(t) for t in source_tokens] + [1]), max_label) + 6
    limit = 100 if width is None else width
    cell = 2 if label_width + 2 + 2 * cols + 2 + tail_width <= limit else 1

    header_units = []
    for token in source_tokens:
        units = _units(token)
        if len(units) > max_header:
            units = units[:max_header - 1] + ["…"]
        header_units.append(units)
    height = max([len(u) for u in header_units] + [0])
    lines = []
    indent = " " * (label_width + 2)
    for level in range(height):
        parts = []
        for units in header_units:
            unit = units[level] if level < len(units) else ""
            parts.append(unit + " " * (cell - display_width(unit))
                         if display_width(unit) <= cell else "…" + " " * (cell - 1))
        lines.append((indent + "".join(parts)).rstrip())

    for i in range(rows):
        row = weights[i]
        if color:
            cells = "".join(f"\x1b[48;5;{_ansi_colour(w)}m{' ' * cell}\x1b[0m" for w in row)
        else:
            cells = "".join(shade(w) * cell for w in row)
        best = int(np.argmax(row)) if cols else None
        tail = (f" {_fit(source_tokens[best], tail_width - 6).rstrip()} {row[best]:.2f}"
                if best is not None else "")
        lines.append(f"{_fit(target_tokens[i], label_width)} │{cells}│{tail}".rstrip())
    if color:
        swatches = "".join(f"\x1b[48;5;{_ansi_colour(k / 8)}m  \x1b[0m" for k in range(9))
        legend = f"0 {swatches} 1"
    else:
        legend = "  ".join(f"{SHADES[k + 1]} ≥{t:.2f}" for k, t in enumerate(THRESHOLDS))
    lines.append(indent + legend)
    return "\n".join(lines)


# -- length curves ----------------------------------------------------------------------------
_CURVE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                  "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_CURVE_METRICS = {"bleu": "BLEU", "chrf": "chrF"}


def _bucket_positions(comparison) -> list[float]:
    """The x position of each bucket: the mean source length of its pairs."""
    totals = [0.0] * len(comparison.buckets)
    for length, bucket in zip(comparison.lengths, comparison.bucket_of, strict=True):
        totals[bucket] += length
    return [total / max(n, 1) for total, (_, _, n) in zip(totals, comparison.buckets,
                                                           strict=True)]


def plot_length_curve(ax, comparison, metric="bleu", *, dark=False, fontsize=9):
    """Draw score against source length on `ax`, one line per model (Bahdanau et al.
    2015, Fig. 2).

    Each bucket of a :class:`keras_attn.compare.Comparison` is a point at the mean source
    length of its pairs; the x axis is labelled with the buckets' ranges and sizes
    ("11-20" over "n=205"), the legend gives each model's score on all pairs.

    Args:
        ax: a matplotlib `Axes` (drawn on, not cleared).
        comparison: a `Comparison` from :func:`keras_attn.compare.compare_models`.
        metric: "bleu" or "chrf".
        dark: colours for text readable on a dark background.
        fontsize: tick and legend size in points.

    Returns:
        the list of `Line2D`, one per model, in the comparison's order.

    Raises:
        ValueError: unknown metric.
    """
    if metric not in _CURVE_METRICS:
        raise ValueError(f"Received an invalid value for argument `metric`: {metric!r}; "
                         f"expected one of {list(_CURVE_METRICS)}.")
    colours = _DARK if dark else _LIGHT
    positions = _bucket_positions(comparison)
    label = _CURVE_METRICS[metric]
    lines = []
    for k, name in enumerate(comparison.names):
        scores = [row[metric] for row in comparison.by_bucket[name]]
        overall = comparison.overall[name][metric]
        (line,) = ax.plot(positions, scores, marker="o", markersize=4, linewidth=1.8,
                          color=_CURVE_COLOURS[k % len(_CURVE_COLOURS)],
                          label=f"{name} (all: {overall:.1f})", gid=f"length-curve-{k}")
        lines.append(line)
    ax.set_xticks(positions)
    ax.set_xticklabels([f"{text}\nn={n:,}" for text, (_, _, n)
                        in zip(comparison.bucket_labels(), comparison.buckets, strict=True)],
                       fontsize=fontsize - 1, color=colours["text"])
    highest = max([row[metric] for rows in comparison.by_bucket.values() for row in rows]
                  + [1.0])
    ax.set_ylim(0, min(100.0, highest * 1.12) if highest < 90 else 102)
    ax.set_xlabel("source sentence length (words); n: pairs in the bucket",
                  color=colours["text"], fontsize=fontsize)
    ax.set_ylabel(label, color=colours["text"], fontsize=fontsize)
    ax.tick_params(colors=colours["text"], labelsize=fontsize - 1)
    ax.grid(True, axis="y", linewidth=0.5, alpha=0.4)
    for spine in ax.spines.values():
        spine.set_edgecolor(colours["text"])
        spine.set_linewidth(0.6)
    legend = ax.legend(fontsize=fontsize, frameon=False, loc="best")
    for text in legend.get_texts():
        text.set_color(colours["text"])
    return lines


def length_curve_figure(comparison, metric="bleu", *, dark=False):
    """A `matplotlib.figure.Figure` holding the length curve; `metric="both"` draws BLEU
    and chrF side by side."""
    from matplotlib.figure import Figure

    metrics = ["bleu", "chrf"] if metric == "both" else [metric]
    figure = Figure(figsize=(6.4 * len(metrics), 4.2), layout="constrained")
    if dark:
        figure.set_facecolor(_DARK["face"])
    for ax in figure.subplots(1, len(metrics), squeeze=False)[0]:
        chosen = metrics.pop(0)
        plot_length_curve(ax, comparison, chosen, dark=dark)
        if dark:
            ax.set_facecolor(_DARK["face"])
        ax.set_title(f"{_CURVE_METRICS[chosen]} by source length",
                     color=(_DARK if dark else _LIGHT)["text"], fontsize=10)
    return figure


def save_length_curve(path, comparison, metric="bleu", *, dpi=150, dark=False):
    """Save the length curve of a comparison as `.png`, `.svg` or `.pdf` (by suffix);
    `metric` is "bleu", "chrf" or "both".

    Returns:
        the path written, a `pathlib.Path`.

    Raises:
        ValueError: unknown suffix or metric.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ValueError(f"Cannot save a length curve as {path.name!r}: the file name must "
                         f"end in one of {', '.join(IMAGE_SUFFIXES)}.")
    if metric not in (*_CURVE_METRICS, "both"):
        raise ValueError(f"Received an invalid value for argument `metric`: {metric!r}; "
                         f"expected one of {[*_CURVE_METRICS, 'both']}.")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = length_curve_figure(comparison, metric, dark=dark)
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=dpi, format=suffix[1:], facecolor=figure.get_facecolor())
    return path
