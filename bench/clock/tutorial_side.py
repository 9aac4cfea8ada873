"""Time to quality, the TensorFlow tutorial's side: `bench/tutorial_reference.py`'s port
built, trained and translated as the tutorial does, paced between batches (see
`bench/quality_clock.py`)."""

from __future__ import annotations

import time

from .pacer import Pacer, read_pairs, scorer


def tutorial_worker(args, channel) -> None:
    import keras
    import tutorial_reference as tutorial

    from keras_attn.data import split_pairs

    started = time.perf_counter()
    pairs = read_pairs(args.train, args.max_pairs)
    test = read_pairs(args.test, args.test_pairs)
    train_pairs, valid_pairs, _ = split_pairs(pairs, validation=0.05, seed=0)
    model, source_vec, target_vec, process = tutorial.build(train_pairs)
    ds, valid = tutorial.datasets(train_pairs, valid_pairs, process)
    (context, target_in), _ = next(iter(ds))
    model((context, target_in))  # built, as the tutorial does before training
    pacer = Pacer(channel, scorer(tutorial.make_translate(model, source_vec, target_vec), test))
    info = {
        "summary": "bi-GRU 256 summed, single-head attention, word vocabularies of "
        "5,000, batch 64, float32, Adam"
        + (", early stopping (patience 3)" if args.early_stopping else ""),
        "train_pairs": len(train_pairs),
        "validation_pairs": len(valid_pairs),
        "test_pairs": len(test),
        "params": model.count_params(),
        "precision": "float32",
    }
    pacer.send(
        {"event": "ready", "setup_seconds": round(time.perf_counter() - started, 1), "info": info}
    )

    class Slices(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if pacer.between_batches():
                self.model.stop_training = True

    if not pacer.between_batches():
        callbacks = [Slices()]
        if args.early_stopping:
            callbacks.append(keras.callbacks.EarlyStopping(patience=3))
        pacer.clock.start()
        history = tutorial.fit(model, ds, valid, callbacks, verbose=0)
        info = {
            "epochs": len(history.history["loss"]),
            "steps": int(model.optimizer.iterations.numpy()),
            "stop_reason": "time limit" if pacer.finished else "early stopping",
        }
    else:
        info = {"epochs": 0, "steps": 0, "stop_reason": "time limit"}
    pacer.done(info)
