"""``keras-attn translate``: translate sentences or a file with a saved model."""

from __future__ import annotations

import sys


def add_parser(subparsers):
    p = subparsers.add_parser(
        "translate", help="translate sentences with a saved model",
        description="Translate sentences given on the command line, or a file one sentence "
                    "a line, with a saved .keras model.")
    p.add_argument("model", help="a .keras model file")
    p.add_argument("sentences", nargs="*", help="sentences to translate")
    p.add_argument("--input", "-i", help="file with one sentence a line ('-': standard input)")
    p.add_argument("--output", "-o", help="write translations here, one a line (default: print)")
    p.add_argument("--batch-size", type=int, default=64)
    return p


def read_lines(path):
    """Lines of a UTF-8 file (or stdin for '-'), without line endings."""
    from keras_attn.errors import DataError

    if path == "-":
        return sys.stdin.read().splitlines()
    try:
        with open(path, encoding="utf-8-sig") as stream:
            return stream.read().splitlines()
    except OSError as error:
        raise DataError(f"{path}: cannot read: {error.strerror}", path=path) from error
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})",
                        path=path) from error


def run(args) -> int:
    if not args.sentences and not args.input:
        print("keras-attn translate: error: give sentences or --input FILE", file=sys.stderr)
        return 2
    sentences = list(args.sentences)
    if args.input:
        sentences += read_lines(args.input)
    from keras_attn.saving import load_model

    model = load_model(args.model)
    # Empty lines stay empty lines, so that output lines match input lines.
    todo = [i for i, s in enumerate(sentences) if s.strip()]
    outputs = [""] * len(sentences)
    for i, text in zip(todo, model.translate([sentences[i] for i in todo],
                                             batch_size=args.batch_size), strict=True):
        outputs[i] = text
    if args.output:
        from pathlib import Path

        Path(args.output).write_text("".join(line + "\n" for line in outputs), encoding="utf-8")
        print(f"wrote {len(outputs)} translation(s) to {args.output}", file=sys.stderr)
    else:
        for line in outputs:
            print(line)
    return 0
