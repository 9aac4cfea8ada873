"""``keras-attn train``: train a translation model on a parallel-data file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from keras_attn.config import (
    ARCHITECTURES,
    ATTENTIONS,
    DECAYS,
    PRECISIONS,
    PRESETS,
    RNN_TYPES,
    STRATEGIES,
    STYLES,
    TOKENIZERS,
)

# Command-line option -> dotted configuration field (None values are left as the preset has them).
OPTION_FIELDS = {
    "epochs": ["train.epochs"],
    "batch_size": ["train.batch_size"],
    "batch_tokens": ["train.batch_tokens"],
    "learning_rate": ["train.learning_rate"],
    "max_pairs": ["train.max_pairs"],
    "validation_split": ["train.validation_split"],
    "time_limit": ["train.time_limit"],
    "time_decay": ["train.time_decay"],
    "patience": ["train.patience"],
    "precision": ["train.precision"],
    "strategy": ["train.strategy"],
    "seed": ["train.seed"],
    "label_smoothing": ["train.label_smoothing"],
    "weight_decay": ["train.weight_decay"],
    "ema": ["train.ema"],
    "warmup_steps": ["train.warmup_steps"],
    "decay": ["train.decay"],
    "tokenizer": ["source.tokenizer", "target.tokenizer"],
    "source_tokenizer": ["source.tokenizer"],
    "target_tokenizer": ["target.tokenizer"],
    "vocab_size": ["source.vocab_size", "target.vocab_size"],
    "max_length": ["source.max_length", "target.max_length"],
    "units": ["model.units", "model.attention_units"],
    "embedding_dim": ["model.embedding_dim"],
    "encoder_layers": ["model.encoder_layers"],
    "attention": ["model.attention"],
    "model": ["model.architecture"],
    "style": ["model.style"],
    "rnn": ["model.rnn"],
    "dropout": ["model.dropout"],
}


class DefaultsWhereSet(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default where it has one of its own. An option left unset (None)
    takes the preset's value or the one chosen from the data, which `train` shows before
    training starts; "(default: None)" would say the opposite."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False or action.default == []:
            return action.help
        return super()._get_help_string(action)


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train",
        help="train a model on parallel data",
        description="Train a translation model with attention on a parallel-data file and "
        "save it as one .keras file. Options not given keep the preset's value, or with no "
        "preset the value chosen from the data, shown before training starts.",
        formatter_class=DefaultsWhereSet,
    )
    p.add_argument(
        "data",
        help="parallel-data file (TSV, CSV, TMX, or the source side of two aligned text files)",
    )
    p.add_argument("--out", "-o", required=True, help="where to save the model (.keras)")
    from keras_attn.commands.check import add_data_arguments

    add_data_arguments(p)
    g = p.add_argument_group("model and text")
    g.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="a fixed size (default: chosen from the data and the time limit, "
        "and shown before training starts)",
    )
    g.add_argument(
        "--model",
        choices=ARCHITECTURES,
        help="rnn: an RNN encoder-decoder with attention (the default); "
        "transformer: a Transformer (its own presets; sizes with "
        "--units, --set model.layers=N, model.heads, model.ff_units)",
    )
    g.add_argument("--tokenizer", choices=TOKENIZERS, help="tokenizer for both sides")
    g.add_argument("--source-tokenizer", choices=TOKENIZERS)
    g.add_argument("--target-tokenizer", choices=TOKENIZERS)
    g.add_argument("--vocab-size", type=int, help="largest vocabulary per side")
    g.add_argument("--max-length", type=int, help="tokens kept per sentence")
    g.add_argument("--units", type=int, help="RNN and attention units")
    g.add_argument("--embedding-dim", type=int)
    g.add_argument("--encoder-layers", type=int)
    g.add_argument("--rnn", choices=RNN_TYPES)
    g.add_argument("--attention", choices=ATTENTIONS)
    g.add_argument("--style", choices=STYLES)
    g.add_argument(
        "--input-feeding",
        action="store_true",
        default=None,
        help="luong style: feed the attentional vector back into the RNN",
    )
    g.add_argument("--dropout", type=float)
    g.add_argument(
        "--lowercase",
        action="store_true",
        help="fold case on both sides (output is then lowercase)",
    )
    g.add_argument(
        "--keep-case",
        action="store_true",
        help="keep case on both sides (the default; output keeps its capitals)",
    )
    g.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="set any configuration field, e.g. --set target.lowercase=false (repeatable)",
    )
    t = p.add_argument_group("training")
    t.add_argument("--epochs", type=int)
    t.add_argument("--batch-size", type=int, help="sentence pairs per step")
    t.add_argument(
        "--batch-tokens",
        type=int,
        help="tokens per step instead (padding included; 0: --batch-size pairs)",
    )
    t.add_argument("--learning-rate", type=float)
    t.add_argument("--warmup-steps", type=int)
    t.add_argument("--decay", choices=DECAYS)
    t.add_argument("--label-smoothing", type=float)
    t.add_argument(
        "--weight-decay",
        type=float,
        help="decoupled weight decay (AdamW) on weight matrices and embeddings; 0: Adam",
    )
    t.add_argument(
        "--ema",
        type=float,
        metavar="DECAY",
        help="validate and keep a moving average of the weights with this decay "
        "(e.g. 0.999); 0: the last weights",
    )
    t.add_argument("--max-pairs", type=int, help="use at most this many pairs (0: all)")
    t.add_argument("--validation-split", type=float)
    t.add_argument("--patience", type=int, help="early-stopping patience in epochs (0: off)")
    t.add_argument("--time-limit", type=float, help="stop cleanly after this many seconds")
    t.add_argument(
        "--constant-rate",
        dest="time_decay",
        action="store_false",
        default=None,
        help="with --time-limit, keep the learning rate to the end instead of "
        "lowering it linearly to 0 as the time runs out",
    )
    t.add_argument("--precision", choices=PRECISIONS)
    t.add_argument(
        "--strategy",
        choices=STRATEGIES,
        help="none: one device; mirrored: every GPU of this machine; multiworker: "
        "several machines described by the TF_CONFIG environment variable "
        "(run the same command on each)",
    )
    t.add_argument(
        "--jit-compile", action="store_true", default=None, help="XLA-compile the training step"
    )
    t.add_argument("--seed", type=int)
    t.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from its checkpoint"
    )
    t.add_argument(
        "--resume-from-model",
        action="store_true",
        help="continue from the checkpoint's model alone, without reading its "
        "state.json (when that file is damaged or was edited)",
    )
    t.add_argument("--checkpoint-dir", help="checkpoint folder (default: OUT.checkpoints)")
    t.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard logs to DIR")
    t.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return p


def settings_from_args(args):
    """The configuration fields a command line sets explicitly, as dotted names, and the
    configuration they give on top of the preset (or the defaults), which checks them: a
    bad value is reported before any data is read. Returns `(settings, config)`."""
    from keras_attn.config import Config, preset

    changes = {}
    for option, fields in OPTION_FIELDS.items():
        value = getattr(args, option, None)
        if value is not None:
            changes.update({field: value for field in fields})
    if args.input_feeding:
        changes["model.input_feeding"] = True
    if args.jit_compile:
        changes["train.jit_compile"] = True
    if args.lowercase and args.keep_case:
        from keras_attn.errors import ConfigurationError

        raise ConfigurationError("--lowercase and --keep-case contradict each other; give one.")
    if args.lowercase or args.keep_case:
        changes["source.lowercase"] = changes["target.lowercase"] = bool(args.lowercase)
    for item in args.set:
        field, value = parse_setting(item)
        changes[field] = value
    architecture = changes.get("model.architecture", "rnn")
    start = preset(args.preset, architecture) if args.preset else Config()
    return changes, start.replace(**changes)


def config_from_args(args, pairs, settings=None):
    """The configuration for training on `pairs`: the preset asked for, or one chosen
    from the data and the time limit, then the options given (`settings`, as
    :func:`settings_from_args` reads them). Returns a :class:`keras_attn.sizing.Choice`
    (configuration and reasons)."""
    from keras_attn import sizing

    if settings is None:
        settings, _ = settings_from_args(args)
    return sizing.choose(
        pairs,
        time_limit=settings.get("train.time_limit", 0.0),
        settings=settings,
        preset_name=args.preset,
    )


def parse_setting(item):
    """``"model.units=64"`` -> ``("model.units", 64)``; values are read as JSON when they
    can be (numbers, true/false), as text otherwise."""
    import json

    from keras_attn.errors import ConfigurationError

    field, sep, text = item.partition("=")
    if not sep or not field:
        raise ConfigurationError(f"--set expects FIELD=VALUE, got {item!r}.")
    lowered = text.strip().lower()
    try:
        value = json.loads(lowered if lowered in ("true", "false") else text)
    except ValueError:
        value = text
    return field.strip(), value


def run(args) -> int:
    settings, early = settings_from_args(args)  # options checked before any slow import
    out = Path(args.out)
    if out.suffix != ".keras":
        print(f"keras-attn train: error: --out must end in .keras, got {out}", file=sys.stderr)
        return 2
    from keras_attn import distribute

    # Made first: the multiworker strategy must be set up before TensorFlow runs anything,
    # and a missing or malformed TF_CONFIG is better reported before the data is read.
    strategy = distribute.make_strategy(early.train.strategy)
    distribute.check_settings(early, strategy)
    from keras_attn.commands.check import read_from_args
    from keras_attn.data import split_pairs

    data = read_from_args(args)
    pairs = data.pairs
    if early.train.max_pairs:
        pairs = pairs[: early.train.max_pairs]
    train_pairs, val_pairs, _ = split_pairs(
        pairs, validation=early.train.validation_split, test=0.0, seed=early.train.seed
    )
    print(
        f"data: {data.report.path}: {len(pairs)} pairs ({len(train_pairs)} train, "
        f"{len(val_pairs)} validation); {len(data.report.problems)} problem(s) reported "
        f"by `keras-attn check`",
        file=sys.stderr,
    )
    # The same data and options give the same choice, so a resumed run goes on with the
    # settings it began with.
    choice = config_from_args(args, train_pairs, settings)
    config = choice.config
    print(choice.explain(), file=sys.stderr)

    from keras_attn import device, training

    checkpoint_dir = Path(args.checkpoint_dir or f"{out}.checkpoints")
    print(
        f"device: {device.describe()}; precision: "
        f"{device.resolve_precision(config.train.precision)}",
        file=sys.stderr,
    )
    if strategy is not None:
        print(
            f"strategy: {config.train.strategy}, {strategy.num_replicas_in_sync} replica(s) "
            f"in sync, {config.train.batch_size} pairs a step in all",
            file=sys.stderr,
        )
    bar = ProgressBar(sys.stderr, quiet=args.quiet)
    result = training.train(
        train_pairs,
        config,
        validation_pairs=val_pairs,
        on_progress=bar.update,
        checkpoint_dir=checkpoint_dir,
        resume="model" if args.resume_from_model else args.resume,
        tensorboard_dir=args.tensorboard,
        strategy=strategy,
    )
    bar.close()
    model = result.model
    if not distribute.is_chief(strategy):
        print("not saved: this machine is not the chief, which saves the model", file=sys.stderr)
        return 0
    training.save(model, out)
    history = result.history
    best = (result.best_epoch or len(history.get("loss", []))) - 1
    summary = [
        f"stopped: {result.stop_reason} after {result.epochs_done} epoch(s), "
        f"{result.seconds:.0f} s, {result.tokens_per_second:,.0f} target tokens/s"
    ]
    if history.get("val_loss"):
        summary.append(
            f"best epoch {best + 1}: validation loss {history['val_loss'][best]:.4f}, "
            f"validation accuracy {history['val_accuracy'][best]:.4f}"
        )
    print("\n".join(summary))
    print(f"saved: {out}")
    if val_pairs:
        samples = val_pairs[:3]
        for (source, reference), output in zip(
            samples, model.translate([s for s, _ in samples]), strict=True
        ):
            print(f"  {source}\n    -> {output}\n    (reference: {reference})")
    return 0


class ProgressBar:
    """A one-line progress display on a terminal stream, a line per epoch otherwise."""

    def __init__(self, stream, quiet=False, width=24):
        self.stream = stream
        self.quiet = quiet
        self.width = width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._last = 0.0

    def update(self, event):
        if self.quiet:
            return
        if event["kind"] == "epoch":
            val = ""
            if event.get("val_loss") is not None:
                val = f", val loss {event['val_loss']:.4f}, val acc {event['val_accuracy']:.4f}"
            self._write(
                f"epoch {event['epoch']}/{event['epochs']}: loss {event['loss']:.4f}, "
                f"acc {event['accuracy']:.4f}{val}, {event['tokens_per_second']:,.0f} "
                f"tok/s, {event['seconds']:.0f} s"
                + ("" if event.get("complete", True) else " (stopped part-way)"),
                end="\n",
            )
            return
        now = time.monotonic()
        if not self.tty or now - self._last < 0.2:
            return
        self._last = now
        done = int(self.width * event["step"] / event["steps"])
        eta = event.get("eta_seconds")
        eta_text = f"ETA {int(eta // 60)}:{int(eta % 60):02d}" if eta is not None else ""
        self._write(
            f"epoch {event['epoch']}/{event['epochs']} [{'#' * done}"
            f"{'.' * (self.width - done)}] {event['step']}/{event['steps']} "
            f"loss {event['loss']:.3f} acc {event['accuracy']:.3f} "
            f"{event['tokens_per_second']:,.0f} tok/s {eta_text}",
            end="",
        )

    def _write(self, text, end):
        prefix = "\r\033[K" if self.tty else ""
        self.stream.write(prefix + text + end)
        self.stream.flush()

    def close(self):
        if self.tty and not self.quiet:
            self.stream.write("\r\033[K")
            self.stream.flush()
