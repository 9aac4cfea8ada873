"""The wizard trains in a process of its own: the worker hears it as before, pauses and
stops it, reads its model back, and says clearly when it was killed; the process imports
no Qt (offscreen Qt for the worker's signals)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process ids")

from keras_attn_app.wizard import training_process  # noqa: E402
from keras_attn_app.wizard.checkpoints import TRAINED_FILE, start_over  # noqa: E402
from keras_attn_app.wizard.training_worker import TrainingWorker  # noqa: E402
from tests.helpers import reverse_pairs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SLOW = 120_000  # ms: generous for a machine shared by many


def request_for(folder, epochs=200):
    """What the wizard's Train page sends: the tiny preset on the reverse task."""
    choose = {
        "preset": "tiny",
        "settings": {
            "train.epochs": epochs,
            "train.batch_size": 16,
            "train.validation_split": 0.1,
            "train.seed": 7,
        },
    }
    return {
        "choose": choose,
        "pairs": reverse_pairs(300, seed=5),
        "checkpoint_dir": str(folder),
        "resume": False,
        "device": None,
        "run": {"name": "reverse", "choose": choose},
    }


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


class Heard:
    """Everything a TrainingWorker says, in order, from whichever thread it says it."""

    def __init__(self, worker):
        self.events: list = []
        for name in ("training_started", "progress", "epoch_done", "paused", "training_done"):
            getattr(worker, name).connect(
                lambda payload, name=name: self.events.append((name, payload))
            )
        worker.failed.connect(lambda what, message: self.events.append(("failed", (what, message))))

    def of(self, name: str) -> list:
        return [payload for kind, payload in list(self.events) if kind == name]

    def ended(self) -> bool:
        """The run is over: done or failed."""
        return bool(self.of("training_done") or self.of("failed"))


@pytest.fixture
def training(qtbot):
    """Start ``TrainingWorker().train(request)`` on a thread of its own, as the wizard's
    worker thread runs it: ``(worker, heard, thread)``; stopped afterwards."""
    started = []

    def start(request):
        worker = TrainingWorker()
        heard = Heard(worker)
        thread = threading.Thread(target=worker.train, args=(request,), daemon=True)
        started.append((worker, thread))
        thread.start()
        return worker, heard, thread

    yield start
    for worker, thread in started:
        worker.stop()
        thread.join(60)


def test_training_runs_in_a_process_of_its_own_that_pauses_and_stops(training, qtbot, tmp_path):
    """The run trains in another process, at a lower priority than the app's, which the
    worker hears through the usual signals; pause holds that process (no batch goes by)
    until resume; stop ends it after the batch, and its model comes back to the worker,
    its file gone from the checkpoint."""
    folder = tmp_path / "checkpoints" / "reverse"
    worker, heard, thread = training(request_for(folder))
    qtbot.waitUntil(lambda: len(heard.of("progress")) >= 2, timeout=SLOW)
    child = heard.of("training_started")[0]["process_id"]
    assert child != os.getpid() and alive(child)
    if hasattr(os, "getpriority"):
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        expected = min(19, mine + training_process.NICENESS)
        assert os.getpriority(os.PRIO_PROCESS, child) == expected

    worker.pause()
    qtbot.waitUntil(lambda: heard.of("paused") == [True], timeout=SLOW)
    seen = len(heard.of("progress"))
    qtbot.wait(1500)  # the worker's thread and the window answer meanwhile
    assert len(heard.of("progress")) == seen and thread.is_alive() and alive(child)
    worker.resume()
    qtbot.waitUntil(lambda: len(heard.of("progress")) > seen, timeout=SLOW)
    assert heard.of("paused") == [True, False]

    worker.stop()
    qtbot.waitUntil(heard.ended, timeout=SLOW)
    thread.join(30)
    assert not heard.of("failed") and not thread.is_alive()
    (done,) = heard.of("training_done")
    assert done["stop_reason"] == "stopped on request" and done["stopped"]
    assert done["process_id"] == child and "model_file" not in done
    assert worker._model is not None and worker._model.count_params() == done["params"]
    assert len(worker._model.translate(["a b c"])) == 1
    assert not (folder / TRAINED_FILE).exists() and (folder / "run.json").exists()
    assert not alive(child)


def test_a_killed_training_process_is_a_clear_failure_never_a_hang(training, qtbot, tmp_path):
    """The training process killed while paused, after its first checkpoint: resume and
    stop return at once (nothing waits on the dead process), and the worker says how the
    process ended and what the checkpoint holds, without a model or a done signal."""
    folder = tmp_path / "checkpoints" / "reverse"
    worker, heard, thread = training(request_for(folder))
    qtbot.waitUntil(lambda: (folder / "state.json").exists(), timeout=SLOW)
    child = heard.of("training_started")[0]["process_id"]
    worker.pause()
    qtbot.waitUntil(lambda: heard.of("paused") == [True], timeout=SLOW)
    os.kill(child, signal.SIGKILL)
    began = time.monotonic()
    worker.resume()
    worker.stop()
    assert time.monotonic() - began < 1.0
    qtbot.waitUntil(heard.ended, timeout=30_000)
    thread.join(30)
    assert not thread.is_alive()
    assert not heard.of("training_done") and worker._model is None
    ((what, message),) = heard.of("failed")
    assert what == "train"
    assert message.startswith("Training stopped unexpectedly: its process was killed (SIGKILL")
    assert "The last finished epoch (" in message and "can be resumed" in message
    assert not alive(child)


CHILD = """
import json, logging, multiprocessing, sys, threading
from keras_attn_app.wizard import training_process

request = json.loads(open(sys.argv[1], encoding="utf-8").read())
request["pairs"] = [tuple(pair) for pair in request["pairs"]]
mine, theirs = multiprocessing.Pipe()
events = []

def read():
    while True:
        try:
            events.append(mine.recv())
        except EOFError:
            return

reader = threading.Thread(target=read)
reader.start()
training_process.send_request(mine, request)
training_process.run(theirs, training_process.Controls(), logging.WARNING)
theirs.close()
reader.join()
print(json.dumps({
    "kinds": [kind for kind, _ in events],
    "failed": [payload for kind, payload in events if kind == "failed"],
    "qt": sorted(name for name in sys.modules if name.startswith("PySide6")),
    "worker": "keras_attn_app.wizard.training_worker" in sys.modules,
}))
"""


def test_the_training_process_imports_no_qt(tmp_path):
    """The training process's code, run whole in a Python without Qt: it trains, reports
    and leaves the trained model for the worker, and no PySide6 module is ever imported."""
    folder = tmp_path / "checkpoints" / "reverse"
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(request_for(folder, epochs=1)), encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    found = subprocess.run(
        [sys.executable, "-c", CHILD, str(request_file)],
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert found.returncode == 0, found.stderr[-3000:]
    heard = json.loads(found.stdout.strip().splitlines()[-1])
    assert heard["failed"] == []
    kinds = heard["kinds"]
    assert kinds[0] == "training_started" and kinds[-1] == "training_done"
    assert "progress" in kinds and "epoch_done" in kinds
    assert heard["qt"] == [] and not heard["worker"]
    assert (folder / TRAINED_FILE).is_file()  # for the worker to read and delete


def test_start_over_removes_what_an_interrupted_hand_over_left(tmp_path):
    """A trained model the worker never read (the app ended first), and the staging folder
    of a save of it that was killed, go with the checkpoint when the run starts over."""
    folder = tmp_path / "checkpoints" / "reverse"
    folder.mkdir(parents=True)
    for name in ("last.keras", "state.json", "run.json", TRAINED_FILE):
        (folder / name).write_bytes(b"x")
    staging = folder / f".{TRAINED_FILE}.999999999.abcdefgh"  # no such process
    staging.mkdir()
    (staging / f"{TRAINED_FILE}.partial").write_bytes(b"x")
    start_over(folder)
    assert not folder.exists()
