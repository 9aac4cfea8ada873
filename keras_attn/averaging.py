"""Weight averaging: a model read from the moving average of its recent weights.

With ``train.ema`` above 0, the optimizer keeps an exponential moving average of the
weights after every update (Polyak averaging; the "EMA" of Keras's optimizers), and
validation, every checkpoint and the trained model use the average rather than the last
weights. While the learning rate is still high, the last weights jump around the minimum
the run is heading to; their average sits nearer to it, so that a run stopped at any
moment, or scored part-way, translates better.

The average starts from the first weights and warms up: after ``n`` updates its decay
is ``min(ema, n / (n + 10))`` (as TensorFlow's ``ExponentialMovingAverage`` does with
``num_updates``), so that the random initial weights are forgotten within the first
steps instead of lingering for ``1 / (1 - ema)`` of them.

The averages are optimizer variables: they go into checkpoints (a resumed run continues
the same average) but not into a model file saved without its training state.
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_attn.optimizers import FusedAdam, FusedAdamW, resource_handle


class _WarmAverage:
    """Keras's moving average of the weights, with a decay that warms up."""

    def _update_model_variables_moving_average(self, trainable_variables):
        if not self.use_ema:
            return
        n = ops.cast(self.iterations, "float32")
        decay = ops.minimum(float(self.ema_momentum), n / (n + 10.0))
        for var, average in zip(
            trainable_variables, self._model_variables_moving_average, strict=True
        ):
            if average is None:
                continue
            d = ops.cast(decay, var.dtype)
            if tf.distribute.has_strategy():
                average.assign(d * average + (1.0 - d) * var)
            else:
                # average <- average - (1 - d) (average - var), in one pass over it
                delta = tf.convert_to_tensor(average) - tf.convert_to_tensor(var)
                tf.raw_ops.ResourceApplyGradientDescent(
                    var=resource_handle(average), alpha=1.0 - d, delta=delta
                )

    def finalize_variable_values(self, var_list):
        """Leave the model's weights as they are: :class:`AverageWeightsCallback` puts the
        average into the model itself (Keras's own step would copy the optimizer's average
        slots in, which hold the last weights while the callback has the average in the
        model)."""


@keras.saving.register_keras_serializable(package="keras_attn")
class AveragedAdam(_WarmAverage, FusedAdam):
    """Adam (:class:`keras_attn.optimizers.FusedAdam`) whose weight average warms up
    (see the module)."""


@keras.saving.register_keras_serializable(package="keras_attn")
class AveragedAdamW(_WarmAverage, FusedAdamW):
    """AdamW (:class:`keras_attn.optimizers.FusedAdamW`) whose weight average warms up
    (see the module)."""


def averaging_optimizer(model):
    """The optimizer of `model` that keeps a weight average (the one inside a loss-scale
    optimizer), or None when it keeps none."""
    optimizer = getattr(model, "optimizer", None)
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    if optimizer is None or not getattr(optimizer, "use_ema", False):
        return None
    if not hasattr(optimizer, "_model_variables_moving_average"):
        return None  # not built yet: no update has run
    return optimizer


def swap_average(model) -> bool:
    """Exchange the values of `model`'s trainable weights and of their averages (no-op
    without an average); True when they were exchanged."""
    optimizer = averaging_optimizer(model)
    if optimizer is None:
        return False
    for var, average in zip(
        optimizer._trainable_variables, optimizer._model_variables_moving_average, strict=True
    ):
        current = np.array(ops.convert_to_numpy(var))
        var.assign(average)
        average.assign(current)
    return True


@contextlib.contextmanager
def average_in(model):
    """Inside the block, `model` holds its weight average (no-op without one); for
    looking at a model between two training steps, when it holds its last weights."""
    swapped = swap_average(model)
    try:
        yield model
    finally:
        if swapped:
            swap_average(model)


class AverageWeightsCallback(keras.callbacks.Callback):
    """Puts the weight average into the model for validation and at each epoch's end
    (so that the callbacks after this one, checkpoints and best weights, see it), and the
    last weights back for training.

    A checkpoint therefore holds the average as the model's weights and the last weights
    in the optimizer's average slots; a run resumed from one (`resumed=True`) swaps them
    back before it trains. Training ends with the average in the model, the last weights
    in the slots (the averaging optimizers leave that to this callback).

    Args:
        resumed: the model comes from a checkpoint written with this callback.
    """

    def __init__(self, resumed=False):
        super().__init__()
        self._average_in_model = bool(resumed)

    def _put_average(self, wanted: bool):
        if self._average_in_model != wanted and swap_average(self.model):
            self._average_in_model = wanted

    def on_train_begin(self, logs=None):
        self._put_average(False)

    def on_epoch_begin(self, epoch, logs=None):
        self._put_average(False)

    def on_test_begin(self, logs=None):
        self._put_average(True)

    def on_test_end(self, logs=None):
        self._put_average(False)

    def on_epoch_end(self, epoch, logs=None):
        self._put_average(True)

    def on_train_end(self, logs=None):
        self._put_average(True)
