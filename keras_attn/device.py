"""Device and numeric-precision choice: a GPU when one is present, the CPU otherwise."""

from __future__ import annotations

import contextlib


def gpus() -> list[str]:
    """Names of the GPUs TensorFlow can use (empty on a CPU-only machine)."""
    import tensorflow as tf

    return [device.name for device in tf.config.list_physical_devices("GPU")]


def describe() -> str:
    """One line for people: which device training and translation will use."""
    found = gpus()
    if found:
        return f"GPU ({len(found)} found: {', '.join(found)})"
    return "CPU (no GPU found)"


def resolve_precision(precision: str) -> str:
    """Turn ``"auto"`` into a Keras dtype policy name for this machine.

    On a GPU, ``auto`` means ``mixed_float16`` (tensor cores; the fused cuDNN GRU kernel
    is used because the layers keep cuDNN-eligible settings). On a CPU it means
    ``float32``; ``mixed_bfloat16`` can be asked for explicitly on CPUs with bfloat16
    support.
    """
    if precision != "auto":
        return precision
    return "mixed_float16" if gpus() else "float32"


@contextlib.contextmanager
def dtype_policy(name: str):
    """Create layers under the global dtype policy `name`, then restore the previous one.

    Each layer stores its own policy in its config, so a saved model loads back with the
    precision it was trained with.
    """
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
