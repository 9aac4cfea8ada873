"""Does attention learn alignment? AER of each attention score on the invented language.

Trains one model per attention score (Bahdanau's additive score and Luong's dot, general
and concat) on the bundled toy-language dataset with the recipe of its demo model
(scripts/train_demo_models.py), then scores each model's attention against the gold word
alignment of 1,000 freshly generated test pairs (seed 20261126, as the demo model's card):
alignment error rate of the argmax links and of the links above a threshold, with BLEU.

    python bench/alignment_by_score.py [--scores bahdanau,luong-dot] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from common import add_json_argument, report

from keras_attn.config import ATTENTIONS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

SCORES = tuple(kind for kind in ATTENTIONS if kind != "none")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scores", default=",".join(SCORES))
    add_json_argument(parser)
    args = parser.parse_args()

    import sacrebleu
    from train_demo_models import RECIPES, TEST_COUNT, TEST_SEED

    from keras_attn.alignment import evaluate_alignments, parse_alignment
    from keras_attn.config import preset
    from keras_attn.data import read_parallel, split_pairs
    from keras_attn.datasets import dataset_path, generate_aligned
    from keras_attn.training import train

    pairs = read_parallel(dataset_path("toy_language")).pairs
    test = generate_aligned(
        "toy_language", count=TEST_COUNT, seed=TEST_SEED, exclude={s for s, _ in pairs}
    )
    test_pairs = [(s, t) for s, t, _ in test]
    gold = [parse_alignment(a) for _, _, a in test]
    rows = []
    for score in args.scores.split(","):
        config = preset("small").replace(**{**RECIPES["toy_language"], "model.attention": score})
        train_pairs, val_pairs, _ = split_pairs(pairs, validation=0.05, seed=config.train.seed)
        start = time.perf_counter()
        result = train(train_pairs, config, validation_pairs=val_pairs)
        seconds = time.perf_counter() - start
        model = result.model
        outputs = model.translate([s for s, _ in test_pairs])
        bleu = sacrebleu.corpus_bleu(outputs, [[t for _, t in test_pairs]]).score
        found = evaluate_alignments(model, test_pairs, gold)
        rows.append(
            {
                "attention": score,
                "train_seconds": round(seconds, 1),
                "epochs": result.epochs_done,
                "bleu": round(bleu, 2),
                "aer_argmax": round(100 * found.aer, 2),
                "precision": round(100 * found.precision, 2),
                "recall": round(100 * found.recall, 2),
                "aer_threshold": round(100 * found.threshold_aer, 2),
                "threshold": found.threshold,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    print(f"\n{'attention':<15}{'BLEU':>8}{'AER argmax':>12}{'AER thresh.':>13}")
    for row in rows:
        print(
            f"{row['attention']:<15}{row['bleu']:>8.2f}{row['aer_argmax']:>12.2f}"
            f"{row['aer_threshold']:>13.2f}"
        )
    report(rows, args.json, echo=False)


if __name__ == "__main__":
    main()
