"""Keras layers of keras-attn: encoder, attention and decoder, one module each.

Attention: :mod:`~keras_attn.layers.attention_base` (scores -> masked softmax -> context,
and :func:`make_attention`), specialised by
:mod:`~keras_attn.layers.bahdanau_attention` and :mod:`~keras_attn.layers.luong_attention`;
:mod:`~keras_attn.layers.no_attention` is the classic model's fixed context.
"""

from keras_attn.layers.attention_base import AttentionBase, make_attention
from keras_attn.layers.attention_decoder import AttentionDecoder
from keras_attn.layers.bahdanau_attention import BahdanauAttention
from keras_attn.layers.encoder import Encoder
from keras_attn.layers.luong_attention import LuongAttention
from keras_attn.layers.no_attention import NoAttention

__all__ = [
    "AttentionBase",
    "AttentionDecoder",
    "BahdanauAttention",
    "Encoder",
    "LuongAttention",
    "NoAttention",
    "make_attention",
]
