"""Fuzzing at scale: generated data files and sentences through every entry point.

    nice -n 19 python bench/fuzz_scale.py [--files 10000] [--sentences 100000] [--seed 0] \
        [--train-every 50] [--session-every 10] [--bound 30] [--workdir DIR] [--json FILE]
    python bench/fuzz_scale.py --replay-file SEED       # the file of one seed, and its outcome
    python bench/fuzz_scale.py --replay-sentence SEED   # the sentence of one seed, and its outcome

Files: each seed makes one data file (TSV, CSV, TMX, two aligned text files, a file
without extension; UTF-8, UTF-8 with BOM, UTF-16 LE/BE with and without BOM, UTF-32,
Latin-1, cp1252; with truncations, binary junk, NUL bytes, CR or CRLF line endings, lines
of up to 2 MB, flipped bytes, lying XML declarations, DOCTYPEs) and the options to read it
with (format guessed or given, right or wrong; encoding; columns; header; TMX languages).
Each file goes through `keras_attn.data.read_parallel`, `keras-attn check` (text and
`--json`, in this process: `keras_attn.cli.main`), `tmx_languages` for TMX files, and every
`--train-every`-th file that gives pairs through `train` (tiny preset, a few steps) and a
translation with the model it made.

Sentences: each seed makes one sentence (any Unicode script, random code points of every
plane including unassigned ones and lone surrogates, control and format characters,
combining marks by the thousand, zero-width and direction marks, emoji sequences, words
the model knows; empty to 100,000 characters). Two tiny models are trained first (subword
and character tokens) and exported as SavedModels; every sentence goes, in batches of 64,
through `Translator.translate` (greedy), `translate_batch` with beam search (width 3,
2-best) and with sampling, and the exported model (lone surrogates as the bytes Python's
"surrogatepass" makes: invalid UTF-8); every `--session-every`-th sentence through
`DecodingSession.start` + `run_to_end` (and every 40th through its beam search).

What counts: an answer, or one of the library's documented errors (`DataError`,
`ConfigurationError` for files; `TranslationError` for sentences; TensorFlow's
`InvalidArgumentError` from the exported model for bytes that are not UTF-8) is fine.
Any other exception is a crash, and so is a `DataError` that only wraps an unforeseen
exception ("could not be read: ..." around something other than an `OSError`). An input
running over `--bound` seconds of CPU time (or four times that of wall time) is a hang. The seeds of all failures are
listed in the JSON (replay them with `--replay-file` / `--replay-sentence`); the peak
resident memory and the memory along the run are recorded.

This module is the command line (the run, `--continue`, the replays); the parts, one
concept a module, are in `bench/fuzz/`: `sentences` and `files` (the generators),
`outcomes` (an input under its time bound, the tally), `runner` (the entry points an
input goes through). Their names are importable from here too.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from common import add_json_argument, machine, report, rss_mb
from common import peak_rss_mb as peak_mb
from fuzz.files import make_file
from fuzz.outcomes import Hang, Tally, bounded
from fuzz.runner import make_models, run_file, run_sentences
from fuzz.sentences import make_sentence

__all__ = [
    "Hang",
    "Tally",
    "bounded",
    "make_file",
    "make_models",
    "make_sentence",
    "run_file",
    "run_sentences",
]

BATCH = 64


def replay(args):
    """Print the input of one seed and what the library makes of it."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz_replay."))
    tally = Tally()
    if args.replay_file is not None:
        suffix, data, target, options = make_file(args.replay_file)
        print(
            json.dumps(
                {
                    "suffix": suffix,
                    "bytes": len(data),
                    "head": repr(data[:300]),
                    "target_bytes": None if target is None else len(target),
                    "options": options,
                },
                indent=1,
            )
        )
        run_file(args.replay_file, folder, tally, args.bound, train_it=True)
    else:
        sentence = make_sentence(args.replay_sentence)
        print(
            json.dumps(
                {"length": len(sentence), "sentence": sentence[:500]}, ensure_ascii=True, indent=1
            )
        )
        for _, model, serve in make_models(folder):
            run_sentences([args.replay_sentence], model, serve, tally, args.bound, 1)
    print(json.dumps({"outcomes": tally.outcomes, "failures": tally.failures}, indent=1))


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0, help="first seed (files and sentences)")
    parser.add_argument(
        "--train-every", type=int, default=50, help="train on every N-th file that gives pairs"
    )
    parser.add_argument(
        "--session-every",
        type=int,
        default=10,
        help="step through every N-th sentence with DecodingSession",
    )
    parser.add_argument(
        "--bound",
        type=float,
        default=30.0,
        help="CPU seconds an input (or a batch of 64 sentences) may take; "
        "four times that of wall time",
    )
    parser.add_argument("--workdir", help="work folder (default: a new temporary one)")
    parser.add_argument("--replay-file", type=int, metavar="SEED")
    parser.add_argument("--replay-sentence", type=int, metavar="SEED")
    parser.add_argument(
        "--continue",
        dest="go_on",
        action="store_true",
        help="go on from the results in --json (after this script itself was "
        "stopped); the seeds are those an unbroken run takes",
    )
    add_json_argument(parser)
    return parser


def main():
    parser = make_parser()
    args = parser.parse_args()
    if args.go_on and not (args.json and Path(args.json).is_file()):
        parser.error("--continue needs the --json file of the run to go on")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    faulthandler.enable()  # a crash of the process itself shows where
    if args.replay_file is not None or args.replay_sentence is not None:
        replay(args)
        return
    folder = Path(args.workdir or tempfile.mkdtemp(prefix="fuzz_scale."))
    folder.mkdir(parents=True, exist_ok=True)
    files_folder = folder / "files"
    files_folder.mkdir(exist_ok=True)
    import keras_attn  # noqa: F401

    tally = Tally()
    result = {
        "machine": machine(),
        "command": " ".join(["python", *sys.argv]),
        "files": 0,
        "sentences": 0,
        "seed": args.seed,
        "bound_seconds": args.bound,
        "memory_mb": [],
        "seconds": 0.0,
        "peak_rss_mb": 0.0,
        "files_trained_on": 0,
        "files_since_training": args.train_every - 1,
    }
    if args.go_on:
        with open(args.json, encoding="utf-8") as stream:
            result = json.load(stream)
        tally.outcomes, tally.failures = result["outcomes"], result["failures"]
        tally.slowest = result["slowest"]
        result["continued"] = result.get("continued", 0) + 1
        result["memory_mb"].append(
            ["continued", result["files"] + result["sentences"], round(rss_mb(), 1)]
        )
    began = time.perf_counter() - result["seconds"]
    earlier_peak = result["peak_rss_mb"]  # of the process before, when going on

    def save(stage):
        result.update(
            {
                "stage": stage,
                "seconds": round(time.perf_counter() - began, 1),
                "peak_rss_mb": round(max(peak_mb(), earlier_peak), 1),
                "outcomes": tally.outcomes,
                "slowest": tally.slowest,
                "failures": tally.failures,
                "crashes": sum(f["kind"] == "crash" for f in tally.failures),
                "hangs": sum(f["kind"] == "hang" for f in tally.failures),
                "batches_failing": sum(f["kind"].endswith("(batch)") for f in tally.failures),
            }
        )
        if args.json:
            report(result, args.json, echo=False)

    # The first file that gives pairs trains, then every `--train-every`-th.
    for index in range(result["files"], args.files):
        seed = args.seed + index
        gave, did_train = run_file(
            seed,
            files_folder,
            tally,
            args.bound,
            result["files_since_training"] >= args.train_every - 1,
        )
        result["files_since_training"] = 0 if did_train else result["files_since_training"] + gave
        result["files_trained_on"] += did_train
        result["files"] = index + 1
        if (index + 1) % 500 == 0 or index + 1 == args.files:
            result["memory_mb"].append(["files", index + 1, round(rss_mb(), 1)])
            save("files")
            print(
                f"files {index + 1}/{args.files}: {tally.outcomes.get('read_parallel')}, "
                f"{len(tally.failures)} failure(s), {rss_mb():.0f} MB, "
                f"{time.perf_counter() - began:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    if not args.sentences:
        save("done")
        report(result, args.json)
        return
    start = time.perf_counter()
    models = make_models(folder)
    result["models_seconds"] = round(time.perf_counter() - start, 1)
    result["memory_mb"].append(["models", 0, round(rss_mb(), 1)])
    sentences_began = time.perf_counter() - result.get("sentences_seconds", 0.0)
    done = result["sentences"]
    for number, first in enumerate(range(done, args.sentences, BATCH), start=done // BATCH):
        seeds = [args.seed + index for index in range(first, min(first + BATCH, args.sentences))]
        _, model, serve = models[number % len(models)]
        run_sentences(seeds, model, serve, tally, args.bound, args.session_every)
        done += len(seeds)
        result["sentences"] = done
        if number % 80 == 79 or done == args.sentences:
            result["memory_mb"].append(["sentences", done, round(rss_mb(), 1)])
            result["sentences_seconds"] = round(time.perf_counter() - sentences_began, 1)
            save("sentences")
            print(
                f"sentences {done}/{args.sentences}: {len(tally.failures)} failure(s), "
                f"{rss_mb():.0f} MB, {time.perf_counter() - began:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    save("done")
    report(result, args.json)


if __name__ == "__main__":
    main()
