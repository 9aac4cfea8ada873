"""Saving and loading ``.keras`` model files safely.

Saving writes the new file in a hidden staging folder beside the destination and renames
it over the old file only once it is complete and on disk, then syncs the folder, so an
interrupted save never damages an existing model and a finished one survives a power loss.
The staging folder (``.NAME.keras.PID.XXXXXXXX/NAME.keras.partial``) holds no file whose
name ends in ``.keras``, so no search for models, recursive or not, takes it for one; the
folder left by a killed save is removed by the next save to the same place
(:func:`remove_stale_staging`).
Loading keeps Keras's safe mode on (no code from the file is ever run) and turns every
failure into a :class:`~keras_attn.errors.ModelFileError` that names the file and why.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from keras_attn.errors import ModelFileError

if TYPE_CHECKING:
    from keras_attn.model import Translator

#: The largest config.json accepted: the configuration and both vocabularies take a few MB
#: at most, so a bigger one is damaged or a decompression bomb (it is read into memory).
MAX_CONFIG_BYTES = 64 * 1024 * 1024
#: The model classes a keras-attn file may hold (the RNN and the Transformer translator).
TRANSLATOR_CLASSES = ("keras_attn>Translator", "keras_attn>TransformerTranslator")


def save_model(
    model: Translator,
    path: str | os.PathLike,
    include_optimizer: bool = True,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Write `model` to `path` (a ``.keras`` file) atomically; returns the path.

    `extra` maps more archive member names to their bytes, written into the same file
    (so committed by the same rename); Keras's loader ignores them, :func:`read_extra`
    reads them back.

    With `include_optimizer=False` the file holds only what translation needs (about a
    third of the size for Adam): a copy of the model without its training state, in
    float32 whatever precision it was trained in, so that it translates at full speed on
    machines without bfloat16 or float16 units (the weights of a mixed-precision model are
    float32 already; only the computation changes).
    """
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
    remove_stale_staging(path)
    # The new file is written in a hidden folder beside the destination (same file system,
    # so the rename is atomic). A process killed before the rename leaves that folder
    # (".NAME.keras.PID.XXXXXXXX"); the next save to `path` removes it.
    try:
        staging = tempfile.mkdtemp(prefix=f".{path.name}.{os.getpid()}.", dir=directory)
    except OSError as error:
        raise ModelFileError(f"{path}: cannot write in {directory}: {_reason(error)}.") from error
    temporary = os.path.join(staging, path.name + ".partial")
    try:
        with open(temporary, "w+b") as stream:
            # Locked while written and renamed: any process, on any machine sharing the
            # folder, can tell this save is alive (see remove_stale_staging).
            locked = _lock(stream.fileno(), exclusive=True)
            _write_keras(model, stream)
            if extra:
                stream.seek(0)
                with zipfile.ZipFile(stream, "a") as archive:
                    for name, data in extra.items():
                        archive.writestr(name, data)
            stream.flush()
            os.fsync(stream.fileno())
            if locked:
                os.replace(temporary, path)
        if not locked:  # (Windows renames only closed files, and has no such locks)
            os.replace(temporary, path)
        _sync_folder(directory)
    except OSError as error:
        raise ModelFileError(
            f"{path}: could not save the model: {_reason(error)}. "
            "Any model already there is unchanged."
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def read_extra(path, name) -> bytes | None:
    """The bytes of the archive member `name` that :func:`save_model` wrote with `extra`,
    or None when the file has no such member or cannot be read as an archive."""
    try:
        with zipfile.ZipFile(path) as archive:
            # Written uncompressed: a member larger than the file is damaged (or a bomb).
            if archive.getinfo(name).file_size > os.path.getsize(path):
                return None
            return archive.read(name)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _write_keras(model, stream) -> None:
    """Write `model` as a ``.keras`` archive into the open binary `stream`.

    Keras's public ``save_model`` insists on a file name ending in ``.keras``; its saving
    library writes the very same archive into an open file, which lets the partial file
    carry a name that is not taken for a model.
    """
    try:
        from keras.src.saving import saving_lib
    except ImportError:  # pragma: no cover - a Keras without it: write through a buffer
        saving_lib = None
    if saving_lib is not None and hasattr(saving_lib, "_save_model_to_fileobj"):
        saving_lib.save_model(model, stream)
        return
    import keras  # pragma: no cover

    with tempfile.TemporaryDirectory() as folder:  # pragma: no cover
        name = os.path.join(folder, "model.keras")
        keras.saving.save_model(model, name)
        with open(name, "rb") as source:
            shutil.copyfileobj(source, stream)


def _sync_folder(directory) -> None:
    """Make a rename in `directory` durable (fsync of the folder; a no-op where folders
    cannot be opened, as on Windows)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):  # not syncable
            raise
    finally:
        os.close(descriptor)


#: A staging folder: ".NAME.PID.XXXXXXXX" (this version) or ".NAME.XXXXXXXX" (before).
_STAGING = re.compile(r"\.(?P<name>.+\.keras)\.(?:(?P<pid>\d+)\.)?[A-Za-z0-9_]{8}")
#: Seconds a staging folder whose save holds no lock is left alone while its process id is
#: in use here (a save takes its lock a moment after creating the folder and the file).
STAGING_GRACE_SECONDS = 60.0


def _lock(descriptor, exclusive) -> bool | None:
    """Try to lock an open file without waiting (``flock``). True: locked; False: another
    process (on this machine, or on another through a network file system) holds a lock on
    it; None: locks are not available here (no ``fcntl``, or a file system without them)."""
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    try:
        fcntl.flock(descriptor, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # ENOLCK, EOPNOTSUPP...: cannot be told
        return None
    return True


def _save_alive(folder, name, pid) -> bool:
    """True when the save that made the staging `folder` may still be running.

    The save holds a lock on its partial file from its creation to the rename: the lock
    says at once, for a save on this machine or on another sharing the folder. Without a
    partial file, or where locks are not available, the process id (in the folder's name)
    tells on this machine; an id in use here may belong to a process of another machine
    sharing the folder, so a folder older than `STAGING_GRACE_SECONDS` is then taken for
    dead too, unless locks are unavailable (no way to tell: left alone).
    """
    if pid is None:
        return False  # an older version's folder: its save has long finished
    if pid == os.getpid():
        return True  # a save of this process (another thread)
    partial = os.path.join(folder, name + ".partial")
    try:
        descriptor = os.open(partial, os.O_RDONLY)
    except OSError:
        locked = None
        age_of = folder
    else:
        try:
            locked = _lock(descriptor, exclusive=False)
        finally:
            os.close(descriptor)  # (closing releases the lock just taken)
        if locked is False:
            return True  # its save holds the lock
        age_of = partial
    if not _running(pid):
        return False
    if locked is None and age_of == partial:
        return True  # no locks here: the id in use is all there is to go on
    try:
        return time.time() - os.stat(age_of).st_mtime < STAGING_GRACE_SECONDS
    except OSError:
        return False


def remove_stale_staging(path) -> list[Path]:
    """Remove the staging folders that killed saves to `path` left beside it.

    A folder is removed when its save is over: the lock a save holds on its partial file
    is free (a killed process holds none), or its process id names no running process on
    this machine; folders of older versions carry no id and are always removed. Folders of
    saves still running, in this process or another, on this machine or another sharing
    the folder, are left alone. Returns the folders removed; errors are ignored (a folder
    that cannot be removed stays, as harmless as before).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _STAGING.fullmatch(entry.name)
        if not match or match["name"] != path.name:
            continue
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
        except OSError:
            continue
        if _save_alive(entry.path, path.name, None if match["pid"] is None else int(match["pid"])):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.lexists(entry.path):
            removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    """True when a process with this id runs on this machine (or cannot be told)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # it exists (another user's), or we cannot tell: leave it
    return True


def load_model(path: str | os.PathLike, compile: bool = False) -> Translator:
    """Load a keras-attn ``.keras`` file with safe mode on.

    Raises:
        ModelFileError: the file is missing, unreadable, not a ``.keras`` archive, not a
            keras-attn model, damaged, or asks to run code (a `Lambda` layer).
    """
    from keras_attn import register

    register()  # the layers and the model, TensorFlow imported quietly first
    import keras

    read_model_config(path)
    try:
        model = keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as error:  # Keras raises many kinds; all mean "cannot load"
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "Lambda" in str(error) or "safe_mode" in str(error):
            message = "it contains code (a Lambda layer), which is never run for safety"
        raise ModelFileError(f"{path}: cannot load the model: {message}") from error
    return model


def read_model_config(path: str | os.PathLike) -> dict:
    """The model description (config.json) of a keras-attn ``.keras`` file, read as a
    file: no TensorFlow, nothing imported or run.

    Raises:
        ModelFileError: as :func:`load_model`, for everything but the weights.
    """
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
        raise ModelFileError(
            f"{path}: not a .keras model file (it is not a zip archive; "
            "the file may be truncated or of another kind)."
        )
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
                    "a decompression bomb); not read."
                )
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, OSError, ValueError, RecursionError) as error:
        raise ModelFileError(f"{path}: the file is damaged ({error}).") from error
    if not isinstance(config, dict):
        raise ModelFileError(
            f"{path}: the file is damaged (its config.json is not a JSON "
            "object describing a model)."
        )
    registered = json.dumps(config.get("registered_name", ""))
    if not any(name in registered for name in TRANSLATOR_CLASSES) and config.get(
        "class_name"
    ) not in [name.split(">")[1] for name in TRANSLATOR_CLASSES]:
        raise ModelFileError(
            f"{path}: a Keras model, but not a keras-attn translation model "
            f"(it holds a {config.get('class_name', 'model of unknown kind')})."
        )
    foreign = _foreign_class(config)
    if foreign:
        raise ModelFileError(
            f"{path}: not loaded: its config names {foreign}, a class outside keras-attn "
            "and Keras, which a keras-attn model never needs (the file may have been "
            "tampered with); nothing from it was imported or run."
        )
    return config


def _trusted_module(module) -> bool:
    return module is None or any(
        module == root or module.startswith(root + ".") for root in ("keras", "keras_attn")
    )


def _foreign_class(config, depth=0) -> str | None:
    """The first object of `config` (a Keras serialization: dicts with "module" and
    "class_name") from a module other than Keras or keras_attn, as "module.Class"; None."""
    if depth > 200:  # deeper than any model description: damaged, let Keras refuse it
        return None
    if isinstance(config, dict):
        if "class_name" in config and ("module" in config or "registered_name" in config):
            module, registered = config.get("module"), config.get("registered_name")
            if not isinstance(module, (str, type(None))) or not _trusted_module(module):
                return f"{module}.{config.get('class_name')}"
            if (
                isinstance(registered, str)
                and ">" in registered
                and not registered.startswith("keras_attn>")
            ):
                return registered.replace(">", ".")
        for value in config.values():
            found = _foreign_class(value, depth + 1)
            if found:
                return found
    elif isinstance(config, list):
        for value in config:
            found = _foreign_class(value, depth + 1)
            if found:
                return found
    return None


def _layers(model):
    """The model and every layer inside it."""
    return [model, *model._flatten_layers(include_self=False, recursive=True)]


def _reason(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only location?)"
    return error.strerror or str(error)
