"""Kill `keras-attn train` at random instants, resume it, and count what is lost.

    nice -n 19 python bench/kill_resume.py [--kills 200] [--epochs 12] [--pairs 400] \
        [--seed 0] [--workdir DIR] [--json FILE]

Run it from an export of a commit (``git archive HEAD | tar -x -C DIR``, then
``PYTHONPATH=DIR python DIR/bench/kill_resume.py``) when others edit the working tree:
the processes it starts import keras_attn afresh each time, from the bench's own tree.

First one uninterrupted run of `keras-attn train` (tiny preset, a small generated corpus,
short epochs) gives the reference model and the times (start-up, an epoch). Then, again
and again: the same command with `--resume`, killed with SIGKILL at a random instant,
with times measured on the reference run: one kill in ten uniformly within the start-up
(Python and TensorFlow loading, the data read); two in ten uniformly within the rest of
the run from the moment the process reports its device (just before `train()`: building
or loading the model, the epochs left with their checkpoints, the final save and sample
translations); seven in ten uniformly within the time of the epochs left (the first
one's included) from the moment the process reports its first epoch (where checkpoints
are written). After each kill

* the epochs lost: the last epoch the process reported finished ("epoch k/E" on stderr,
  printed before its checkpoint is written) minus the epochs the checkpoint holds; 1 when
  the kill landed between an epoch's end and its commit (the epoch in progress), never
  more is the goal; a checkpoint that goes backwards is counted apart;
* every ``.keras`` file in the work folder is loaded with `keras_attn.saving.load_model`
  (the checkpoint and, once written, the final model);
* the checkpoint state is read as `--resume` reads it (`read_checkpoint_state`);
* staging folders (``.NAME.keras.PID.XXXXXXXX``): those the kill left, and any from an
  earlier kill still there after a later save (which must have removed it).

A run that reaches its last epoch before the kill finishes; its model is compared with
the reference (weights equal within rtol=1e-4, atol=1e-5: an interrupted run ends where an
uninterrupted one does), and the next run starts from nothing. Kills are counted until
`--kills`. A progress line per kill goes to stderr; with `--json FILE`, the results so far
are written there after every kill.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import add_json_argument, machine, report

EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+): ")
STAGING = re.compile(r"\.(?P<name>.+\.keras)\.(?:(?P<pid>\d+)\.)?[A-Za-z0-9_]{8}")
WORDS = [f"w{index}" for index in range(40)]


def write_corpus(path: Path, count: int, seed: int) -> Path:
    """A toy parallel corpus: the target is the source's words reversed."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(2, 8))]
        lines.append(f"{' '.join(words)}\t{' '.join(reversed(words))}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def train_command(data: Path, out: Path, checkpoints: Path, epochs: int) -> list[str]:
    """`keras-attn train ... --resume` as a user would run it again after a kill."""
    script = Path(sys.executable).with_name("keras-attn")
    program = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "import sys; from keras_attn.cli import main; sys.exit(main())"]
    )
    return [
        *program,
        "train",
        str(data),
        "--out",
        str(out),
        "--checkpoint-dir",
        str(checkpoints),
        "--preset",
        "tiny",
        "--epochs",
        str(epochs),
        "--batch-size",
        "32",
        "--validation-split",
        "0.1",
        "--seed",
        "7",
        "--resume",
    ]


def wizard_command(data: Path, out: Path, checkpoints: Path, epochs: int) -> list[str]:
    """The wizard's training worker resuming (Resume on the Train page) after a kill."""
    script = Path(__file__).resolve().with_name("wizard_worker.py")
    return [sys.executable, str(script), str(data), str(out), str(checkpoints), str(epochs)]


class Run:
    """A `keras-attn train` process whose stderr lines are read as they come."""

    def __init__(self, command, env):
        self.start = time.monotonic()
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        self.lines: list[tuple[float, str]] = []
        self.out = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stderr:
            self.lines.append((time.monotonic() - self.start, line.rstrip("\n")))

    def wait_for_line(self, prefix, timeout) -> bool:
        """Wait until a stderr line starts with `prefix` (True) or the process ends."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.process.poll() is None:
            if any(line.startswith(prefix) for _, line in self.lines):
                return True
            time.sleep(0.01)
        return False

    def epochs_reported(self) -> list[int]:
        return [int(match[1]) for _, line in self.lines if (match := EPOCH_LINE.match(line))]

    def kill(self):
        os.kill(self.process.pid, signal.SIGKILL)

    def wait(self, timeout=None) -> int:
        code = self.process.wait(timeout)
        self.out = self.process.stdout.read()
        self._reader.join(5)
        return code


def staging_folders(*folders: Path) -> list[Path]:
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [
                entry
                for entry in folder.iterdir()
                if entry.is_dir() and STAGING.fullmatch(entry.name)
            ]
    return found


def same_weights(first, second) -> bool:
    import numpy as np

    return len(first) == len(second) and all(
        a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-5)
        for a, b in zip(first, second, strict=True)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", help="work folder (default: a new temporary one)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds a run may take before it counts as hung",
    )
    parser.add_argument(
        "--continue",
        dest="go_on",
        action="store_true",
        help="go on from the results in --json and the reference and run in "
        "--workdir (after this script itself was stopped)",
    )
    parser.add_argument(
        "--wizard",
        action="store_true",
        help="kill the training wizard's worker (bench/wizard_worker.py, as the app runs "
        "it) instead of `keras-attn train`, and check after each kill what the reopened "
        "wizard offers to resume",
    )
    add_json_argument(parser)
    args = parser.parse_args()
    if args.go_on and not (args.json and args.workdir and Path(args.json).is_file()):
        parser.error("--continue needs --workdir and the --json file of the run to go on")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="-1")
    root = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))

    import tempfile

    work = Path(args.workdir or tempfile.mkdtemp(prefix="kill_resume."))
    work.mkdir(parents=True, exist_ok=True)
    data = write_corpus(work / "pairs.tsv", args.pairs, args.seed)
    run_dir = work / "run"
    out, checkpoints = run_dir / "model.keras", run_dir / "model.keras.checkpoints"
    make_command = wizard_command if args.wizard else train_command
    command = make_command(data, out, checkpoints, args.epochs)

    from keras_attn.saving import load_model

    reference_dir = work / "reference"
    if args.go_on:
        with open(args.json, encoding="utf-8") as stream:
            result = json.load(stream)
        reference = load_model(reference_dir / "model.keras").get_weights()
        result["continued"] = result.get("continued", 0) + 1
        rng = random.Random(args.seed * 1_000_003 + result["kills"])
        kill_loop(
            args, env, command, result, rng, reference, run_dir, out, checkpoints, fresh=False
        )
        return

    # The reference: one uninterrupted run.
    reference_command = make_command(
        data, reference_dir / "model.keras", reference_dir / "model.keras.checkpoints", args.epochs
    )
    shutil.rmtree(reference_dir, ignore_errors=True)
    reference_dir.mkdir()
    run = Run(reference_command, env)
    code = run.wait(args.timeout)
    if code != 0:
        sys.exit(f"the reference run failed ({code}):\n" + "\n".join(line for _, line in run.lines))
    epoch_times = [t for t, line in run.lines if EPOCH_LINE.match(line)]
    total = time.monotonic() - run.start
    startup = next(t for t, line in run.lines if line.startswith("device:"))
    epoch_seconds = (epoch_times[-1] - epoch_times[0]) / max(len(epoch_times) - 1, 1)
    build = max(epoch_times[0] - startup - epoch_seconds, 0.0)
    tail = total - epoch_times[-1]
    reference = load_model(reference_dir / "model.keras").get_weights()
    print(
        f"reference: {total:.1f} s: start-up {startup:.1f} s, model {build:.1f} s, "
        f"{epoch_seconds:.2f} s an epoch, final save {tail:.1f} s",
        file=sys.stderr,
        flush=True,
    )

    rng = random.Random(args.seed)
    result = {
        "machine": machine(),
        "command": " ".join(command),
        "kills_asked": args.kills,
        "epochs": args.epochs,
        "pairs": args.pairs,
        "seed": args.seed,
        "reference_seconds": round(total, 1),
        "startup_seconds": round(startup, 1),
        "build_seconds": round(build, 1),
        "epoch_seconds": round(epoch_seconds, 2),
        "final_seconds": round(tail, 1),
        "kills": 0,
        "kills_by_phase": {},
        "kills_before_an_epoch_ended": 0,
        "kills_inside_a_save": 0,
        "epochs_lost": {},
        "epochs_lost_beyond_the_epoch_in_progress": 0,
        "checkpoint_went_back": 0,
        "state_errors": [],
        "model_files_loaded": 0,
        "model_files_failed": [],
        "staging_left_by_kills": 0,
        "staging_surviving_a_later_save": 0,
        "staging_left_after_a_finished_run": 0,
        "runs_finished": 0,
        "runs_finished_equal_to_reference": 0,
        "runs_failed": [],
        "seconds": 0.0,
    }
    if args.wizard:
        result["wizard_offers_checked"] = 0
        result["wizard_offers_wrong"] = []
    kill_loop(args, env, command, result, rng, reference, run_dir, out, checkpoints)


def kill_loop(args, env, command, result, rng, reference, run_dir, out, checkpoints, fresh=True):
    """Kill, resume and check until `result` counts `args.kills` kills."""
    startup, build = result["startup_seconds"], result["build_seconds"]
    tail, epoch_seconds = result["final_seconds"], result["epoch_seconds"]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the child is killed too
    began = time.monotonic() - result["seconds"]
    checker = Checker(result, run_dir, out, checkpoints, reference, fresh)
    run = None
    try:
        while result["kills"] < args.kills:
            draw = rng.random()
            phase = "start-up" if draw < 0.1 else "rest" if draw < 0.3 else "epochs"
            run = Run(command, env)
            if phase == "start-up":
                delay = rng.uniform(0.0, startup)
            elif phase == "rest":
                run.wait_for_line("device:", args.timeout)
                delay = rng.uniform(
                    0.0, build + tail + (args.epochs - checker.committed) * epoch_seconds
                )
            else:
                run.wait_for_line("epoch ", args.timeout)
                delay = rng.uniform(0.0, (args.epochs - checker.committed) * epoch_seconds)
            try:
                run.process.wait(delay)
                killed = False
            except subprocess.TimeoutExpired:
                run.kill()
                killed = True
            code = run.wait(60)
            if not killed:
                checker.finished(run, code)
                continue
            result["kills_by_phase"][phase] = result["kills_by_phase"].get(phase, 0) + 1
            checker.killed(run)
            result["seconds"] = round(time.monotonic() - began, 1)
            where = {
                "start-up": "into the start-up",
                "rest": "after the start-up",
                "epochs": "after the first epoch",
            }[phase]
            print(
                f"kill {result['kills']}/{args.kills}, {delay:.1f} s {where}: {checker.last}",
                file=sys.stderr,
                flush=True,
            )
            if args.json:
                report(result, args.json, echo=False)
    finally:
        if run is not None and run.process.poll() is None:
            run.kill()
    result["seconds"] = round(time.monotonic() - began, 1)
    report(result, args.json)


class Checker:
    """What is on disk after each kill, and after each run that finished."""

    def __init__(self, result, run_dir, out, checkpoints, reference, fresh=True):
        self.result, self.reference = result, reference
        self.run_dir, self.out, self.checkpoints = run_dir, out, checkpoints
        self.committed = 0  # epochs the checkpoint holds
        self.seen_staging: dict[str, int] = {}  # folder -> epochs committed when first seen
        self.last = ""
        if fresh:
            self.reset()
        else:  # going on with the run in the folder
            from keras_attn.callbacks import read_checkpoint_state

            state = read_checkpoint_state(checkpoints)
            self.committed = state["epochs_done"] if state else 0

    def reset(self):
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.run_dir.mkdir()
        self.committed = 0
        self.seen_staging.clear()

    def finished(self, run, code):
        """A run that ended before its kill: its model against the reference's."""
        from keras_attn.errors import ModelFileError
        from keras_attn.saving import load_model

        result = self.result
        if code != 0:
            result["runs_failed"].append(
                {"code": code, "stderr": [line for _, line in run.lines][-5:]}
            )
        else:
            result["runs_finished"] += 1
            try:
                weights = load_model(self.out).get_weights()
            except ModelFileError as error:
                result["model_files_failed"].append(str(error))
            else:
                result["runs_finished_equal_to_reference"] += same_weights(weights, self.reference)
        result["staging_left_after_a_finished_run"] += len(
            staging_folders(self.checkpoints, self.run_dir)
        )
        self.reset()

    def killed(self, run):
        from keras_attn.callbacks import read_checkpoint_state
        from keras_attn.errors import ModelFileError
        from keras_attn.saving import load_model

        result = self.result
        result["kills"] += 1
        reported = run.epochs_reported()
        if not reported:
            result["kills_before_an_epoch_ended"] += 1
        last_reported = max(reported, default=self.committed)
        try:
            state = read_checkpoint_state(self.checkpoints)
            after = state["epochs_done"] if state else 0
        except ModelFileError as error:
            result["state_errors"].append(str(error))
            after = self.committed
        if state is None and self.out.exists() and (self.committed or reported):
            # Killed once the run had ended: its model saved, its checkpoint removed (the
            # wizard removes a finished run's checkpoint when it saves the model). Nothing
            # to resume and nothing lost: checked as a finished run.
            result["kills_after_the_final_save"] = result.get("kills_after_the_final_save", 0) + 1
            self.check_wizard_offer(0)
            self.finished(run, 0)
            self.last = "killed after the final save: the model is there, nothing to resume"
            return
        if after < self.committed:
            result["checkpoint_went_back"] += 1
        lost = max(last_reported - after, 0)
        result["epochs_lost"][str(lost)] = result["epochs_lost"].get(str(lost), 0) + 1
        result["epochs_lost_beyond_the_epoch_in_progress"] += max(lost - 1, 0)

        loaded = 0
        for path in sorted(self.run_dir.rglob("*.keras")):
            try:
                load_model(path)
                loaded += 1
            except ModelFileError as error:
                result["model_files_failed"].append(str(error))
        result["model_files_loaded"] += loaded

        folders = staging_folders(self.checkpoints, self.run_dir)
        fresh = [
            folder
            for folder in folders
            if STAGING.fullmatch(folder.name)["pid"] == str(run.process.pid)
        ]
        if fresh:
            result["kills_inside_a_save"] += 1
            result["staging_left_by_kills"] += len(fresh)
        for folder in staging_folders(self.checkpoints):  # every checkpoint removes these
            first = self.seen_staging.setdefault(str(folder), after)
            if folder not in fresh and after > first:
                result["staging_surviving_a_later_save"] += 1
        self.seen_staging = {
            key: value for key, value in self.seen_staging.items() if Path(key).exists()
        }
        self.check_wizard_offer(after)
        self.committed = after
        self.last = (
            f"epochs reported {last_reported}, committed {after}, lost {lost}, "
            f"model files loaded {loaded}, staging folders {len(folders)} "
            f"({len(fresh)} from this kill)"
        )

    def check_wizard_offer(self, committed: int):
        """What the wizard, reopened, offers for this folder: to resume exactly the epochs
        the checkpoint holds (nothing when it holds none), with no problem; and how many of
        those epochs lack the wizard's own report (samples, BLEU, attention), which is
        written just after the checkpoint."""
        from keras_attn_app.wizard.checkpoints import interrupted_run, read_epochs

        result = self.result
        if "wizard_offers_checked" not in result:
            return  # not the wizard's worker (see --wizard)
        result["wizard_offers_checked"] += 1
        try:
            found = interrupted_run(self.checkpoints)
            offered = found["epochs_done"] if found else 0
            problem = found["problem"] if found else None
            reports = len(read_epochs(self.checkpoints, offered)) if found else 0
        except Exception as error:  # any failure to reopen is a finding
            result["wizard_offers_wrong"].append(f"{type(error).__name__}: {error}")
            return
        if offered != committed or problem:
            result["wizard_offers_wrong"].append(
                f"committed {committed}, offered {offered}, problem {problem}"
            )
        missing = str(max(offered - reports, 0))
        counts = result.setdefault("wizard_epoch_reports_missing", {})
        counts[missing] = counts.get(missing, 0) + 1


if __name__ == "__main__":
    main()
