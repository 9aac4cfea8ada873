"""A wizard run's own files in its checkpoint folder (``<app data>/checkpoints/<name>/``).

Training writes ``last.keras`` and ``state.json`` there after every epoch
(:mod:`keras_attn.callbacks`); the wizard reads and removes them through the library
(:func:`keras_attn.checkpoint.read_checkpoint_state`,
:func:`keras_attn.checkpoint.remove_checkpoint`, which load no TensorFlow), and adds
:data:`RUN_FILE`, the settings of the run, and :data:`EPOCHS_FILE`, the samples, BLEU and
attention of each finished epoch, so that an interrupted run shows its past epochs again
when it is resumed. At the end of a run the training process (:mod:`.training_process`)
leaves the trained model there as :data:`TRAINED_FILE` for the wizard's worker, which reads
it and deletes it. Plain file reading and writing: no Qt, no TensorFlow, so the window and
the training process may call these too.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from keras_attn.checkpoint import read_checkpoint_state, remove_checkpoint
from keras_attn.errors import ModelFileError
from keras_attn.saving import remove_stale_staging

log = logging.getLogger(__name__)

RUN_FILE = "run.json"  # the wizard's settings of a run, beside the checkpoint
EPOCHS_FILE = "epochs.json"  # samples, BLEU and attention of each finished epoch
TRAINED_FILE = "trained.keras"  # the model a run ended with, until the worker has read it
# Removed with the checkpoint.
WIZARD_FILES = (RUN_FILE, EPOCHS_FILE, EPOCHS_FILE + ".tmp", TRAINED_FILE)


def interrupted_run(folder) -> dict | None:
    """What an interrupted run left in `folder`, or None when there is nothing to resume:
    ``{"epochs_done", "history", "run", "problem"}``. ``problem`` is None, or the library's
    message when the checkpoint state is damaged or hand-edited (then ``epochs_done`` is
    what the model holds, None for a checkpoint of an older version): the run can only
    start over or resume from the model alone (``resume="model"``)."""
    folder = Path(folder)
    problem = None
    try:
        state = read_checkpoint_state(folder)
    except ModelFileError as error:
        problem = str(error)
        state = read_checkpoint_state(folder, from_model=True)
    if state is None:
        return None
    return {
        "epochs_done": state.get("epochs_done"),
        "history": state.get("history") or {},
        "run": read_run(folder),
        "problem": problem,
    }


def start_over(folder) -> None:
    """Delete a run's checkpoint and the wizard's files beside it (and the folder)."""
    remove_stale_staging(Path(folder) / TRAINED_FILE)  # a save of it that was killed
    remove_checkpoint(folder, also=WIZARD_FILES)


def read_run(folder) -> dict:
    """The settings of the run in `folder` (:data:`RUN_FILE`), {} when there are none."""
    try:
        run = json.loads((Path(folder) / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return run if isinstance(run, dict) else {}


def write_run(folder: Path, facts: dict) -> None:
    """Keep what a run is made of (:data:`RUN_FILE`) beside its checkpoint."""
    (Path(folder) / RUN_FILE).write_text(json.dumps(facts, indent=1), encoding="utf-8")


def read_epochs(folder: Path, epochs_done: int | None) -> list:
    """The epoch reports of an interrupted run, up to its last checkpoint (all of them when
    the number of epochs done is not known)."""
    try:
        epochs = json.loads((Path(folder) / EPOCHS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(epochs, list):
        return []
    return [
        e
        for e in epochs
        if isinstance(e, dict) and (epochs_done is None or e.get("epoch", 0) <= epochs_done)
    ]


def write_epochs(folder: Path, epochs: list) -> None:
    """Replace the epoch reports of the run in `folder` (quietly keeps the old ones when
    the file cannot be written)."""
    try:
        temporary = folder / (EPOCHS_FILE + ".tmp")
        temporary.write_text(json.dumps(epochs), encoding="utf-8")
        temporary.replace(folder / EPOCHS_FILE)
    except OSError:
        log.info("cannot write %s", folder / EPOCHS_FILE, exc_info=True)
