"""What several GUI test files share: running the app as its command runs, in a subprocess,
with throwaway settings and app data."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from keras_attn_app import settings

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_gui(args, tmp_path, timeout=300):
    """`python -m keras_attn_app.app ARGS` offscreen, its settings and data in `tmp_path`."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        settings.SETTINGS_ENV: str(tmp_path / "settings.ini"),
        settings.DATA_DIR_ENV: str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "keras_attn_app.app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class EventLoopGaps:
    """The gaps between the ticks of a timer on the window's thread while a block runs:
    how long the event loop went unanswered.

        with EventLoopGaps() as loop:
            ...  # work the window must stay responsive through
        assert loop.worst_ms < 250
    """

    def __init__(self, interval_ms: int = 10):
        from PySide6.QtCore import QTimer

        self.interval_ms = interval_ms
        self.gaps: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self):
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def __enter__(self):
        self._last = time.perf_counter()
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.stop()
        return False

    @property
    def worst_ms(self) -> float:
        """The longest gap beyond the timer's interval, in milliseconds."""
        return max(self.gaps) * 1000 - self.interval_ms

    def summary(self) -> str:
        top = ", ".join(f"{g * 1000:.0f}" for g in sorted(self.gaps)[-4:][::-1])
        return (
            f"event loop: {len(self.gaps)} ticks of {self.interval_ms} ms; longest gaps {top} ms;"
            f" median {statistics.median(self.gaps) * 1000:.0f} ms"
        )
