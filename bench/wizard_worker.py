"""The training wizard's worker on its own, as the app runs it, for bench/kill_resume.py
``--wizard``: train a corpus with the tiny preset, resuming the checkpoint the wizard
would offer to resume, then save the model as the wizard's Finish page does.

    python bench/wizard_worker.py PAIRS.tsv OUT.keras CHECKPOINT_DIR EPOCHS

The request is the one the wizard's Train page sends (:meth:`TrainWizard.start_training`
with Resume: ``resume=True``; the worker starts over when there is no checkpoint). Lines on
standard error in the command line's format, which bench/kill_resume.py reads:
``device: ...`` once the run starts (before the model is built or loaded), ``epoch k/E:``
as soon as training reports that an epoch has ended (before its checkpoint is committed;
written by the training process, which shares this process's standard error), ``saved:
PATH`` at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from keras_attn_app.wizard import training_process  # noqa: E402
from keras_attn_app.wizard.training_worker import TrainingWorker  # noqa: E402


class Training(training_process.Training):
    """The wizard's training run, saying on standard error when an epoch ends."""

    def on_progress(self, event: dict) -> None:
        if event["kind"] == "epoch" and event.get("complete", True):
            print(f"epoch {event['epoch']}/{event['epochs']}: ended", file=sys.stderr, flush=True)
        super().on_progress(event)


def training_process_main(*args):
    """The training process of :class:`Worker`: the wizard's, with :class:`Training`."""
    training_process.main(*args, training=Training)


class Worker(TrainingWorker):
    """The wizard's worker, its training process saying when an epoch ends."""

    process_main = staticmethod(training_process_main)


def main(argv: list[str]) -> int:
    data, out, folder, epochs = Path(argv[0]), Path(argv[1]), Path(argv[2]), int(argv[3])
    from keras_attn.data import read_parallel

    pairs = read_parallel(data).pairs
    choose = {
        "preset": "tiny",
        "settings": {
            "train.epochs": epochs,
            "train.batch_size": 32,
            "train.validation_split": 0.1,
            "train.seed": 7,
        },
    }
    request = {
        "choose": choose,
        "pairs": pairs,
        "checkpoint_dir": str(folder),
        "resume": True,
        "device": None,
        "dataset": str(data),
        "run": {"name": out.stem, "data": {"path": str(data)}, "choose": choose},
    }
    worker = Worker()
    outcome: dict = {}
    failures: list[str] = []
    worker.training_started.connect(
        lambda event: print(
            f"device: cpu; resumed from epoch {event['resumed_from']}", file=sys.stderr, flush=True
        )
    )
    worker.training_done.connect(outcome.update)
    worker.failed.connect(lambda what, message: failures.append(f"{what}: {message}"))
    worker.saved.connect(lambda path: print(f"saved: {path}", file=sys.stderr, flush=True))
    worker.train(request)
    if outcome and not failures:
        worker.save_model(
            {"path": str(out), "remove_checkpoint": str(folder) if outcome["finished"] else None}
        )
    if failures or not outcome:
        print("\n".join(failures) or "training ended without an outcome", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
