"""Score against source length, one line per model (Bahdanau et al. 2015, Fig. 2), from
a :class:`keras_attn.compare.Comparison`."""

from __future__ import annotations

from keras_attn.plotting.common import (
    IMAGE_SUFFIXES,
    check_suffix,
    palette,
    save_figure,
    style_spines,
)

_CURVE_COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
_CURVE_METRICS = {"bleu": "BLEU", "chrf": "chrF"}


def _bucket_positions(comparison) -> list[float]:
    """The x position of each bucket: the mean source length of its pairs."""
    totals = [0.0] * len(comparison.buckets)
    for length, bucket in zip(comparison.lengths, comparison.bucket_of, strict=True):
        totals[bucket] += length
    return [total / max(n, 1) for total, (_, _, n) in zip(totals, comparison.buckets, strict=True)]


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
        raise ValueError(
            f"Received an invalid value for argument `metric`: {metric!r}; "
            f"expected one of {list(_CURVE_METRICS)}."
        )
    colours = palette(dark)
    positions = _bucket_positions(comparison)
    label = _CURVE_METRICS[metric]
    lines = []
    for k, name in enumerate(comparison.names):
        scores = [row[metric] for row in comparison.by_bucket[name]]
        overall = comparison.overall[name][metric]
        (line,) = ax.plot(
            positions,
            scores,
            marker="o",
            markersize=4,
            linewidth=1.8,
            color=_CURVE_COLOURS[k % len(_CURVE_COLOURS)],
            label=f"{name} (all: {overall:.1f})",
            gid=f"length-curve-{k}",
        )
        lines.append(line)
    ax.set_xticks(positions)
    ax.set_xticklabels(
        [
            f"{text}\nn={n:,}"
            for text, (_, _, n) in zip(comparison.bucket_labels(), comparison.buckets, strict=True)
        ],
        fontsize=fontsize - 1,
        color=colours["text"],
    )
    highest = max([row[metric] for rows in comparison.by_bucket.values() for row in rows] + [1.0])
    ax.set_ylim(0, min(100.0, highest * 1.12) if highest < 90 else 102)
    ax.set_xlabel(
        "source sentence length (words); n: pairs in the bucket",
        color=colours["text"],
        fontsize=fontsize,
    )
    ax.set_ylabel(label, color=colours["text"], fontsize=fontsize)
    ax.tick_params(colors=colours["text"], labelsize=fontsize - 1)
    ax.grid(True, axis="y", linewidth=0.5, alpha=0.4)
    style_spines(ax, colours["text"])
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
    colours = palette(dark)
    if dark:
        figure.set_facecolor(colours["face"])
    for ax in figure.subplots(1, len(metrics), squeeze=False)[0]:
        chosen = metrics.pop(0)
        plot_length_curve(ax, comparison, chosen, dark=dark)
        if dark:
            ax.set_facecolor(colours["face"])
        ax.set_title(
            f"{_CURVE_METRICS[chosen]} by source length", color=colours["text"], fontsize=10
        )
    return figure


def save_length_curve(path, comparison, metric="bleu", *, dpi=150, dark=False):
    """Save the length curve of a comparison as `.png`, `.svg` or `.pdf` (by suffix);
    `metric` is "bleu", "chrf" or "both".

    Returns:
        the path written, a `pathlib.Path`.

    Raises:
        ValueError: unknown suffix or metric.
    """
    path, suffix = check_suffix(path, IMAGE_SUFFIXES, "a length curve")
    if metric not in (*_CURVE_METRICS, "both"):
        raise ValueError(
            f"Received an invalid value for argument `metric`: {metric!r}; "
            f"expected one of {[*_CURVE_METRICS, 'both']}."
        )
    figure = length_curve_figure(comparison, metric, dark=dark)
    return save_figure(figure, path, suffix, dpi)
