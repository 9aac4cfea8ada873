"""Keras layers of keras-attn: encoder, attention and decoder, one module each."""

from keras_attn.layers.attention_decoder import AttentionDecoder
from keras_attn.layers.bahdanau_attention import BahdanauAttention
from keras_attn.layers.encoder import Encoder
from keras_attn.layers.luong_attention import LuongAttention, make_attention
from keras_attn.layers.no_attention import NoAttention

__all__ = ["AttentionDecoder", "BahdanauAttention", "Encoder", "LuongAttention", "NoAttention",
           "make_attention"]
