"""Start the desktop app.

    keras-attn-gui [--model M.keras] [--color-scheme system|light|dark]
    keras-attn-gui --screenshot FILE.png [--view translate|step|alignment|wizard]
                   [--model M.keras] [--sentence "..."]
    python -m gui.app ...          (the same)
    keras-attn gui ...             (the same, from the command-line tool)

This module imports neither Qt nor TensorFlow until the app runs (``keras-attn gui`` starts
it as ``python -m gui.app``, so the library never imports Qt). The window shows before
TensorFlow is loaded: the worker thread imports it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

VIEWS = ("translate", "step", "alignment", "wizard")
SCHEMES = ("system", "light", "dark")
DESCRIPTION = ("The keras-attn desktop app: translate with a trained model and watch its "
               "attention, one decoding step at a time.")


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--model", metavar="PATH",
                        help="the .keras model to open (default: the last one used, or the "
                             "bundled demo model)")
    parser.add_argument("--color-scheme", choices=SCHEMES, default="system",
                        help="follow the system's light or dark scheme, or force one "
                             "(default: system)")
    shots = parser.add_argument_group("screenshots")
    shots.add_argument("--screenshot", metavar="FILE.png",
                       help="open the window at 1280x800, do the view's work, save a picture "
                            "of the window to FILE.png and exit")
    shots.add_argument("--view", choices=VIEWS, default="step",
                       help="what the screenshot shows: a translated sentence, a sentence "
                            "stepped to the end, its alignment view, or the training wizard "
                            "(default: step)")
    shots.add_argument("--sentence", help="the sentence to use (default: one that suits the "
                                          "model)")
    return parser


def build_parser() -> argparse.ArgumentParser:
    return add_arguments(argparse.ArgumentParser(prog="keras-attn-gui",
                                                 description=DESCRIPTION))


def main(argv: list[str] | None = None) -> int:
    """The ``keras-attn-gui`` entry point."""
    return run(build_parser().parse_args(argv))


def run(args) -> int:
    """Run the app with parsed arguments; returns the exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.screenshot and sys.platform.startswith("linux") and \
            not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no screen: draw off-screen
    wizard_class = None
    if args.screenshot and args.view == "wizard":
        wizard_class = _wizard_class()
        if wizard_class is None:
            print("keras-attn-gui: the training wizard is not part of this installation "
                  "(gui/wizard.py with a TrainWizard class is missing); no screenshot taken.",
                  file=sys.stderr)
            return 2

    from PySide6.QtCore import QCoreApplication, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setOrganizationName("keras-attn")
    QCoreApplication.setApplicationName("keras-attn")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationDisplayName("keras-attn")

    from gui import excepthook, icons, theme
    from gui.main_window import MainWindow
    from gui.settings import Settings

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

    from gui.screenshot import SIZE, ScreenshotRun, grab_widget

    model = args.model or Settings().last_model()
    with TemporaryDirectory() as folder:
        settings = Settings(QSettings(os.path.join(folder, "settings.ini"),
                                      QSettings.Format.IniFormat))
        window = MainWindow(model_path=model, settings=settings, interactive=False)
        window.resize(*SIZE)
        window.show()
        if wizard_class is not None:
            wizard = _open_wizard(wizard_class, window)
            wizard.show()
            began = time.monotonic()

            def grab_when_ready():  # once the wizard's TensorFlow is loaded (or 90 s)
                if getattr(wizard, "capabilities", True) is None and \
                        time.monotonic() - began < 90:
                    QTimer.singleShot(100, grab_when_ready)
                    return
                grab_widget(wizard, args.screenshot)
                print(args.screenshot)
                app.exit(0)

            QTimer.singleShot(500, grab_when_ready)
            code = app.exec()
            if hasattr(wizard, "shutdown"):
                wizard.shutdown()
        else:
            task = ScreenshotRun(window, args.screenshot, args.view, args.sentence)
            QTimer.singleShot(0, task.begin)
            code = app.exec()
        window.shutdown()
        window.deleteLater()
    return code


def _wizard_class():
    """The training wizard's class when ``gui/wizard.py`` provides one, else None."""
    if importlib.util.find_spec("gui.wizard") is None:
        return None
    from gui import wizard

    return getattr(wizard, "TrainWizard", None)


def _open_wizard(wizard_class, window):
    try:
        return wizard_class(parent=window, settings=window.settings)
    except TypeError:
        return wizard_class(window)


if __name__ == "__main__":
    sys.exit(main())
