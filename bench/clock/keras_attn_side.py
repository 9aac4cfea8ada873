"""Time to quality, keras-attn's side: the settings `keras-attn train TRAIN --time-limit T`
chooses, trained by `keras_attn.training.train`, paced between batches (see
`bench/quality_clock.py`)."""

from __future__ import annotations

import argparse
import time

from .pacer import Pacer, read_pairs, scorer


def keras_attn_worker(args, channel) -> None:
    import shutil
    import tempfile

    from keras_attn.commands.train import add_parser, config_from_args, settings_from_args
    from keras_attn.data import split_pairs
    from keras_attn.evaluation import translate_batch

    started = time.perf_counter()
    # The command line `keras-attn train TRAIN --time-limit T [--max-pairs N]`, read by
    # the CLI's own parser and turned into settings by its own functions.
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    line = [
        "train",
        str(args.train),
        "--out",
        "unused.keras",
        "--time-limit",
        repr(args.time_limit),
    ]
    if args.max_pairs:
        line += ["--max-pairs", str(args.max_pairs)]
    cli = parser.parse_args(line)
    settings, early = settings_from_args(cli)
    pairs = read_pairs(args.train, early.train.max_pairs)
    test = read_pairs(args.test, args.test_pairs)
    train_pairs, val_pairs, _ = split_pairs(
        pairs, validation=early.train.validation_split, test=0.0, seed=early.train.seed
    )
    choice = config_from_args(cli, train_pairs, settings)
    if choice.config.train.strategy != "none":
        raise SystemExit(
            f"keras-attn worker: strategy {choice.config.train.strategy!r}: "
            "the benchmark scores the model it built, which a strategy copies"
        )
    # The time limit (and the learning rate's fall towards it) follows the pacer's clock,
    # which leaves out pauses and scoring.
    config = choice.config

    from keras_attn import device, training
    from keras_attn.averaging import average_in

    model = training.build_model(config, train_pairs)  # what `train` builds first

    def translate(sentences):
        # With weight averaging, the average: what validation and a stop would give.
        with average_in(model):
            return [options[0].text for options in translate_batch(model, sentences)]

    pacer = Pacer(channel, scorer(translate, test))
    info = {
        "summary": choice.summary().removeprefix("using: "),
        "choice": choice.explain().splitlines(),
        "preset": choice.preset,
        "train_pairs": len(train_pairs),
        "validation_pairs": len(val_pairs),
        "test_pairs": len(test),
        "params": model.count_params(),
        "precision": device.resolve_precision(config.train.precision),
    }
    pacer.send(
        {"event": "ready", "setup_seconds": round(time.perf_counter() - started, 1), "info": info}
    )

    epochs = []

    def on_progress(event):
        if event["kind"] == "epoch":
            epochs.append(
                {
                    key: event[key]
                    for key in ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "complete")
                }
                | {"train_seconds": round(pacer.clock.seconds(), 1)}
            )

    if pacer.between_batches():
        pacer.done({"epochs": 0, "stop_reason": "time limit"})
        return
    checkpoints = tempfile.mkdtemp(prefix="quality-clock-")
    try:
        pacer.clock.start()
        result = training.train(
            train_pairs,
            config,
            validation_pairs=val_pairs,
            on_progress=on_progress,
            should_stop=pacer.between_batches,
            checkpoint_dir=checkpoints,
            model=model,
            clock=pacer.clock.seconds,
        )
    finally:
        shutil.rmtree(checkpoints, ignore_errors=True)
    if result.model is not model:
        raise SystemExit(
            "keras-attn worker: training returned another model than the one scored during training"
        )
    info = {
        "epochs": result.epochs_done,
        "best_epoch": result.best_epoch,
        "stop_reason": "time limit" if pacer.finished else result.stop_reason,
        "epoch_log": epochs,
        "steps": int(model.optimizer.iterations.numpy()),
    }
    if pacer.finished:
        # What the CLI would save: the best weights by validation accuracy.
        info["final_model"] = pacer.scored()
    pacer.done(info)
