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

Modules: :mod:`~keras_attn.plotting.heatmap` (matplotlib heatmaps, files),
:mod:`~keras_attn.plotting.terminal` (text heatmaps),
:mod:`~keras_attn.plotting.length_curve` (score by sentence length) and
:mod:`~keras_attn.plotting.common` (fonts, colours, saving); every name is importable
from ``keras_attn.plotting``. Importing it loads no TensorFlow, and matplotlib only when
something is drawn.
"""

from keras_attn.plotting.common import (
    FALLBACK_FONTS,
    IMAGE_SUFFIXES,
    SUFFIXES,
    font_families,
)
from keras_attn.plotting.heatmap import (
    ANNOTATE_MAX,
    attention_figure,
    plot_attention,
    save_attention,
    update_attention_rows,
)
from keras_attn.plotting.length_curve import (
    length_curve_figure,
    plot_length_curve,
    save_length_curve,
)
from keras_attn.plotting.terminal import SHADES, THRESHOLDS, display_width, shade, text_heatmap

__all__ = [
    "ANNOTATE_MAX",
    "FALLBACK_FONTS",
    "IMAGE_SUFFIXES",
    "SHADES",
    "SUFFIXES",
    "THRESHOLDS",
    "attention_figure",
    "display_width",
    "font_families",
    "length_curve_figure",
    "plot_attention",
    "plot_length_curve",
    "save_attention",
    "save_length_curve",
    "shade",
    "text_heatmap",
    "update_attention_rows",
]
