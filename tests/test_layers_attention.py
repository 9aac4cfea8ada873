"""Tests of the attention layers: the base, Bahdanau, Luong, and saved models."""

from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

from keras_attn.layers import (
    AttentionBase,
    BahdanauAttention,
    LuongAttention,
    NoAttention,
    make_attention,
)


def _inputs(seed=0, batch=2, tq=3, tv=5, dim=7):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(batch, tq, dim)).astype("float32")
    values = rng.normal(size=(batch, tv, dim)).astype("float32")
    mask = np.ones((batch, tv), bool)
    mask[-1, 3:] = False
    return query, values, mask


@pytest.mark.parametrize(
    "layer",
    [
        BahdanauAttention(4),
        LuongAttention("dot"),
        LuongAttention("general"),
        LuongAttention("concat", units=4),
    ],
)
def test_shapes_sum_to_one_and_zero_on_padding(layer):
    """Context and weight shapes are right; weights sum to 1 and are exactly 0 on padding."""
    query, values, mask = _inputs()
    context, weights = layer(query, values, mask=mask)
    assert tuple(context.shape) == (2, 3, 7)
    assert tuple(weights.shape) == (2, 3, 5)
    w = np.asarray(weights)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-6)
    assert np.all(w[1, :, 3:] == 0.0)
    assert np.all(w[1, :, :3] > 0.0)
    # A 2-D query (one decoding step) gives the first row of the 3-D result.
    context1, weights1 = layer(query[:, 0], values, mask=mask)
    assert tuple(context1.shape) == (2, 7) and tuple(weights1.shape) == (2, 5)
    np.testing.assert_allclose(np.asarray(weights1), w[:, 0], atol=1e-6)
    np.testing.assert_allclose(np.asarray(context1), np.asarray(context)[:, 0], atol=1e-5)


def test_bahdanau_matches_hand_computed_additive_score():
    """score = v^T tanh(W1 k + W2 q), softmax over the source, context = sum w * v."""
    layer = BahdanauAttention(3)
    query, values, _ = _inputs(seed=1, batch=1, tq=1, tv=4, dim=2)
    layer(query, values)
    w2 = np.array([[0.5, -1.0, 0.25], [1.5, 0.0, -0.5]], "float32")
    w1 = np.array([[1.0, 0.2, -0.3], [-0.7, 0.4, 0.9]], "float32")
    v = np.array([[1.0], [-2.0], [0.5]], "float32")
    layer.query_dense.kernel.assign(w2)
    layer.key_dense.kernel.assign(w1)
    layer.score_dense.kernel.assign(v)
    _, weights = layer(query, values)
    q, k = query[0, 0], values[0]
    scores = np.array([np.tanh(k[j] @ w1 + q @ w2) @ v[:, 0] for j in range(4)])
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    np.testing.assert_allclose(np.asarray(weights)[0, 0], expected, rtol=1e-5)


def test_precomputed_keys_give_the_same_result():
    """Passing project_keys(values) gives exactly what computing them inside does."""
    layer = BahdanauAttention(6)
    query, values, mask = _inputs(seed=2)
    c1, w1 = layer(query, values, mask=mask)
    c2, w2 = layer(query, values, keys=layer.project_keys(values), mask=mask)
    np.testing.assert_array_equal(np.asarray(w1), np.asarray(w2))
    np.testing.assert_array_equal(np.asarray(c1), np.asarray(c2))


def test_weight_counts():
    """Bahdanau has W1, W2 and v; Luong general one matrix; dot none."""
    query, values, _ = _inputs()
    counts = {}
    for name, layer in [
        ("bahdanau", BahdanauAttention(4)),
        ("dot", LuongAttention("dot")),
        ("general", LuongAttention("general")),
        ("concat", LuongAttention("concat", units=4)),
    ]:
        layer(query, values)
        counts[name] = [tuple(w.shape) for w in layer.weights]
    assert sorted(counts["bahdanau"]) == sorted([(7, 4), (7, 4), (4, 1)])
    assert counts["dot"] == []
    assert counts["general"] == [(7, 7)]
    assert len(counts["concat"]) == 3


@pytest.mark.parametrize(
    "layer", [BahdanauAttention(5), LuongAttention("concat", units=3), LuongAttention("general")]
)
def test_get_config_round_trip(layer):
    """from_config(get_config()) rebuilds an equivalent layer."""
    clone = layer.__class__.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert keras.saving.get_registered_name(layer.__class__).startswith("keras_attn>")


def test_invalid_arguments_are_named():
    """Bad arguments raise errors that name the argument and the value."""
    with pytest.raises(ValueError, match="argument `units`.*got 0"):
        BahdanauAttention(0)
    with pytest.raises(ValueError, match="argument `units`.*positive integer, got True"):
        BahdanauAttention(True)
    with pytest.raises(ValueError, match="argument `method`.*'cosine'"):
        LuongAttention("cosine")
    with pytest.raises(ValueError, match="same size"):
        LuongAttention("dot")(np.zeros((1, 2, 3), "float32"), np.zeros((1, 4, 5), "float32"))


# -- the base -------------------------------------------------------------------------


class _ScaledDot(AttentionBase):
    """A score written for the test: only `_calculate_scores`, the rest is the base's."""

    def _calculate_scores(self, query, keys):
        return ops.matmul(query, ops.transpose(keys, (0, 2, 1))) / np.sqrt(query.shape[-1])


class _TwoHeads(AttentionBase):
    """Scores `(batch, heads, Tq, Tv)` and a context hook that merges the heads."""

    heads = 2

    def _split(self, x):  # (batch, T, d) -> (batch, heads, T, d / heads)
        batch, steps, dim = ops.shape(x)
        x = ops.reshape(x, (batch, steps, self.heads, dim // self.heads))
        return ops.transpose(x, (0, 2, 1, 3))

    def _calculate_scores(self, query, keys):
        return ops.matmul(self._split(query), ops.transpose(self._split(keys), (0, 1, 3, 2)))

    def _calculate_context(self, weights, values):
        context = ops.matmul(weights, self._split(values))  # (batch, heads, Tq, d / heads)
        batch, _, steps, _ = ops.shape(context)
        return ops.reshape(ops.transpose(context, (0, 2, 1, 3)), (batch, steps, -1))


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_a_new_score_gets_masked_softmax_and_context_from_the_base():
    """A subclass that only computes scores attends like softmax(q k / sqrt d) v with
    padding left out."""
    query, values, mask = _inputs(seed=3)
    context, weights, scores = _ScaledDot()(query, values, mask=mask, return_scores=True)
    raw = query @ values.transpose(0, 2, 1) / np.sqrt(7)
    expected = _softmax(np.where(mask[:, None, :], raw, -np.inf))
    np.testing.assert_allclose(np.asarray(weights), expected, atol=1e-6)
    np.testing.assert_allclose(np.asarray(context), expected @ values, atol=1e-5)
    assert np.all(np.isneginf(np.asarray(scores)[1, :, 3:]))
    np.testing.assert_allclose(np.asarray(scores)[0], raw[0], rtol=1e-5)


def test_scores_with_heads_keep_their_heads_axis():
    """Scores `(batch, heads, Tq, Tv)`: weights keep the heads axis, a `(batch, Tv)` mask
    and a causal `(batch, Tq, Tv)` mask both apply to every head, one step = one row."""
    query, values, mask = _inputs(seed=4, tq=5, dim=8)
    layer = _TwoHeads()
    context, weights = layer(query, values, mask=mask)
    assert tuple(context.shape) == (2, 5, 8) and tuple(weights.shape) == (2, 2, 5, 5)
    w = np.asarray(weights)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-6)
    assert np.all(w[1, :, :, 3:] == 0.0)
    heads = query.reshape(2, 5, 2, 4).transpose(0, 2, 1, 3)
    keys = values.reshape(2, 5, 2, 4).transpose(0, 2, 1, 3)
    expected = _softmax(
        np.where(mask[:, None, None, :], heads @ keys.transpose(0, 1, 3, 2), -np.inf)
    )
    np.testing.assert_allclose(w, expected, atol=1e-6)
    np.testing.assert_allclose(
        np.asarray(context), (expected @ keys).transpose(0, 2, 1, 3).reshape(2, 5, 8), atol=1e-5
    )
    causal = np.tril(np.ones((5, 5), bool))[None].repeat(2, axis=0)
    _, causal_weights = layer(query, values, mask=causal)
    assert np.all(np.triu(np.asarray(causal_weights)[0, 1], k=1) == 0.0)
    context1, weights1 = layer(query[:, 2], values, mask=mask)
    assert tuple(context1.shape) == (2, 8) and tuple(weights1.shape) == (2, 2, 5)
    np.testing.assert_allclose(np.asarray(weights1), w[:, :, 2], atol=1e-6)


def test_a_base_without_scores_says_what_is_missing():
    with pytest.raises(NotImplementedError, match="_calculate_scores"):
        AttentionBase()(*_inputs()[:2])


def test_luong_concat_is_the_additive_score():
    """Luong's concat and Bahdanau's score are one computation: same weights, same result."""
    query, values, mask = _inputs(seed=5)
    bahdanau, concat = BahdanauAttention(4), LuongAttention("concat", units=4)
    bahdanau(query, values, mask=mask)
    concat(query, values, mask=mask)
    concat.set_weights(bahdanau.get_weights())
    for a, b in zip(
        bahdanau(query, values, mask=mask), concat(query, values, mask=mask), strict=True
    ):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_make_attention_builds_each_kind():
    kinds = {
        "bahdanau": BahdanauAttention,
        "luong-dot": LuongAttention,
        "luong-general": LuongAttention,
        "luong-concat": LuongAttention,
        "none": NoAttention,
    }
    for kind, klass in kinds.items():
        layer = make_attention(kind, 8)
        assert type(layer) is klass and layer.name == "attention"
        assert isinstance(layer, AttentionBase) == (kind != "none")
    assert make_attention("luong-general", 8).method == "general"
    with pytest.raises(ValueError, match="`kind`: 'luong'"):
        make_attention("luong", 8)


# -- saved models ---------------------------------------------------------------------

MODELS = Path(__file__).resolve().parents[1] / "assets" / "models"
# Tiny models of the other attention kinds (trained 8 epochs on the reverse task), saved
# before the attention layers shared a base: luong_dot (input feeding), luong_general
# (bahdanau style), luong_concat (LSTM), bahdanau (bahdanau style).
OLD_MODELS = Path(__file__).resolve().parent / "data" / "attention_models"

# Recorded with the layers as they were before the attention base: the sentences, their
# greedy translations, beam-3 translations, and each greedy step's most attended source
# position.
RECORDED = {
    "de_en": (
        [
            "Ich habe Hunger.",
            "Wo ist der Bahnhof?",
            "Er hat gestern einen langen Brief an seine Mutter geschrieben.",
        ],
        ["I'm hungry.", "Where is the station?", "He wrote one long letter."],
        ["I'm hungry.", "Where is the station?", "He wrote a long letter."],
        [[4, 2, 4, 4], [0, 1, 2, 5, 6, 7], [0, 9, 3, 4, 5, 11, 11]],
    ),
    "dates": (
        ["Wednesday, January 3, 1923", "may 7, 1907", "13.10.1998"],
        ["1923-01-03", "1907-05-07", "1998-10-13"],
        ["1923-01-03", "1907-05-07", "1998-10-13"],
        [
            [25, 25, 26, 27, 28, 13, 14, 12, 19, 20, 28],
            [9, 9, 10, 11, 12, 0, 2, 1, 3, 4, 12],
            [7, 7, 8, 9, 10, 3, 4, 4, 0, 1, 10],
        ],
    ),
    "toy_language": (
        [
            "the friend did not cook the apple in some forests.",
            "you held my cats under your old boxes.",
            "we walk.",
        ],
        [
            "tavo ta silvoli en ba ova ta na kuirati.",
            "ko kestali vedi ku lo misoli mo tenoti.",
            "nami paso.",
        ],
        [
            "tavo ta silvoli en ba ova ta na kuirati.",
            "ko kestali vedi ku lo misoli mo tenoti.",
            "nami paso.",
        ],
        [[1, 0, 9, 8, 7, 6, 5, 3, 4, 10, 11], [0, 7, 6, 5, 4, 3, 2, 1, 8, 9], [0, 1, 2, 3]],
    ),
    "lesson_attention": (
        [
            "your mouse ate this egg with them.",
            "my friend will want a red horse and a teacher swims but he will not clean your cup.",
        ],
        [
            "kiri ku zon do gogo si mikati.",
            "tavo mo hesa reki en volaro ke sefo dani en nada ma sul tasu ku na puraro.",
        ],
        [
            "kiri ku zon do gogo si mikati.",
            "tavo mo hesa reki en volaro ke sefo dani en nada ma sul tasu ku na puraro.",
        ],
        [
            [1, 0, 6, 5, 4, 3, 2, 7, 8],
            [1, 0, 6, 5, 4, 3, 7, 9, 9, 8, 10, 11, 12, 17, 16, 15, 15, 18, 19],
        ],
    ),
    "lesson_classic": (
        [
            "your mouse ate this egg with them.",
            "my friend will want a red horse and a teacher swims but he will not clean your cup.",
        ],
        [
            "kiri ku zon do gogo si mikati.",
            "tavo mo hesa en vola ke tavo gora en tasu novi nau na konsaro ma nami kantaro.",
        ],
        [
            "kiri ku zon do gogo si mikati.",
            "tavo mo hesa reki en volaro ke sefo dani en nada ma sul tasu ku na puraro.",
        ],
        [[0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    ),
    "luong_dot": (
        ["a b c d", "l k j i h g f", "e e f"],
        ["d c b a", "f g k h k", "f e e"],
        ["d c b a", "f h k h k", "f e e"],
        [[4, 1, 1, 0, 0], [6, 6, 2, 0, 0, 0], [3, 2, 1, 0]],
    ),
    "luong_general": (
        ["a b c d", "l k j i h g f", "e e f"],
        ["d c b a", "f a h g j g e l", "f e e"],
        ["d c b a", "f a h g j g e l", "f e e"],
        [[4, 3, 2, 0, 0], [6, 6, 5, 6, 6, 6, 0, 0, 0], [2, 2, 0, 0]],
    ),
    "luong_concat": (
        ["a b c d", "l k j i h g f", "e e f"],
        ["d c b a", "f h h k j i", "f e e"],
        ["d c b a", "f h h k j i", "f e e"],
        [[4, 2, 0, 0, 0], [7, 6, 4, 3, 2, 0, 0], [3, 2, 0, 0]],
    ),
    "bahdanau": (
        ["a b c d", "l k j i h g f", "e e f"],
        ["d c b a b a", "f g g j k", "f e e"],
        ["d c d b a", "f g g j k", "f e e"],
        [[4, 3, 3, 1, 0, 0, 0], [7, 5, 5, 4, 3, 0], [2, 1, 0, 0]],
    ),
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_saved_models_translate_as_recorded(name):
    """Every bundled model and every older file of each attention kind loads and gives
    the translations and attention it gave when it was saved."""
    import keras_attn
    from keras_attn.search import beam_search

    path = MODELS / f"{name}.keras"
    model = keras_attn.load(path if path.exists() else OLD_MODELS / f"{name}.keras")
    sentences, greedy, beam, attended = RECORDED[name]
    assert model.translate(sentences) == greedy
    ids = model.source_ids(sentences)
    _, weights, lengths = model.greedy(ids)
    assert [
        np.argmax(np.asarray(weights)[i, : int(n)], axis=-1).tolist() for i, n in enumerate(lengths)
    ] == attended
    best = [hyps[0].tokens for hyps in beam_search(model, ids, width=3)]
    assert [model.target_text.decode(np.array([tokens]))[0] for tokens in best] == beam
