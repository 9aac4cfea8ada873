"""Saving and loading ``.keras`` model files safely.

Saving writes the new file in a hidden folder beside the destination and renames it over
the old file only once it is complete, so an interrupted save never damages an existing
model.
Loading keeps Keras's safe mode on (no code from the file is ever run) and turns every
failure into a :class:`~keras_attn.errors.ModelFileError` that names the file and why.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from keras_attn.errors import ModelFileError

#: The largest config.json accepted: the configuration and both vocabularies take a few MB
#: at most, so a bigger one is damaged or a decompression bomb (it is read into memory).
MAX_CONFIG_BYTES = 64 * 1024 * 1024


def save_model(model, path, include_optimizer=True) -> Path:
    """Write `model` to `path` (a ``.keras`` file) atomically; returns the path.

    With `include_optimizer=False` the file holds only what translation needs (about a
    third of the size for Adam): a copy of the model without its training state, in
    float32 whatever precision it was trained in, so that it translates at full speed on
    machines without bfloat16 or float16 units (the weights of a mixed-precision model are
    float32 already; only the computation changes).
    """
    import keras

    mixed = any(layer.dtype_policy.name != "float32" for layer in _layers(model))
    if not include_optimizer and (getattr(model, "optimizer", None) is not None or mixed):
        from keras_attn.device import dtype_policy

        config = model.get_config()
        config.pop("dtype", None)
        with dtype_policy("float32"):
            copy = type(model).from_config(config)
        copy.set_weights(model.get_weights())
        model = copy

    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"{path}: model files must end in .keras.")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        if directory.exists():
            raise ModelFileError(f"{path}: {directory} is not a folder.")
        raise ModelFileError(f"{path}: the folder {directory} does not exist.")
    # The new file is written in a hidden folder beside the destination (same file system,
    # so the rename is atomic). A process killed before the rename leaves that folder
    # (".NAME.keras.XXXXXXXX"), whose name does not end in .keras: it never passes for a model.
    try:
        staging = tempfile.mkdtemp(prefix=f".{path.name}.", dir=directory)
    except OSError as error:
        raise ModelFileError(f"{path}: cannot write in {directory}: {_reason(error)}.") from error
    temporary = os.path.join(staging, path.name)
    try:
        keras.saving.save_model(model, temporary)
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise ModelFileError(f"{path}: could not save the model: {_reason(error)}. "
                             "Any model already there is unchanged.") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def load_model(path, compile=False):
    """Load a keras-attn ``.keras`` file with safe mode on.

    Raises:
        ModelFileError: the file is missing, unreadable, not a ``.keras`` archive, not a
            keras-attn model, damaged, or asks to run code (a `Lambda` layer).
    """
    import keras

    import keras_attn.model  # noqa: F401  (registers the layers)

    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file.") from None
    except OSError as error:  # a folder on the way cannot be searched, a loop of links...
        raise ModelFileError(f"{path}: cannot be read: {error.strerror or error}.") from None
    if stat.S_ISDIR(mode):
        raise ModelFileError(f"{path}: is a folder, not a .keras model file.")
    if not stat.S_ISREG(mode):  # a pipe would block forever, a device never end
        raise ModelFileError(f"{path}: is not a regular file, not a .keras model file.")
    try:
        with open(path, "rb") as stream:
            stream.read(4)
    except OSError as error:
        raise ModelFileError(f"{path}: cannot be read: {error.strerror or error}.") from None
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not a .keras model file (it is not a zip archive; "
                             "the file may be truncated or of another kind).")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise ModelFileError(f"{path}: not a Keras model file (no config.json inside).")
            size = archive.getinfo("config.json").file_size
            if size > MAX_CONFIG_BYTES:
                raise ModelFileError(
                    f"{path}: not a keras-attn model file: its config.json unpacks to "
                    f"{size:,} bytes, far more than a model description takes (damaged, or "
                    "a decompression bomb); not read.")
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, OSError, ValueError, RecursionError) as error:
        raise ModelFileError(f"{path}: the file is damaged ({error}).") from error
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: the file is damaged (its config.json is not a JSON "
                             "object describing a model).")
    if "keras_attn>Translator" not in json.dumps(config.get("registered_name", "")) and \
            config.get("class_name") != "Translator":
        raise ModelFileError(
            f"{path}: a Keras model, but not a keras-attn translation model "
            f"(it holds a {config.get('class_name', 'model of unknown kind')}).")
    try:
        model = keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as error:  # Keras raises many kinds; all mean "cannot load"
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "Lambda" in str(error) or "safe_mode" in str(error):
            message = "it contains code (a Lambda layer), which is never run for safety"
        raise ModelFileError(f"{path}: cannot load the model: {message}") from error
    return model


def _layers(model):
    """The model and every layer inside it."""
    return [model, *model._flatten_layers(include_self=False, recursive=True)]


def _reason(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only location?)"
    return error.strerror or str(error)
