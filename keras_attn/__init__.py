"""keras-attn: neural machine translation with attention you can see.

    >>> import keras_attn
    >>> translator = keras_attn.load("model.keras")
    >>> translator.translate(["ein Satz"])

``import keras_attn`` is light: it loads the configuration and the error classes, and
TensorFlow only when something needs it (PEP 562 module ``__getattr__``), so that the
command line and the app start at once. TensorFlow is loaded, quietly (see
:mod:`keras_attn._quiet`), by the first use of a name that needs it (``load``, ``save``,
``Translator``, the layers, ``LearningRateSchedule``) or by the first import of a
submodule that needs it (``keras_attn.training``, ``keras_attn.session``, ...).

Keras serialization: keras-attn's layers, model and schedule are registered with Keras
when keras-attn's model code loads, that is by ``keras_attn.load`` and the other names
above, by importing ``keras_attn.model`` or any module that uses it, and by
``import keras_attn`` itself in a program that has already imported Keras or
TensorFlow. After that, ``keras.models.load_model("model.keras")`` works with safe mode
left on.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import TYPE_CHECKING

from keras_attn import _quiet
from keras_attn.config import Config, ModelConfig, TextConfig, TrainConfig, preset
from keras_attn.errors import (
    ConfigurationError,
    DataError,
    KerasAttnError,
    ModelFileError,
    TranslationError,
)

__version__ = "0.1.0"

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and editors
    from keras_attn.layers import AttentionDecoder, BahdanauAttention, Encoder, LuongAttention
    from keras_attn.model import Translator
    from keras_attn.saving import load_model as load
    from keras_attn.saving import save_model as save
    from keras_attn.schedules import LearningRateSchedule

# Names that need TensorFlow: name -> (module, attribute), imported on first use.
_LAZY = {
    "AttentionDecoder": ("keras_attn.layers", "AttentionDecoder"),
    "BahdanauAttention": ("keras_attn.layers", "BahdanauAttention"),
    "Encoder": ("keras_attn.layers", "Encoder"),
    "LuongAttention": ("keras_attn.layers", "LuongAttention"),
    "Translator": ("keras_attn.model", "Translator"),
    "load": ("keras_attn.saving", "load_model"),
    "save": ("keras_attn.saving", "save_model"),
    "LearningRateSchedule": ("keras_attn.schedules", "LearningRateSchedule"),
}

# Submodules that import neither TensorFlow nor Keras when imported: the command line's
# parsers, the data readers and checks, the configuration, the demo models' cards, the
# checkpoint and model files read as files (saving imports Keras only to load or save).
# Every other submodule has TensorFlow imported (quietly) before it loads.
LIGHT_MODULES = frozenset(
    {
        "_quiet",
        "checkpoint",
        "cli",
        "commands",
        "config",
        "data",
        "datasets",
        "demo",
        "errors",
        "numpy_models",
        "numpy_translator",
        "plotting",
        "saving",
        "sentences",
    }
)
# Single modules of packages that are not light as a whole: the text package itself (its
# TensorFlow names load on first use), its special tokens, normalization (TensorFlow is
# imported when the TensorFlow version runs), detokenization and plain-Python encoder.
LIGHT_SINGLE_MODULES = frozenset(
    {"text", "text.detokenize", "text.normalize", "text.plain", "text.specials"}
)


def _light(fullname: str) -> bool:
    """Whether importing `fullname` (a keras_attn module) needs no TensorFlow first."""
    name = fullname.split(".", 1)[1]
    return (
        name.split(".")[0] in LIGHT_MODULES
        or name in LIGHT_SINGLE_MODULES
        or name.split(".")[0] not in _submodules()
    )


__all__ = [
    "AttentionDecoder",
    "BahdanauAttention",
    "Config",
    "ConfigurationError",
    "DataError",
    "Encoder",
    "KerasAttnError",
    "LearningRateSchedule",
    "LuongAttention",
    "ModelConfig",
    "ModelFileError",
    "TextConfig",
    "TrainConfig",
    "TranslationError",
    "Translator",
    "import_tensorflow",
    "load",
    "preset",
    "register",
    "save",
]


def import_tensorflow() -> None:
    """Import TensorFlow, tensorflow-text and Keras now, quietly, by an import of their own.

    The names and submodules that need TensorFlow import it themselves, through an import
    hook; Python runs import hooks with its global import lock held, so while TensorFlow
    loads that way (seconds) every other thread's imports wait. A program whose other
    threads must go on meanwhile (a window) calls this first, on the thread that prepares
    keras_attn, as the app's workers do.
    """
    _quiet.import_tensorflow()


def register() -> None:
    """Register keras-attn's layers, model, learning-rate schedule and optimizers with Keras.

    Imports TensorFlow if it is not loaded yet. Called by every TensorFlow-side name of
    this package; call it yourself before ``keras.models.load_model`` when you have used
    nothing else of keras-attn.
    """
    importlib.import_module("keras_attn.model")  # the layers and the Translator
    importlib.import_module("keras_attn.schedules")
    importlib.import_module("keras_attn.averaging")  # fused Adam, and the weight averages


def __getattr__(name: str):
    if name in _LAZY:
        register()
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    if name in _submodules():  # keras_attn.text and the like, as before the lazy import
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def _submodules() -> frozenset:
    """The names of this package's submodules (read from its folder, importing nothing)."""
    global _SUBMODULES
    if _SUBMODULES is None:
        _SUBMODULES = frozenset(info.name for info in pkgutil.iter_modules(__path__))
    return _SUBMODULES


_SUBMODULES: frozenset[str] | None = None


class _TensorFlowFirst:
    """A meta path finder that imports TensorFlow quietly before the first keras_attn
    submodule that needs it.

    It only looks at the name being imported and always answers None, so the submodule
    itself is found and loaded as usual. Python calls finders with its global import lock
    held, so while this one imports TensorFlow (seconds) the imports of every other
    thread wait. A program whose other threads must go on meanwhile (a window) imports
    TensorFlow first with :func:`import_tensorflow`, as the app does.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("keras_attn.") and not _quiet.loaded() and not _light(fullname):
            _quiet.import_tensorflow()
        return None


if not any(isinstance(finder, _TensorFlowFirst) for finder in sys.meta_path):
    sys.meta_path.insert(0, _TensorFlowFirst())

if "keras" in sys.modules or "tensorflow" in sys.modules:
    register()  # TensorFlow is loaded already: nothing to save by waiting
