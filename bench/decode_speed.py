"""Decoding speed: ms per step of the step-through session, greedy and beam sentences/s.

    python bench/decode_speed.py MODEL.keras TEST.tsv [--sentences 256] [--json FILE]
                                 [--anatomy]

Greedy runs as one compiled graph per batch of 64 (`Translator.greedy`); "per-token
re-run" is the naive alternative (re-running the whole model on the growing output for
each new token), measured on a few sentences for comparison. With `--anatomy`, the
step-through session is also timed with `DecodingSession(model, anatomy=True)` (every
step's stages as numpy arrays), on the same sentences, with the median and the slowest
step besides the mean.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import add_json_argument, machine, report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("test")
    parser.add_argument("--sentences", type=int, default=256)
    add_json_argument(parser)
    parser.add_argument(
        "--anatomy", action="store_true", help="also time session steps with the step anatomy on"
    )
    args = parser.parse_args()

    import tensorflow as tf

    import keras_attn
    from keras_attn.data import read_parallel
    from keras_attn.search import beam_search
    from keras_attn.session import DecodingSession
    from keras_attn.text import END_ID, START_ID

    model = keras_attn.load(args.model)
    sources = [s for s, _ in read_parallel(args.test).pairs][: args.sentences]

    def session_step_times(anatomy):
        """Seconds of every session step over the first 50 sentences."""
        session = DecodingSession(model, anatomy=anatomy)
        session.start(sources[0])
        session.run_to_end()  # trace once
        times = []
        for sentence in sources[:50]:
            session.start(sentence)
            while not session.finished:
                t = time.perf_counter()
                session.step()
                times.append(time.perf_counter() - t)
        return np.array(times)

    step_times = session_step_times(anatomy=False)
    ms_per_step = 1000 * step_times.mean()
    anatomy_times = session_step_times(anatomy=True) if args.anatomy else None

    model.translate(sources[:64])  # trace once
    t = time.perf_counter()
    model.translate(sources, batch_size=64)
    greedy_rate = len(sources) / (time.perf_counter() - t)

    beam_search(model, model.source_ids(sources[:8]), width=5)  # trace once
    t = time.perf_counter()
    for i in range(0, len(sources), 64):
        beam_search(model, model.source_ids(sources[i : i + 64]), width=5)
    beam_rate = len(sources) / (time.perf_counter() - t)

    # Naive: re-run the whole model on the output so far for each new token.
    @tf.function(reduce_retracing=True)
    def full(src, tgt):
        return model((src, tgt), training=False)

    naive = sources[:32]
    ids = model.source_ids(naive)
    cap = int(model.max_output_length(tf.constant([ids.shape[1]])).numpy()[0])
    t = time.perf_counter()
    out = np.full((len(naive), 1), START_ID, np.int32)
    for _ in range(cap):
        logits = full(ids, tf.constant(out))
        nxt = np.argmax(logits.numpy()[:, -1], axis=-1).astype(np.int32)
        out = np.concatenate([out, nxt[:, None]], axis=1)
        if np.all(np.any(out == END_ID, axis=1)):
            break
    naive_rate = len(naive) / (time.perf_counter() - t)

    result = {
        "machine": machine(),
        "model": args.model,
        "sentences": len(sources),
        "session_ms_per_step": round(ms_per_step, 2),
        "greedy_sentences_per_second": round(greedy_rate, 1),
        "beam5_sentences_per_second": round(beam_rate, 1),
        "naive_rerun_sentences_per_second": round(naive_rate, 1),
    }
    if anatomy_times is not None:
        result.update(
            {
                "session_steps": len(step_times),
                "session_median_ms_per_step": round(1000 * float(np.median(step_times)), 2),
                "anatomy_ms_per_step": round(1000 * float(anatomy_times.mean()), 2),
                "anatomy_median_ms_per_step": round(1000 * float(np.median(anatomy_times)), 2),
                "anatomy_max_ms_per_step": round(1000 * float(anatomy_times.max()), 2),
            }
        )
    report(result, args.json)


if __name__ == "__main__":
    main()
