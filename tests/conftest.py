"""Shared test setup: quiet TensorFlow, offscreen Qt, small seeded data."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

import pytest  # noqa: E402

from keras_attn.config import preset  # noqa: E402
from tests.helpers import reverse_pairs  # noqa: E402

# float32 whatever the machine ("auto" trains in bfloat16 on CPUs with bfloat16 units):
# tests compare decoders and rescoring to 1e-4, closer than bfloat16 computes.
TINY = preset("tiny").replace(
    **{
        "model.units": 48,
        "model.embedding_dim": 32,
        "train.learning_rate": 1e-2,
        "train.epochs": 8,
        "train.precision": "float32",
    }
)


@pytest.fixture(scope="session")
def trained():
    """A tiny model trained on the reverse task, shared by the tests (training is the slow
    part): `(TrainResult, held_out_pairs)`."""
    from keras_attn.training import train

    pairs = reverse_pairs(1900, seed=1)
    result = train(pairs[:1700], TINY, validation_pairs=pairs[1700:])
    return result, pairs[1700:]
