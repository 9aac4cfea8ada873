"""Saves and checkpoints that nothing can leave half-done, and resumed runs that go on exactly.

* the staging folder of a killed save is removed by the next save to that place (and so by
  every checkpoint), and no search, recursive or not, ever takes a save in progress for a
  model; the folder is synced after the rename;
* a checkpoint is one commit: the training state travels inside ``last.keras``, so a kill
  between the model and ``state.json`` resumes at the epoch the model holds;
* a damaged or edited ``state.json`` is refused with a message offering to start over or
  to resume from the model alone (``resume="model"``, ``--resume-from-model``);
* a resumed run sees the very batches an uninterrupted run sees, and ends with the same
  weights.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from unittest import mock

import numpy as np
import pytest

from keras_attn import callbacks
from keras_attn.cli import main
from keras_attn.config import preset
from keras_attn.errors import ModelFileError
from keras_attn.saving import load_model, remove_stale_staging, save_model
from keras_attn.training import build_model, train
from tests.helpers import reverse_pairs, write_tsv

PAIRS = reverse_pairs(200, seed=3)
VALIDATION = reverse_pairs(20, seed=4)
CONFIG = preset("tiny").replace(
    **{"train.epochs": 3, "train.batch_size": 50, "train.learning_rate": 0.02}
)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = 6  # batches an epoch: 200 short pairs in batches of 50, grouped by length


def dead_pid():
    """The id of a process that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def weights(path):
    return load_model(path).get_weights()


def same_weights(first, second):
    return len(first) == len(second) and all(
        np.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(first, second, strict=True)
    )


def read_state(folder):
    return json.loads((folder / "state.json").read_text())


@pytest.fixture(scope="module")
def small_model():
    return build_model(preset("tiny"), [("a b", "b a"), ("c d", "d c")])


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run: its checkpoint folder."""
    folder = tmp_path_factory.mktemp("reference")
    result = train(PAIRS, CONFIG, validation_pairs=VALIDATION, checkpoint_dir=folder)
    assert result.epochs_done == 3
    return folder


# -- staging folders ----------------------------------------------------------------------


def test_staging_folders_of_killed_saves_are_removed_by_the_next_save(tmp_path, small_model):
    """The next save to a place removes what killed saves left there, and nothing else."""
    path = save_model(small_model, tmp_path / "m.keras")
    dead, old, live = (
        tmp_path / f".m.keras.{dead_pid()}.abcd1234",
        tmp_path / ".m.keras.k2j4h6g8",  # as older versions named them
        tmp_path / f".m.keras.{os.getpid()}.zzzz9999",
    )  # a save in progress
    other = tmp_path / f".other.keras.{dead_pid()}.abcd1234"  # another model's
    for folder in (dead, old, live, other):
        folder.mkdir()
        shutil.copy(path, folder / "m.keras.partial")
    save_model(small_model, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.keras", live.name, other.name])
    assert remove_stale_staging(tmp_path / "other.keras") == [other]


# Holds an exclusive lock on a file, as a save does on its partial file, until killed.
LOCK_HOLDER = """
import fcntl, sys, time
stream = open(sys.argv[1], "r+b")
fcntl.flock(stream, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs flock")
def test_staging_folders_of_other_machines_are_told_by_their_lock(tmp_path, small_model):
    """A save holds a lock on its partial file up to the rename; the lock, not the process
    id in the folder's name, says whether a save is alive: a save of another machine
    sharing the folder (its id means nothing here) is left alone while it holds the lock,
    and its folder is removed once the lock is free, even when the id is in use here."""
    path = save_model(small_model, tmp_path / "m.keras")
    # Another machine's save, alive: its id is dead here, its lock is held.
    alive = tmp_path / f".m.keras.{dead_pid()}.live0001"
    # Another machine's killed save whose id is in use here (1: init, always running).
    killed = tmp_path / ".m.keras.1.dead0001"
    # A save of a running process that has made its file but not yet locked it.
    starting = tmp_path / ".m.keras.1.new00001"
    for folder in (alive, killed, starting):
        folder.mkdir()
        shutil.copy(path, folder / "m.keras.partial")
    an_hour_ago = time.time() - 3600
    os.utime(killed / "m.keras.partial", (an_hour_ago, an_hour_ago))
    os.utime(alive / "m.keras.partial", (an_hour_ago, an_hour_ago))
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(alive / "m.keras.partial")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        assert remove_stale_staging(path) == [killed]
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            ["m.keras", alive.name, starting.name]
        )
    finally:
        holder.kill()
        holder.wait(10)
    assert remove_stale_staging(path) == [alive]  # its lock went with its process


@pytest.mark.skipif(sys.platform == "win32", reason="needs flock")
def test_a_save_holds_its_lock_up_to_the_rename(tmp_path, small_model):
    """Up to and during the rename, another process cannot lock the partial file."""
    import fcntl

    states = []
    real_replace = os.replace

    def replace(source, destination):
        with open(source, "rb") as stream:
            try:
                fcntl.flock(stream, fcntl.LOCK_SH | fcntl.LOCK_NB)
                states.append("free")
            except BlockingIOError:
                states.append("held")
        return real_replace(source, destination)

    with mock.patch("keras_attn.saving.os.replace", side_effect=replace):
        save_model(small_model, tmp_path / "m.keras")
    assert states == ["held"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_a_save_in_progress_is_never_found_as_a_model(tmp_path, small_model):
    """While a save is under way (up to the rename), no search for *.keras finds its file."""
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "m.keras"
    seen = []
    real_replace = os.replace

    def replace(source, destination):
        seen.append(sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.keras")))
        seen.append(
            [name for _, _, names in os.walk(tmp_path) for name in names if name.endswith(".keras")]
        )
        return real_replace(source, destination)

    with mock.patch("keras_attn.saving.os.replace", side_effect=replace):
        save_model(small_model, path)
    assert seen == [[], []]
    assert list(tmp_path.rglob("*.keras")) == [path]


def test_the_folder_is_synced_after_the_rename(tmp_path, small_model):
    """The rename of a save is followed by an fsync of its folder (durable on power loss)."""
    events = []
    real_replace, real_fsync = os.replace, os.fsync

    def replace(source, destination):
        events.append("rename")
        return real_replace(source, destination)

    def fsync(descriptor):
        mode = os.fstat(descriptor).st_mode
        events.append(
            (
                "folder" if stat.S_ISDIR(mode) else "file",
                os.path.realpath(f"/proc/self/fd/{descriptor}"),
            )
        )
        return real_fsync(descriptor)

    with (
        mock.patch("keras_attn.saving.os.replace", side_effect=replace),
        mock.patch("keras_attn.saving.os.fsync", side_effect=fsync),
    ):
        save_model(small_model, tmp_path / "m.keras")
    assert events[-2:] == ["rename", ("folder", str(tmp_path.resolve()))]
    assert events[0][0] == "file"  # the file itself, before the rename


# -- a checkpoint is one commit ------------------------------------------------------------


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (no except, no finally of ours)."""


def test_checkpoint_killed_between_model_and_state_resumes_at_the_committed_epoch(
    tmp_path, reference
):
    """Killed after epoch 2's model is committed but before its state.json: the resumed run
    starts at epoch 3 (not 2 again), with the shuffled order an uninterrupted run has there,
    and ends with its weights (up to float noise)."""
    folder = tmp_path / "run"
    real_replace = os.replace
    states = []

    def replace(source, destination):
        if str(destination).endswith("state.json"):
            states.append(destination)
            if len(states) == 2:
                raise Killed
        return real_replace(source, destination)

    with mock.patch("keras_attn.callbacks.os.replace", side_effect=replace):
        with pytest.raises(Killed):
            train(PAIRS, CONFIG, validation_pairs=VALIDATION, checkpoint_dir=folder)
    assert read_state(folder)["epochs_done"] == 1  # the copy lags behind the model
    # What a save killed in this folder leaves: the checkpoint code removes it.
    (folder / f".last.keras.{dead_pid()}.abcd1234").mkdir()
    resumed = train(PAIRS, CONFIG, validation_pairs=VALIDATION, checkpoint_dir=folder, resume=True)
    assert resumed.epochs_done == 3 and len(resumed.history["loss"]) == 3
    iterations = load_model(folder / "last.keras", compile=True).optimizer.iterations
    assert int(iterations.numpy()) == 3 * STEPS  # not 4 epochs' worth: none trained twice
    assert np.allclose(
        read_state(folder)["history"]["loss"], read_state(reference)["history"]["loss"], rtol=1e-5
    )
    assert same_weights(weights(folder / "last.keras"), weights(reference / "last.keras"))
    assert sorted(p.name for p in folder.iterdir()) == ["last.keras", "state.json"]


# -- a damaged or edited state.json ---------------------------------------------------------


@pytest.fixture(scope="module")
def first_epoch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("first") / "run"
    train(PAIRS, CONFIG.replace(**{"train.epochs": 1}), checkpoint_dir=folder)
    return folder


@pytest.fixture
def one_epoch(first_epoch, tmp_path):
    """A checkpoint folder after one epoch of a run meant to last two (a fresh copy)."""
    return shutil.copytree(first_epoch, tmp_path / "run")


TWO = CONFIG.replace(**{"train.epochs": 2})


DAMAGED = [
    ("{not json", r"the checkpoint state is damaged \(Expecting property name"),
    ('{"epochs_done": "one"}', r"the checkpoint state is damaged \(missing or wrong fields\)"),
    (
        None,
        r"does not match the model saved with it \(it says 5 epoch\(s\) done, the model "
        r"1; edited by hand\?\)",
    ),
]


def test_damaged_state_offers_to_start_over_or_resume_from_the_model(one_epoch):
    """A damaged or edited state.json is refused with a clear message and two ways on;
    resume="model" goes on from the model, which holds the state and the history."""
    state_file = one_epoch / "state.json"
    before = read_state(one_epoch)
    for content, problem in DAMAGED:
        state_file.write_text(
            json.dumps({**before, "epochs_done": 5}) if content is None else content
        )
        with pytest.raises(ModelFileError) as info:
            train(PAIRS, TWO, checkpoint_dir=one_epoch, resume=True)
        message = str(info.value)
        assert message.startswith(f"{state_file}: ")
        assert re.search(problem, message), message
        assert (
            "Start over (train again without resuming), or resume from the model alone" in message
        )
        assert "keras-attn train --resume-from-model" in message
        assert 'train(..., resume="model")' in message
    resumed = train(PAIRS, TWO, checkpoint_dir=one_epoch, resume="model")
    assert resumed.epochs_done == 2
    assert resumed.history["loss"][0] == before["history"]["loss"][0]
    assert read_state(one_epoch)["epochs_done"] == 2  # a good copy again


def test_older_checkpoint_resumes_from_the_model_alone(one_epoch):
    """A checkpoint of an older version (no state inside the model) with a damaged
    state.json resumes from the model alone: the epochs done come from the optimizer's
    steps, the lost history is NaN."""
    model = load_model(one_epoch / "last.keras", compile=True)
    model.info.pop(callbacks.STATE_KEY)
    save_model(model, one_epoch / "last.keras")
    (one_epoch / "state.json").write_text("{")
    with pytest.raises(ModelFileError, match="the history of the earlier epochs is lost"):
        train(PAIRS, TWO, checkpoint_dir=one_epoch, resume=True)
    resumed = train(PAIRS, TWO, checkpoint_dir=one_epoch, resume="model")
    assert resumed.epochs_done == 2
    assert np.isnan(resumed.history["loss"][0]) and np.isfinite(resumed.history["loss"][1])
    iterations = load_model(one_epoch / "last.keras", compile=True).optimizer.iterations
    assert int(iterations.numpy()) == 2 * STEPS


def test_cli_resume_from_model(one_epoch, tmp_path, capsys):
    """`keras-attn train --resume` on a damaged state.json exits 1 with the message;
    `--resume-from-model` goes on."""
    data = write_tsv(tmp_path / "data.tsv", PAIRS)
    out = tmp_path / "m.keras"
    arguments = [
        "train",
        str(data),
        "--out",
        str(out),
        "--checkpoint-dir",
        str(one_epoch),
        "--preset",
        "tiny",
        "--batch-size",
        "50",
        "--validation-split",
        "0",
        "--epochs",
        "2",
        "--quiet",
    ]
    (one_epoch / "state.json").write_text("{damaged")
    assert main([*arguments, "--resume"]) == 1
    err = capsys.readouterr().err
    assert "state.json: the checkpoint state is damaged" in err
    assert "--resume-from-model" in err
    assert not out.exists()
    assert main([*arguments, "--resume-from-model"]) == 0
    assert "stopped: finished after 2 epoch(s)" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:  # the final model carries no checkpoint state
        info = json.loads(archive.read("config.json"))["config"]["info"]
    assert callbacks.STATE_KEY not in info


# -- the best weights travel with the checkpoint --------------------------------------------

# A learning rate high enough to overshoot, and validation targets in an order the model
# never learns: the best validation accuracy comes at epoch 2 of 4, well ahead of the rest.
BEST_CONFIG = CONFIG.replace(**{"train.epochs": 4, "train.learning_rate": 0.1})
UNLEARNABLE = [
    (source, " ".join(random.Random(index).sample(target.split(), len(target.split()))))
    for index, (source, target) in enumerate(VALIDATION)
]


def test_resumed_after_the_best_epoch_ends_with_the_best_weights(tmp_path):
    """Killed after epoch 3 (the best was epoch 1 or 2) and resumed, a run ends with the
    weights of the best epoch, as an uninterrupted run does: the checkpoint holds them.

    The validation targets are shuffled, so the best epoch is chance, and chance differs
    from one CPU to another (their floating-point sums differ); the first learning rate
    whose run is best before epoch 3 on this machine is used."""
    for rate in (0.1, 0.3, 1.0, 0.03):
        config = BEST_CONFIG.replace(**{"train.learning_rate": rate})
        reference = train(
            PAIRS, config, validation_pairs=UNLEARNABLE, checkpoint_dir=tmp_path / f"r{rate}"
        )
        if reference.best_epoch <= 2:
            break
    assert reference.best_epoch <= 2 and reference.epochs_done == 4
    best = reference.best_epoch
    # The last weights are not the best: returning them would be noticed.
    assert not same_weights(
        reference.model.get_weights(), weights(tmp_path / f"r{rate}" / "last.keras")
    )

    folder = tmp_path / "run"

    def kill_in_epoch_4(event):
        if event["epoch"] == 4:
            raise Killed

    with pytest.raises(Killed):
        train(
            PAIRS,
            config,
            validation_pairs=UNLEARNABLE,
            checkpoint_dir=folder,
            on_progress=kill_in_epoch_4,
            progress_every=1,
        )
    assert read_state(folder)["epochs_done"] == 3
    with zipfile.ZipFile(folder / "last.keras") as archive:  # committed with the model
        assert callbacks.BEST_ENTRY in archive.namelist()
    load_model(folder / "last.keras")  # Keras's loader ignores the extra member
    resumed = train(PAIRS, config, validation_pairs=UNLEARNABLE, checkpoint_dir=folder, resume=True)
    assert resumed.best_epoch == best and resumed.epochs_done == 4
    assert same_weights(resumed.model.get_weights(), reference.model.get_weights())
    assert resumed.model.translate(["a b c"]) == reference.model.translate(["a b c"])


# -- a checkpoint read and removed without TensorFlow (for a window) -------------------------

WITHOUT_TENSORFLOW = r"""
import json, sys
from pathlib import Path
from keras_attn.checkpoint import read_checkpoint_state, remove_checkpoint
from keras_attn.errors import ModelFileError
folder = Path(sys.argv[1])
state = read_checkpoint_state(folder)
(folder / "state.json").write_text("{damaged")
try:
    read_checkpoint_state(folder)
    refused = None
except ModelFileError as error:
    refused = str(error)
from_model = read_checkpoint_state(folder, from_model=True)
gone = remove_checkpoint(folder, also=["run.json"])
print(json.dumps({"epochs_done": state["epochs_done"], "refused": refused,
                  "from_model": from_model["epochs_done"], "gone": gone,
                  "tensorflow": "tensorflow" in sys.modules or "keras" in sys.modules}))
"""


def test_checkpoint_read_and_removed_without_tensorflow(one_epoch):
    """A window can tell where a run stopped, why it cannot resume, and start it over,
    without loading TensorFlow; starting over removes dead saves' staging folders too."""
    (one_epoch / "run.json").write_text("{}")  # a program's own file beside the checkpoint
    (one_epoch / f".last.keras.{dead_pid()}.abcd1234").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TENSORFLOW, str(one_epoch)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert outcome["epochs_done"] == 1 and outcome["from_model"] == 1
    assert "the checkpoint state is damaged" in outcome["refused"]
    assert "--resume-from-model" in outcome["refused"]
    assert outcome["gone"] and not one_epoch.exists()
    assert outcome["tensorflow"] is False
