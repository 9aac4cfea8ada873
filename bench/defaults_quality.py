"""Quality of the default settings on a real corpus, as a user would see it.

Trains with the CLI defaults plus only ``--time-limit`` (the settings are chosen from the
data: see keras_attn/sizing.py), then scores the held-back pairs greedily and with beam 5:
cased sacreBLEU and chrF on the raw references (the headline), BLEU in the TensorFlow
tutorial's normalized text space (for comparison with its model only), lines holding
``[UNK]`` or ``##``, outputs that repeat a three-word phrase (against the references'
count), and BLEU/chrF by source length. With ``--tutorial`` it first trains the
tutorial's model (bench/tutorial_reference.py) for the same time in the same sitting.

    python bench/defaults_quality.py ../shared/data/opennmt_toy_de_en --time-limit 600 \
        --tutorial --json opennmt.json

Each corpus folder holds train.tsv and test.tsv (as in ../shared/data).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from quality import tutorial_space  # noqa: E402

BUCKETS = ((1, 5), (6, 10), (11, 20), (21, 30), (31, 40), (41, 10_000))


def repeats_phrase(text: str, n: int = 3) -> bool:
    """True when some run of `n` words occurs twice or more in `text`."""
    words = text.split()
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return len(grams) != len(set(grams))


def score(hypotheses, references):
    import sacrebleu

    from keras_attn.evaluation import corpus_scores

    cased = corpus_scores(hypotheses, references)
    tutorial = sacrebleu.BLEU(force=True).corpus_score(
        [tutorial_space(h) for h in hypotheses], [[tutorial_space(r) for r in references]]
    )
    return {
        "bleu_cased": round(cased.bleu, 2),
        "chrf": round(cased.chrf, 2),
        "bleu_tutorial_space": round(tutorial.score, 2),
    }


def evaluate(model_path, test_path, beam):
    import keras_attn
    from keras_attn.data import read_parallel
    from keras_attn.evaluation import translate_batch

    model = keras_attn.load(model_path)
    pairs = read_parallel(test_path).pairs
    sources = [s for s, _ in pairs]
    references = [t for _, t in pairs]
    start = time.perf_counter()
    hypotheses = [
        options[0].text
        for options in translate_batch(model, sources, beam=beam if beam > 1 else None)
    ]
    seconds = time.perf_counter() - start
    result = {
        "beam": beam,
        **score(hypotheses, references),
        "translate_seconds": round(seconds, 1),
        "lines_with_unk": sum("[UNK]" in h for h in hypotheses),
        "lines_with_pieces": sum("##" in h for h in hypotheses),
        "repeating_outputs": sum(map(repeats_phrase, hypotheses)),
        "repeating_references": sum(map(repeats_phrase, references)),
        "by_length": [],
    }
    for low, high in BUCKETS:
        chosen = [i for i, s in enumerate(sources) if low <= len(s.split()) <= high]
        if chosen:
            result["by_length"].append(
                {
                    "words": f"{low}-{high}" if high < 10_000 else f"{low}+",
                    "pairs": len(chosen),
                    **score([hypotheses[i] for i in chosen], [references[i] for i in chosen]),
                }
            )
    result["samples"] = [
        {"source": s, "output": h, "reference": r}
        for s, h, r in list(zip(sources, hypotheses, references, strict=True))[:20]
    ]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="folder with train.tsv and test.tsv")
    parser.add_argument("--time-limit", type=float, default=600)
    parser.add_argument("--out", help="model file (default: a temporary name)")
    parser.add_argument(
        "--tutorial", action="store_true", help="train and score the tutorial's model too, first"
    )
    parser.add_argument(
        "--train-option",
        action="append",
        default=[],
        help="extra option for keras-attn train (repeatable; for experiments: "
        "the headline figures use none)",
    )
    parser.add_argument("--json")
    args = parser.parse_args()
    corpus = Path(args.corpus)
    train, test = corpus / "train.tsv", corpus / "test.tsv"
    out = Path(args.out or f"/tmp/defaults-{corpus.name}-{os.getpid()}.keras")
    report = {
        "corpus": str(corpus),
        "time_limit": args.time_limit,
        "train_options": args.train_option,
        "machine": os.uname().nodename,
    }

    if args.tutorial:
        tutorial_json = out.with_suffix(".tutorial.json")
        subprocess.run(
            [
                sys.executable,
                str(HERE / "tutorial_reference.py"),
                str(train),
                "--time-limit",
                str(args.time_limit),
                "--test",
                str(test),
                "--json",
                str(tutorial_json),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        report["tutorial"] = json.loads(tutorial_json.read_text())

    command = [
        sys.executable,
        "-m",
        "keras_attn.cli",
        "train",
        str(train),
        "--out",
        str(out),
        "--time-limit",
        str(args.time_limit),
        *args.train_option,
    ]
    started = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True)
    report["train_seconds"] = round(time.perf_counter() - started, 1)
    report["train_log"] = [
        line
        for line in (run.stderr + run.stdout).splitlines()
        if line.startswith(("using", "  why", "epoch", "stopped", "best"))
    ]
    if run.returncode:
        print(run.stderr[-3000:], file=sys.stderr)
        raise SystemExit(run.returncode)
    report["greedy"] = evaluate(out, test, 1)
    report["beam5"] = evaluate(out, test, 5)
    for line in report["train_log"]:
        print(line)
    if "tutorial" in report:
        t = report["tutorial"]
        print(
            f"tutorial's model: BLEU (its text space) {t.get('bleu', t.get('bleu_tutorial_space'))}"
        )
    for name in ("greedy", "beam5"):
        r = report[name]
        print(
            f"{name:<7} BLEU {r['bleu_cased']:6.2f}  chrF {r['chrf']:6.2f}  "
            f"(tutorial space {r['bleu_tutorial_space']:6.2f})  [UNK] lines "
            f"{r['lines_with_unk']}  ## lines {r['lines_with_pieces']}  repeating "
            f"{r['repeating_outputs']} (references {r['repeating_references']})"
        )
        for bucket in r["by_length"]:
            print(
                f"    {bucket['words']:>6} words  {bucket['pairs']:4d} pairs  BLEU "
                f"{bucket['bleu_cased']:6.2f}  chrF {bucket['chrf']:6.2f}"
            )
    for sample in report["beam5"]["samples"]:
        print(f"  {sample['source']}\n    -> {sample['output']}\n    == {sample['reference']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
