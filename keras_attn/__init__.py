"""keras-attn: neural machine translation with attention you can see.

Importing this package registers its Keras layers and model, so that
``keras.models.load_model("model.keras")`` works with safe mode left on.

    >>> import keras_attn
    >>> translator = keras_attn.load("model.keras")
    >>> translator.translate(["ein Satz"])
"""

__version__ = "0.1.0"

from keras_attn._quiet import import_tensorflow  # noqa: E402
from keras_attn.config import Config, ModelConfig, TextConfig, TrainConfig, preset  # noqa: F401
from keras_attn.errors import (  # noqa: F401
    ConfigurationError,
    DataError,
    KerasAttnError,
    ModelFileError,
    TranslationError,
)

import_tensorflow()

# Registers the Keras layers and the model class with Keras's serialization.
from keras_attn.layers import (  # noqa: E402, F401
    AttentionDecoder,
    BahdanauAttention,
    Encoder,
    LuongAttention,
)
from keras_attn.model import Translator  # noqa: E402, F401
from keras_attn.saving import load_model as load  # noqa: E402, F401
from keras_attn.saving import save_model as save  # noqa: E402, F401
from keras_attn.schedules import LearningRateSchedule  # noqa: E402, F401
