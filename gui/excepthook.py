"""Uncaught errors: written to the log file and shown, never a silent crash.

:func:`install` replaces ``sys.excepthook`` (and ``threading.excepthook``): the traceback
goes to ``keras-attn.log`` in the user's data folder and to stderr, and a dialog names the
error and the log file. The dialog is always opened on the GUI thread, whichever thread
the error happened on.
"""

from __future__ import annotations

import datetime
import logging
import sys
import threading
import traceback

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from .settings import log_path


class ErrorReporter(QObject):
    """Lives on the GUI thread; `report` may be emitted from any thread."""

    report = Signal(str)

    def __init__(self, interactive=True):
        super().__init__()
        self.interactive = interactive
        self.showing = False
        self.report.connect(self.show)

    def show(self, text: str):
        if not self.interactive or self.showing:
            return
        self.showing = True
        try:
            QMessageBox.critical(
                None,
                "keras-attn: unexpected error",
                f"{text}\n\nThe details were written to {log_path()}.",
            )
        finally:
            self.showing = False


def write_log(text: str) -> None:
    """Append `text` to the log file (quietly does nothing when it cannot)."""
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(f"--- {stamp}\n{text.rstrip()}\n")
    except OSError:
        pass


class _LogHandler(logging.Handler):
    def emit(self, record):
        write_log(self.format(record))


def setup_logging() -> None:
    """Warnings of the app's loggers (with tracebacks) go to the log file."""
    logger = logging.getLogger(__package__)  # the app's package: each module logs below it
    if not any(isinstance(h, _LogHandler) for h in logger.handlers):
        handler = _LogHandler(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


def install(interactive=True) -> ErrorReporter:
    """Log and show every uncaught exception; returns the reporter (keep a reference)."""
    reporter = ErrorReporter(interactive)

    def hook(kind, value, tb):
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        text = "".join(traceback.format_exception(kind, value, tb))
        write_log(text)
        sys.stderr.write(text)
        reporter.report.emit(f"{kind.__name__}: {value}")

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(args.exc_type, args.exc_value, args.exc_traceback)
    return reporter
