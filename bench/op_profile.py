"""Where a training step's time goes, by TensorFlow operation (TensorFlow's profiler).

    python bench/op_profile.py ../shared/data/tatoeba_deu_eng/train.tsv --preset small \
        --architecture transformer --set model.dropout=0 [--steps 30] [--top 15] [--json F]

Builds the model and its batches as `bench/train_speed.py` does, runs Keras's training
step `--warmup` times, then `--steps` times under `tf.profiler`, and reads the profile's
per-operation table: milliseconds a step of each operation type and of the costliest
operations (time spent inside the operation itself; both threads of the 2 cores add up,
so the busy total can exceed the step's wall time).
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import tempfile
import time

from common import add_json_argument, add_model_arguments, build, machine, report


def op_table(logdir: str) -> list[dict]:
    """The profiler's per-operation statistics ("framework_op_stats") as dicts."""
    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin as plugin

    paths = glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True)
    data, _ = plugin.xspace_to_tools_data(paths, "framework_op_stats", {})
    table = json.loads(data)[0]
    columns = [column["id"] for column in table["cols"]]
    return [
        dict(zip(columns, [cell.get("v") if cell else None for cell in row["c"]], strict=True))
        for row in table["rows"]
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=20, help="steps not profiled (tracing)")
    parser.add_argument("--top", type=int, default=15, help="operations listed")
    add_model_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()

    import tensorflow as tf

    model, dataset, changes = build(args, args.data)
    iterator = iter(dataset.repeat())
    model.make_train_function()
    for _ in range(args.warmup):
        model.train_function(iterator)
    logdir = tempfile.mkdtemp(prefix="op_profile-")
    tf.profiler.experimental.start(logdir)
    start = time.perf_counter()
    for _ in range(args.steps):
        logs = model.train_function(iterator)
    float(logs["loss"])
    seconds = time.perf_counter() - start
    tf.profiler.experimental.stop()

    rows = [row for row in op_table(logdir) if row["type"] != "IDLE"]
    by_type = collections.Counter()
    count = collections.Counter()
    for row in rows:
        by_type[row["type"]] += row["total_self_time"]
        count[row["type"]] += row["occurrences"]
    per_step = 1000 * args.steps  # microseconds in the table -> ms a step
    rows.sort(key=lambda row: -row["total_self_time"])
    result = {
        "machine": machine(processor=True),
        "changes": changes,
        "steps": args.steps,
        "ms_per_step_wall": round(1000 * seconds / args.steps, 1),
        "ms_per_step_busy": round(sum(by_type.values()) / per_step, 1),
        "by_type": [
            {"type": kind, "ms": round(total / per_step, 2), "per_step": count[kind] / args.steps}
            for kind, total in by_type.most_common(args.top)
        ],
        "top": [
            {
                "operation": row["operation"],
                "type": row["type"],
                "ms": round(row["total_self_time"] / per_step, 2),
            }
            for row in rows[: args.top]
        ],
    }
    print(
        f"wall {result['ms_per_step_wall']} ms a step; operations busy {result['ms_per_step_busy']} ms"
    )
    for item in result["by_type"]:
        print(f"{item['ms']:8.2f} ms {item['per_step']:7.1f}/step  {item['type']}")
    print("costliest operations:")
    for item in result["top"]:
        print(f"{item['ms']:8.2f} ms  {item['type']:<22} {item['operation'][:100]}")
    report(result, args.json, echo=False)


if __name__ == "__main__":
    main()
