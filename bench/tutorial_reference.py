"""A port of the TensorFlow NMT tutorial's model, to measure ours against it in one run.

    python bench/tutorial_reference.py ../shared/data/tatoeba_deu_eng/train.tsv \
        --steps 100 [--batch-size 64] [--json FILE]
    python bench/tutorial_reference.py TRAIN.tsv --time-limit 600 --test TEST.tsv

The model follows tensorflow/text `docs/tutorials/nmt_with_attention.ipynb`: its text
standardization (NFKD, lowercase, only a-z and `.?!,¿` kept), `TextVectorization` with
5,000 tokens, an encoder of masked embeddings and a bidirectional GRU summed
(256 units), a decoder GRU over the whole target followed by single-head
`MultiHeadAttention` + add + layer norm, and a 5,000-way output layer; Adam, masked
cross-entropy, batches of 64 with no length bucketing. It is a yardstick for
`bench/train_speed.py` and `bench/quality.py`, not part of keras-attn.

With `--steps` it times training steps (target tokens/s, counting real target tokens as
`bench/train_speed.py` does). With `--time-limit` it trains for that long, then translates
`--test` greedily and scores BLEU in its own text space (the tutorial's), with sacrebleu.
Like the tutorial, an epoch is 100 steps and validation reads 20 batches; its early
stopping is off unless `--early-stopping` is given, so that both models train for the
same time. `bench/quality_clock.py` (`bench/versus_tutorial.py --quality`) builds, trains
and translates with the same functions (`build`, `datasets`, `fit`, `make_translate`).
"""

from __future__ import annotations

import argparse
import os
import time

from common import add_json_argument, machine, report


def build(train_pairs, units=256, vocab_size=5000, seed=0):
    import keras
    import tensorflow as tf
    import tensorflow_text as tf_text

    def standardize(text):
        text = tf_text.normalize_utf8(text, "NFKD")
        text = tf.strings.lower(text)
        text = tf.strings.regex_replace(text, "[^ a-z.?!,¿]", "")
        text = tf.strings.regex_replace(text, "[.?!,¿]", r" \0 ")
        text = tf.strings.strip(text)
        return tf.strings.join(["[START]", text, "[END]"], separator=" ")

    sources = [s for s, _ in train_pairs]
    targets = [t for _, t in train_pairs]
    source_vec = keras.layers.TextVectorization(
        standardize=standardize, max_tokens=vocab_size, ragged=True
    )
    target_vec = keras.layers.TextVectorization(
        standardize=standardize, max_tokens=vocab_size, ragged=True
    )
    source_vec.adapt(tf.data.Dataset.from_tensor_slices(sources).batch(1024))
    target_vec.adapt(tf.data.Dataset.from_tensor_slices(targets).batch(1024))
    keras.utils.set_random_seed(seed)

    class Encoder(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.embedding = keras.layers.Embedding(
                source_vec.vocabulary_size(), units, mask_zero=True
            )
            self.rnn = keras.layers.Bidirectional(
                merge_mode="sum",
                layer=keras.layers.GRU(
                    units, return_sequences=True, recurrent_initializer="glorot_uniform"
                ),
            )

        def call(self, x):
            return self.rnn(self.embedding(x))

    class CrossAttention(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.mha = keras.layers.MultiHeadAttention(key_dim=units, num_heads=1)
            self.layernorm = keras.layers.LayerNormalization()
            self.add = keras.layers.Add()

        def call(self, x, context):
            attended = self.mha(query=x, value=context)
            return self.layernorm(self.add([x, attended]))

    class Decoder(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.vocab = target_vec.vocabulary_size()
            self.embedding = keras.layers.Embedding(self.vocab, units, mask_zero=True)
            self.rnn = keras.layers.GRU(
                units,
                return_sequences=True,
                return_state=True,
                recurrent_initializer="glorot_uniform",
            )
            self.attention = CrossAttention()
            self.output_layer = keras.layers.Dense(self.vocab, dtype="float32")

        def call(self, context, x, state=None, return_state=False):
            x = self.embedding(x)
            x, state = self.rnn(x, initial_state=state)
            x = self.attention(x, context)
            logits = self.output_layer(x)
            return (logits, state) if return_state else logits

    class Translator(keras.Model):
        def __init__(self):
            super().__init__()
            self.encoder = Encoder()
            self.decoder = Decoder()

        def call(self, inputs):
            context, x = inputs
            return self.decoder(self.encoder(context), x)

    def masked_loss(y_true, y_pred):
        loss = keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)
        mask = tf.cast(y_true != 0, loss.dtype)
        return tf.reduce_sum(loss * mask) / tf.reduce_sum(mask)

    def masked_acc(y_true, y_pred):
        y_pred = tf.cast(tf.argmax(y_pred, axis=-1), y_true.dtype)
        match = tf.cast(y_true == y_pred, tf.float32)
        mask = tf.cast(y_true != 0, tf.float32)
        return tf.reduce_sum(match * mask) / tf.reduce_sum(mask)

    model = Translator()
    model.compile(optimizer="adam", loss=masked_loss, metrics=[masked_acc])

    def process(context, target):
        context = source_vec(context).to_tensor()
        target = target_vec(target)
        return (context, target[:, :-1].to_tensor()), target[:, 1:].to_tensor()

    return model, source_vec, target_vec, process


def datasets(train_pairs, valid_pairs, process, batch_size=64):
    """The tutorial's batches: `(train, validation)`, the training pairs shuffled (seed 0)
    and batched without length bucketing, the validation pairs in order (None when there
    are none); neither repeats."""
    import tensorflow as tf

    raw = tf.data.Dataset.from_tensor_slices(
        ([s for s, _ in train_pairs], [t for _, t in train_pairs])
    )
    ds = (
        raw.shuffle(len(train_pairs), seed=0)
        .batch(batch_size)
        .map(process, tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    valid = None
    if valid_pairs:
        valid = (
            tf.data.Dataset.from_tensor_slices(
                ([s for s, _ in valid_pairs], [t for _, t in valid_pairs])
            )
            .batch(batch_size)
            .map(process)
        )
    return ds, valid


def fit(model, ds, valid, callbacks, verbose=2):
    """The tutorial's training: epochs of 100 steps, each followed by 20 validation
    batches, until a callback stops it."""
    return model.fit(
        ds.repeat(),
        epochs=1000,
        steps_per_epoch=100,
        validation_data=valid.repeat(),
        validation_steps=20,
        verbose=verbose,
        callbacks=callbacks,
    )


def make_translate(model, source_vec, target_vec, max_length=50, batch_size=64):
    """The tutorial's greedy `translate`: a function from a list of sentences to their
    translations, as the tutorial's model writes them (lowercase words and punctuation
    separated by spaces, `[START]`, `[END]` and padding left out)."""
    import numpy as np
    import tensorflow as tf

    vocab = np.array(target_vec.get_vocabulary())
    start_id = int(np.where(vocab == "[START]")[0][0])
    end_id = int(np.where(vocab == "[END]")[0][0])

    @tf.function
    def greedy(context_ids):
        context = model.encoder(context_ids)
        batch = tf.shape(context_ids)[0]
        token = tf.fill([batch, 1], tf.cast(start_id, tf.int64))
        out = tf.TensorArray(tf.int64, size=max_length)
        done = tf.zeros([batch], tf.bool)
        state = tf.zeros([batch, 256])
        for i in tf.range(max_length):
            logits, state = model.decoder(context, token, state=state, return_state=True)
            token = tf.argmax(logits[:, -1, :], axis=-1)[:, None]
            token = tf.where(done[:, None], tf.zeros_like(token), token)
            done = done | (token[:, 0] == end_id)
            out = out.write(i, token[:, 0])
        return tf.transpose(out.stack())

    def translate(sentences):
        hypotheses = []
        for i in range(0, len(sentences), batch_size):
            ids = source_vec(list(sentences[i : i + batch_size])).to_tensor()
            for row in greedy(ids).numpy():
                words = [str(vocab[t]) for t in row if t not in (0, end_id)]
                hypotheses.append(" ".join(words))
        return hypotheses

    return translate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=30, help="steps not timed (tracing)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--time-limit", type=float, help="train this many seconds, then score")
    parser.add_argument("--test", help="test TSV to score after --time-limit")
    parser.add_argument(
        "--early-stopping",
        action="store_true",
        help="stop after 3 epochs without a better validation loss, as the "
        "tutorial does (off: train for the whole --time-limit)",
    )
    parser.add_argument(
        "--precision", default="float32", help="Keras dtype policy, e.g. mixed_bfloat16"
    )
    add_json_argument(parser)
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np

    keras.mixed_precision.set_global_policy(args.precision)

    from keras_attn.data import read_parallel, split_pairs

    pairs = read_parallel(args.data).pairs
    result = {
        "machine": machine(),
        "data": args.data,
        "batch_size": args.batch_size,
        "precision": args.precision,
    }
    if args.time_limit:
        train_pairs, valid_pairs, _ = split_pairs(pairs, validation=0.05, seed=0)
    else:
        train_pairs, valid_pairs = pairs, []
    model, source_vec, target_vec, process = build(train_pairs)
    ds, valid = datasets(train_pairs, valid_pairs, process, args.batch_size)

    if not args.time_limit:
        iterator = iter(ds.repeat())
        model.make_train_function()
        step = model.train_function
        for _ in range(args.warmup):
            step(iterator)
        # Count the real target tokens of the timed batches exactly: replay the same
        # batches from a second iterator (same seed, same order).
        counter = iter(ds.repeat())
        for _ in range(args.warmup):
            next(counter)
        tokens = sum(int(np.count_nonzero(next(counter)[1])) for _ in range(args.steps))
        start = time.perf_counter()
        for _ in range(args.steps):
            logs = step(iterator)
        float(logs["loss"])
        seconds = time.perf_counter() - start
        result.update(
            steps=args.steps,
            seconds=round(seconds, 2),
            params=model.count_params(),
            target_tokens_per_second=round(tokens / seconds, 1),
            steps_per_second=round(args.steps / seconds, 2),
        )
        report(result, args.json)
    else:
        import sacrebleu
        from quality import tutorial_space

        class TimeLimit(keras.callbacks.Callback):
            def __init__(self, seconds):
                super().__init__()
                self.seconds, self.start = seconds, time.perf_counter()

            def on_train_batch_end(self, batch, logs=None):
                if time.perf_counter() - self.start > self.seconds:
                    self.model.stop_training = True

        start = time.perf_counter()
        callbacks = [TimeLimit(args.time_limit)]
        if args.early_stopping:
            callbacks.append(keras.callbacks.EarlyStopping(patience=3))
        history = fit(model, ds, valid, callbacks)
        trained = time.perf_counter() - start
        test = read_parallel(args.test).pairs
        hypotheses = make_translate(model, source_vec, target_vec)([s for s, _ in test])
        references = [tutorial_space(t) for _, t in test]
        metric = sacrebleu.BLEU(force=True)
        bleu = metric.corpus_score(hypotheses, [references])
        result.update(
            train_seconds=round(trained, 1),
            epochs=len(history.history["loss"]),
            steps=100 * len(history.history["loss"]),
            bleu_tutorial_space=round(bleu.score, 2),
            signature=str(metric.get_signature()),
        )
        report(result, args.json)
        for (source, reference), hypothesis in list(zip(test, hypotheses, strict=True))[:20]:
            print(f"  {source}\n    -> {hypothesis}\n    == {tutorial_space(reference)}")


if __name__ == "__main__":
    main()
