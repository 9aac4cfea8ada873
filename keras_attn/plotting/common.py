"""What the pictures of :mod:`keras_attn.plotting` share: fonts, colours, file suffixes,
the shape check of attention weights, and saving a figure.

Nothing here touches ``pyplot`` or the global ``rcParams``.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np

# Fonts tried in order for each glyph (those installed are used): broad Unicode coverage
# first, then CJK and other scripts.
FALLBACK_FONTS = (
    "DejaVu Sans",
    "Noto Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK KR",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Thai",
    "Noto Sans Georgian",
    "Noto Sans Armenian",
    "Arial Unicode MS",
    "Microsoft YaHei",
    "Yu Gothic",
    "Malgun Gothic",
    "PingFang SC",
    "Hiragino Sans",
    "Apple SD Gothic Neo",
    "Segoe UI",
    "Nirmala UI",
    "Leelawadee UI",
)
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
SUFFIXES = (*IMAGE_SUFFIXES, ".csv")

_LIGHT = {"text": "#222222", "grid": "#ffffff", "highlight": "#e8202a", "face": "#ffffff"}
_DARK = {"text": "#e6e6e6", "grid": "#1e1e1e", "highlight": "#ff5a5f", "face": "#1e1e1e"}


def palette(dark: bool = False) -> dict[str, str]:
    """The colours of text, grid lines, the highlight and the background, for a light or
    a dark background."""
    return _DARK if dark else _LIGHT


@functools.lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The installed fonts of :data:`FALLBACK_FONTS`, in order (at least "DejaVu Sans",
    which matplotlib ships). Missing glyphs are drawn as boxes, never an error."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    found = tuple(name for name in FALLBACK_FONTS if name in installed)
    return found or ("DejaVu Sans",)


def check_shapes(weights, source_tokens, target_tokens) -> np.ndarray:
    """`weights` as a float64 array, or ValueError unless its shape is
    `(len(target_tokens), len(source_tokens))`."""
    weights = np.asarray(weights, dtype=np.float64)
    expected = (len(target_tokens), len(source_tokens))
    if weights.ndim != 2 or weights.shape != expected:
        raise ValueError(
            f"Received `weights` of shape {tuple(weights.shape)}, expected "
            f"(len(target_tokens), len(source_tokens)) = {expected}."
        )
    return weights


def style_spines(ax, colour: str) -> None:
    """Thin frame lines around `ax` in `colour`."""
    for spine in ax.spines.values():
        spine.set_edgecolor(colour)
        spine.set_linewidth(0.6)


def check_suffix(path, suffixes: tuple[str, ...], what: str) -> tuple[Path, str]:
    """`(Path(path), its lower-case suffix)`, or ValueError naming the file when the suffix
    is not one of `suffixes`; `what` names the picture in the message."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise ValueError(
            f"Cannot save {what} as {path.name!r}: the file name must end in "
            f"one of {', '.join(suffixes)}."
        )
    return path, suffix


def save_figure(figure, path: Path, suffix: str, dpi) -> Path:
    """Save `figure` to `path` in the format of `suffix` (".png", ".svg" or ".pdf") with
    its own background colour; returns `path`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    with warnings.catch_warnings():  # a glyph no installed font has is drawn as a box
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        figure.savefig(path, dpi=dpi, format=suffix[1:], facecolor=figure.get_facecolor())
    return path
