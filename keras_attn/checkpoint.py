"""A training run's checkpoint folder: what it holds, read without TensorFlow.

:class:`keras_attn.callbacks.CheckpointCallback` writes, after every complete epoch,
``DIR/last.keras`` (the whole model with its optimizer state, the training state inside
it under :data:`STATE_KEY`, and the best epoch's weights as the archive member
:data:`BEST_ENTRY` when that epoch is not the last one done) in one atomic rename, then
``DIR/state.json``, a copy of the state for people and other programs.

:func:`read_checkpoint_state` says where a run stopped, or why its state cannot be trusted;
:func:`remove_checkpoint` deletes a checkpoint to start over. Both only read and delete
files (json, zipfile): a window may call them without loading TensorFlow.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

from keras_attn.errors import ModelFileError
from keras_attn.saving import MAX_CONFIG_BYTES, remove_stale_staging

#: The files a checkpoint folder holds (besides the staging folders of saves in progress).
CHECKPOINT_FILES = ("last.keras", "state.json", "state.json.tmp")


def pack_weights(weights) -> bytes:
    """A list of arrays as the bytes of an ``.npz`` file (in order)."""
    buffer = io.BytesIO()
    np.savez(buffer, *weights)
    return buffer.getvalue()


def unpack_weights(data, like) -> list | None:
    """The arrays :func:`pack_weights` wrote, or None when they do not fit the weights
    `like` (count, shapes) or cannot be read."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            weights = [archive[f"arr_{index}"] for index in range(len(archive.files))]
    except (OSError, KeyError, ValueError, EOFError):
        return None
    if len(weights) != len(like) or any(
        got.shape != want.shape for got, want in zip(weights, like, strict=True)
    ):
        return None
    return weights


#: Where a checkpoint's training state is kept inside ``last.keras`` (in ``model.info``).
STATE_KEY = "checkpoint_state"
#: The archive member of ``last.keras`` holding the best epoch's weights when that epoch
#: is not the last one done.
BEST_ENTRY = "checkpoint_best_weights.npz"

_FIELDS: dict[str, type | tuple[type, ...]] = {
    "epochs_done": int,
    "best": (int, float),
    "wait": int,
    "history": dict,
}


def read_checkpoint_state(directory, from_model=False) -> dict | None:
    """The training state of the checkpoint in `directory`, or None when there is none.

    The state committed inside ``last.keras`` is the one resumed from; ``state.json`` is a
    copy of it and must agree with it (or be one epoch behind: a run killed between the
    two writes). Checkpoints written by older versions hold no state inside the model, and
    ``state.json`` alone says where they stopped.

    Args:
        directory: the checkpoint folder.
        from_model: ignore ``state.json`` and take what the model holds: the state inside
            it, or, for older checkpoints, ``{"epochs_done": None, ...}`` with no history
            (training then counts the epochs done from the optimizer's steps).

    Raises:
        ModelFileError: ``state.json`` is damaged, or does not match the model (edited by
            hand?). The message offers the two ways on: start over, or resume from the
            model alone (``keras-attn train --resume-from-model``, ``train(...,
            resume="model")``).
    """
    directory = Path(directory)
    state_file, model_file = directory / "state.json", directory / "last.keras"
    if not model_file.is_file():
        return None
    inside = _state_inside(model_file)
    if from_model:
        if inside is not None:
            return inside
        return {
            "epochs_done": None,
            "best": None,
            "best_epoch": None,
            "wait": 0,
            "history": {},
            "monitor": None,
        }
    if not state_file.exists():
        return inside

    def refuse(problem):
        lost = (
            "the history is kept: the model holds it"
            if inside is not None
            else "the history of the earlier epochs is lost"
        )
        return ModelFileError(
            f"{state_file}: {problem}. Start over (train again without resuming), or "
            f"resume from the model alone, {model_file} (weights and optimizer state; "
            f"{lost}): keras-attn train --resume-from-model, or "
            'train(..., resume="model") in Python.'
        )

    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise refuse(f"the checkpoint state is damaged ({error})") from error
    if not _valid(state):
        raise refuse("the checkpoint state is damaged (missing or wrong fields)")
    state.setdefault("best_epoch", None)
    if inside is None:
        return state
    if _same(state, inside):
        return inside
    if state["epochs_done"] == inside["epochs_done"] - 1:
        return inside  # killed after the model's rename, before the copy was written
    raise refuse(
        f"the checkpoint state does not match the model saved with it (it says "
        f"{state['epochs_done']} epoch(s) done, the model {inside['epochs_done']}; "
        "edited by hand?)"
    )


def _valid(state) -> bool:
    return isinstance(state, dict) and all(
        isinstance(state.get(key), kind) and not isinstance(state.get(key), bool)
        for key, kind in _FIELDS.items()
    )


def _same(first, second) -> bool:
    """Equal states (NaN equal to NaN, as JSON writes them)."""
    return json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def _state_inside(model_file) -> dict | None:
    """The training state saved inside a checkpoint's model file, None when it holds none
    (an older checkpoint) or cannot be read (loading the model then says why)."""
    try:
        with zipfile.ZipFile(model_file) as archive:
            if archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
                return None
            config = json.loads(archive.read("config.json"))
        state = config["config"]["info"][STATE_KEY]
    except (OSError, KeyError, TypeError, ValueError, RecursionError, zipfile.BadZipFile):
        return None
    if not _valid(state):
        return None
    state.setdefault("best_epoch", None)
    return state


def remove_checkpoint(directory, also=()) -> bool:
    """Delete the checkpoint in `directory` to start a run over: ``last.keras``,
    ``state.json``, the staging folders of killed saves, the files named in `also` (a
    program's own files beside the checkpoint), then the folder once it is empty.

    A save still running there (another process training into the same folder) keeps its
    staging folder, and so the folder. Returns True when the folder is gone.
    """
    directory = Path(directory)
    remove_stale_staging(directory / "last.keras")
    for name in (*CHECKPOINT_FILES, *also):
        try:
            (directory / name).unlink()
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            shutil.rmtree(directory / name, ignore_errors=True)
        except OSError:
            pass
    try:
        directory.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return not os.path.lexists(directory)
    return True
