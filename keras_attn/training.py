"""Training: from sentence pairs and a :class:`Config` to a trained :class:`Translator`.

One function, :func:`train`, serves the CLI and the GUI alike: progress goes to a plain
callback function, a stop request is a function returning True, checkpoints are written
every epoch so that an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import keras
import numpy as np

from keras_attn import distribute, sizing
from keras_attn.averaging import AveragedAdam, AveragedAdamW, AverageWeightsCallback
from keras_attn.callbacks import (
    CheckpointCallback,
    ProgressCallback,
    StopCallback,
    TimeDecayCallback,
    read_checkpoint_state,
)
from keras_attn.config import Config
from keras_attn.device import dtype_policy, resolve_precision
from keras_attn.errors import ConfigurationError, DataError
from keras_attn.model import Translator
from keras_attn.optimizers import FusedAdam, FusedAdamW
from keras_attn.saving import load_model, save_model
from keras_attn.schedules import LearningRateSchedule, schedule_of
from keras_attn.text import TextEncoder, make_dataset
from keras_attn.text.pipeline import training_stream
from keras_attn.transformer import TransformerTranslator


@dataclasses.dataclass
class TrainResult:
    """What a training run produced."""

    model: Translator
    history: dict  # per-epoch lists: loss, accuracy, val_loss, val_accuracy, tokens
    epochs_done: int
    best_epoch: int | None
    stop_reason: str  # "finished", "early stopping", "stopped on request", ...
    seconds: float
    tokens_per_second: float


def build_model(config: Config, train_pairs: Sequence[tuple[str, str]]) -> Translator:
    """A new, untrained model whose vocabularies are learned from `train_pairs`: a
    :class:`TransformerTranslator` for `model.architecture="transformer"`, else a
    :class:`Translator`."""
    if not train_pairs:
        raise DataError("No training pairs: cannot learn vocabularies.")
    # A copy: the model owns its configuration (training sets `model.config.train`).
    config, _ = sizing.resolve_tokenizers(Config.from_dict(config.to_dict()), train_pairs)
    # The file says what its decoding does, whatever later versions choose by default.
    config = config.replace(**{"decode.no_repeat_ngram": config.repeat_guard()})
    keras.utils.set_random_seed(config.train.seed)
    encoders = []
    for side, column in (("source", 0), ("target", 1)):
        text_config = getattr(config, side)
        encoders.append(
            TextEncoder.build(
                [pair[column] for pair in train_pairs],
                vocab_size=text_config.vocab_size,
                **text_config.encoder_options(),
            )
        )
    if config.decode.min_length_ratio < 0:
        ratio = sizing.min_length_ratio(encoders[0], encoders[1], train_pairs)
        config = config.replace(**{"decode.min_length_ratio": ratio})
    with dtype_policy(resolve_precision(config.train.precision)):
        model_class = (
            TransformerTranslator if config.model.architecture == "transformer" else Translator
        )
        model = model_class(config, encoders[0].vocabulary, encoders[1].vocabulary)
        model.build()
    return model


def compile_model(model: Translator, steps_per_epoch: int) -> None:
    """Attach Adam (AdamW with ``train.weight_decay``) with the configured schedule (the
    step itself clips gradients)."""
    tr = model.config.train
    schedule = LearningRateSchedule(
        tr.learning_rate, tr.warmup_steps, tr.decay, total_steps=steps_per_epoch * tr.epochs
    )
    # Gradient clipping (train.clipnorm) happens in Translator.train_step, where it sees
    # the whole batch's gradient under every strategy.
    # With train.ema, the optimizer also keeps a moving average of the weights
    # (keras_attn.averaging), which validation, checkpoints and the result use.
    average = {"use_ema": True, "ema_momentum": tr.ema} if tr.ema else {}
    if tr.weight_decay:
        adamw = AveragedAdamW if tr.ema else FusedAdamW
        optimizer = adamw(schedule, weight_decay=tr.weight_decay, **average)
        # Biases and normalisation scales and shifts (the vectors) are not decayed.
        optimizer.exclude_from_weight_decay(
            var_list=[v for v in model.trainable_variables if len(v.shape) <= 1]
        )
    else:
        optimizer = (AveragedAdam if tr.ema else FusedAdam)(schedule, **average)
    if model.dtype_policy.name == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    model.compile(optimizer=optimizer, jit_compile=tr.jit_compile)


def estimate_steps_per_epoch(
    model: Translator, pairs: Sequence[tuple[str, str]], sample: int = 20_000
) -> int:
    """The training steps an epoch over `pairs` makes with `model`'s tokenizers and
    `model.config.train`'s batching (by pairs or by tokens, bucketed or not), counted on
    at most `sample` of them (an even spread) and scaled to all: on tatoeba_deu_eng
    (46,551 pairs, 512-token batches) 652 for the 637 of a full count, in a third of its
    time."""
    if not pairs:
        return 0
    every = max(1, len(pairs) // sample)
    chosen = list(pairs[::every])[:sample]
    _, steps = _stream(chosen, model, model.config.train)
    return max(1, round(steps * len(pairs) / len(chosen)))


def _stream(pairs, model: Translator, tr, first_epoch: int = 0):
    """:func:`training_stream` of `pairs` with `model`'s tokenizers and `tr`'s batching."""
    return training_stream(
        pairs,
        model.source_text,
        model.target_text,
        batch_size=tr.batch_size,
        seed=tr.seed,
        bucketing=tr.bucketing,
        first_epoch=first_epoch,
        batch_tokens=tr.batch_tokens,
    )


def count_batches(dataset) -> int:
    """Number of batches in a finite dataset (iterates it once; cheap once cached)."""
    cardinality = int(dataset.cardinality())
    if cardinality >= 0:
        return cardinality
    return sum(1 for _ in dataset)


def train(
    train_pairs: Sequence[tuple[str, str]],
    config: Config | None = None,
    *,
    validation_pairs: Sequence[tuple[str, str]] | None = None,
    on_progress: Callable[[dict], object] | None = None,
    should_stop: Callable[[], bool] | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool | str = False,
    tensorboard_dir: str | os.PathLike | None = None,
    progress_every: int = 10,
    model: Translator | None = None,
    strategy: object = None,
    clock: Callable[[], float] | None = None,
) -> TrainResult:
    """Train a model.

    Args:
        train_pairs: list of `(source, target)` strings.
        config: the full configuration; `config.train` says how to train. None: the
            settings :func:`keras_attn.sizing.choose` picks for these pairs (cased
            subword tokens, a model size that fits the data).
        validation_pairs: pairs for validation loss each epoch (early stopping uses it).
        on_progress: function receiving progress dicts (see `ProgressCallback`).
        should_stop: function returning True to stop after the current batch.
        checkpoint_dir: folder for per-epoch checkpoints (``last.keras``, ``state.json``).
        resume: continue from the checkpoint in `checkpoint_dir` when there is one, at
            exactly the epoch it recorded, with the same shuffled order of the pairs.
            ``"model"``: continue from the checkpoint's model alone, without reading
            ``state.json`` (the way out when that file is damaged or edited; see
            :func:`keras_attn.callbacks.read_checkpoint_state`).
        tensorboard_dir: write TensorBoard logs there.
        progress_every: report every this many batches.
        model: continue training this model instead of building a new one.
        strategy: a `tf.distribute.Strategy` to train under instead of the one
            `config.train.strategy` names (see :func:`keras_attn.distribute.make_strategy`,
            which can mirror over chosen devices).
        clock: a function giving the seconds of training so far, for the time limit and
            the learning rate's fall towards it (``config.train.time_decay``); None: the
            wall clock since training began.

    Returns:
        a :class:`TrainResult`; its model holds the best weights seen (by validation loss
        when there is validation data, else by training loss).
    """
    if config is None:
        config = sizing.choose(train_pairs).config
    config.validate()
    tr = config.train
    if strategy is None:
        strategy = distribute.make_strategy(tr.strategy)
    distribute.check_settings(config, strategy)
    checkpoint_dir = distribute.worker_directory(checkpoint_dir, strategy)
    # Under a strategy, the model's and the optimizer's variables are created in its scope
    # and fit runs there; without one, the scope does nothing.
    with distribute.scope(strategy):
        state = None
        if resume:
            if checkpoint_dir is None:
                raise ConfigurationError("Resuming needs a checkpoint folder.")
            state = read_checkpoint_state(checkpoint_dir, from_model=resume == "model")
        if state is not None:
            with dtype_policy(resolve_precision(tr.precision)):  # train on as it began
                model = load_model(Path(checkpoint_dir) / "last.keras", compile=True)
        elif model is None:
            model = build_model(config, train_pairs)
        else:
            model.config.train = tr
        model = distribute.prepare_model(model, strategy)

        # Epoch e's order depends only on the seed and e: a resumed run goes on with the
        # very batches an uninterrupted one would have.
        def stream(first_epoch):
            return _stream(train_pairs, model, tr, first_epoch)

        train_ds, steps = stream(state["epochs_done"] or 0 if state else 0)
        if state is not None and state["epochs_done"] is None:  # the model alone: count
            done = int(model.optimizer.iterations.numpy()) // steps
            state["epochs_done"] = done
            state["history"] = {
                key: [float("nan")] * done
                for key in ("loss", "accuracy", "tokens", "val_loss", "val_accuracy")
                if validation_pairs or not key.startswith("val_")
            }
            train_ds, steps = stream(done)
        train_ds = distribute.prepare_dataset(train_ds, strategy)
        val_ds = None
        if validation_pairs:
            val_ds = make_dataset(
                validation_pairs,
                model.source_text,
                model.target_text,
                batch_size=tr.batch_size,
                shuffle=False,
                bucketing=tr.bucketing,
                batch_tokens=tr.batch_tokens,
            )
            val_ds = distribute.prepare_dataset(val_ds, strategy)
        if state is None or getattr(model, "optimizer", None) is None:
            compile_model(model, steps)
        distribute.prepare_fit(model, strategy)

        initial_epoch = state["epochs_done"] if state else 0
        monitor = "val_accuracy" if val_ds is not None else "loss"
        # A checkpoint written with another monitor (older versions watched val_loss)
        # starts its search for the best anew.
        previous = (
            state if state is not None and state.get("monitor", "val_loss") == monitor else None
        )
        checkpoint = CheckpointCallback(
            checkpoint_dir,
            monitor=monitor,
            patience=tr.patience,
            history=state["history"] if state else None,
            initial_best=previous["best"] if previous is not None else None,
            steps_per_epoch=steps,
        )
        if previous is not None:
            checkpoint.best_epoch, checkpoint.wait = previous["best_epoch"], previous["wait"]
        stopper = StopCallback(should_stop, tr.time_limit, clock)
        callbacks = [stopper, checkpoint]
        schedule = schedule_of(model.optimizer)
        if tr.time_limit and tr.time_decay and schedule is not None:
            callbacks.insert(0, TimeDecayCallback(schedule, tr.time_limit, stopper.elapsed))
        if on_progress is not None:
            callbacks.insert(
                0, ProgressCallback(on_progress, steps, tr.epochs, every=progress_every)
            )
        if tensorboard_dir:
            callbacks.append(keras.callbacks.TensorBoard(str(tensorboard_dir)))
        if tr.ema:
            # First: every callback after it sees the average at an epoch's end.
            callbacks.insert(0, AverageWeightsCallback(resumed=state is not None))

        start = time.perf_counter()
        if initial_epoch < tr.epochs:
            # An endless stream, `steps` batches an epoch.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*ran out of data.*")
                model.fit(
                    train_ds,
                    steps_per_epoch=steps,
                    validation_data=val_ds,
                    epochs=tr.epochs,
                    initial_epoch=initial_epoch,
                    callbacks=callbacks,
                    shuffle=False,
                    verbose=0,
                )
    seconds = time.perf_counter() - start
    if checkpoint.nonfinite_weights and not stopper.reason:
        stopper.reason = "the weights became NaN or infinite"
    if stopper.reason and "NaN" in stopper.reason and checkpoint.best_weights is None:
        if state is None:  # no good weights at all: nothing worth returning or saving
            raise DataError(
                "Training stopped: " + stopper.reason + " in the first epoch; "
                "try a lower learning rate."
            )
        # Resumed, and training went bad before an epoch completed: the checkpoint (never
        # written for such an epoch) holds the last good model.
        with dtype_policy(resolve_precision(tr.precision)):
            model = load_model(Path(checkpoint_dir) / "last.keras", compile=True)
    checkpoint.restore_best()
    history = checkpoint.history
    reason = stopper.reason or ("early stopping" if checkpoint.early_stopped else "finished")
    model.info["training"] = {
        "train_pairs": len(train_pairs),
        "validation_pairs": len(validation_pairs or []),
        "epochs": len(history.get("loss", [])),
        "best_epoch": checkpoint.best_epoch,
        "stop_reason": reason,
        **{
            f"final_{key}": values[-1]
            for key, values in history.items()
            if key in ("loss", "accuracy", "val_loss", "val_accuracy") and values
        },
    }
    tokens = float(np.sum(history.get("tokens", [0.0])[initial_epoch:]))
    return TrainResult(
        model=model,
        history=history,
        epochs_done=len(history.get("loss", [])),
        best_epoch=checkpoint.best_epoch,
        stop_reason=reason,
        seconds=seconds,
        tokens_per_second=tokens / seconds if seconds > 0 else 0.0,
    )


def save(model: Translator, path, include_optimizer=False) -> Path:
    """Save a trained model as one ``.keras`` file (atomically), by default without the
    optimizer's state (resuming uses the checkpoints, which keep it)."""
    return save_model(model, path, include_optimizer=include_optimizer)
