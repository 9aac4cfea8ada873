"""The attention heatmap as text for a terminal: shade characters or ANSI colours.

Widths are counted in terminal columns (wide East Asian characters count twice,
combining marks not at all).
"""

from __future__ import annotations

import unicodedata

import numpy as np

from keras_attn.plotting.common import check_shapes

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


def text_heatmap(
    weights, source_tokens, target_tokens, width=None, *, color=False, max_label=14, max_header=8
) -> str:
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
    weights = check_shapes(weights, source_tokens, target_tokens)
    rows, cols = weights.shape
    label_width = min(max([display_width(t) for t in target_tokens] + [1]), max_label)
    tail_width = min(max([display_width(t) for t in source_tokens] + [1]), max_label) + 6
    limit = 100 if width is None else width
    cell = 2 if label_width + 2 + 2 * cols + 2 + tail_width <= limit else 1

    header_units = []
    for token in source_tokens:
        units = _units(token)
        if len(units) > max_header:
            units = units[: max_header - 1] + ["…"]
        header_units.append(units)
    height = max([len(u) for u in header_units] + [0])
    lines = []
    indent = " " * (label_width + 2)
    for level in range(height):
        parts = []
        for units in header_units:
            unit = units[level] if level < len(units) else ""
            parts.append(
                unit + " " * (cell - display_width(unit))
                if display_width(unit) <= cell
                else "…" + " " * (cell - 1)
            )
        lines.append((indent + "".join(parts)).rstrip())

    for i in range(rows):
        row = weights[i]
        if color:
            cells = "".join(f"\x1b[48;5;{_ansi_colour(w)}m{' ' * cell}\x1b[0m" for w in row)
        else:
            cells = "".join(shade(w) * cell for w in row)
        best = int(np.argmax(row)) if cols else None
        tail = (
            f" {_fit(source_tokens[best], tail_width - 6).rstrip()} {row[best]:.2f}"
            if best is not None
            else ""
        )
        lines.append(f"{_fit(target_tokens[i], label_width)} │{cells}│{tail}".rstrip())
    if color:
        swatches = "".join(f"\x1b[48;5;{_ansi_colour(k / 8)}m  \x1b[0m" for k in range(9))
        legend = f"0 {swatches} 1"
    else:
        legend = "  ".join(f"{SHADES[k + 1]} ≥{t:.2f}" for k, t in enumerate(THRESHOLDS))
    lines.append(indent + legend)
    return "\n".join(lines)
