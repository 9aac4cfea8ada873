"""Where the app keeps what it remembers: the last model, recent models, window layout.

Settings live in the user's Qt settings (organization and application "keras-attn").
Set the environment variable ``KERAS_ATTN_SETTINGS`` to an ``.ini`` file path to use that
file instead (the tests do, so that a person's own settings are never touched), and
``KERAS_ATTN_DATA_DIR`` to move the log file out of the user's data folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from keras_attn.demo import models_dir

ORGANIZATION = "keras-attn"
APPLICATION = "keras-attn"
SETTINGS_ENV = "KERAS_ATTN_SETTINGS"
DATA_DIR_ENV = "KERAS_ATTN_DATA_DIR"
LOG_NAME = "keras-attn.log"
MAX_RECENT = 8
# The bundled demo models opened the first time, the first one there: the German -> English
# model, else the invented language.
DEMO_MODELS = ("de_en.keras", "toy_language.keras")


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


@dataclass(frozen=True)
class DemoModel:
    """A model bundled in ``assets/models``: its file, its title and a line about it."""

    path: Path
    title: str
    description: str = ""


def demo_models(folder=None) -> list[DemoModel]:
    """The bundled models (``assets/models/*.keras``, or those in `folder`), the ones of
    :data:`DEMO_MODELS` first in that order, then the others by file name. Each is titled
    from its model card (``<name>.json``: "title", else "name"), else from its file name."""
    try:
        folder = models_dir() if folder is None else Path(folder)
        files = [
            entry for entry in folder.iterdir() if entry.name.endswith(".keras") and entry.is_file()
        ]
    except (ModuleNotFoundError, OSError):
        return []
    order = {name: i for i, name in enumerate(DEMO_MODELS)}
    files.sort(key=lambda entry: (order.get(entry.name, len(order)), entry.name))
    return [DemoModel(entry, *_card_title(entry)) for entry in files]


def model_card(path) -> dict:
    """The model card beside a model file (``name.keras`` -> ``name.json``), {} if none."""
    try:
        card = json.loads(Path(path).with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return card if isinstance(card, dict) else {}


def card_test_file(path) -> Path | None:
    """A test file for a bundled model, from its card: "test_file" or "test" when they name
    a file, else the test split beside the training "dataset" (``x.test.tsv`` beside
    ``x.tsv``), else the dataset itself. Relative paths start at the project folder."""
    card = model_card(path)
    # assets/models/x.keras -> the folder holding assets/: the project (or, installed, keras_attn)
    root = Path(path).resolve().parent.parent.parent
    found = []
    for key in ("test_file", "test"):
        if isinstance(card.get(key), str):
            found.append(card[key])
    dataset = card.get("dataset")
    if isinstance(dataset, str) and dataset.endswith(".tsv"):
        found += [dataset[:-4] + ".test.tsv", dataset]
    for name in found:
        candidate = Path(name) if Path(name).is_absolute() else root / name
        if candidate.is_file():
            return candidate
    return None


def _card_title(path: Path) -> tuple[str, str]:
    """`(title, description)` of a bundled model, from its model card when it has one."""
    card = model_card(path)
    title = card.get("title")
    if not isinstance(title, str) or not title.strip():
        name = card.get("name")
        name = name if isinstance(name, str) and name.strip() else path.stem
        title = name.replace("_", " ").strip()
        title = title[:1].upper() + title[1:]
    description = card.get("description")
    if not isinstance(description, str):
        scores = card.get("scores") if isinstance(card.get("scores"), dict) else {}
        parts = [
            f"{label} {scores[key]}"
            for key, label in (("bleu", "BLEU"), ("chrf", "chrF"))
            if key in scores
        ]
        description = f"{path.name}" + (f" — test {', '.join(parts)}" if parts else "")
    return title.strip(), description


def demo_model() -> Path | None:
    """The bundled model the app opens the first time: the first of :data:`DEMO_MODELS`
    that is there (German -> English, else the invented language), else any ``.keras``
    file in ``assets/models``, else None."""
    models = demo_models()
    return models[0].path if models else None


def data_dir() -> Path:
    """The user's data folder for the app (``KERAS_ATTN_DATA_DIR`` when set)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) if location else Path.home() / ".keras-attn"


def log_path() -> Path:
    """The log file uncaught errors are written to."""
    return data_dir() / LOG_NAME
