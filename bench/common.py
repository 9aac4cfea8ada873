"""What `bench/train_speed.py` and `bench/step_breakdown.py` share: their model options and
the model, configuration and batches those options describe."""

from __future__ import annotations


def add_model_arguments(parser) -> None:
    """Options choosing the model and how it trains."""
    parser.add_argument("--preset", default="base")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--precision")
    parser.add_argument("--no-bucketing", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="any configuration field, as for `keras-attn train --set`")
    parser.add_argument("--keras-rnn", action="store_true",
                        help="run the GRUs with Keras's own loop, not keras_attn's CPU loop")


def build(args, data):
    """`(model, dataset, changes)` for the options in `args`, trained on the pairs of the
    file `data`: a compiled model and its (unrepeated) training batches; `changes` are the
    configuration fields the options set, for the report."""
    import keras_attn  # noqa: F401
    from keras_attn.commands.train import parse_setting
    from keras_attn.config import preset
    from keras_attn.data import read_parallel
    from keras_attn.layers import gru_loop
    from keras_attn.text import make_dataset
    from keras_attn.training import build_model, compile_model

    gru_loop.ENABLED = not args.keras_rnn
    changes = {}
    if args.batch_size:
        changes["train.batch_size"] = args.batch_size
    if args.precision:
        changes["train.precision"] = args.precision
    if args.no_bucketing:
        changes["train.bucketing"] = False
    changes.update(parse_setting(item) for item in args.set)
    config = preset(args.preset).replace(**changes)
    pairs = read_parallel(data).pairs
    model = build_model(config, pairs)
    compile_model(model, 1000)
    dataset = make_dataset(pairs, model.source_text, model.target_text,
                           batch_size=config.train.batch_size, bucketing=config.train.bucketing,
                           seed=config.train.seed)
    return model, dataset, changes
