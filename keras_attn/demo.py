"""The bundled demo models: where they are and how they were made.

Demo models live in ``assets/models/`` (installed as the package ``keras_attn.assets``)
next to a JSON card with their data, licence, settings and scores. They are trained by
``python scripts/train_demo_models.py``: ``de_en`` on the Tatoeba German-English pairs,
the others on the generated sample datasets (see :mod:`keras_attn.datasets`).
"""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

# name -> (dataset it was trained on, example sentences shown by `keras-attn demo`)
DEMOS = {
    "de_en": (
        "Tatoeba German-English",
        [
            "Ich habe heute keine Zeit.",
            "Wo ist der Bahnhof?",
            "Tom hat gestern einen Brief geschrieben.",
        ],
    ),
    "toy_language": (
        "toy_language",
        [
            "the old farmer will not eat the red apples.",
            "my friends walked in the green forest.",
            "she holds a small cat.",
        ],
    ),
    "dates": (
        "dates",
        [
            "Thursday, 26 November 2026",
            "Nov 3rd, 1999",
            "14/07/89",
        ],
    ),
}
DEFAULT = "de_en"  # real language first; the invented language shows reordering best


def models_dir() -> Path:
    """The folder of the bundled demo models."""
    return Path(str(importlib.resources.files("keras_attn.assets") / "models"))


def model_path(name: str = DEFAULT) -> Path:
    """Path of a bundled demo model; FileNotFoundError naming the rebuild command if absent."""
    if name not in DEMOS:
        raise KeyError(f"Unknown demo model {name!r}; known: {', '.join(sorted(DEMOS))}.")
    path = models_dir() / f"{name}.keras"
    if not path.exists():
        raise FileNotFoundError(
            f"The demo model {path} is missing; make it with `python scripts/train_demo_models.py`."
        )
    return path


def card(name: str) -> dict:
    """The JSON card written beside a demo model (configuration summary and scores)."""
    path = models_dir() / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
