"""Start the desktop app.

    keras-attn-gui [--model M.keras] [--color-scheme system|light|dark]
    keras-attn-gui --screenshot FILE.png [--view translate|step|alignment|anatomy|
                   diagnostics|compare|wizard]
                   [--model M.keras] [--sentence "..."]
    keras-attn-gui --screenshot FILE.png --view wizard [--wizard-page data|map|text|model|
                   train] [--data FILE] [--time-limit MINUTES]
    python -m keras_attn_app ...   (the same)
    keras-attn gui ...             (the same, from the command-line tool)

This module imports neither Qt nor TensorFlow until the app runs (``keras-attn gui`` starts
it as ``python -m keras_attn_app.app``, so the library never imports Qt). The window shows
before TensorFlow is loaded: the worker thread imports it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys

VIEWS = ("translate", "step", "alignment", "anatomy", "diagnostics", "compare", "wizard")
WIZARD_PAGES = ("data", "map", "text", "model", "train")
SCHEMES = ("system", "light", "dark")
DESCRIPTION = (
    "The keras-attn desktop app: translate with a trained model and watch its "
    "attention, one decoding step at a time."
)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--model",
        metavar="PATH",
        help="the .keras model to open (default: the last one used, or the bundled demo model)",
    )
    parser.add_argument(
        "--color-scheme",
        choices=SCHEMES,
        default="system",
        help="follow the system's light or dark scheme, or force one (default: system)",
    )
    shots = parser.add_argument_group("screenshots")
    shots.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="open the window at 1280x800, do the view's work, save a picture "
        "of the window to FILE.png and exit",
    )
    shots.add_argument(
        "--view",
        choices=VIEWS,
        default="step",
        help="what the screenshot shows: a translated sentence, a sentence "
        "stepped to the end, its alignment view, the anatomy of a step "
        "in the middle, the sentence's attention diagnostics, the Compare "
        "window, or the training wizard (default: step)",
    )
    shots.add_argument("--sentence", help="the sentence to use (default: one that suits the model)")
    shots.add_argument(
        "--wizard-page",
        choices=WIZARD_PAGES,
        default="data",
        help="with --view wizard: the page to show; all but data need --data "
        "(train: after a whole run; default: data)",
    )
    shots.add_argument(
        "--data", metavar="FILE", help="with --view wizard: the corpus the wizard reads"
    )
    shots.add_argument(
        "--time-limit",
        type=float,
        default=0.0,
        metavar="MINUTES",
        help="with --wizard-page train: the run's time limit (default: 5)",
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    return add_arguments(argparse.ArgumentParser(prog="keras-attn-gui", description=DESCRIPTION))


def main(argv: list[str] | None = None) -> int:
    """The ``keras-attn-gui`` entry point."""
    # In an app frozen into an executable, the wizard's training process
    # (.wizard.training_process) starts as this program: it runs the process's code here.
    multiprocessing.freeze_support()
    return run(build_parser().parse_args(argv))


def run(args) -> int:
    """Run the app with parsed arguments; returns the exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if (
        args.screenshot
        and sys.platform.startswith("linux")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen: draw off-screen

    from PySide6.QtCore import QCoreApplication, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setOrganizationName("keras-attn")
    QCoreApplication.setApplicationName("keras-attn")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationDisplayName("keras-attn")

    from . import excepthook, icons, theme
    from .main_window import MainWindow
    from .settings import Settings

    app.setWindowIcon(icons.app_icon())
    theme.apply_color_scheme(app, args.color_scheme)
    excepthook.setup_logging()
    reporter = excepthook.install(interactive=not args.screenshot)  # noqa: F841 (kept alive)

    if not args.screenshot:
        window = MainWindow(model_path=args.model)
        window.show()
        code = app.exec()
        window.shutdown()
        return code

    # A screenshot never changes the person's settings: it works on a throwaway copy.
    from tempfile import TemporaryDirectory

    from .screenshot import SIZE, ScreenshotRun, WizardScreenshot

    model = args.model or Settings().last_model()
    with TemporaryDirectory() as folder:
        settings = Settings(
            QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)
        )
        window = MainWindow(model_path=model, settings=settings, interactive=False)
        window.resize(*SIZE)
        window.show()
        if args.view == "wizard":
            from .wizard.train_wizard import TrainWizard

            wizard = TrainWizard(
                parent=window, settings=window.settings, app_data=os.path.join(folder, "data")
            )
            wizard.show()
            try:
                task = WizardScreenshot(
                    wizard,
                    args.screenshot,
                    getattr(args, "wizard_page", "data"),
                    getattr(args, "data", None),
                    getattr(args, "time_limit", 0.0),
                )
            except ValueError as error:
                print(f"keras-attn-gui: error: {error}", file=sys.stderr)
                task, code = None, 2
            if task is not None:
                QTimer.singleShot(500, task.begin)
                code = app.exec()
            wizard.shutdown()
        else:
            task = ScreenshotRun(window, args.screenshot, args.view, args.sentence)
            QTimer.singleShot(0, task.begin)
            code = app.exec()
        window.shutdown()
        window.deleteLater()
    return code


if __name__ == "__main__":
    sys.exit(main())
