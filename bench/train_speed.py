"""Training throughput: target tokens/s of a preset on a corpus, for a fixed number of steps.

    python bench/train_speed.py ../shared/data/tatoeba_deu_eng/train.tsv --preset base \
        --steps 300 [--batch-size 64] [--precision float32] [--set model.style=bahdanau]

Prints the result (target tokens/s, steps/s, the process's peak resident memory) as JSON
and writes it with --json FILE. States the machine it ran on.
"""

from __future__ import annotations

import argparse
import time

from common import add_json_argument, add_model_arguments, build, machine, peak_rss_mb, report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30, help="steps not timed (tracing)")
    add_model_arguments(parser)
    parser.add_argument("--steps-per-execution", type=int, default=1)
    add_json_argument(parser)
    args = parser.parse_args()

    model, dataset, changes = build(args, args.data)
    if args.steps_per_execution > 1:
        model.compile(
            optimizer=model.optimizer,
            steps_per_execution=args.steps_per_execution,
            jit_compile=model.config.train.jit_compile,
        )
    iterator = iter(dataset.repeat())
    model.make_train_function()
    step = model.train_function
    for _ in range(max(args.warmup // args.steps_per_execution, 1)):
        step(iterator)
    for m in model.metrics:
        m.reset_state()
    start = time.perf_counter()
    for _ in range(args.steps // args.steps_per_execution):
        logs = step(iterator)
    tokens = float(logs["tokens"])
    seconds = time.perf_counter() - start
    result = {
        "machine": machine(processor=True),
        "data": args.data,
        "preset": args.preset,
        "changes": changes,
        "keras_rnn": args.keras_rnn,
        "params": model.count_params(),
        "source_vocab": model.source_text.vocab_size,
        "target_vocab": model.target_text.vocab_size,
        "steps": args.steps,
        "seconds": round(seconds, 2),
        "target_tokens_per_second": round(tokens / seconds, 1),
        "steps_per_second": round(args.steps / seconds, 2),
        "peak_memory_mb": round(peak_rss_mb()),
    }
    report(result, args.json)


if __name__ == "__main__":
    main()
