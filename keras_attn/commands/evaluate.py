"""``keras-attn evaluate``: score a saved model on a test set with BLEU and chrF, and
its attention against gold word alignments (alignment error rate)."""

from __future__ import annotations

import json
import sys

from keras_attn.commands import add_test_set_arguments, fraction


def add_parser(subparsers):
    p = subparsers.add_parser(
        "evaluate",
        help="score a saved model on a test set (BLEU, chrF)",
        description="Translate the source side of a parallel test file with a saved model "
        "and score the output against the target side with sacrebleu's BLEU "
        "and chrF (signatures printed, so scores can be compared).",
    )
    p.add_argument("model", help="a .keras model file")
    p.add_argument(
        "data",
        metavar="TEST",
        help="parallel test file (TSV, CSV, TMX, or the source side of two aligned text files)",
    )
    from keras_attn.commands.check import add_data_arguments

    add_data_arguments(p)
    g = p.add_argument_group("decoding and output")
    add_test_set_arguments(g)
    g.add_argument(
        "--lowercase",
        action="store_true",
        help="compare case-insensitively (for models that lowercase their output)",
    )
    g.add_argument(
        "--hypotheses",
        metavar="OUT",
        help="write the translations to OUT, one a line, in test order",
    )
    g.add_argument("--json", action="store_true", help="print the scores as a JSON object")
    a = p.add_argument_group("alignment")
    a.add_argument(
        "--alignments",
        metavar="GOLD",
        help="gold word alignments of the test pairs (Pharaoh/Moses: one line per "
        "pair, i-j sure and i?j or ipj possible links, words counted from 0): "
        "also report the alignment error rate of the attention, reading the "
        "references (argmax and thresholded links)",
    )
    a.add_argument(
        "--alignment-threshold",
        type=fraction,
        metavar="T",
        help="attention a link needs in thresholded alignments (default: 0.3)",
    )
    return p


def run(args) -> int:
    from keras_attn.commands.check import read_from_args

    data = read_from_args(args)
    pairs = data.pairs[: args.limit] if args.limit else data.pairs
    gold = None
    if args.alignments:
        from keras_attn.alignment import read_alignments

        gold = read_alignments(args.alignments, data)[: len(pairs)]
    elif args.alignment_threshold is not None:
        print(
            "keras-attn evaluate: error: --alignment-threshold needs --alignments GOLD",
            file=sys.stderr,
        )
        return 2
    from keras_attn.evaluation import evaluate
    from keras_attn.saving import load_model

    model = load_model(args.model)
    if gold is not None:
        from keras_attn.alignment import check_has_attention

        check_has_attention(model, name=args.model)
    print(
        f"data: {data.report.path}: evaluating on {len(pairs)} of {len(data.pairs)} pairs",
        file=sys.stderr,
    )
    result = evaluate(
        model,
        pairs,
        beam=args.beam,
        alpha=args.alpha,
        batch_size=args.batch_size,
        lowercase=args.lowercase,
        alignments=gold,
        alignment_threshold=args.alignment_threshold,
    )
    if args.hypotheses:
        try:
            with open(args.hypotheses, "w", encoding="utf-8") as stream:
                stream.writelines(line + "\n" for line in result.hypotheses)
        except OSError as error:
            print(
                f"keras-attn evaluate: error: {args.hypotheses}: cannot write: {error.strerror}",
                file=sys.stderr,
            )
            return 1
        print(
            f"wrote {len(result.hypotheses)} translation(s) to {args.hypotheses}", file=sys.stderr
        )
    if args.json:
        summary = result.to_dict()
        summary["beam"] = args.beam
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(result.summary())
    return 0
