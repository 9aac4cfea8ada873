"""Training throughput: target tokens/s of a preset on a corpus, for a fixed number of steps.

    python bench/train_speed.py ../shared/data/tatoeba_deu_eng/train.tsv --preset base \
        --steps 300 [--batch-size 64] [--precision float32] [--set model.style=bahdanau]

Prints the result (target tokens/s, steps/s, the process's peak resident memory) as JSON
and writes it with --json FILE. States the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--preset", default="base")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30, help="steps not timed (tracing)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--precision")
    parser.add_argument("--no-bucketing", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--keras-rnn", action="store_true",
                        help="run the GRUs with Keras's own loop, not keras_attn's CPU loop")
    parser.add_argument("--steps-per-execution", type=int, default=1)
    parser.add_argument("--json")
    args = parser.parse_args()

    import keras_attn  # noqa: F401
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
    for item in args.set:
        key, value = item.split("=", 1)
        changes[key] = json.loads(value) if value[:1] in "0123456789-[{tf" else value
    config = preset(args.preset).replace(**changes)
    pairs = read_parallel(args.data).pairs
    model = build_model(config, pairs)
    ds = make_dataset(pairs, model.source_text, model.target_text,
                      batch_size=config.train.batch_size, bucketing=config.train.bucketing,
                      seed=config.train.seed).repeat()
    compile_model(model, 1000)
    if args.steps_per_execution > 1:
        model.compile(optimizer=model.optimizer, steps_per_execution=args.steps_per_execution,
                      jit_compile=config.train.jit_compile)
    iterator = iter(ds)
    model.make_train_function()
    step = model.train_function
    for _ in range(max(args.warmup // args.steps_per_execution, 1)):
        step(iterator)
    model.reset_metrics() if hasattr(model, "reset_metrics") else None
    for m in model.metrics:
        m.reset_state()
    start = time.perf_counter()
    for _ in range(args.steps // args.steps_per_execution):
        logs = step(iterator)
    tokens = float(logs["tokens"])
    seconds = time.perf_counter() - start
    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.processor() or ''}".strip(),
        "data": args.data, "preset": args.preset, "changes": changes, "keras_rnn": args.keras_rnn,
        "params": model.count_params(),
        "source_vocab": model.source_text.vocab_size, "target_vocab": model.target_text.vocab_size,
        "steps": args.steps, "seconds": round(seconds, 2),
        "target_tokens_per_second": round(tokens / seconds, 1),
        "steps_per_second": round(args.steps / seconds, 2),
        # ru_maxrss is in KiB on Linux: the process's peak resident memory.
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result, indent=1))
    if args.json:
        with open(args.json, "w") as stream:
            json.dump(result, stream, indent=1)


if __name__ == "__main__":
    main()
