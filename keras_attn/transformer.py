"""The Transformer translator: the same model interface as the RNN one, with attention
everywhere.

:class:`TransformerTranslator` is a :class:`~keras_attn.model.Translator` whose encoder
and decoder are Transformer stacks (:mod:`keras_attn.layers.transformer_encoder`,
:mod:`keras_attn.layers.transformer_decoder`): built from a :class:`~keras_attn.config.
Config` with ``model.architecture="transformer"``, trained by the same training step,
saved in one ``.keras`` file, and decoded by the same greedy, beam and sampling loops and
the same :class:`~keras_attn.session.DecodingSession`, through the same three methods:

* :meth:`~TransformerTranslator.encode` runs the encoder once per sentence and
  projects every decoder block's cross-attention keys and values;
* :meth:`~TransformerTranslator.step` advances one output position, with the decoder's
  self-attention keys and values of earlier positions cached in its state;
* :meth:`~TransformerTranslator.step_anatomy` does the same and also returns every head's
  query, scaled scores, weights and context.

The weights a step returns, like the RNN models', are one distribution over the source
tokens: the last decoder block's attention over the source, averaged over its heads.
"""

from __future__ import annotations

import keras

from keras_attn.layers.transformer_decoder import TransformerDecoder
from keras_attn.layers.transformer_encoder import TransformerEncoder
from keras_attn.model import Translator


@keras.saving.register_keras_serializable(package="keras_attn")
class TransformerTranslator(Translator):
    """Sequence-to-sequence Transformer (Vaswani et al. 2017) with pre-norm blocks.

    Args: as :class:`~keras_attn.model.Translator`; the configuration's
    ``model.architecture`` must be ``"transformer"``. Sizes: ``model.units`` (`d_model`),
    ``model.layers`` (blocks in the encoder and in the decoder), ``model.heads``,
    ``model.ff_units``, ``model.positions``, ``model.dropout``, ``model.tie_embeddings``.

    Call arguments and returns: as :class:`~keras_attn.model.Translator`.
    """

    def _make_layers(self):
        m = self.config.model
        if m.architecture != "transformer":
            from keras_attn.errors import ConfigurationError

            raise ConfigurationError(
                f"A TransformerTranslator needs `model.architecture='transformer'`, got "
                f"{m.architecture!r}."
            )
        sizes = {
            "units": m.units,
            "layers": m.layers,
            "heads": m.heads,
            "inner_units": m.ff_units,
            "positions": m.positions,
            "dropout": m.dropout,
            # With tied embeddings (the small and base presets) both sides' token vectors
            # start normal with deviation units**-0.5, as in fairseq's Transformer: times
            # the sqrt(units) of the input, about the positions' size. Untied (the tiny
            # preset) they keep Keras's uniform +-0.05, which learned faster there
            # (docs/PERFORMANCE.md, "The Transformer in ten minutes").
            "embeddings_initializer": (
                keras.initializers.RandomNormal(stddev=m.units**-0.5)
                if m.tie_embeddings
                else "uniform"
            ),
        }
        # Sentences as the models read them: `max_length` tokens and [END] (source);
        # [START] and `max_length` tokens (target), so many decoding steps at most.
        encoder = TransformerEncoder(
            self.source_text.vocab_size,
            max_length=self.config.source.max_length + 1,
            name="encoder",
            **sizes,
        )
        decoder = TransformerDecoder(
            self.target_text.vocab_size,
            max_length=self.config.target.max_length + 1,
            tie_embeddings=m.tie_embeddings,
            name="decoder",
            **sizes,
        )
        return encoder, decoder

    def encode(self, source_ids, training=False):
        """Encode a batch of source ids once for decoding.

        Args:
            source_ids: int32 `(batch, S)`, padded with 0.

        Returns:
            dict with `outputs` `(batch, S, units)`; `keys` and `values`, every decoder
            block's cross-attention keys and values `(batch, layers, heads, S, d_head)`;
            `mask` bool `(batch, S)`; `state`, the decoder's initial state (see
            :class:`~keras_attn.layers.transformer_decoder.TransformerDecoder`); and
            `self_attention`, the encoder's per-head self-attention float32
            `(batch, layers, heads, S, S)`.
        """
        outputs, self_attention, mask = self.encoder(source_ids, training=training)
        keys, values = self.decoder.project_keys(outputs)
        return {
            "outputs": outputs,
            "keys": keys,
            "values": values,
            "mask": mask,
            "state": self.decoder.initial_state(keras.ops.shape(source_ids)[0]),
            "self_attention": self_attention,
        }

    def step(self, token, state, encoded):
        """One decoding step: `(logits (batch, vocab), new_state, weights (batch, S))`;
        the weights are the last block's attention over the source, averaged over heads."""
        return self.decoder.step(
            token, state, encoded["outputs"], (encoded["keys"], encoded["values"]), encoded["mask"]
        )

    def step_anatomy(self, token, state, encoded):
        """:meth:`step` that also returns every head of every attention: `(logits,
        new_state, weights, parts)`, see :meth:`TransformerDecoder.step_anatomy
        <keras_attn.layers.transformer_decoder.TransformerDecoder.step_anatomy>`."""
        return self.decoder.step_anatomy(
            token, state, encoded["outputs"], (encoded["keys"], encoded["values"]), encoded["mask"]
        )

    def forward_attention(self, source_ids, target_in):
        """Every attention weight of a teacher-forced pass (inference mode).

        Args:
            source_ids: int32 `(batch, S)`; target_in: int32 `(batch, T)`, `[START]` and
                the reference tokens, padded with 0.

        Returns:
            dict of float32: `encoder` `(batch, layers, heads, S, S)`, `decoder`
            `(batch, layers, heads, T, T)` (the decoder's self-attention), `cross`
            `(batch, layers, heads, T, S)`.
        """
        outputs, encoder_weights, mask = self.encoder(source_ids, training=False)
        decoder_weights, cross = self.decoder.attention_weights(
            target_in, outputs, mask, training=False
        )
        return {"encoder": encoder_weights, "decoder": decoder_weights, "cross": cross}

    @property
    def has_attention(self) -> bool:
        return True
