"""Learning-rate schedules, saved with the optimizer inside a model file."""

import math

import keras

from keras_attn.config import DECAYS


@keras.saving.register_keras_serializable(package="keras_attn")
class LearningRateSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up, then constant, cosine or inverse-square-root decay.

    Args:
        learning_rate: peak rate.
        warmup_steps: steps of linear warm-up from ~0 to the peak.
        decay: one of `keras_attn.config.DECAYS`: ``"none"``, ``"cosine"`` (to 0 at
            `total_steps`) or ``"inverse_sqrt"``.
        total_steps: length of the cosine decay.

    Attributes:
        budget_scale: a non-trainable variable the rate is multiplied by, 1 unless a
            time-limited run lowers it as its time runs out (see
            :class:`keras_attn.callbacks.TimeDecayCallback`). Not saved: a loaded schedule
            starts at 1.
    """

    def __init__(self, learning_rate, warmup_steps=0, decay="none", total_steps=1):
        if decay not in DECAYS:
            raise ValueError(
                f"Received an invalid value for argument `decay`, expected one "
                f"of {DECAYS}, got {decay!r}."
            )
        self.learning_rate = float(learning_rate)
        self.warmup_steps = int(warmup_steps)
        self.decay = decay
        self.total_steps = max(int(total_steps), 1)
        self.budget_scale = keras.Variable(
            1.0, trainable=False, dtype="float32", name="budget_scale"
        )

    def __call__(self, step):
        from keras import ops

        step = ops.cast(step, "float32") + 1.0
        warmup = float(max(self.warmup_steps, 1))
        rate = (
            self.learning_rate * ops.minimum(1.0, step / warmup)
            if self.warmup_steps
            else ops.full_like(step, self.learning_rate)
        )
        if self.decay == "cosine":
            span = float(max(self.total_steps - self.warmup_steps, 1))
            progress = ops.clip((step - self.warmup_steps) / span, 0.0, 1.0)
            rate = rate * 0.5 * (1.0 + ops.cos(math.pi * progress))
        elif self.decay == "inverse_sqrt":
            rate = rate * ops.sqrt(warmup / ops.maximum(step, warmup))
        return rate * ops.cast(self.budget_scale, "float32")

    def get_config(self):
        return {
            "learning_rate": self.learning_rate,
            "warmup_steps": self.warmup_steps,
            "decay": self.decay,
            "total_steps": self.total_steps,
        }


def schedule_of(optimizer) -> LearningRateSchedule | None:
    """The :class:`LearningRateSchedule` an optimizer (or the one a loss-scale optimizer
    wraps) follows, or None when its rate is a plain number or another schedule."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    schedule = getattr(inner, "_learning_rate", None)
    return schedule if isinstance(schedule, LearningRateSchedule) else None
