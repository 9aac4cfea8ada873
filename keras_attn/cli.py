"""The ``keras-attn`` command line: one subcommand a module in ``keras_attn.commands``.

Each command module defines ``add_parser(subparsers)`` and ``run(args) -> int`` and keeps
its heavy imports (TensorFlow) inside ``run`` so that ``--help`` stays quick.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from keras_attn.errors import KerasAttnError

# Order is the order shown by --help.
COMMANDS = ("demo", "gui", "check", "train", "translate", "evaluate", "compare", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-attn",
        description="Neural machine translation with attention you can see.",
    )
    from keras_attn import __version__

    parser.add_argument("--version", action="version", version=f"keras-attn {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"keras_attn.commands.{name}")
        sub = module.add_parser(subparsers)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["gui"]:  # the app reads its own options (`keras-attn gui --help` too)
        from keras_attn.commands.gui import launch

        return launch(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except KerasAttnError as error:
        print(f"keras-attn {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"keras-attn {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
