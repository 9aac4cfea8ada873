"""Adam and AdamW whose update of each weight is one fused TensorFlow kernel.

Keras's Adam updates a weight with about ten separate operations (the two moment
estimates, their square root, the step), each reading and writing whole tensors. On a CPU
that was a tenth to a fifth of a small model's training step (docs/PERFORMANCE.md).
TensorFlow's ``ResourceApplyAdam`` does the same arithmetic in one pass over the weight
and its two moments:

    m <- m + (g - m) (1 - beta_1)
    v <- v + (g^2 - v) (1 - beta_2)
    w <- w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

which is Keras's update term for term (same epsilon, outside the square root), so a
model trains to the same weights and old checkpoints resume unchanged: the optimizer's
variables and configuration are Keras's own.

The fused kernel is used for dense gradients outside a distribution strategy; sparse
gradients, AMSGrad and mirrored training take Keras's update.
"""

from __future__ import annotations

import keras
import tensorflow as tf


class FusedUpdate:
    """Adam's update of one weight by ``tf.raw_ops.ResourceApplyAdam``."""

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad or isinstance(gradient, tf.IndexedSlices) or tf.distribute.has_strategy():
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        index = self._get_variable_index(variable)
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        tf.raw_ops.ResourceApplyAdam(
            var=resource_handle(variable),
            m=resource_handle(self._momentums[index]),
            v=resource_handle(self._velocities[index]),
            beta1_power=tf.pow(beta_1, step),
            beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype),
            beta1=beta_1,
            beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
            use_locking=False,
        )


def resource_handle(variable):
    """The resource handle of a Keras or TensorFlow variable."""
    if isinstance(variable, keras.Variable):
        variable = variable.value
    return variable.handle


@keras.saving.register_keras_serializable(package="keras_attn")
class FusedAdam(FusedUpdate, keras.optimizers.Adam):
    """:class:`keras.optimizers.Adam` with the fused update (see the module)."""


@keras.saving.register_keras_serializable(package="keras_attn")
class FusedAdamW(FusedUpdate, keras.optimizers.AdamW):
    """:class:`keras.optimizers.AdamW` with the fused update (see the module); the weight
    decay is Keras's own step before it."""
