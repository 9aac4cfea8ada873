"""The translation model: encoder + attention decoder + both vocabularies, in one Keras model.

A :class:`Translator` carries its :class:`~keras_attn.config.Config` and the source and
target vocabularies in its Keras config, so one ``.keras`` file holds everything needed
to translate.
"""

from __future__ import annotations

from collections.abc import Iterable

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_attn import distribute
from keras_attn.config import Config, as_saved
from keras_attn.errors import ConfigurationError, TranslationError
from keras_attn.layers import AttentionDecoder, Encoder
from keras_attn.sentences import check_sentences, check_text  # noqa: F401 (their old home)
from keras_attn.text import END_ID, PAD_ID, TextEncoder

#: What an empty sentence is told when normalization leaves nothing of it.
NOTHING_TO_TRANSLATE = (
    "has nothing to translate once normalized (only spaces, control characters or removed symbols)"
)


@keras.saving.register_keras_serializable(package="keras_attn")
class Translator(keras.Model):
    """Sequence-to-sequence model with attention (or, with `attention="none"`, the
    classic encoder-decoder without it).

    Args:
        config: a :class:`Config` or its dict form.
        source_vocabulary: list of source tokens, the four special tokens first.
        target_vocabulary: list of target tokens, the four special tokens first.
        info: optional JSON-able dict of facts about the model for people (training data,
            epochs, scores); saved with the model and shown by the app.

    Call arguments:
        inputs: tuple `(source_ids, target_in)`, int `(batch, src_len)` and
            `(batch, tgt_len)`, padded with 0.
        training: bool.

    Returns:
        logits, float32 `(batch, tgt_len, target_vocab_size)`.
    """

    def __init__(self, config, source_vocabulary, target_vocabulary, info=None, **kwargs):
        super().__init__(**kwargs)
        self.info = dict(info or {})
        self.config = config if isinstance(config, Config) else Config.from_dict(config)
        self.config.validate()
        src, tgt = self.config.source, self.config.target
        self.source_text = TextEncoder(list(source_vocabulary), **src.encoder_options())
        self.target_text = TextEncoder(list(target_vocabulary), **tgt.encoder_options())
        self.encoder, self.decoder = self._make_layers()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.Mean(name="accuracy")
        self.token_counter = keras.metrics.Sum(name="tokens")
        self._compiled = {}  # name -> tf.function, see compiled_function

    def _make_layers(self):
        """`(encoder, decoder)` as `self.config.model` describes them; a subclass makes
        others (:class:`keras_attn.transformer.TransformerTranslator`)."""
        m = self.config.model
        if m.architecture != "rnn":
            raise ConfigurationError(
                f"A Translator is the RNN model; `model.architecture={m.architecture!r}` is "
                "built by keras_attn.transformer.TransformerTranslator "
                "(keras_attn.training.build_model picks the class)."
            )
        encoder = Encoder(
            self.source_text.vocab_size,
            m.embedding_dim,
            m.units,
            num_layers=m.encoder_layers,
            rnn=m.rnn,
            dropout=m.dropout,
            name="encoder",
        )
        decoder = AttentionDecoder(
            self.target_text.vocab_size,
            m.embedding_dim,
            m.units,
            attention=m.attention,
            attention_units=m.attention_units,
            style=m.style,
            input_feeding=m.input_feeding,
            output_norm=m.output_norm,
            rnn=m.rnn,
            dropout=m.dropout,
            tie_embeddings=m.tie_embeddings,
            name="decoder",
        )
        return encoder, decoder

    # -- Keras plumbing -----------------------------------------------------------
    def build(self, input_shape=None):
        self.encoder.build((None, None))
        self.decoder.build()
        self.built = True

    def get_config(self):
        base_config = super().get_config()
        return {
            **base_config,
            "config": self.config.to_dict(),
            "source_vocabulary": list(self.source_text.vocabulary),
            "target_vocabulary": list(self.target_text.vocabulary),
            "info": self.info,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["config"] = as_saved(config.get("config"))
        model = cls(**config)
        model.build()
        return model

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker, self.token_counter]

    # -- forward ------------------------------------------------------------------
    def call(self, inputs, training=None):
        source_ids, target_in = inputs
        outputs, state, mask = self.encoder(source_ids, training=training)
        logits, _ = self.decoder(target_in, outputs, mask, state, training=training)
        return logits

    def encode(self, source_ids, training=False):
        """Encode a batch of source ids once for decoding.

        Returns:
            dict with `outputs` `(batch, src_len, units)`, `keys` (the attention's key
            projection; without attention, the fixed context `(batch, units)`), `mask` bool `(batch, src_len)` and `state`, the decoder's initial
            state tuple.
        """
        outputs, state, mask = self.encoder(source_ids, training=training)
        return {
            "outputs": outputs,
            "keys": self.decoder.project_keys(outputs, state),
            "mask": mask,
            "state": self.decoder.initial_state(state),
        }

    def step(self, token, state, encoded):
        """One decoding step: `(logits (batch, vocab), new_state, weights (batch, src_len))`."""
        return self.decoder.step(
            token, state, encoded["outputs"], encoded["keys"], encoded["mask"], training=False
        )

    def step_anatomy(self, token, state, encoded):
        """:meth:`step` that also returns the step's stages: `(logits, new_state, weights,
        parts)`, see :meth:`AttentionDecoder.step_anatomy
        <keras_attn.layers.AttentionDecoder.step_anatomy>`."""
        return self.decoder.step_anatomy(
            token, state, encoded["outputs"], encoded["keys"], encoded["mask"]
        )

    @property
    def no_repeat_ngram(self) -> int:
        """Decoding never writes a phrase of this many tokens twice (0: no guard); see
        :class:`~keras_attn.config.DecodeConfig`."""
        return self.config.repeat_guard()

    @property
    def min_length_ratio(self) -> float:
        """Beam search ends no output before it has this many tokens per source token
        (0: no such bound); see :class:`~keras_attn.config.DecodeConfig`."""
        return max(0.0, self.config.decode.min_length_ratio)

    @property
    def length_alpha(self) -> float:
        """Beam search's length-penalty exponent; see
        :class:`~keras_attn.config.DecodeConfig`."""
        return self.config.decode.length_alpha

    @property
    def has_attention(self) -> bool:
        """False for the classic encoder-decoder (`attention="none"`), whose decoding
        paths give all-zero attention weights."""
        return self.decoder.has_attention

    # -- training -------------------------------------------------------------------
    def real_logits(self, source_ids, target_in, target_out, training=False):
        """Logits at the real (non-padding) target positions only, with their labels.

        The output layer and the loss are the largest part of a training step's
        arithmetic (`vocab_size` numbers a position); padded positions would be thrown
        away by the loss, so they are never computed.

        Args:
            source_ids: int32 `(batch, S)`; target_in, target_out: int `(batch, T)`, the
                decoder's input and the tokens it should write, padded with 0.

        Returns:
            `(logits, labels)`: float32 `(n, vocab_size)` and int `(n,)`, `n` the real
            target tokens of the batch, in row-major order.
        """
        real = ops.not_equal(target_out, PAD_ID)
        labels = tf.boolean_mask(target_out, real)
        outputs, state, mask = self.encoder(source_ids, training=training)
        features = self.decoder.features(target_in, outputs, mask, state, training=training)
        if features is None:  # the decoder computes its logits step by step
            logits, _ = self.decoder(target_in, outputs, mask, state, training=training)
            return tf.boolean_mask(ops.cast(logits, "float32"), real), labels
        return self.decoder.logits(tf.boolean_mask(features[0], real)), labels

    def loss_and_accuracy(self, labels, logits):
        """Mean cross-entropy (label-smoothed with `train.label_smoothing`) and accuracy.

        Args:
            labels: int `(n,)`; logits: `(n, vocab_size)`, one row per real target token.

        Returns:
            `(loss, accuracy, n_tokens)`, float32 scalars; 0 loss and accuracy for `n = 0`.
        """
        smoothing = self.config.train.label_smoothing
        logits = ops.cast(logits, "float32")
        labels = tf.cast(labels, tf.int32)
        if smoothing > 0:
            # Cross-entropy against (1 - s) on the label plus s spread evenly over the
            # vocabulary, in TensorFlow's fused kernel (loss and gradient in one pass).
            vocab = ops.shape(logits)[-1]
            share = smoothing / ops.cast(vocab, "float32")
            targets = tf.one_hot(labels, vocab, on_value=1.0 - smoothing + share, off_value=share)
            per_token = tf.nn.softmax_cross_entropy_with_logits(labels=targets, logits=logits)
        else:
            per_token = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        n_tokens = ops.cast(ops.shape(labels)[0], "float32")
        denominator = ops.maximum(n_tokens, 1.0)
        # tf.argmax: Keras's argmax also rewrites -0.0 in every logit first, five more
        # passes over (n, vocab_size) numbers for a tie that does not matter here.
        predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
        correct = ops.cast(ops.equal(predicted, labels), "float32")
        return ops.sum(per_token) / denominator, ops.sum(correct) / denominator, n_tokens

    def train_step(self, data):
        (source_ids, target_in), target_out = data
        with tf.GradientTape() as tape:
            logits, labels = self.real_logits(source_ids, target_in, target_out, training=True)
            loss, accuracy, n_tokens = self.loss_and_accuracy(labels, logits)
            # Under a tf.distribute strategy, this replica's part of the global mean loss.
            scaled = self.optimizer.scale_loss(loss * distribute.token_share(n_tokens))
        gradients = tape.gradient(scaled, self.trainable_variables)
        # A gather's gradient comes as row slices, one per token occurrence (keras_attn's
        # Embedding gives a dense table already). Keras 3's Adam adds up the squares of
        # repeated rows instead of squaring their sum, which makes the step of a token seen
        # k times in a batch up to sqrt(k) times too large (tests/test_model.py shows it);
        # as dense tensors they get the true Adam update.
        gradients = [
            tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g for g in gradients
        ]
        # Clipping here, not by the optimizer: under a strategy it must see the gradient
        # of the whole batch (see distribute.clip_gradients).
        loss_scale = getattr(self.optimizer, "dynamic_scale", None)
        gradients = distribute.clip_gradients(
            gradients, self.config.train.clipnorm, loss_scale=loss_scale
        )
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables, strict=True))
        return self._update_metrics(loss, accuracy, n_tokens)

    def test_step(self, data):
        (source_ids, target_in), target_out = data
        logits, labels = self.real_logits(source_ids, target_in, target_out, training=False)
        loss, accuracy, n_tokens = self.loss_and_accuracy(labels, logits)
        return self._update_metrics(loss, accuracy, n_tokens)

    def _update_metrics(self, loss, accuracy, n_tokens):
        self.loss_tracker.update_state(loss, sample_weight=n_tokens)
        self.accuracy_tracker.update_state(accuracy, sample_weight=n_tokens)
        self.token_counter.update_state(n_tokens)
        return distribute.step_logs(self)

    # -- translation --------------------------------------------------------------
    def source_ids(self, sentences):
        """Token ids of sentences as the model reads them: `(batch, src_len)` int32 with
        `[END]` appended, padded with 0. `sentences`: strings, or a `tf.string` tensor
        `(batch,)` (works inside a graph)."""
        if not tf.is_tensor(sentences) and not isinstance(sentences, str):
            sentences = list(sentences)  # any iterable of str; tensors stay in the graph
        ragged = self.source_text.encode(sentences)
        end = tf.fill([ragged.nrows(), 1], tf.constant(END_ID, ragged.dtype))
        ragged = tf.concat([ragged, tf.RaggedTensor.from_tensor(end)], axis=1)
        return tf.cast(ragged.to_tensor(default_value=PAD_ID), tf.int32)

    def max_output_length(self, source_lengths):
        """Per-sentence cap on output tokens (END included), from the source length."""
        cap = self.config.target.max_length + 1
        return tf.minimum(2 * source_lengths + 10, cap)

    def greedy(self, source_ids):
        """Greedy decoding in a compiled graph.

        Args:
            source_ids: int32 `(batch, src_len)`.

        Returns:
            `(tokens, weights, lengths)`: int32 `(batch, T)` (0 after each sentence's end),
            float32 `(batch, T, src_len)` attention weights, int32 `(batch,)` output
            lengths including `[END]` when it was produced.
        """
        from keras_attn.search import greedy_search

        def run(ids):
            return greedy_search(self, ids)

        greedy = self.compiled_function(
            "greedy", run, input_signature=[tf.TensorSpec((None, None), tf.int32)], autograph=False
        )  # plain TensorFlow control flow: no conversion needed
        return greedy(tf.convert_to_tensor(source_ids, tf.int32))

    def compiled_function(self, name: str, function, **options):
        """`function` as a `tf.function`, made on the first request for `name` and kept
        with the model: the one cache of the model's compiled functions (the greedy loop,
        the encoder, the decoding steps, teacher-forced attention), so that each is traced
        once per model and input form whoever asks for it.

        Args:
            name: the key it is kept under, e.g. ``"step"``.
            function: the Python function to compile (read on the first request only).
            **options: `tf.function` options (read on the first request only).
        """
        found = self._compiled.get(name)
        if found is None:
            found = self._compiled[name] = tf.function(function, **options)
        return found

    def translate(self, sentences: str | Iterable[str], batch_size: int = 64) -> list[str]:
        """Translate a list of sentences greedily; returns a list of strings.

        Raises:
            TranslationError: a sentence is not a string, holds a lone surrogate, is
                empty or blank, or has nothing left once normalized (only control, format
                or zero-width characters): :data:`NOTHING_TO_TRANSLATE`. The CLI and
                :func:`~keras_attn.evaluation.translate_batch` give such sentences an
                empty translation instead; :class:`~keras_attn.session.DecodingSession`
                refuses them too.
        """
        sentences = check_sentences(sentences)
        results = []
        for start in range(0, len(sentences), batch_size):
            ids = self.source_ids(sentences[start : start + batch_size])
            lengths = np.sum(np.asarray(ids) != PAD_ID, axis=1)
            if np.any(lengths <= 1):  # [END] alone: nothing survived normalization
                first = start + int(np.argmax(lengths <= 1)) + 1
                raise TranslationError(f"Sentence {first} {NOTHING_TO_TRANSLATE}.")
            tokens, _, _ = self.greedy(ids)
            results.extend(self.target_text.decode(np.asarray(tokens)))
        return results


# The Transformer model is a Translator too: registered with Keras whenever this is.
from keras_attn import transformer as _transformer  # noqa: E402, F401
