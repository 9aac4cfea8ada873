"""``keras-attn gui``: start the desktop app (the same as ``keras-attn-gui``).

The library never imports Qt: the app runs as its own process
(``python -m keras_attn_app.app``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys


def add_parser(subparsers):
    p = subparsers.add_parser(
        "gui",
        help="start the desktop app",
        description="Start the keras-attn desktop app. Options are passed on to "
        "keras-attn-gui (see `keras-attn-gui --help`).",
    )
    p.add_argument("options", nargs=argparse.REMAINDER, help="options for keras-attn-gui")
    return p


def run(args) -> int:
    return launch(args.options)


def launch(options) -> int:
    """Run ``python -m keras_attn_app.app OPTIONS``; returns its exit status."""
    return subprocess.call([sys.executable, "-m", "keras_attn_app.app", *options])
