"""A wizard run's files in its checkpoint folder (``<app data>/checkpoints/<name>/``).

Training writes ``last.keras`` and ``state.json`` there after every epoch
(:mod:`keras_attn.callbacks`); the wizard adds :data:`RUN_FILE`, the settings of the run,
and :data:`EPOCHS_FILE`, the samples, BLEU and attention of each finished epoch, so that an
interrupted run shows its past epochs again when it is resumed. Plain file reading and
writing: no Qt, no TensorFlow, so the window may call these too.
"""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

RUN_FILE = "run.json"  # the wizard's settings of a run, beside the checkpoint
EPOCHS_FILE = "epochs.json"  # samples, BLEU and attention of each finished epoch
CHECKPOINT_FILES = ("last.keras", "state.json", "state.json.tmp", RUN_FILE, EPOCHS_FILE,
                    EPOCHS_FILE + ".tmp")


def checkpoint_state(directory) -> dict | None:
    """What an interrupted run left in `directory`: ``{"epochs_done", "history", "run"}``,
    or None when there is no checkpoint to resume (plain file reading, no TensorFlow)."""
    directory = Path(directory)
    try:
        if not (directory / "last.keras").is_file():
            return None
        state = json.loads((directory / "state.json").read_text(encoding="utf-8"))
        run_file = directory / RUN_FILE
        run = json.loads(run_file.read_text(encoding="utf-8")) if run_file.is_file() else {}
    except (OSError, ValueError):
        return None
    return {"epochs_done": int(state.get("epochs_done", 0)),
            "history": state.get("history", {}), "run": run}


def write_run(folder: Path, facts: dict) -> None:
    """Keep what a run is made of (:data:`RUN_FILE`) beside its checkpoint."""
    (Path(folder) / RUN_FILE).write_text(json.dumps(facts, indent=1), encoding="utf-8")


def remove_checkpoint(directory) -> None:
    """Delete a run's checkpoint files, and the folder once empty (nothing else in it)."""
    directory = Path(directory)
    for name in CHECKPOINT_FILES:
        with contextlib.suppress(OSError):
            (directory / name).unlink()
    with contextlib.suppress(OSError):
        directory.rmdir()


def read_epochs(folder: Path, epochs_done: int) -> list:
    """The epoch reports of an interrupted run, up to its last checkpoint."""
    try:
        epochs = json.loads((folder / EPOCHS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [e for e in epochs if isinstance(e, dict) and e.get("epoch", 0) <= epochs_done]


def write_epochs(folder: Path, epochs: list) -> None:
    """Replace the epoch reports of the run in `folder` (quietly keeps the old ones when
    the file cannot be written)."""
    try:
        temporary = folder / (EPOCHS_FILE + ".tmp")
        temporary.write_text(json.dumps(epochs), encoding="utf-8")
        temporary.replace(folder / EPOCHS_FILE)
    except OSError:
        log.info("cannot write %s", folder / EPOCHS_FILE, exc_info=True)
