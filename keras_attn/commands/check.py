"""``keras-attn check DATA``: read a parallel corpus and report what is wrong with it.

Exit status 0 when the file holds usable sentence pairs, 1 (with the reason on stderr)
when it does not.
"""

from __future__ import annotations

import argparse
import json

from keras_attn.commands import column_number, positive_number, whole_number

_EXAMPLES = 3


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options that say how to read a corpus (shared by ``check`` and ``train``).

    The positional DATA argument is not added. Read the corpus with :func:`read_from_args`.
    """
    group = parser.add_argument_group("reading the data")
    group.add_argument(
        "--format",
        choices=("tsv", "csv", "text", "tmx"),
        help="file format; guessed from the extension and content when not given",
    )
    group.add_argument(
        "--source-column",
        type=column_number,
        default=1,
        metavar="N",
        help="TSV/CSV column of the source sentences, counting from 1 (default: %(default)s)",
    )
    group.add_argument(
        "--target-column",
        type=column_number,
        default=2,
        metavar="N",
        help="TSV/CSV column of the target sentences, counting from 1 (default: %(default)s)",
    )
    group.add_argument(
        "--target-file",
        metavar="FILE",
        help="the target side, line by line, when DATA holds only the source side",
    )
    group.add_argument("--source-lang", metavar="L", help="TMX source language, e.g. de or de-DE")
    group.add_argument("--target-lang", metavar="L", help="TMX target language, e.g. en")
    group.add_argument(
        "--encoding", default="utf-8", metavar="E", help="text encoding (default: %(default)s)"
    )
    group.add_argument(
        "--header",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="whether the first row holds column names; detected for TSV/CSV when not given",
    )
    group.add_argument(
        "--max-chars",
        type=positive_number,
        default=1000,
        metavar="N",
        help="skip sentences longer than N characters (default: %(default)s)",
    )


def read_from_args(args):
    """Read the corpus named by ``args.data`` with the options of :func:`add_data_arguments`.

    Returns :class:`~keras_attn.data.ParallelData`; raises DataError when nothing is usable.
    """
    from keras_attn.data import read_parallel

    return read_parallel(
        args.data,
        format=getattr(args, "format", None),
        source_column=getattr(args, "source_column", 1) - 1,
        target_column=getattr(args, "target_column", 2) - 1,
        target_path=getattr(args, "target_file", None),
        source_lang=getattr(args, "source_lang", None),
        target_lang=getattr(args, "target_lang", None),
        encoding=getattr(args, "encoding", "utf-8"),
        header=getattr(args, "header", None),
        max_chars=getattr(args, "max_chars", 1000),
    )


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check",
        help="check a parallel corpus and report its problems",
        description=(
            "Read a parallel corpus (TSV, CSV, TMX, or two aligned text files) and report "
            "what was kept and what is wrong, with line numbers. The file is never changed. "
            "Exit status: 0 when the file holds usable sentence pairs, 1 when it does not."
        ),
    )
    parser.add_argument(
        "data", metavar="DATA", help="the corpus file (the source side with --target-file)"
    )
    add_data_arguments(parser)
    output = parser.add_argument_group("output")
    output.add_argument(
        "--show",
        type=whole_number,
        default=20,
        metavar="N",
        help="list at most N problems (default: %(default)s)",
    )
    output.add_argument(
        "--json", action="store_true", help="print the report and statistics as JSON"
    )
    return parser


def _examples(data, count: int = _EXAMPLES) -> list[dict]:
    """A few pairs spread over the file (first, middle, last)."""
    total = len(data.pairs)
    if not total:
        return []
    positions = sorted({round(i * (total - 1) / max(count - 1, 1)) for i in range(count)})
    return [
        {"line": data.lines[i], "source": data.pairs[i][0], "target": data.pairs[i][1]}
        for i in positions
    ]


def run(args) -> int:
    from keras_attn.data import length_stats

    data = read_from_args(args)
    report = data.report
    stats = length_stats(data)
    examples = _examples(data)
    if args.json:
        result = report.to_dict()
        result["stats"] = {"words": stats}
        result["examples"] = examples
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(report.summary(max_problems=args.show))
    print("  words per sentence:")
    for side in ("source", "target"):
        numbers = stats[side]
        print(
            f"    {side}: mean {numbers['mean']:.1f}, 95th percentile {numbers['p95']}, "
            f"longest {numbers['max']}"
        )
    print("  examples:")
    unit = report.unit
    for example in examples:
        print(f"    {unit} {example['line']}: {example['source']}")
        print(f"    {' ' * len(unit)} {' ' * len(str(example['line']))}  -> {example['target']}")
    return 0
