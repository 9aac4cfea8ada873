"""App start: seconds from launching the desktop app to a visible window and to the first
translation.

    QT_QPA_PLATFORM=offscreen python bench/app_start.py [--runs 5] [--model M.keras] [--json F]

Each run is a fresh Python process that starts the app the way `keras-attn-gui` does
(QApplication, main window, worker thread), with throwaway settings. Measured from just
before the process is launched:

* window: the main window's first paint;
* model: the worker has loaded TensorFlow and the model (the status bar says so);
* translation: the sample sentence, translated as a click on Translate would, is shown.

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


def child(model: str | None) -> None:
    """One app start; prints a JSON line of seconds since KERAS_ATTN_BENCH_T0."""
    t0 = float(os.environ["KERAS_ATTN_BENCH_T0"])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(ROOT))
    import tempfile

    from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setOrganizationName("keras-attn")
    QCoreApplication.setApplicationName("keras-attn")
    app = QApplication([sys.argv[0]])

    from gui.main_window import MainWindow
    from gui.settings import Settings

    marks: dict[str, float] = {}

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint and "window" not in marks:
                marks["window"] = time.time() - t0
            return False

    folder = tempfile.mkdtemp()
    settings = Settings(QSettings(os.path.join(folder, "settings.ini"),
                                  QSettings.Format.IniFormat))
    window = MainWindow(model_path=model, settings=settings, interactive=False)
    painter = FirstPaint()
    window.installEventFilter(painter)
    window.show()

    def loaded(summary):
        marks.setdefault("model", time.time() - t0)
        view = window.translate_view
        if not view.input.toPlainText().strip():
            view.input.setPlainText(summary["sample_sentence"])
        view.translate()  # as a click on Translate

    def translated(result):
        marks.setdefault("translation", time.time() - t0)
        marks["output"] = result["outputs"][0]
        app.exit(0)

    window.model_ready.connect(loaded)  # after the window has taken the model in
    window.worker.translated.connect(translated)
    window.worker.failed.connect(lambda title, message: (marks.update(error=message),
                                                         app.exit(1)))
    app.exec()
    window.shutdown()
    print(json.dumps(marks))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", help="model to open (default: the bundled demo model)")
    parser.add_argument("--json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.model)
        return
    runs = []
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    for i in range(args.runs):
        command = [sys.executable, __file__, "--child"] + (["--model", args.model] if args.model else [])
        env["KERAS_ATTN_BENCH_T0"] = repr(time.time())
        out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        line = [x for x in out.stdout.splitlines() if x.startswith("{")]
        if not line:
            sys.exit(f"run {i + 1} failed:\n{out.stderr[-2000:]}")
        marks = json.loads(line[-1])
        runs.append(marks)
        print(f"run {i + 1}: window {marks.get('window', float('nan')):.2f} s, model "
              f"{marks.get('model', float('nan')):.2f} s, first translation "
              f"{marks.get('translation', float('nan')):.2f} s ({marks.get('output', marks.get('error'))!r})",
              flush=True)
    medians = {key: round(statistics.median(r[key] for r in runs), 2)
               for key in ("window", "model", "translation") if all(key in r for r in runs)}
    print("median:", ", ".join(f"{k} {v:.2f} s" for k, v in medians.items()))
    if args.json:
        with open(args.json, "w") as stream:
            json.dump({"machine": f"{platform.machine()} {os.cpu_count()} cores",
                       "runs": runs, "median_seconds": medians}, stream, indent=1)


if __name__ == "__main__":
    main()
