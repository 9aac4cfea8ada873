"""What the bench/ scripts share: how they report (the machine, JSON printed and written
with `--json`, JSON read back from a script run as a child), the process's memory, and for
`bench/train_speed.py` and `bench/step_breakdown.py` their model options and the model,
configuration and batches those options describe."""

from __future__ import annotations

import json
import os
import platform
import subprocess

#: The shared German-English corpus the benchmarks that need one read by default.
TATOEBA_TRAIN = "/work/shared/data/tatoeba_deu_eng/train.tsv"


def machine(processor: bool = False) -> str:
    """The machine a measurement ran on, e.g. ``"x86_64 2 cores"``; with `processor`, the
    processor's name too when the system gives one."""
    text = f"{platform.machine()} {os.cpu_count()} cores"
    if processor and platform.processor():
        text += f", {platform.processor()}"
    return text


def rss_mb() -> float:
    """The process's resident memory now (VmRSS, Linux), in MB; NaN where it is not read."""
    try:
        with open("/proc/self/status") as stream:
            for line in stream:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def slope(values) -> float:
    """Least-squares growth per step of `values` (0 for fewer than two)."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    return num / sum((i - mean_x) ** 2 for i in range(n))


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB (ru_maxrss is in KiB on Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def add_json_argument(parser) -> None:
    """The `--json FILE` option every script has."""
    parser.add_argument("--json", metavar="FILE", help="also write the results to FILE as JSON")


def report(result, path=None, *, echo: bool = True) -> None:
    """Print `result` as indented JSON (unless `echo` is False: the script has printed its
    own table), and write it to `path` (the `--json` option) when one is given."""
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if echo:
        print(text, flush=True)
    if path:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)


def run_json(command) -> dict:
    """Run a bench script as a child process (TensorFlow's log quiet) and return the JSON
    object it printed."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out[out.index("{") : out.rindex("}") + 1])


def add_model_arguments(parser) -> None:
    """Options choosing the model and how it trains."""
    parser.add_argument("--preset", default="base")
    parser.add_argument("--architecture", default="rnn", help="rnn | transformer")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--precision")
    parser.add_argument("--no-bucketing", action="store_true")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="any configuration field, as for `keras-attn train --set`",
    )
    parser.add_argument(
        "--keras-rnn",
        action="store_true",
        help="run the GRUs with Keras's own loop, not keras_attn's CPU loop",
    )


def build(args, data):
    """`(model, dataset, changes)` for the options in `args`, trained on the pairs of the
    file `data`: a compiled model and its (unrepeated) training batches; `changes` are the
    configuration fields the options set, for the report."""
    import keras_attn  # noqa: F401
    from keras_attn.commands.train import parse_setting
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
    changes.update(parse_setting(item) for item in args.set)
    config = preset(args.preset, args.architecture).replace(**changes)
    pairs = read_parallel(data).pairs
    model = build_model(config, pairs)
    compile_model(model, 1000)
    dataset = make_dataset(
        pairs,
        model.source_text,
        model.target_text,
        batch_size=config.train.batch_size,
        bucketing=config.train.bucketing,
        seed=config.train.seed,
    )
    return model, dataset, changes
