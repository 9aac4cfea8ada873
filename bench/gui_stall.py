"""The window while working: how long the desktop app's event loop goes unanswered while
the wizard trains, while a file is translated and while decoding is played step by step.

    QT_QPA_PLATFORM=offscreen python bench/gui_stall.py [--pairs 3000] [--train-seconds 60]
        [--lines 10000] [--play-seconds 20] [--data TSV] [--profile]
        [--switch-interval MS] [--json F]

The real main window starts offscreen with throwaway settings and app data (as
bench/app_start.py does). A timer fires every 5 ms on the window's thread; a gap is the
time between two of its timeouts minus those 5 ms, so a gap is how long the window could
not answer. Three phases, each with its own gaps:

1. train: the training wizard reads `--pairs` pairs of `--data` (the German-English
   Tatoeba corpus), and its worker trains the tiny preset for `--train-seconds` while the
   Train page draws the curves, samples and attention after every epoch; then Stop, and
   the model is saved and opened in the window;
2. file: a file of `--lines` German sentences of the corpus is translated with the
   window's file translation (Translate view, beam as set there);
3. play: the Step view plays the decoding at its fastest speed for `--play-seconds`,
   starting the sentence again whenever it is finished.

Reports per phase: the longest gap, the 99th and 50th percentiles, the count of gaps over
50 ms (the aim: none; p99 under 20 ms), the ticks, the five longest gaps with the
second of the phase they began in, and the garbage collector's passes per generation
with the longest (a pass holds the interpreter lock whichever thread runs it). With `--profile`, the Python functions that ran
longest on the window's thread in each phase (cProfile, cumulative time).
`--switch-interval MS` sets Python's switch interval once the app has set its own
(`gui.worker.SWITCH_INTERVAL`), to measure the window with another.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import TATOEBA_TRAIN, add_json_argument, machine, report  # noqa: E402

INTERVAL_MS = 5
LONG_MS = 50.0


class Gaps:
    """A 5 ms timer on the window's thread and the gaps between its timeouts."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[tuple[float, float]] = []  # (seconds into the phase, gap in ms)
        self.began = self.last = 0.0
        self.profile: cProfile.Profile | None = None
        self.collections: list[tuple[int, float]] = []  # (generation, ms) of the phase
        self._collecting = 0.0

    def _gc(self, phase: str, info: dict):
        """Time the garbage collector's passes: they hold the interpreter lock, on
        whichever thread runs them."""
        if phase == "start":
            self._collecting = time.perf_counter()
        elif self._collecting:
            took = (time.perf_counter() - self._collecting) * 1000
            self.collections.append((int(info["generation"]), took))

    def start(self, profile: bool = False):
        self.gaps = []
        self.collections = []
        if self._gc not in gc.callbacks:
            gc.callbacks.append(self._gc)
        self.began = self.last = time.perf_counter()
        self.profile = cProfile.Profile() if profile else None
        if self.profile:
            self.profile.enable()
        self.timer.start()

    def _tick(self):
        now = time.perf_counter()
        self.gaps.append((self.last - self.began, (now - self.last) * 1000 - INTERVAL_MS))
        self.last = now

    def stop(self) -> dict:
        self.timer.stop()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        if self.profile:
            self.profile.disable()
        return self.summary()

    def summary(self) -> dict:
        import numpy as np

        values = np.array([gap for _, gap in self.gaps] or [0.0])
        worst = sorted(self.gaps, key=lambda item: -item[1])[:5]
        found = {
            "seconds": round(time.perf_counter() - self.began, 1),
            "ticks": len(self.gaps),
            "max_gap_ms": round(float(values.max()), 1),
            "p99_ms": round(float(np.percentile(values, 99)), 1),
            "p50_ms": round(float(np.percentile(values, 50)), 2),
            "gaps_over_50ms": int((values > LONG_MS).sum()),
            "longest": [{"at_s": round(at, 2), "gap_ms": round(gap, 1)} for at, gap in worst],
            "gc": {
                f"generation_{g}": {
                    "passes": sum(1 for n, _ in self.collections if n == g),
                    "max_ms": round(max((t for n, t in self.collections if n == g), default=0), 1),
                }
                for g in (0, 1, 2)
            },
        }
        if self.profile:
            out = io.StringIO()
            stats = pstats.Stats(self.profile, stream=out)
            stats.sort_stats("cumulative").print_stats(25)
            found["profile"] = out.getvalue().splitlines()
        return found


def wait_until(condition, timeout: float, what: str) -> None:
    """Run the event loop until `condition()` holds (checked every 20 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout
    check = QTimer()
    check.setInterval(20)

    def poll():
        if condition() or time.monotonic() > deadline:
            loop.quit()

    check.timeout.connect(poll)
    check.start()
    if not condition():
        loop.exec()
    check.stop()
    if not condition():
        sys.exit(f"gui_stall: timed out waiting for {what}")


def run(args) -> dict:
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication, QWizard

    QCoreApplication.setOrganizationName("keras-attn")
    QCoreApplication.setApplicationName("keras-attn")
    folder = Path(tempfile.mkdtemp(prefix="gui-stall-"))
    os.environ["KERAS_ATTN_DATA_DIR"] = str(folder / "data")
    os.environ["KERAS_ATTN_SETTINGS"] = str(folder / "settings.ini")
    app = QApplication([sys.argv[0]])
    from keras_attn_app.main_window import MainWindow
    from keras_attn_app.settings import Settings

    lines = Path(args.data).read_text(encoding="utf-8").splitlines()
    corpus = folder / "pairs.tsv"
    corpus.write_text("\n".join(lines[: args.pairs]) + "\n", encoding="utf-8")
    german = [line.split("\t")[0] for line in lines if "\t" in line]
    text_file = folder / "german.txt"
    text_file.write_text(
        "\n".join((german * (args.lines // len(german) + 1))[: args.lines]) + "\n", encoding="utf-8"
    )

    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    for key, value in {
        "preset": "tiny",
        "epochs": 1000,
        "time_limit": 0,
        "validation": 10,
        "name": "stall",
    }.items():
        settings.set_value(f"wizard/{key}", value)
    settings.sync()
    window = MainWindow(settings=settings, open_default=False, interactive=False)
    window.resize(1200, 800)
    window.show()
    gaps = Gaps()
    results: dict = {
        "machine": machine(processor=True),
        "interval_ms": INTERVAL_MS,
        "pairs": args.pairs,
        "lines": args.lines,
        "phases": {},
    }
    started = time.perf_counter()

    # 1. The wizard trains.
    wizard = window.show_wizard()
    wait_until(lambda: wizard.capabilities is not None, 300, "TensorFlow in the wizard")
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval / 1000)
    results["switch_interval_ms"] = sys.getswitchinterval() * 1000
    wizard.data_page.set_files([str(corpus)])
    wizard.next()
    wait_until(wizard.map_page.isComplete, 300, "the corpus to be read")
    wizard.next()
    wizard.next()
    wizard.model_page.name.setText("stall")
    wizard.next()
    page = wizard.train_page
    # A person sees the Train page before pressing Start: its first layout and paint
    # (about 40 ms on the window's thread) come before the phase, not in its first gap.
    shown_until = time.perf_counter() + 0.5
    wait_until(lambda: time.perf_counter() > shown_until, 5, "the Train page")
    gaps.start(args.profile)
    page.start_button.click()
    wait_until(
        lambda: page.curves.points("loss") >= 1 or page.outcome is not None, 600, "the first epoch"
    )
    trained_from = time.perf_counter()
    wait_until(
        lambda: time.perf_counter() - trained_from > args.train_seconds or page.outcome is not None,
        args.train_seconds + 600,
        "training",
    )
    page.stop()
    wait_until(lambda: page.outcome is not None, 600, "training to stop")
    phase = gaps.stop()
    phase["epochs"] = page.outcome["epochs_done"]
    results["phases"]["train"] = phase
    wizard.next()
    path = folder / "stall.keras"
    wizard.finish_page.path.setText(str(path))
    loaded = []
    window.model_ready.connect(loaded.append)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    wait_until(lambda: bool(loaded), 600, "the model to be saved and opened")

    # 2. A file is translated.
    view = window.translate_view
    window.show_tab("translate")
    done: list = []
    view.file_finished.connect(done.append)
    gaps.start(args.profile)
    view.translate_file(str(text_file))
    wait_until(lambda: bool(done), 3600, "the file's translation")
    phase = gaps.stop()
    phase["translated"] = len(done[0]["translations"])
    results["phases"]["file"] = phase

    # 3. Decoding is played at the fastest speed.
    step = window.step_view
    window.show_tab("step")
    step.speed.setValue(step.speed.maximum())
    step.sentence.setText(german[3])
    shown: list = []
    step.snapshot_shown.connect(shown.append)

    def keep_playing():
        snapshot = step.snapshot
        if step.play_button.isChecked() or step._queued or snapshot is None:
            return
        if snapshot["finished"]:
            step.start()
        else:
            step.play_button.setChecked(True)

    from PySide6.QtCore import QTimer

    player = QTimer()
    player.setInterval(50)
    player.timeout.connect(keep_playing)
    step.start()
    wait_until(lambda: step.snapshot is not None, 120, "the decoding to start")
    shown.clear()
    gaps.start(args.profile)
    player.start()
    play_from = time.perf_counter()
    wait_until(
        lambda: time.perf_counter() - play_from > args.play_seconds,
        args.play_seconds + 60,
        "playing",
    )
    player.stop()
    step.pause()
    phase = gaps.stop()
    phase["snapshots"] = len(shown)
    results["phases"]["play"] = phase
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["switch_interval_ms_at_end"] = sys.getswitchinterval() * 1000

    wizard.closing = True
    wizard.shutdown()
    window.shutdown()
    app.quit()
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=TATOEBA_TRAIN, help="a TSV of German-English pairs")
    parser.add_argument("--pairs", type=int, default=3000)
    parser.add_argument("--train-seconds", type=float, default=60.0)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--play-seconds", type=float, default=20.0)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record the longest-running Python functions of each phase",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=0.0,
        metavar="MS",
        help="Python's switch interval during the phases (default: the app's own)",
    )
    add_json_argument(parser)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    results = run(args)
    for name, phase in results["phases"].items():
        print(
            f"{name:6} max {phase['max_gap_ms']:7.1f} ms  p99 {phase['p99_ms']:6.1f} ms  "
            f"p50 {phase['p50_ms']:5.2f} ms  >50 ms: {phase['gaps_over_50ms']:4}  "
            f"({phase['ticks']} ticks, {phase['seconds']} s)",
            file=sys.stderr,
        )
    report(results, args.json)


if __name__ == "__main__":
    main()
