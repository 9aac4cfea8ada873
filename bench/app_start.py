"""App start: seconds from launching the desktop app to a visible window and to the first
translation.

    QT_QPA_PLATFORM=offscreen python bench/app_start.py [--runs 5] [--model M.keras] [--json F]
                                                        [--against OTHER_CHECKOUT]

Each run is a fresh Python process that starts the app the way `keras-attn-gui` does
(QApplication, main window, worker thread), with throwaway settings. Measured from just
before the process is launched:

* window: the main window's first paint;
* tensorflow: the worker thread has imported TensorFlow and keras_attn's model code;
* model: the worker has loaded TensorFlow and the model (the status bar says so);
* quick: the Translate tab answers greedy requests, before TensorFlow has loaded (the
  model file read with NumPy, gui/quick_start.py; checkouts since it exists);
* translation: the sample sentence, translated as a click on Translate would, is shown
  (asked for as soon as the Translate tab can answer). The run ends once both the
  translation is shown and the model is loaded.

Prints the runs and their medians and writes JSON with --json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def app_package(root: Path) -> str:
    """The name to import the app of the checkout at `root` by (with `root` first on the
    path): ``keras_attn_app`` when the installed package is that checkout's gui/ folder,
    else the folder's own name, ``gui`` (older checkouts installed it under that name)."""
    import importlib.util

    spec = importlib.util.find_spec("keras_attn_app")
    if (
        spec is not None
        and spec.origin
        and Path(spec.origin).resolve().parent == (root / "gui").resolve()
    ):
        return "keras_attn_app"
    return "gui"


def child(model: str | None) -> None:
    """One app start; prints a JSON line of seconds since KERAS_ATTN_BENCH_T0."""
    t0 = float(os.environ["KERAS_ATTN_BENCH_T0"])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    root = Path(os.environ.get("KERAS_ATTN_BENCH_ROOT", str(ROOT)))
    sys.path.insert(0, str(root))
    import importlib
    import tempfile

    from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setOrganizationName("keras-attn")
    QCoreApplication.setApplicationName("keras-attn")
    app = QApplication([sys.argv[0]])

    package = app_package(root)
    MainWindow = importlib.import_module(f"{package}.main_window").MainWindow  # noqa: N806
    Settings = importlib.import_module(f"{package}.settings").Settings  # noqa: N806

    marks: dict[str, float] = {}

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint and "window" not in marks:
                marks["window"] = time.time() - t0
            return False

    folder = tempfile.mkdtemp()
    settings = Settings(QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(model_path=model, settings=settings, interactive=False)
    painter = FirstPaint()
    window.installEventFilter(painter)
    window.show()

    requested = []

    def ask(sentence):
        view = window.translate_view
        if not view.input.toPlainText().strip():
            view.input.setPlainText(sentence)
        requested.append(True)
        view.translate()  # as a click on Translate

    def finish_when_done():
        if "translation" in marks and "model" in marks:
            app.exit(0)

    def quick(info):  # the Translate tab answers before TensorFlow has loaded
        marks.setdefault("quick", time.time() - t0)
        if not requested:
            ask(info["sample_sentence"])

    def loaded(summary):
        marks.setdefault("model", time.time() - t0)
        if not requested:
            ask(summary["sample_sentence"])
        finish_when_done()

    def translated(result):
        marks.setdefault("translation", time.time() - t0)
        marks.setdefault("output", result["outputs"][0])
        finish_when_done()

    window.worker.ready.connect(
        lambda capabilities: marks.setdefault("tensorflow", time.time() - t0)
    )
    window.model_ready.connect(loaded)  # after the window has taken the model in
    if hasattr(window, "quick_ready"):  # checkouts that translate before TensorFlow loads
        window.quick_ready.connect(quick)
        window.translate_view.result_shown.connect(
            lambda: translated(window.translate_view.last_result)
        )
    else:
        window.worker.translated.connect(translated)
    window.worker.failed.connect(lambda title, message: (marks.update(error=message), app.exit(1)))
    app.exec()
    window.shutdown()
    print(json.dumps(marks))


KEYS = ("window", "quick", "tensorflow", "model", "translation")


def run_once(root: Path, model: str | None) -> dict:
    """One app start of the checkout at `root`, in a fresh process; its marks."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        KERAS_ATTN_BENCH_ROOT=str(root),
    )
    command = [sys.executable, __file__, "--child"] + (["--model", model] if model else [])
    env["KERAS_ATTN_BENCH_T0"] = repr(time.time())
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if not line:
        sys.exit(f"a run of {root} failed:\n{out.stderr[-2000:]}")
    return json.loads(line[-1])


def medians(runs: list[dict]) -> dict:
    return {
        key: round(statistics.median(r[key] for r in runs), 2)
        for key in KEYS
        if all(key in r for r in runs)
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", help="model to open (default: the bundled demo model)")
    parser.add_argument(
        "--against",
        metavar="DIR",
        help="another checkout of keras-attn (e.g. an unpacked `git archive` "
        "of an older commit), started alternately with this one, run for "
        "run, so that both see the same machine load; prints both "
        "medians and their ratios",
    )
    parser.add_argument("--json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.model)
        return
    roots = {"this": ROOT} | ({"against": Path(args.against).resolve()} if args.against else {})
    runs: dict[str, list[dict]] = {name: [] for name in roots}
    for i in range(args.runs):
        for name, root in roots.items():
            marks = run_once(root, args.model)
            runs[name].append(marks)
            label = f"{name} " if args.against else ""
            print(
                f"{label}run {i + 1}: window {marks.get('window', float('nan')):.2f} s, "
                f"quick {marks.get('quick', float('nan')):.2f} s, "
                f"TensorFlow {marks.get('tensorflow', float('nan')):.2f} s, model "
                f"{marks.get('model', float('nan')):.2f} s, first translation "
                f"{marks.get('translation', float('nan')):.2f} s "
                f"({marks.get('output', marks.get('error'))!r})",
                flush=True,
            )
    result = {name: medians(found) for name, found in runs.items()}
    for name, found in result.items():
        label = f" ({name}: {roots[name]})" if args.against else ""
        print(f"median{label}:", ", ".join(f"{k} {v:.2f} s" for k, v in found.items()))
    ratios = {}
    if args.against:
        ratios = {
            key: round(result["against"][key] / result["this"][key], 2)
            for key in result["this"]
            if key in result["against"]
        }
        print("against / this:", ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))
    if args.json:
        with open(args.json, "w") as stream:
            json.dump(
                {
                    "machine": f"{platform.machine()} {os.cpu_count()} cores",
                    "runs": runs["this"],
                    "median_seconds": result["this"],
                    **(
                        {
                            "against": {
                                "root": str(roots["against"]),
                                "runs": runs["against"],
                                "median_seconds": result["against"],
                            },
                            "ratios": ratios,
                        }
                        if args.against
                        else {}
                    ),
                },
                stream,
                indent=1,
            )


if __name__ == "__main__":
    main()
