"""``keras-attn demo``: translate a few examples with the bundled demo models."""

from __future__ import annotations


def add_parser(subparsers):
    p = subparsers.add_parser(
        "demo",
        help="translate examples with the bundled demo models",
        description="Load the bundled demo models, translate a few examples and print "
        "each with its attention as a text heatmap. Needs no display.",
    )
    from keras_attn.demo import DEMOS

    p.add_argument("--model", choices=(*DEMOS, "all"), default="all", help="which demo model")
    p.add_argument("sentences", nargs="*", help="your own sentences (instead of the examples)")
    p.add_argument("--color", action="store_true", help="colour the heatmap (ANSI terminals)")
    return p


def run(args) -> int:
    from keras_attn.demo import DEMOS, card, model_path
    from keras_attn.plotting import text_heatmap
    from keras_attn.saving import load_model
    from keras_attn.session import DecodingSession

    names = list(DEMOS) if args.model == "all" else [args.model]
    for name in names:
        model = load_model(model_path(name))
        info = card(name)
        scores = ", ".join(f"{k} {v}" for k, v in info.get("scores", {}).items())
        print(f"== demo model `{name}`" + (f" ({scores})" if scores else ""))
        session = DecodingSession(model)
        for sentence in args.sentences or DEMOS[name][1]:
            session.start(sentence)
            session.run_to_end()
            print(f"\n{sentence}\n  -> {session.translation}\n")
            print(
                text_heatmap(
                    session.attention,
                    session.source_tokens,
                    session.target_tokens,
                    color=args.color,
                )
            )
        print()
    return 0
