"""Where a training step's time goes: forward, forward + backward, optimizer update.

    python bench/step_breakdown.py ../shared/data/tatoeba_deu_eng/train.tsv --preset base \
        --set source.vocab_size=5000 --set target.vocab_size=5000 [--batch-size 64]

Each piece is its own `tf.function`, run on the same real batches (ms per step, median of
`--repeats` rounds of `--steps` steps). Also reports the whole Keras train step, and the
model's arithmetic (FLOP per target token: matrix products, forward + backward counted as
3x forward) as a share of this machine's float32 matrix-product ceiling (2048 x 2048).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from common import add_json_argument, add_model_arguments, build, machine, report


def timed(fn, batches, steps, repeats):
    import tensorflow as tf

    fn(*batches[0])
    rounds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(steps):
            out = fn(*batches[i % len(batches)])
        tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, out)
        rounds.append((time.perf_counter() - start) / steps * 1000)
    return round(statistics.median(rounds), 1)


def matmul_ceiling():
    import tensorflow as tf

    x = tf.random.normal((2048, 2048))
    f = tf.function(lambda: tf.reduce_sum(tf.matmul(x, x)))
    f()
    start = time.perf_counter()
    for _ in range(20):
        f().numpy()
    return 2 * 2048**3 * 20 / (time.perf_counter() - start) / 1e9


def flop_per_target_token(config, src_len, tgt_len, vocab_out):
    """Matrix-product FLOP per (padded) target position of a training step (forward x 3)."""
    m = config.model
    e, u, a = m.embedding_dim, m.units, m.attention_units or m.units
    gates = 3 if m.rnn == "gru" else 4
    encoder, feature = 0, e
    for _ in range(m.encoder_layers):
        encoder += 2 * 2 * gates * u * (feature + u) * src_len  # two directions
        feature = u
    decoder = 2 * gates * u * (e + u + (u if m.style == "bahdanau" or m.input_feeding else 0))
    attention = 2 * src_len * u * 2  # scores and context
    if m.attention in ("bahdanau", "luong-concat"):
        attention += 2 * u * a + 2 * src_len * a
    combine = 2 * 2 * u * u
    output = 2 * u * vocab_out
    keys = 2 * u * a * src_len / tgt_len
    forward = encoder / tgt_len + decoder + attention + combine + output + keys
    return 3 * forward


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    add_model_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import numpy as np
    import tensorflow as tf

    model, ds, changes = build(args, args.data)
    flat = [(s, ti, to) for (s, ti), to in ds.take(args.steps)]
    variables = model.trainable_variables
    optimizer = model.optimizer
    optimizer.build(variables)

    @tf.function(reduce_retracing=True)
    def forward(s, ti, to):
        logits, labels = model.real_logits(s, ti, to, training=True)
        return model.loss_and_accuracy(labels, logits)[0]

    @tf.function(reduce_retracing=True)
    def forward_backward(s, ti, to):
        with tf.GradientTape() as tape:
            logits, labels = model.real_logits(s, ti, to, training=True)
            loss = model.loss_and_accuracy(labels, logits)[0]
        return tape.gradient(loss, variables)

    grads = [tf.convert_to_tensor(g) * 0.0 for g in forward_backward(*flat[0])]

    @tf.function
    def update():
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        return optimizer.iterations

    @tf.function(reduce_retracing=True)
    def encoder_forward_backward(s, ti, to):
        with tf.GradientTape() as tape:
            outputs, state, _ = model.encoder(s, training=True)
            loss = tf.reduce_sum(outputs) + tf.reduce_sum(state[0])
        return tape.gradient(loss, model.encoder.trainable_variables)

    model.make_train_function()
    iterator = iter(ds.repeat())

    def keras_step(*_):
        return model.train_function(iterator)

    result = {
        "machine": machine(),
        "changes": changes,
        "keras_rnn": args.keras_rnn,
        "params": model.count_params(),
        "ms_forward": timed(forward, flat, args.steps, args.repeats),
        "ms_forward_backward": timed(forward_backward, flat, args.steps, args.repeats),
        "ms_encoder_forward_backward": timed(
            encoder_forward_backward, flat, args.steps, args.repeats
        ),
        "ms_optimizer_update": timed(lambda *a: update(), flat, args.steps, args.repeats),
        "ms_keras_train_step": timed(keras_step, flat, args.steps, args.repeats),
    }
    src = float(np.mean([s.shape[1] for s, _, _ in flat]))
    tgt = float(np.mean([ti.shape[1] for _, ti, _ in flat]))
    real = float(np.mean([np.count_nonzero(to) for _, _, to in flat]))
    batch = float(np.mean([s.shape[0] for s, _, _ in flat]))
    flop_per_batch = (
        flop_per_target_token(model.config, src, tgt, model.target_text.vocab_size) * batch * tgt
    )
    ceiling = matmul_ceiling()
    seconds = result["ms_keras_train_step"] / 1000
    result.update(
        mean_source_len=round(src, 1),
        mean_target_len=round(tgt, 1),
        real_target_tokens_per_batch=round(real, 1),
        mflop_per_target_token=round(flop_per_batch / real / 1e6, 2),
        target_tokens_per_second=round(real / seconds),
        gflop_per_second=round(flop_per_batch / seconds / 1e9, 1),
        matmul_ceiling_gflop_per_second=round(ceiling, 1),
        share_of_ceiling=round(flop_per_batch / seconds / 1e9 / ceiling, 3),
    )
    report(result, args.json)


if __name__ == "__main__":
    main()
