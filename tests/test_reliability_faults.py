"""Faults lose nothing: a process killed while saving or training, a loss that turns NaN or
infinite, a destination that cannot be written or fills up.

The kill tests run real processes (`sys.executable`) and kill them with SIGKILL, which no
program can catch; every wait has a timeout.
"""

from __future__ import annotations

import errno
import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from keras_attn import training
from keras_attn.cli import main
from keras_attn.config import preset
from keras_attn.errors import DataError, ModelFileError
from keras_attn.saving import load_model, save_model
from keras_attn.training import build_model, train
from tests.helpers import reverse_pairs, write_tsv
from tests.test_reliability_model_files import as_ordinary_user, folder_for_everyone

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    **os.environ,
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "CUDA_VISIBLE_DEVICES": "-1",
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
KILLS = 5

# Saves a model again and again onto one path, printing the number of each finished save.
# The model is large enough (several MB) for saving to take most of each round.
SAVER = r"""
import sys
from keras_attn.config import preset
from keras_attn.saving import save_model
from keras_attn.training import build_model

config = preset("tiny").replace(**{"model.units": 256, "model.embedding_dim": 256,
                                   "model.attention_units": 256})
words = [f"w{i}" for i in range(400)]
model = build_model(config, [(" ".join(words[i:i + 5]), " ".join(words[i + 5:i + 10]))
                             for i in range(390)])
number = 0
while True:
    number += 1
    model.info["save_number"] = number
    save_model(model, sys.argv[1])
    print(number, flush=True)
"""


def first_line(process, timeout):
    """The first line the process prints, waiting at most `timeout` seconds."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"no output within {timeout} s"
    return process.stdout.readline()


def all_finite(model):
    return all(np.isfinite(weights).all() for weights in model.get_weights())


# -- (a) killed while saving ---------------------------------------------------------------


def test_kill_during_save_keeps_the_previous_model(tmp_path):
    """SIGKILL at random moments of repeated saves always leaves a model that loads."""
    # The model is the last finished save, or the one whose rename had happened. A kill before
    # the rename leaves a hidden staging folder (.m.keras.XXXXXXXX) that never passes for a model.
    rng = random.Random(7)
    runs = []
    try:
        for number in range(KILLS):  # started together: their imports overlap
            folder = tmp_path / f"run{number}"
            folder.mkdir()
            process = subprocess.Popen(
                [sys.executable, "-c", SAVER, str(folder / "m.keras")],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=ENV,
                cwd=ROOT,
            )
            runs.append((folder, process))
        for _, process in runs:
            assert first_line(process, timeout=180).strip() == "1"
            time.sleep(rng.uniform(0.05, 0.5))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    finally:
        for _, process in runs:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    leftovers = 0
    for folder, process in runs:
        assert process.returncode == -signal.SIGKILL
        finished = [1, *(int(line) for line in process.stdout.read().split())]
        process.stdout.close()
        model = load_model(folder / "m.keras")
        assert model.info["save_number"] in (finished[-1], finished[-1] + 1)
        (output,) = model.translate(["w1 w2 w3"])
        assert isinstance(output, str)
        others = [path for path in folder.iterdir() if path.name != "m.keras"]
        for other in others:
            assert other.is_dir() and other.name.startswith(".m.keras."), other
            assert [p.name for p in other.iterdir()] in ([], ["m.keras.partial"])
        assert [path.name for path in folder.glob("*.keras")] == ["m.keras"]
        assert [path.name for path in folder.iterdir() if path.name.endswith(".keras")] == [
            "m.keras"
        ]
        assert list(folder.rglob("*.keras")) == [folder / "m.keras"]  # recursive search too
        leftovers += bool(others)
        if others:  # the next save to the place removes what the killed one left
            save_model(model, folder / "m.keras")
            assert [path.name for path in folder.iterdir()] == ["m.keras"]
    assert leftovers >= 1, "no kill landed inside a save: the test did not test anything"


# -- (b) killed while training, then resumed --------------------------------------------------


CLI = [sys.executable, "-m", "keras_attn.cli"]


def train_arguments(data, out, checkpoints, *extra):
    """`keras-attn train` arguments for a tiny model that learns the task in 4 epochs."""
    return [
        "train",
        str(data),
        "--out",
        str(out),
        "--checkpoint-dir",
        str(checkpoints),
        "--preset",
        "tiny",
        "--epochs",
        "4",
        "--learning-rate",
        "0.05",
        "--batch-size",
        "32",
        "--units",
        "48",
        "--validation-split",
        "0.1",
        "--quiet",
        *extra,
    ]


def read_state(checkpoints):
    return json.loads((checkpoints / "state.json").read_text())


def test_training_killed_after_first_checkpoint_resumes(tmp_path):
    """`keras-attn train` killed after a checkpoint resumes with --resume and ends as an
    uninterrupted run does."""
    # The uninterrupted run to compare with trains in this process while the resumed one runs.
    data = write_tsv(tmp_path / "data.tsv", reverse_pairs(1000, seed=5, max_len=4))
    out, checkpoints = tmp_path / "m.keras", tmp_path / "m.checkpoints"
    resumed = None
    with open(tmp_path / "killed.log", "w") as log:
        killed = subprocess.Popen(
            CLI + train_arguments(data, out, checkpoints),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=ENV,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + 180
        while not (
            (checkpoints / "state.json").exists() and read_state(checkpoints)["epochs_done"] >= 1
        ):
            assert killed.poll() is None, (tmp_path / "killed.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "no checkpoint within 180 s"
            time.sleep(0.02)
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        before = read_state(checkpoints)
        assert 1 <= before["epochs_done"] < 4
        assert not out.exists()

        resumed = subprocess.Popen(
            CLI + train_arguments(data, out, checkpoints, "--resume"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
            cwd=ROOT,
        )
        assert (
            main(
                train_arguments(
                    data, tmp_path / "reference.keras", tmp_path / "reference.checkpoints"
                )
            )
            == 0
        )
        resumed_out, resumed_err = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, resumed_err[-2000:]
        assert "stopped: finished after 4 epoch(s)" in resumed_out
    finally:
        for process in (killed, resumed):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    after = read_state(checkpoints)
    assert after["epochs_done"] == 4 and len(after["history"]["loss"]) == 4
    done = before["epochs_done"]
    assert after["history"]["loss"][:done] == before["history"]["loss"][:done]
    accuracy = after["history"]["val_accuracy"][-1]
    expected = read_state(tmp_path / "reference.checkpoints")["history"]["val_accuracy"][-1]
    assert accuracy >= 0.9 * expected, (accuracy, expected)
    (output,) = load_model(out).translate(["a b c"])
    assert isinstance(output, str)
    # The resumed run went on with the same shuffled batches: it ends with the weights of
    # the uninterrupted one, up to float noise.
    for mine, theirs in zip(
        load_model(checkpoints / "last.keras").get_weights(),
        load_model(tmp_path / "reference.checkpoints" / "last.keras").get_weights(),
        strict=True,
    ):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)


# -- (c) NaN and infinite losses -----------------------------------------------------------

NAN_PAIRS = reverse_pairs(200, seed=4)
NAN_CONFIG = preset("tiny").replace(**{"train.epochs": 2, "train.batch_size": 50})


def poison(get_model, epoch, value, step=2):
    """A progress function that sets every weight to `value` after `step` of `epoch` (0: its
    last step), as a bad update does: the next batch's loss is NaN or infinite."""

    def on_progress(event):
        if (
            event["kind"] == "batch"
            and event["epoch"] == epoch
            and event["step"] == (step or event["steps"])
        ):
            model = get_model()
            model.set_weights([np.full_like(weights, value) for weights in model.get_weights()])

    return on_progress


def test_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    """NaN weights or loss stop training with a reason and keep the last good checkpoint."""
    # First the weights go NaN in the very last update (epoch 2 of 2): no later batch shows a
    # NaN loss, and the epoch's own loss is finite.
    model = build_model(NAN_CONFIG, NAN_PAIRS)
    result = train(
        NAN_PAIRS,
        NAN_CONFIG,
        checkpoint_dir=tmp_path,
        model=model,
        on_progress=poison(lambda: model, 2, np.nan, step=0),
        progress_every=1,
    )
    assert result.stop_reason == "the weights became NaN or infinite"
    assert result.epochs_done == 1 and read_state(tmp_path)["epochs_done"] == 1
    assert all_finite(result.model)
    assert all_finite(load_model(tmp_path / "last.keras"))
    assert isinstance(result.model.translate(["a b"])[0], str)
    checkpoint = (tmp_path / "last.keras").read_bytes()

    loaded = {}
    real_load = training.load_model

    def load_and_keep(path, compile=False):
        model = real_load(path, compile=compile)
        loaded.setdefault("model", model)
        return model

    monkeypatch.setattr(training, "load_model", load_and_keep)
    # Resumed, the weights go NaN after step 2 of epoch 2: the loss of step 3 is NaN.
    resumed = train(
        NAN_PAIRS,
        NAN_CONFIG,
        checkpoint_dir=tmp_path,
        resume=True,
        on_progress=poison(lambda: loaded["model"], 2, np.nan),
        progress_every=1,
    )
    assert resumed.stop_reason == "the loss became NaN or infinite"  # the poison worked...
    assert all_finite(resumed.model)  # ...but what comes back is the checkpoint's weights
    for mine, saved in zip(
        resumed.model.get_weights(), load_model(tmp_path / "last.keras").get_weights(), strict=True
    ):
        np.testing.assert_array_equal(mine, saved)
    assert read_state(tmp_path)["epochs_done"] == 1
    assert (tmp_path / "last.keras").read_bytes() == checkpoint


def test_infinite_loss_in_the_first_epoch_saves_nothing(tmp_path):
    """An infinite loss in the first epoch raises DataError with advice and writes nothing."""
    model = build_model(NAN_CONFIG, NAN_PAIRS)
    with pytest.raises(
        DataError, match="NaN or infinite in the first epoch; try a lower learning rate"
    ):
        train(
            NAN_PAIRS,
            NAN_CONFIG,
            checkpoint_dir=tmp_path,
            model=model,
            on_progress=poison(lambda: model, 1, np.inf),
            progress_every=1,
        )
    assert list(tmp_path.iterdir()) == []


# -- (d) destinations that cannot be written ------------------------------------------------


@pytest.fixture(scope="module")
def small_model():
    return build_model(preset("tiny"), [("a b", "b a"), ("c d", "d c")])


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.EROFS, "permission denied \\(read-only location\\?\\)"),
        (errno.EACCES, "permission denied"),
        (errno.ENOSPC, "the disk is full"),
        (errno.EXDEV, os.strerror(errno.EXDEV)),
    ],
    ids=["read_only", "permission", "disk_full", "cross_device"],
)
def test_failed_rename_keeps_the_existing_model(tmp_path, small_model, code, reason):
    """A failing final rename gives a clear ModelFileError and leaves the old model unchanged."""
    path = save_model(small_model, tmp_path / "m.keras")
    before = path.read_bytes()
    with mock.patch("keras_attn.saving.os.replace", side_effect=OSError(code, os.strerror(code))):
        with pytest.raises(ModelFileError, match=f"could not save the model: {reason}") as info:
            save_model(small_model, path)
    assert str(path) in str(info.value) and "unchanged" in str(info.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs file size limits")
def test_write_failing_part_way_keeps_the_existing_model(tmp_path, small_model):
    """A write failing half-way (a file-size limit, like a full disk) keeps the old model."""
    import resource

    path = save_model(small_model, tmp_path / "m.keras")
    before = path.read_bytes()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) // 2, hard))
    try:
        with pytest.raises(ModelFileError, match="could not save the model: File too large"):
            save_model(small_model, path)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


@pytest.mark.parametrize("where", ["proc", "sys", "parent_is_a_file"])
def test_unwritable_places_give_a_clear_error(tmp_path, small_model, where):
    """Saving under /proc, /sys or below a regular file gives a ModelFileError naming the path."""
    if where == "parent_is_a_file":
        (tmp_path / "file.txt").write_text("not a folder")
        path, pattern = tmp_path / "file.txt" / "m.keras", "is not a folder"
    else:
        if not Path(f"/{where}").is_dir():
            pytest.skip(f"no /{where} here")
        path, pattern = Path(f"/{where}/m.keras"), f"cannot write in /{where}"
    with pytest.raises(ModelFileError, match=pattern) as info:
        save_model(small_model, path)
    assert str(path) in str(info.value)
    assert not path.exists()


@pytest.fixture
def open_folder():
    with folder_for_everyone() as folder:
        yield folder


@pytest.mark.skipif(sys.platform == "win32", reason="needs permission bits")
def test_read_only_folder_keeps_the_existing_model(open_folder, small_model):
    """Saving into a folder made read-only (0o555) fails clearly; the model there stays."""
    path = save_model(small_model, open_folder / "m.keras")
    before = path.read_bytes()
    open_folder.chmod(0o555)
    try:
        with as_ordinary_user(), pytest.raises(ModelFileError, match="permission denied"):
            save_model(small_model, path)
    finally:
        open_folder.chmod(0o755)
    assert path.read_bytes() == before
    assert sorted(p.name for p in open_folder.iterdir()) == ["m.keras"]


def test_disk_full_during_training_keeps_the_last_checkpoint(tmp_path):
    """A disk filling up at epoch 2's checkpoint stops training clearly; epoch 1's stays whole."""
    real_replace = os.replace
    calls = []

    def replace(source, destination):
        calls.append(destination)
        if len(calls) == 3:  # 1: last.keras, 2: state.json (epoch 1), 3: last.keras (epoch 2)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(source, destination)

    with mock.patch("keras_attn.saving.os.replace", side_effect=replace):
        with pytest.raises(
            ModelFileError, match="last.keras: could not save the model: the disk is full"
        ):
            train(NAN_PAIRS, NAN_CONFIG, checkpoint_dir=tmp_path)
    assert read_state(tmp_path)["epochs_done"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.keras", "state.json"]
    assert all_finite(load_model(tmp_path / "last.keras"))
