"""Decoding loops over the decoder's one step function."""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from keras_attn.text import END_ID, PAD_ID, START_ID


def repeat_bans(history, length, n):
    """The tokens that would make each output repeat a phrase of `n` tokens it already has.

    Args:
        history: int32 `(rows, L)`, `L >= 1`: each row's tokens so far in its first
            `length` columns.
        length: number of tokens written (scalar, at most `L`).
        n: phrase length; below 1 nothing is banned.

    Returns:
        int32 `(k, 2)`: `[row, token]` pairs; writing `token` next in `row` would repeat
        the phrase made of the row's last `n - 1` tokens and `token`.
    """
    history = tf.convert_to_tensor(history, tf.int32)
    if n < 1:
        return tf.zeros([0, 2], tf.int32)
    length = tf.convert_to_tensor(length, tf.int32)
    last = tf.shape(history)[1] - 1
    count = tf.maximum(length - n + 1, 0)  # phrases of n tokens already written
    starts = tf.range(count)
    match = tf.ones([tf.shape(history)[0], count], tf.bool)
    for j in range(n - 1):  # each earlier phrase's first n-1 tokens against the last n-1
        current = tf.gather(history, tf.clip_by_value(length - n + 1 + j, 0, last), axis=1)
        match &= tf.equal(tf.gather(history, starts + j, axis=1), current[:, None])
    found = tf.cast(tf.where(match), tf.int32)  # (k, 2): row, phrase start
    tokens = tf.gather_nd(history, tf.stack([found[:, 0], found[:, 1] + n - 1], axis=1))
    return tf.stack([found[:, 0], tokens], axis=1)


def ban(logits, bans):
    """`logits` `(rows, vocab)` as float32 with the `[row, token]` pairs of `bans` at -inf."""
    logits = tf.cast(logits, tf.float32)
    return tf.tensor_scatter_nd_update(logits, bans, tf.fill([tf.shape(bans)[0]], -np.inf))


def greedy_search(model, source_ids):
    """Greedy decoding with a `tf.while_loop`; runs eagerly or inside `tf.function`.

    Each sentence stops at its own `[END]` or at its own length cap
    (`model.max_output_length`), so a sentence's output does not depend on the other
    sentences of the batch. A token that would repeat a phrase of
    `model.no_repeat_ngram` tokens is never chosen.

    Args:
        model: a `Translator`.
        source_ids: int32 `(batch, src_len)`, padded with 0.

    Returns:
        `(tokens, weights, lengths)`: int32 `(batch, T)`, float32 `(batch, T, src_len)`,
        int32 `(batch,)`.
    """
    source_ids = tf.convert_to_tensor(source_ids, tf.int32)
    batch = tf.shape(source_ids)[0]
    src_len = tf.shape(source_ids)[1]
    source_lengths = tf.reduce_sum(tf.cast(source_ids != PAD_ID, tf.int32), axis=1)
    caps = model.max_output_length(source_lengths)
    max_steps = tf.reduce_max(caps)
    encoded = model.encode(source_ids)
    guard = model.no_repeat_ngram

    tokens = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    weights = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    token0 = tf.fill([batch], START_ID)
    done0 = tf.zeros([batch], tf.bool)
    lengths0 = tf.zeros([batch], tf.int32)

    history0 = tf.zeros([batch, tf.maximum(max_steps, 1)], tf.int32)

    def cond(t, token, state, done, lengths, tokens, weights, history):
        return tf.logical_and(t < max_steps, tf.logical_not(tf.reduce_all(done)))

    def body(t, token, state, done, lengths, tokens, weights, history):
        logits, state, step_weights = model.step(token, state, encoded)
        if guard:
            logits = ban(logits, repeat_bans(history, t, guard))
        next_token = tf.cast(tf.argmax(logits, axis=-1), tf.int32)
        next_token = tf.where(done, PAD_ID, next_token)
        step_weights = tf.where(done[:, None], 0.0, step_weights)
        lengths = lengths + tf.cast(tf.logical_not(done), tf.int32)
        done = done | tf.equal(next_token, END_ID) | (t + 1 >= caps)
        history = tf.where(
            tf.range(tf.shape(history)[1])[None, :] == t, next_token[:, None], history
        )
        return (
            t + 1,
            next_token,
            state,
            done,
            lengths,
            tokens.write(t, next_token),
            weights.write(t, step_weights),
            history,
        )

    _, _, _, _, lengths, tokens, weights, _ = tf.while_loop(
        cond,
        body,
        (tf.constant(0), token0, encoded["state"], done0, lengths0, tokens, weights, history0),
    )
    tokens = tf.transpose(tokens.stack(), (1, 0))
    weights = tf.reshape(tf.transpose(weights.stack(), (1, 0, 2)), [batch, -1, src_len])
    return tokens, weights, lengths


# -- step-wise decoders (beam search, sampling) ------------------------------------------
# These run a Python loop around the model's compiled step function, one call per output
# position for the whole batch. Each sentence is handled on its own rows, so a sentence's
# result does not depend on the other sentences of the batch.


@dataclasses.dataclass
class Hypothesis:
    """One output of beam search or sampling.

    Attributes:
        tokens: output token ids, `[END]` included when it was produced.
        log_prob: sum of the tokens' log-probabilities.
        score: `log_prob` divided by the length penalty (the value beams are ranked by).
        weights: float32 `(len(tokens), src_len)` attention weights.
        finished: True when the hypothesis ended with `[END]`.
    """

    tokens: list
    log_prob: float
    score: float
    weights: np.ndarray
    finished: bool


#: Tokens by which beam search's shortest output (`min_length_ratio` times the source's
#: tokens) is lowered: a short sentence's translation may be much shorter than the usual
#: ratio says ("Selbstverständlich!" -> "Of course!"), a long one's hardly ever. Without
#: it, on Tatoeba a model padded finished sentences to the length ("Tom is my
#: stepfather. Fuji."); with 2 its outputs there stayed as they were, and on the
#: long-sentence corpus it kept most of the bound's gain (docs/PERFORMANCE.md).
MIN_LENGTH_SLACK = 2


def length_penalty(length, alpha):
    """GNMT length penalty `((5 + length) / 6) ** alpha` (Wu et al. 2016); 1 when alpha=0."""
    return ((5.0 + length) / 6.0) ** alpha


def compiled_step(model):
    """The model's step function as a `tf.function` (traced once per model and state form)."""
    return _compiled_method(model, "step")


def compiled_step_anatomy(model):
    """The model's `step_anatomy` as a `tf.function` (a separate graph: the plain step
    computes nothing more for it)."""
    return _compiled_method(model, "step_anatomy")


def compiled_encode(model):
    """The model's encoder as a `tf.function`."""
    return _compiled_method(model, "encode")


def _compiled_method(model, name):
    """`model.<name>` compiled, from the model's cache (`Translator.compiled_function`)."""
    return model.compiled_function(
        name, getattr(model, name), reduce_retracing=True, autograph=False
    )


def _tile(encoded, repeats):
    """Repeat every sentence's encoding `repeats` times along the batch axis (every
    tensor of the nest `encoded` has the batch axis first)."""
    return tf.nest.map_structure(lambda x: tf.repeat(x, repeats, axis=0), encoded)


def _gather_state(state, indices):
    """The rows `indices` of every tensor of the decoder state (a nest, batch axis first)."""
    return tf.nest.map_structure(lambda s: tf.gather(s, indices), state)


def beam_search(
    model,
    source_ids,
    width=5,
    alpha=None,
    n_best=1,
    trace=False,
    no_repeat_ngram=None,
    min_length_ratio=None,
):
    """Batched beam search with GNMT length normalisation.

    Args:
        model: a `Translator`.
        source_ids: int32 `(batch, src_len)`, padded with 0.
        width: beams per sentence (1 gives greedy decoding).
        alpha: length-penalty exponent (0: no normalisation; None: the model's setting,
            `model.length_alpha`).
        n_best: hypotheses returned per sentence (at most `width`).
        trace: also return, per sentence, the live beams after every step (for drawing a
            beam tree): a list of steps, each a list of dicts with `token`, `parent`
            (index into the previous step's unfinished beams, in their order),
            `log_prob`, `score`, `finished`.
        no_repeat_ngram: never extend a beam so that it repeats a phrase of this many
            tokens (0: off; None: the model's setting, `model.no_repeat_ngram`).
        min_length_ratio: no hypothesis ends before it has this many tokens per source
            token (rounded down; 0: off; None: the model's setting,
            `model.min_length_ratio`).

    Returns:
        a list (one per sentence) of lists of :class:`Hypothesis`, best first; with
        `trace`, a pair `(results, traces)`.
    """
    if width < 1:
        raise ValueError(
            f"Received an invalid value for argument `width`, expected a "
            f"positive integer, got {width}."
        )
    n_best = max(1, min(n_best, width))
    guard = model.no_repeat_ngram if no_repeat_ngram is None else no_repeat_ngram
    source_ids = tf.convert_to_tensor(source_ids, tf.int32)
    batch, src_len = int(source_ids.shape[0]), int(source_ids.shape[1])
    lengths = np.sum(source_ids.numpy() != PAD_ID, axis=1)
    caps = model.max_output_length(tf.constant(lengths, tf.int32)).numpy()
    ratio = model.min_length_ratio if min_length_ratio is None else min_length_ratio
    if alpha is None:
        alpha = model.length_alpha
    # Output tokens before [END] at the least (the source's [END] is not counted); with
    # a ratio of 0 the bound is below 0 and bans nothing.
    shortest = np.floor(ratio * (lengths - 1)) - MIN_LENGTH_SLACK
    shortest = np.repeat(np.minimum(shortest, caps - 1), width)
    encoded = _tile(compiled_encode(model)(source_ids), width)
    step = compiled_step(model)

    rows = batch * width
    state = encoded["state"]
    token = np.full(rows, START_ID, np.int32)
    log_probs = np.full((batch, width), -np.inf, np.float64)
    log_probs[:, 0] = 0.0  # one live beam at the start
    history = np.zeros((rows, 0), np.int32)
    weights_history = np.zeros((rows, 0, src_len), np.float32)
    finished = [[] for _ in range(batch)]
    done = np.zeros(batch, bool)
    traces = [[] for _ in range(batch)]
    t = 0
    while not done.all():
        logits, state, weights = step(tf.constant(token), state, encoded)
        step_lp = tf.nn.log_softmax(logits).numpy().astype(np.float64)  # (rows, V)
        if guard and t >= guard:
            bans = repeat_bans(history, t, guard).numpy()
            step_lp[bans[:, 0], bans[:, 1]] = -np.inf
        step_lp[t < shortest, END_ID] = -np.inf
        weights = weights.numpy()
        vocab = step_lp.shape[1]
        total = (log_probs.reshape(rows, 1) + step_lp).reshape(batch, width * vocab)
        order = _top_indices(total, 2 * width)
        next_rows = np.zeros(rows, np.int64)
        next_token = np.full(rows, PAD_ID, np.int32)
        next_lp = np.full((batch, width), -np.inf)
        for b in range(batch):
            if done[b]:
                next_rows[b * width : (b + 1) * width] = b * width
                continue
            step_trace = []
            alive = 0
            for flat in order[b]:
                lp = total[b, flat]
                if not np.isfinite(lp):
                    break
                beam, tok = divmod(int(flat), vocab)
                row = b * width + beam
                length = t + 1
                if tok == END_ID or length >= caps[b]:
                    tokens = history[row].tolist() + [tok]
                    w = np.concatenate([weights_history[row], weights[row][None]], 0)
                    hyp = Hypothesis(
                        tokens,
                        float(lp),
                        float(lp / length_penalty(length, alpha)),
                        w,
                        tok == END_ID,
                    )
                    finished[b].append(hyp)
                    step_trace.append(
                        {
                            "token": tok,
                            "parent": beam,
                            "log_prob": float(lp),
                            "score": hyp.score,
                            "finished": True,
                        }
                    )
                    if len(finished[b]) >= width:
                        break
                    continue
                if alive < width:
                    slot = b * width + alive
                    next_rows[slot] = row
                    next_token[slot] = tok
                    next_lp[b, alive] = lp
                    step_trace.append(
                        {
                            "token": tok,
                            "parent": beam,
                            "log_prob": float(lp),
                            "score": float(lp / length_penalty(length, alpha)),
                            "finished": False,
                        }
                    )
                    alive += 1
                    if alive == width:
                        break
            if trace:
                traces[b].append(step_trace)
            if len(finished[b]) >= width or alive == 0 or t + 1 >= caps[b]:
                done[b] = True
        history = np.concatenate([history[next_rows], next_token[:, None]], axis=1)
        weights_history = np.concatenate(
            [weights_history[next_rows], weights[next_rows][:, None]], axis=1
        )
        state = _gather_state(state, tf.constant(next_rows, tf.int32))
        token = next_token
        log_probs = next_lp
        t += 1
    results = [sorted(f, key=lambda h: -h.score)[:n_best] for f in finished]
    return (results, traces) if trace else results


def sample(model, source_ids, temperature=1.0, top_k=0, seed=None, no_repeat_ngram=None):
    """Sample one output per sentence, token by token.

    Args:
        temperature: divides the logits (below 1: safer, above 1: more varied); 0 means
            greedy.
        top_k: sample among the k most likely tokens only (0: all).
        seed: seed of the random generator, for repeatable samples.
        no_repeat_ngram: as for :func:`beam_search`.

    Returns:
        a list of :class:`Hypothesis`, one per sentence.
    """
    if temperature < 0:
        raise ValueError(
            f"Received an invalid value for argument `temperature`, expected a "
            f"number >= 0, got {temperature}."
        )
    rng = np.random.default_rng(seed)
    guard = model.no_repeat_ngram if no_repeat_ngram is None else no_repeat_ngram
    source_ids = tf.convert_to_tensor(source_ids, tf.int32)
    batch = int(source_ids.shape[0])
    lengths = np.sum(source_ids.numpy() != PAD_ID, axis=1)
    caps = model.max_output_length(tf.constant(lengths, tf.int32)).numpy()
    encoded = compiled_encode(model)(source_ids)
    step = compiled_step(model)
    state = encoded["state"]
    token = np.full(batch, START_ID, np.int32)
    out = [[] for _ in range(batch)]
    lps = np.zeros(batch)
    weights_out = [[] for _ in range(batch)]
    done = np.zeros(batch, bool)
    t = 0
    while not done.all():
        logits, state, weights = step(tf.constant(token), state, encoded)
        logits = logits.numpy().astype(np.float64)
        log_p = logits - _logsumexp(logits)
        if guard and t >= guard:
            written = np.array([row + [0] * (t - len(row)) for row in out], np.int32)
            bans = repeat_bans(written, t, guard).numpy()
            logits[bans[:, 0], bans[:, 1]] = -np.inf
        weights = weights.numpy()
        for b in range(batch):
            if done[b]:
                token[b] = PAD_ID
                continue
            if temperature == 0:
                tok = int(np.argmax(logits[b]))
            else:
                scaled = logits[b] / temperature
                if top_k:
                    cutoff = np.sort(scaled)[-min(top_k, scaled.size)]
                    scaled = np.where(scaled >= cutoff, scaled, -np.inf)
                p = np.exp(scaled - scaled.max())
                tok = int(rng.choice(p.size, p=p / p.sum()))
            out[b].append(tok)
            lps[b] += log_p[b, tok]
            weights_out[b].append(weights[b])
            token[b] = tok
            if tok == END_ID or t + 1 >= caps[b]:
                done[b] = True
        t += 1
    return [
        Hypothesis(
            out[b], float(lps[b]), float(lps[b]), np.array(weights_out[b]), out[b][-1] == END_ID
        )
        for b in range(batch)
    ]


def score(model, source_ids, target_ids, alpha=0.0):
    """Log-probability of given outputs under the model (teacher forcing).

    Args:
        source_ids: int32 `(batch, src_len)`.
        target_ids: list of token-id lists (each as produced by a decoder, `[END]`
            included when present).

    Returns:
        float64 array `(batch,)` of summed log-probabilities, divided by the length
        penalty when `alpha` > 0.
    """
    width = max(len(t) for t in target_ids)
    batch = len(target_ids)
    target_in = np.zeros((batch, width), np.int32)
    target_out = np.zeros((batch, width), np.int32)
    for i, tokens in enumerate(target_ids):
        target_in[i, 0] = START_ID
        target_in[i, 1 : len(tokens)] = tokens[:-1]
        target_out[i, : len(tokens)] = tokens
    logits = model(
        (tf.convert_to_tensor(source_ids, tf.int32), tf.constant(target_in)), training=False
    )
    log_p = tf.nn.log_softmax(logits).numpy().astype(np.float64)
    totals = np.zeros(batch)
    for i, tokens in enumerate(target_ids):
        totals[i] = sum(log_p[i, t, tok] for t, tok in enumerate(tokens))
        totals[i] /= length_penalty(len(tokens), alpha)
    return totals


def _top_indices(values, k):
    """Indices of the k largest values of each row, largest first (ties: lower index
    first, as `argmax` and a stable sort would give)."""
    k = min(k, values.shape[1])
    part = np.argpartition(-values, k - 1, axis=1)[:, :k]
    # Values tied with the k-th largest may have been left out: a stable sort of the
    # candidates settles the order, then ties at the boundary are resolved by index.
    threshold = np.take_along_axis(values, part, axis=1).min(axis=1, keepdims=True)
    rows = []
    for b in range(values.shape[0]):
        candidates = np.flatnonzero(values[b] >= threshold[b, 0])
        ranked = candidates[np.argsort(-values[b, candidates], kind="stable")]
        rows.append(ranked[:k])
    return np.stack(rows)


def _logsumexp(x):
    m = x.max(axis=-1, keepdims=True)
    return m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
