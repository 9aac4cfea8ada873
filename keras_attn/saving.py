"""Saving and loading ``.keras`` model files safely.

Saving writes a temporary file beside the destination and renames it over the old file
only once it is complete, so an interrupted save never damages an existing model.
Loading keeps Keras's safe mode on (no code from the file is ever run) and turns every
failure into a :class:`~keras_attn.errors.ModelFileError` that names the file and why.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
import zipfile
from pathlib import Path

from keras_attn.errors import ModelFileError


def save_model(model, path, include_optimizer=True) -> Path:
    """Write `model` to `path` (a ``.keras`` file) atomically; returns the path.

    With `include_optimizer=False` the file holds only what translation needs (about a
    third of the size for Adam): a copy of the model without its training state is saved.
    """
    import keras

    if not include_optimizer and getattr(model, "optimizer", None) is not None:
        copy = type(model).from_config(model.get_config())
        copy.set_weights(model.get_weights())
        model = copy

    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"{path}: model files must end in .keras.")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ModelFileError(f"{path}: the folder {directory} does not exist.")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".keras",
                                             dir=directory)
    except OSError as error:
        raise ModelFileError(f"{path}: cannot write in {directory}: {_reason(error)}.") from error
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # like any new file, not mkstemp's 0600
    try:
        keras.saving.save_model(model, temporary)
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise ModelFileError(f"{path}: could not save the model: {_reason(error)}. "
                             "Any model already there is unchanged.") from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
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
    if not path.exists():
        raise ModelFileError(f"{path}: no such file.")
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder, not a .keras model file.")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not a .keras model file (it is not a zip archive; "
                             "the file may be truncated or of another kind).")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise ModelFileError(f"{path}: not a Keras model file (no config.json inside).")
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ModelFileError(f"{path}: the file is damaged ({error}).") from error
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


def _reason(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only location?)"
    return error.strerror or str(error)
