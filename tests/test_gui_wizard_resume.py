"""The wizard never loses a run: closing the app while it trains or before its model is
saved asks or keeps the last epoch; a damaged checkpoint state offers to start over or to
resume from the model alone; a killed training worker is resumed (offscreen Qt)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QMessageBox  # noqa: E402

import tests.test_gui_wizard as base  # noqa: E402
from keras_attn.checkpoint import read_checkpoint_state  # noqa: E402
from keras_attn_app.main_window import MainWindow  # noqa: E402

# The wizard tests' fixtures and helpers.
private_places, settings, make_wizard, corpus = (
    base.private_places,
    base.settings,
    base.make_wizard,
    base.corpus,
)
SLOW, to_model_page, train_until = base.SLOW, base.to_model_page, base.train_until

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def questions(monkeypatch):
    """The question boxes: each records its question and gives the next planned answer."""
    asked, answers = [], []

    def answer(box):
        asked.append(box.text())
        return answers.pop(0) if answers else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "exec", answer)
    return asked, answers


@pytest.fixture
def window_with_wizard(qtbot, settings):
    """The main window (no model) and its training wizard, shut down afterwards."""
    window = MainWindow(settings=settings, open_default=False, interactive=False)
    window.show()
    wizard = window.show_wizard()
    qtbot.waitUntil(lambda: wizard.capabilities is not None, timeout=SLOW)
    yield window, wizard
    wizard.closing = True
    wizard.shutdown()
    wizard.hide()
    window.shutdown()
    window.hide()


def folder_of(tmp_path):
    return tmp_path / "data" / "checkpoints" / "reverse"


YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


def test_quitting_while_the_wizard_trains_asks_then_keeps_the_last_epoch(
    window_with_wizard, qtbot, corpus, tmp_path, questions
):
    """Closing the main window while the wizard trains asks; no keeps both open and
    training; yes stops after the current batch, keeps the last finished epoch in the
    checkpoint, then closes the wizard and the window."""
    window, wizard = window_with_wizard
    asked, answers = questions
    to_model_page(wizard, qtbot, corpus)
    wizard.model_page.epochs.setValue(200)
    wizard.next()
    train = wizard.train_page
    train_until(wizard, qtbot, lambda: train.curves.points("loss") >= 1)
    answers.append(NO)
    assert not window.close()
    assert asked == ["Stop the training and quit?"]
    assert window.isVisible() and wizard.isVisible() and train.running
    answers.append(YES)
    assert not window.close()  # closes once the worker has stopped
    assert len(asked) == 2 and "the last finished epoch stays" in train.status.text()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=SLOW)
    assert not wizard.isVisible() and len(asked) == 2  # no second question
    assert train.outcome["stop_reason"] == "stopped on request"
    state = read_checkpoint_state(folder_of(tmp_path))
    assert state["epochs_done"] >= 1
    assert state["epochs_done"] == len(state["history"]["loss"])


def test_an_unsaved_model_is_never_left_without_asking(
    window_with_wizard, qtbot, corpus, tmp_path, questions
):
    """A trained model not saved yet: closing the wizard, then quitting, asks each time;
    no keeps it open, yes closes and the run stays in its checkpoint."""
    window, wizard = window_with_wizard
    asked, answers = questions
    to_model_page(wizard, qtbot, corpus)
    wizard.model_page.epochs.setValue(1)
    wizard.next()
    train = wizard.train_page
    train_until(wizard, qtbot, lambda: train.outcome is not None)
    answers.append(NO)
    wizard.reject()
    assert asked == ["Close without saving the trained model?"] and wizard.isVisible()
    answers.append(NO)
    assert not window.close()
    assert asked[-1] == "Quit without saving the trained model?"
    assert window.isVisible() and wizard.isVisible()
    answers.append(YES)
    assert window.close()
    assert not window.isVisible() and not wizard.isVisible() and len(asked) == 3
    assert not wizard.closing  # shown again, it would ask again
    assert read_checkpoint_state(folder_of(tmp_path))["epochs_done"] == 1


def test_quitting_with_nothing_to_lose_asks_nothing(window_with_wizard, qtbot, corpus, questions):
    """Nothing to lose (no run yet): the window and the wizard close at once."""
    window, wizard = window_with_wizard
    asked, _ = questions
    assert window.close()
    assert asked == [] and not wizard.isVisible()


def damage(folder, text='{"epochs_done": 5'):
    (folder / "state.json").write_text(text, encoding="utf-8")


def test_damaged_state_offers_to_resume_from_the_model_or_start_over(
    make_wizard, qtbot, corpus, tmp_path
):
    """A damaged or hand-edited state.json: the Train page says so and offers Resume from
    the model (which trains on from the model's epochs with their history) and Start over
    (which removes the checkpoint and the wizard's files and trains from the start)."""
    wizard = make_wizard()
    to_model_page(wizard, qtbot, corpus)
    wizard.model_page.epochs.setValue(1)
    wizard.next()
    train = wizard.train_page
    train_until(wizard, qtbot, lambda: train.outcome is not None)
    folder = folder_of(tmp_path)
    assert read_checkpoint_state(folder)["epochs_done"] == 1

    damage(folder)
    wizard.back()
    wizard.model_page.epochs.setValue(2)
    wizard.next()
    assert train.banner.isVisible() and not train.start_button.isVisible()
    text = train.banner_text.text()
    assert "cannot be resumed as it is" in text and "it holds 1 of 1 epochs" in text
    assert "state.json: the checkpoint state is damaged" in text
    assert train.resume_button.text() == "Resume from the model"
    train_until(wizard, qtbot, lambda: train.outcome is not None, resume=True)
    outcome = train.outcome
    assert outcome["stop_reason"] == "finished" and outcome["epochs_done"] == 2
    assert len(outcome["history"]["loss"]) == 2  # epoch 1's history came from the model
    assert train.curves.points("loss") == 2
    state = read_checkpoint_state(folder)  # a good state.json again
    assert state["epochs_done"] == 2

    damage(folder, json.dumps({**state, "epochs_done": 7}))  # edited by hand
    wizard.back()
    wizard.model_page.epochs.setValue(1)
    wizard.next()
    assert "does not match the model saved with it" in train.banner_text.text()
    (folder / "stray.txt").write_text("not the wizard's", encoding="utf-8")
    train.over_button.click()
    qtbot.waitUntil(lambda: train.outcome is not None, timeout=SLOW)
    assert train.outcome["epochs_done"] == 1 and len(train.outcome["history"]["loss"]) == 1
    assert train.info["resumed_from"] == 0 and train.curves.points("loss") == 1
    assert read_checkpoint_state(folder)["epochs_done"] == 1
    epochs = json.loads((folder / "epochs.json").read_text(encoding="utf-8"))
    assert [e["epoch"] for e in epochs] == [1]  # the old run's reports went


WORKER = """
import json, sys
from keras_attn_app.wizard.training_worker import TrainingWorker

request = json.loads(open(sys.argv[1], encoding="utf-8").read())
request["pairs"] = [tuple(pair) for pair in request["pairs"]]
worker = TrainingWorker()
worker.training_started.connect(  # the id of the process that trains, for the test
    lambda event: open(sys.argv[2], "w", encoding="utf-8").write(str(event["process_id"]))
)
worker.train(request)
"""


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, ended and not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def files_of(folder) -> dict:
    """Every entry of `folder` (staging folders too) with its size and time of change."""
    found = {}
    for entry in os.scandir(folder):
        info = entry.stat(follow_symlinks=False)
        found[entry.name] = (info.st_size, info.st_mtime_ns)
    return found


def test_killed_training_worker_is_offered_and_resumed(make_wizard, qtbot, corpus, tmp_path):
    """The wizard's training worker, in a process of its own, is killed (SIGKILL) once its
    first checkpoint is written: its training process ends with it and writes nothing
    more, the checkpoint gives the epochs done, the wizard offers to resume them, and
    resuming finishes the run with their history."""
    wizard = make_wizard()
    to_model_page(wizard, qtbot, corpus)
    epochs = 3
    wizard.model_page.epochs.setValue(epochs)
    requests = []
    wizard.train_requested.disconnect(wizard.worker.train)
    wizard.train_requested.connect(requests.append)
    wizard.start_training(resume=False)  # the request the Train page would send
    wizard.train_requested.disconnect(requests.append)
    wizard.train_requested.connect(wizard.worker.train)
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(requests[0], default=str), encoding="utf-8")
    folder = Path(requests[0]["checkpoint_dir"])
    assert folder == folder_of(tmp_path)

    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=path)
    pid_file = tmp_path / "training.pid"
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(request_file), str(pid_file)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if (folder / "state.json").exists():
                break
            time.sleep(0.01)
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    child = int(pid_file.read_text(encoding="utf-8"))
    assert child != process.pid
    killed = time.monotonic()
    while alive(child) and time.monotonic() < killed + 10:
        time.sleep(0.05)
    assert not alive(child), "the training process outlived the worker's process"
    assert time.monotonic() - killed < 5
    written = files_of(folder)
    time.sleep(2)
    assert files_of(folder) == written  # nothing trains into the folder any more

    state = read_checkpoint_state(folder)
    done = state["epochs_done"]
    assert 1 <= done < epochs and len(state["history"]["loss"]) == done
    found = wizard.checkpoint()
    assert found["problem"] is None and found["epochs_done"] == done
    wizard.next()
    train = wizard.train_page
    assert train.banner.isVisible()
    assert f"holds {done} of {epochs} epochs" in train.banner_text.text()
    assert train.resume_button.text() == "Resume"
    train_until(wizard, qtbot, lambda: train.outcome is not None, resume=True)
    outcome = train.outcome
    assert outcome["stop_reason"] == "finished" and outcome["epochs_done"] == epochs
    assert train.info["resumed_from"] == done
    assert len(outcome["history"]["loss"]) == epochs
    assert outcome["history"]["loss"][:done] == pytest.approx(state["history"]["loss"])
    assert train.curves.points("loss") == epochs
    assert read_checkpoint_state(folder)["epochs_done"] == epochs


def test_a_resumed_run_makes_the_missing_report_of_its_last_epoch(tmp_path):
    """Stopped after an epoch's checkpoint and before the wizard wrote that epoch's report
    (samples, BLEU, attention), the resumed run makes the report again from the
    checkpoint's model, so the Train page shows every epoch the checkpoint holds."""
    from keras_attn_app.wizard.checkpoints import EPOCHS_FILE, read_epochs
    from keras_attn_app.wizard.training_worker import TrainingWorker

    folder = tmp_path / "checkpoints" / "reverse"
    choose = {
        "preset": "tiny",
        "settings": {"train.epochs": 2, "train.validation_split": 0.1, "train.seed": 7},
    }
    request = {
        "choose": choose,
        "pairs": base.reverse_pairs(200, seed=5),
        "checkpoint_dir": str(folder),
        "resume": False,
        "device": None,
        "run": {"name": "reverse", "choose": choose},
    }
    worker = TrainingWorker()
    started, failures = [], []
    worker.training_started.connect(  # as the page saw it then (the worker adds to the list)
        lambda event: started.append({**event, "earlier": list(event["earlier"])})
    )
    worker.failed.connect(lambda what, message: failures.append(message))
    worker.train(request)
    assert not failures and [e["epoch"] for e in read_epochs(folder, None)] == [1, 2]
    reports = folder / EPOCHS_FILE
    reports.write_text(json.dumps(read_epochs(folder, 1)), encoding="utf-8")  # as if stopped
    assert read_checkpoint_state(folder)["epochs_done"] == 2

    choose["settings"]["train.epochs"] = 3
    worker.train({**request, "resume": True})
    assert not failures
    earlier = started[-1]["earlier"]
    assert started[-1]["resumed_from"] == 2 and [e["epoch"] for e in earlier] == [1, 2]
    assert earlier[1]["samples"] and earlier[1]["attention"]["target_tokens"]
    assert [e["epoch"] for e in read_epochs(folder, None)] == [1, 2, 3]
