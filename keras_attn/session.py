"""Step-through decoding: the engine behind the app's decoder view.

A :class:`DecodingSession` encodes a sentence once, then advances one output token per
:meth:`~DecodingSession.step`, exposing everything a person may want to look at: the
chosen token and its probability, the top candidates, the attention over the source
tokens. :meth:`~DecodingSession.back` undoes a step and :meth:`~DecodingSession.force`
replaces the token chosen at the current step, so that one can ask "what if".

    >>> session = DecodingSession(model)
    >>> session.start("Ich habe Hunger.")
    >>> while not session.finished:
    ...     result = session.step()
    ...     print(result.token, f"{result.probability:.2f}")
    >>> session.translation

With ``anatomy=True`` every step also carries its :class:`StepAnatomy`: the decoder state,
the scores before the softmax, the weights, the context vector, ``[h_t; c_t]``, the
attentional vector and the logits, the model's own numbers for that step.

On a Transformer model every step carries its :class:`~keras_attn.transformer_heads.
StepHeads` (`StepResult.heads`): every head of every block's attention over the source and
over the output so far, with its query, keys, values, scaled scores, weights and context;
:attr:`DecodingSession.encoder_attention` holds the encoder's self-attention.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import tensorflow as tf

from keras_attn.diagnostics import AttentionDiagnostics, attention_diagnostics
from keras_attn.errors import TranslationError
from keras_attn.model import NOTHING_TO_TRANSLATE, Translator, check_text
from keras_attn.search import (
    Hypothesis,
    beam_search,
    compiled_encode,
    compiled_step,
    compiled_step_anatomy,
    repeat_bans,
)
from keras_attn.text import END, END_ID, PAD_ID, START_ID
from keras_attn.transformer_heads import StepHeads, step_heads


@dataclasses.dataclass
class Candidate:
    """A possible next token: its id, its text and its probability."""

    token_id: int
    token: str
    probability: float


SCORES = {
    "bahdanau": "additive",
    "luong-dot": "dot",
    "luong-general": "general",
    "luong-concat": "concat",
    "none": "none",
}


@dataclasses.dataclass
class StepAnatomy:
    """The stages of one decoding step, with the model's numbers (float32 numpy arrays).

    The order of the stages follows `style`: in the ``"bahdanau"`` style the scores are
    computed from the previous decoder state and the context enters the RNN; in the
    ``"luong"`` style the RNN steps first and the scores are computed from its new state.

    Attributes:
        style: ``"luong"`` or ``"bahdanau"``.
        score: how scores are computed: ``"additive"`` (`v^T tanh(W1 h_s + W2 q)`),
            ``"dot"`` (`q . h_s`), ``"general"`` (`q . W_a h_s`), ``"concat"``
            (`v^T tanh(W_a [q; h_s])`) or ``"none"`` (no attention: a fixed context).
        query: `(units,)`, the vector the scores are computed from (the previous decoder
            state in the bahdanau style, `h_t` in the luong style).
        h: `(units,)`, the RNN output `h_t` of this step.
        encoder_states: `(src_len, units)`, the encoder outputs (the values attended over).
        scores: `(src_len,)`, the scores before the softmax; `-inf` at masked positions
            (and everywhere for a model without attention).
        weights: `(src_len,)`, the softmax of the scores (== `StepResult.weights`; all
            zeros without attention).
        context: `(units,)`, `c_t = sum_i weights_i * encoder_states_i`; without
            attention, the fixed context (the encoder's final state).
        concat: `(2 * units,)`, `[h_t; c_t]`.
        attentional: `(units,)`, `tanh(W_c [h_t; c_t])`, after the layer norm when the
            model has one; what the output layer reads.
        logits: `(vocab,)`, the output layer's scores of every target token.
    """

    style: str
    score: str
    query: np.ndarray
    h: np.ndarray
    encoder_states: np.ndarray
    scores: np.ndarray
    weights: np.ndarray
    context: np.ndarray
    concat: np.ndarray
    attentional: np.ndarray
    logits: np.ndarray


@dataclasses.dataclass
class StepResult:
    """What one decoding step produced.

    Attributes:
        index: 0-based position of this output token.
        token_id, token: the chosen token (the most likely one, or the forced one).
        probability: the model's probability of the chosen token at this step.
        candidates: the top-k tokens at this step, most likely first.
        weights: float32 `(src_len,)` attention over the source tokens.
        finished: True when the chosen token is `[END]` or the length cap is reached.
        forced: True when the token was set by :meth:`DecodingSession.force`.
        anatomy: the step's :class:`StepAnatomy` when the session was made with
            `anatomy=True`, else None (always None for a Transformer model).
        heads: for a Transformer model, every head of the step's attentions
            (:class:`~keras_attn.transformer_heads.StepHeads`); None for RNN models.
    """

    index: int
    token_id: int
    token: str
    probability: float
    candidates: list
    weights: np.ndarray
    finished: bool
    forced: bool = False
    anatomy: StepAnatomy | None = None
    heads: StepHeads | None = None


@dataclasses.dataclass
class _Entry:
    state_before: tuple
    probabilities: np.ndarray  # (vocab,)
    state_after: tuple
    result: StepResult


class DecodingSession:
    """Greedy decoding of one sentence, one token at a time, with history.

    Args:
        model: a `Translator`.
        top_k: how many candidates each step reports.
        anatomy: give every step its :class:`StepAnatomy` (`StepResult.anatomy`); plain
            decoding computes nothing more without it.
    """

    def __init__(self, model: Translator, top_k: int = 5, anatomy: bool = False) -> None:
        self.model = model
        self.top_k = top_k
        self.anatomy = bool(anatomy)
        self._step = compiled_step(model)
        self._transformer = model.config.model.architecture == "transformer"
        self._step_anatomy: Any = (
            compiled_step_anatomy(model) if self.anatomy or self._transformer else None
        )
        # a Transformer's cross-attention keys and values, as numpy
        self._cross: tuple[np.ndarray, ...] | None = None
        self._encoder_states: np.ndarray | None = None
        self._encode = compiled_encode(model)
        self.sentence: str | None = None
        self.source_tokens: list[str] = []
        self.truncated = False
        self.token_count = 0
        self._encoded: Any = None  # the encoder's outputs once started (a dict of tensors)
        self._initial_state: Any = None
        self._history: list[_Entry] = []
        self._cap = 0

    # -- starting -------------------------------------------------------------------
    def start(self, sentence: str) -> list[str]:
        """Encode `sentence` once and reset the output; returns the source tokens.

        When the sentence has more tokens than the model reads (`max_length`), it is cut;
        `truncated` is then True and `token_count` tells how long it was.

        Raises:
            TranslationError: the sentence is empty or has no tokens after normalization.
        """
        if not isinstance(sentence, str) or not sentence.strip():
            raise TranslationError("The sentence is empty: nothing to translate.")
        check_text(sentence)
        text = self.model.source_text
        tokens = text.tokens([sentence])[0]
        if not tokens:
            raise TranslationError(f"The sentence {NOTHING_TO_TRANSLATE}.")
        self.token_count = text.token_counts([sentence])[0]
        self.truncated = self.token_count > text.max_length
        source_ids = self.model.source_ids([sentence])
        self.sentence = sentence
        self.source_tokens = tokens + [END]
        self._encoded = self._encode(source_ids)
        self._encoder_states = None
        self._cross = None
        self._initial_state = self._encoded["state"]
        self._history = []
        length = tf.constant([len(self.source_tokens)], tf.int32)
        self._cap = int(self.model.max_output_length(length).numpy()[0])
        return list(self.source_tokens)

    def _require_started(self):
        if self._encoded is None:
            raise TranslationError("No sentence yet: call start(sentence) first.")

    # -- moving -----------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """True when the last step ended the output (or nothing was started)."""
        return bool(self._history) and self._history[-1].result.finished

    def step(self) -> StepResult:
        """Produce the next output token (the most likely one)."""
        self._require_started()
        if self.finished:
            raise TranslationError("Decoding has ended; use back() or force() to change it.")
        if self._history:
            previous, state = self._history[-1].result.token_id, self._history[-1].state_after
        else:
            previous, state = START_ID, self._initial_state
        token = tf.constant([previous], tf.int32)
        anatomy = heads = None
        if self._transformer:
            logits, new_state, weights, parts = self._step_anatomy(token, state, self._encoded)
            if self._cross is None:
                self._cross = tuple(
                    np.asarray(self._encoded[name][0], np.float32) for name in ("keys", "values")
                )
            cross_keys, cross_values = self._cross
            heads = step_heads(parts, new_state, cross_keys, cross_values, index=len(self._history))
        elif self.anatomy:
            logits, new_state, weights, parts = self._step_anatomy(token, state, self._encoded)
            anatomy = self._anatomy(logits, weights, parts)
        else:
            logits, new_state, weights = self._step(token, state, self._encoded)
        logits = logits.numpy()[0].astype(np.float64)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        chosen = int(np.argmax(self._guarded(logits)))
        index = len(self._history)
        result = self._result(
            index,
            chosen,
            probabilities,
            weights.numpy()[0],
            forced=False,
            anatomy=anatomy,
            heads=heads,
        )
        self._history.append(_Entry(state, probabilities, new_state, result))
        return result

    def back(self) -> StepResult | None:
        """Undo the last step; returns the step that is now the last (None at the start)."""
        self._require_started()
        if self._history:
            self._history.pop()
        return self._history[-1].result if self._history else None

    def force(self, token: str | int) -> StepResult:
        """Replace the token chosen at the current (last) step; decoding goes on from it.

        Args:
            token: a token id or a token string of the target vocabulary.
        """
        self._require_started()
        if not self._history:
            raise TranslationError("Nothing to replace yet: take a step first.")
        token_id = self._token_id(token)
        entry = self._history[-1]
        entry.result = self._result(
            entry.result.index,
            token_id,
            entry.probabilities,
            entry.result.weights,
            forced=True,
            anatomy=entry.result.anatomy,
            heads=entry.result.heads,
        )
        return entry.result

    def run_to_end(self) -> list[StepResult]:
        """Step until the output ends; returns the new steps."""
        steps = []
        while not self.finished:
            steps.append(self.step())
        return steps

    # -- looking ----------------------------------------------------------------------
    @property
    def steps(self) -> list[StepResult]:
        return [entry.result for entry in self._history]

    @property
    def target_tokens(self) -> list[str]:
        """Output tokens so far (`[END]` included once produced)."""
        return [entry.result.token for entry in self._history]

    @property
    def target_ids(self) -> list[int]:
        return [entry.result.token_id for entry in self._history]

    @property
    def encoder_attention(self) -> np.ndarray | None:
        """A Transformer's encoder self-attention for the started sentence, float32
        `(layers, heads, src_len, src_len)` (row: the attending source token); None for
        RNN models."""
        self._require_started()
        if not self._transformer:
            return None
        return np.asarray(self._encoded["self_attention"][0], np.float32)

    @property
    def attention(self) -> np.ndarray:
        """float32 `(steps, src_len)`: one row of attention weights per output token."""
        if not self._history:
            return np.zeros((0, len(self.source_tokens)), np.float32)
        return np.stack([entry.result.weights for entry in self._history])

    @property
    def translation(self) -> str:
        """The output so far as readable text."""
        return self.model.target_text.decode([self.target_ids])[0]

    def diagnostics(self, threshold: float = 0.5) -> AttentionDiagnostics | None:
        """Entropy and coverage of the attention of the steps so far (see
        :func:`keras_attn.diagnostics.attention_diagnostics`); None for a model without
        attention, which has no attention to diagnose."""
        self._require_started()
        if not self.model.has_attention:
            return None
        return attention_diagnostics(self.attention, self.source_tokens, threshold=threshold)

    def beam(
        self, width: int = 5, alpha: float | None = None
    ) -> tuple[list[Hypothesis], list[list[dict]]]:
        """Beam search on the started sentence, with its per-step beams for a beam tree.

        Returns:
            `(hypotheses, trace)`: the n-best list (:class:`~keras_attn.search.Hypothesis`,
            best first) and a list of steps, each a list of beams with `token` (text),
            `token_id`, `parent`, `log_prob`, `score`, `finished`.
        """
        self._require_started()
        results, traces = beam_search(
            self.model,
            self.model.source_ids([self.sentence]),
            width=width,
            alpha=alpha,
            n_best=width,
            trace=True,
        )
        vocabulary = self.model.target_text.vocabulary
        trace = [
            [
                {**beam, "token_id": beam["token"], "token": vocabulary[beam["token"]]}
                for beam in step
            ]
            for step in traces[0]
        ]
        return results[0], trace

    # -- helpers ------------------------------------------------------------------------
    def _guarded(self, logits):
        """`logits` `(vocab,)` with the tokens that would repeat a phrase of
        `model.no_repeat_ngram` tokens set to -inf, as greedy decoding does."""
        guard, written = self.model.no_repeat_ngram, self.target_ids
        if not guard or len(written) < guard:
            return logits
        bans = repeat_bans(np.array([written], np.int32), len(written), guard).numpy()
        logits = logits.copy()
        logits[bans[:, 1]] = -np.inf
        return logits

    def _anatomy(self, logits, weights, parts) -> StepAnatomy:
        if self._encoder_states is None:
            self._encoder_states = np.asarray(self._encoded["outputs"][0], np.float32)
        parts = {name: value.numpy()[0] for name, value in parts.items()}
        decoder = self.model.decoder
        return StepAnatomy(
            style=decoder.style,
            score=SCORES[decoder.attention_kind],
            query=parts["query"],
            h=parts["h"],
            encoder_states=self._encoder_states,
            scores=parts["scores"],
            weights=np.asarray(weights[0], np.float32),
            context=parts["context"],
            concat=parts["concat"],
            attentional=parts["attentional"],
            logits=np.asarray(logits[0], np.float32),
        )

    def _result(self, index, token_id, probabilities, weights, forced, anatomy=None, heads=None):
        vocabulary = self.model.target_text.vocabulary
        ranked = np.argsort(-probabilities, kind="stable")
        # [PAD] and [START] are never outputs; they are left out of the candidates.
        top = [i for i in ranked[: self.top_k + 2] if i not in (PAD_ID, START_ID)][: self.top_k]
        candidates = [Candidate(int(i), vocabulary[int(i)], float(probabilities[i])) for i in top]
        return StepResult(
            index=index,
            token_id=token_id,
            token=vocabulary[token_id],
            probability=float(probabilities[token_id]),
            candidates=candidates,
            weights=np.asarray(weights, np.float32),
            finished=token_id == END_ID or index + 1 >= self._cap,
            forced=forced,
            anatomy=anatomy,
            heads=heads,
        )

    def _token_id(self, token) -> int:
        vocabulary = self.model.target_text.vocabulary
        if isinstance(token, int | np.integer):
            if not 0 <= int(token) < len(vocabulary):
                raise TranslationError(
                    f"Token id {token} is outside the target vocabulary "
                    f"of {len(vocabulary)} tokens."
                )
            return int(token)
        try:
            return vocabulary.index(token)
        except ValueError:
            raise TranslationError(f"{token!r} is not in the target vocabulary.") from None
