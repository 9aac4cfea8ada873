"""``keras-attn compare``: score several models on the same test pairs, overall and by
source-sentence length, and draw the length curve (Bahdanau et al. 2015, Fig. 2)."""

from __future__ import annotations

import argparse
import json
import sys

from keras_attn.commands import add_test_set_arguments


def _buckets(value: str) -> list[int]:
    """An argparse type: increasing positive word counts, "10,20,30"."""
    try:
        bounds = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a list of word counts such as 10,20,30"
        ) from None
    if (
        not bounds
        or any(b < 1 for b in bounds)
        or any(a >= b for a, b in zip(bounds[:-1], bounds[1:], strict=True))
    ):
        raise argparse.ArgumentTypeError(
            f"{value!r}: give increasing word counts of 1 or more, such as 10,20,30"
        )
    return bounds


def _picture(value: str) -> str:
    """An argparse type: a file name ending in .png, .svg or .pdf."""
    from pathlib import Path

    if Path(value).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise argparse.ArgumentTypeError(f"{value!r}: the file name must end in .png, .svg or .pdf")
    return value


def add_parser(subparsers):
    p = subparsers.add_parser(
        "compare",
        help="compare models on a test set, overall and by sentence length",
        description="Translate the source side of a parallel test file with each model and "
        "score the output with sacrebleu's cased BLEU and chrF: on all pairs and "
        "on the pairs of each source-length bucket (length in words), with the "
        "number of pairs in each bucket. --plot draws the scores against "
        "sentence length, one line per model: where a model without attention "
        "falls as sentences grow.",
    )
    p.add_argument("models", nargs="+", metavar="MODEL", help=".keras model files")
    p.add_argument(
        "--test",
        dest="data",
        metavar="TEST",
        required=True,
        help="parallel test file (TSV, CSV, TMX, or the source side of two aligned text files)",
    )
    from keras_attn.commands.check import add_data_arguments

    add_data_arguments(p)
    g = p.add_argument_group("comparison and output")
    g.add_argument(
        "--names",
        metavar="A,B,...",
        help="names of the models in the table and figure, comma-separated "
        "(default: the file names)",
    )
    g.add_argument(
        "--buckets",
        type=_buckets,
        metavar="N,N,...",
        help="upper bounds of the length buckets in words, e.g. 10,20,30 for "
        "1-10, 11-20, 21-30 and 31+ (default: chosen from the data)",
    )
    add_test_set_arguments(g)
    g.add_argument("--lowercase", action="store_true", help="compare case-insensitively")
    g.add_argument(
        "--plot",
        type=_picture,
        metavar="FILE",
        help="draw the length curve to FILE (.png, .svg or .pdf)",
    )
    g.add_argument(
        "--metric",
        choices=("bleu", "chrf", "both"),
        default="bleu",
        help="the score drawn by --plot (default: %(default)s)",
    )
    g.add_argument("--json", action="store_true", help="print the scores as a JSON object")
    return p


def run(args) -> int:
    from keras_attn.commands.check import read_from_args
    from keras_attn.errors import ConfigurationError

    names = None
    if args.names:
        names = [name.strip() for name in args.names.split(",")]
        if len(names) != len(args.models) or not all(names):
            raise ConfigurationError(
                f"--names: {len(names)} name(s) for {len(args.models)} "
                f"model(s); give one non-empty name per model."
            )
    data = read_from_args(args)
    pairs = data.pairs[: args.limit] if args.limit else data.pairs
    from keras_attn.compare import compare_models
    from keras_attn.saving import load_model

    models = [load_model(path) for path in args.models]  # every file checked first
    print(
        f"data: {data.report.path}: comparing {len(models)} model(s) on {len(pairs)} of "
        f"{len(data.pairs)} pairs",
        file=sys.stderr,
    )
    live = sys.stderr.isatty()

    def progress(done, total):
        if live:
            print(f"\rtranslating: {done:,}/{total:,}", end="", file=sys.stderr, flush=True)

    comparison = compare_models(
        models,
        pairs,
        names=names or [_stem(path) for path in args.models],
        buckets=args.buckets,
        beam=args.beam,
        alpha=args.alpha,
        batch_size=args.batch_size,
        lowercase=args.lowercase,
        on_progress=progress,
    )
    if live:
        print(file=sys.stderr)
    for warning in comparison.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.plot:
        from keras_attn.plotting import save_length_curve

        try:
            save_length_curve(args.plot, comparison, args.metric)
        except OSError as error:
            print(
                f"keras-attn compare: error: {args.plot}: cannot write: {error.strerror or error}",
                file=sys.stderr,
            )
            return 1
        print(f"wrote {args.plot}", file=sys.stderr)
    if args.json:
        print(json.dumps(comparison.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(comparison.table())
    return 0


def _stem(path: str) -> str:
    import os

    return os.path.splitext(os.path.basename(path))[0]
