"""The fused Adam update: the same weights and moments as Keras's Adam and AdamW, compiled
or not, Keras's own update where the fused kernel does not apply, and optimizers that
save and load."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_attn.averaging import AveragedAdam, AveragedAdamW
from keras_attn.optimizers import FusedAdam, FusedAdamW, FusedUpdate

SHAPES = [(40, 24), (24,), (7, 3, 5)]


def run(optimizer, gradients, compiled=True, strategy=None):
    """Weights and moments after applying `gradients` (a list of steps) with `optimizer`
    (inside `strategy`'s replicas, if given)."""
    rng = np.random.default_rng(0)
    weights = [keras.Variable(rng.normal(size=s).astype("float32")) for s in SHAPES]

    def apply(step):
        if strategy is None:
            optimizer.apply(step, weights)
        else:
            strategy.run(optimizer.apply, args=(step, weights))

    if compiled:
        apply = tf.function(apply)
    for step in gradients:
        apply(step)
    moments = [m.numpy() for m in optimizer._momentums + optimizer._velocities]
    return [w.numpy() for w in weights], moments


def random_gradients(steps=12, seed=1):
    rng = np.random.default_rng(seed)
    return [
        [tf.constant(rng.normal(size=s).astype("float32")) for s in SHAPES] for _ in range(steps)
    ]


def assert_same(a, b):
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(
    ("fused", "keras_class", "options"),
    [
        (FusedAdam, keras.optimizers.Adam, {}),
        (FusedAdam, keras.optimizers.Adam, {"beta_2": 0.98, "epsilon": 1e-9}),
        (FusedAdamW, keras.optimizers.AdamW, {"weight_decay": 0.1}),
    ],
)
def test_fused_update_matches_keras(fused, keras_class, options, compiled):
    gradients = random_gradients()
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 5, 0.5)
    ours = run(fused(schedule, **options), gradients, compiled)
    theirs = run(keras_class(schedule, **options), gradients, compiled)
    assert_same(ours[0], theirs[0])
    assert_same(ours[1], theirs[1])
    # and the weights did move
    start, _ = run(fused(0.0), gradients[:1], compiled)
    assert not np.allclose(ours[0][0], start[0])


def test_sparse_gradients_take_keras_update():
    rng = np.random.default_rng(2)
    steps = []
    for _ in range(5):
        rows = tf.constant([1, 3, 3], dtype="int64")
        slices = tf.IndexedSlices(
            tf.constant(rng.normal(size=(3, 24)).astype("float32")), rows, tf.constant([40, 24])
        )
        rest = [tf.constant(rng.normal(size=s).astype("float32")) for s in SHAPES[1:]]
        steps.append([slices, *rest])
    ours = run(FusedAdam(0.01), steps, compiled=False)
    theirs = run(keras.optimizers.Adam(0.01), steps, compiled=False)
    assert_same(ours[0], theirs[0])
    assert_same(ours[1], theirs[1])


def test_inside_a_strategy_keras_update_runs():
    gradients = random_gradients(4)
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    with strategy.scope():
        ours = run(FusedAdam(0.01), gradients, strategy=strategy)
    theirs = run(keras.optimizers.Adam(0.01), gradients)
    assert_same(ours[0], theirs[0])


def test_averaged_optimizers_are_fused():
    assert issubclass(AveragedAdam, FusedAdam)
    assert issubclass(AveragedAdamW, FusedAdamW)
    gradients = random_gradients(6)
    averaged = AveragedAdam(0.01, use_ema=True, ema_momentum=0.9)
    ours = run(averaged, gradients)
    theirs = run(keras.optimizers.Adam(0.01), gradients)
    assert_same(ours[0], theirs[0])  # the last weights: Adam's


@pytest.mark.parametrize("cls", [FusedAdam, FusedAdamW, AveragedAdam, AveragedAdamW])
def test_optimizer_round_trips_through_its_config(cls):
    optimizer = cls(learning_rate=0.003, beta_2=0.98)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is cls
    assert isinstance(restored, FusedUpdate)
    assert restored.beta_2 == pytest.approx(0.98)


def test_compiled_update_is_one_kernel_per_weight():
    optimizer = FusedAdam(0.01)
    weights = [keras.Variable(np.ones(s, "float32")) for s in SHAPES]
    optimizer.build(weights)
    step = tf.function(lambda g: optimizer.apply(g, weights))
    graph = step.get_concrete_function(random_gradients(1)[0]).graph
    kinds = [op.type for op in graph.get_operations()]
    assert kinds.count("ResourceApplyAdam") == len(SHAPES)
