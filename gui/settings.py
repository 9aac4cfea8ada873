"""Where the app keeps what it remembers: the last model, recent models, window layout.

Settings live in the user's Qt settings (organization and application "keras-attn").
Set the environment variable ``KERAS_ATTN_SETTINGS`` to an ``.ini`` file path to use that
file instead (the tests do, so that a person's own settings are never touched), and
``KERAS_ATTN_DATA_DIR`` to move the log file out of the user's data folder.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

ORGANIZATION = "keras-attn"
APPLICATION = "keras-attn"
SETTINGS_ENV = "KERAS_ATTN_SETTINGS"
DATA_DIR_ENV = "KERAS_ATTN_DATA_DIR"
LOG_NAME = "keras-attn.log"
MAX_RECENT = 8
# The bundled demo model opened the first time, when it is there.
DEMO_MODEL = "toy_language.keras"


class Settings:
    """Typed access to the app's QSettings.

    Args:
        qsettings: a `QSettings` to use; None picks the user's settings (or the file named
            by ``KERAS_ATTN_SETTINGS``).
    """

    def __init__(self, qsettings: QSettings | None = None):
        if qsettings is None:
            path = os.environ.get(SETTINGS_ENV)
            if path:
                qsettings = QSettings(path, QSettings.Format.IniFormat)
            else:
                qsettings = QSettings(ORGANIZATION, APPLICATION)
        self.qsettings = qsettings

    # -- models --------------------------------------------------------------------
    def last_model(self) -> str | None:
        value = self.qsettings.value("models/last", "", type=str)
        return value or None

    def set_last_model(self, path) -> None:
        self.qsettings.setValue("models/last", str(path))

    def recent_models(self) -> list[str]:
        """Recently opened model files, newest first, at most :data:`MAX_RECENT`."""
        value = self.qsettings.value("models/recent", [], type=list)
        return [str(p) for p in value if p][:MAX_RECENT]

    def add_recent_model(self, path) -> list[str]:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_models() if p != path]
        recent = [path, *recent][:MAX_RECENT]
        self.qsettings.setValue("models/recent", recent)
        return recent

    def remove_recent_model(self, path) -> list[str]:
        recent = [p for p in self.recent_models() if p != str(path)]
        self.qsettings.setValue("models/recent", recent)
        return recent

    def clear_recent_models(self) -> None:
        self.qsettings.setValue("models/recent", [])

    # -- anything else -------------------------------------------------------------
    def value(self, key: str, default, kind=None):
        """The value at `key`, converted to `kind` (default: the type of `default`, when
        it is a bool, int, float, str, bytes or list); `default` when missing or unreadable."""
        if kind is None and type(default) in (bool, int, float, str, bytes, list):
            kind = type(default)
        try:
            if kind is None:
                return self.qsettings.value(key, default)
            return self.qsettings.value(key, default, type=kind)
        except (TypeError, ValueError, RuntimeError):
            return default

    def set_value(self, key: str, value) -> None:
        self.qsettings.setValue(key, value)

    def sync(self) -> None:
        self.qsettings.sync()


def demo_model() -> Path | None:
    """The bundled demo model: ``assets/models/toy_language.keras``, else any ``.keras``
    file there, else None."""
    try:
        folder = resources.files("assets") / "models"
        if not folder.is_dir():
            return None
        models = sorted((entry for entry in folder.iterdir()
                         if entry.name.endswith(".keras") and entry.is_file()),
                        key=lambda entry: (entry.name != DEMO_MODEL, entry.name))
    except (ModuleNotFoundError, OSError):
        return None
    return Path(str(models[0])) if models else None


def data_dir() -> Path:
    """The user's data folder for the app (``KERAS_ATTN_DATA_DIR`` when set)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    location = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) if location else Path.home() / ".keras-attn"


def log_path() -> Path:
    """The log file uncaught errors are written to."""
    return data_dir() / LOG_NAME
