"""Tests of the Bahdanau and Luong attention layers."""

import keras
import numpy as np
import pytest

from keras_attn.layers import BahdanauAttention, LuongAttention


def _inputs(seed=0, batch=2, tq=3, tv=5, dim=7):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(batch, tq, dim)).astype("float32")
    values = rng.normal(size=(batch, tv, dim)).astype("float32")
    mask = np.ones((batch, tv), bool)
    mask[-1, 3:] = False
    return query, values, mask


@pytest.mark.parametrize("layer", [
    BahdanauAttention(4), LuongAttention("dot"), LuongAttention("general"),
    LuongAttention("concat", units=4)])
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
    for name, layer in [("bahdanau", BahdanauAttention(4)), ("dot", LuongAttention("dot")),
                        ("general", LuongAttention("general")),
                        ("concat", LuongAttention("concat", units=4))]:
        layer(query, values)
        counts[name] = [tuple(w.shape) for w in layer.weights]
    assert sorted(counts["bahdanau"]) == sorted([(7, 4), (7, 4), (4, 1)])
    assert counts["dot"] == []
    assert counts["general"] == [(7, 7)]
    assert len(counts["concat"]) == 3


@pytest.mark.parametrize("layer", [BahdanauAttention(5), LuongAttention("concat", units=3),
                                   LuongAttention("general")])
def test_get_config_round_trip(layer):
    """from_config(get_config()) rebuilds an equivalent layer."""
    clone = layer.__class__.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert keras.saving.get_registered_name(layer.__class__).startswith("keras_attn>")


def test_invalid_arguments_are_named():
    """Bad arguments raise errors that name the argument and the value."""
    with pytest.raises(ValueError, match="argument `units`.*got 0"):
        BahdanauAttention(0)
    with pytest.raises(ValueError, match="argument `method`.*'cosine'"):
        LuongAttention("cosine")
    with pytest.raises(ValueError, match="same size"):
        LuongAttention("dot")(np.zeros((1, 2, 3), "float32"), np.zeros((1, 4, 5), "float32"))
