"""Train the bundled demo models on the generated sample datasets.

    python scripts/train_demo_models.py [--only dates|toy_language] [--out assets/models]

Each model is trained with a fixed seed on its bundled dataset (assets/datasets/), scored
on a freshly generated test set (another seed), and saved as ``<name>.keras`` with a card
``<name>.json`` holding its configuration summary and scores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# name -> configuration changes on top of the `small` preset
RECIPES = {
    "dates": {
        "source.tokenizer": "char", "target.tokenizer": "char",
        "source.max_length": 40, "target.max_length": 12,
        "model.embedding_dim": 64, "model.units": 128, "model.attention_units": 128,
        "model.dropout": 0.0,
        "train.epochs": 12, "train.batch_size": 64, "train.learning_rate": 3e-3,
        "train.patience": 3, "train.time_limit": 900.0, "train.seed": 11,
    },
    "toy_language": {
        "source.tokenizer": "word", "target.tokenizer": "word",
        "source.max_length": 25, "target.max_length": 25,
        "model.embedding_dim": 96, "model.units": 128, "model.attention_units": 128,
        "model.dropout": 0.1,
        "train.epochs": 12, "train.batch_size": 64, "train.learning_rate": 3e-3,
        "train.patience": 3, "train.time_limit": 900.0, "train.seed": 7,
    },
}
TEST_SEED = 20261126  # the fresh test sets: not the datasets' seeds
TEST_COUNT = 1000


def score(model, name, pairs):
    """Exact-match rate and BLEU/chrF on a list of pairs."""
    import sacrebleu

    outputs = model.translate([s for s, _ in pairs])
    references = [t for _, t in pairs]
    exact = sum(o == r for o, r in zip(outputs, references, strict=True)) / len(pairs)
    bleu = sacrebleu.corpus_bleu(outputs, [references]).score
    chrf = sacrebleu.corpus_chrf(outputs, [references]).score
    return {"exact_match": round(exact, 4), "bleu": round(bleu, 2), "chrf": round(chrf, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(RECIPES))
    parser.add_argument("--out", default=str(ROOT / "assets" / "models"))
    args = parser.parse_args()

    import keras_attn
    from keras_attn.config import preset
    from keras_attn.data import read_parallel, split_pairs
    from keras_attn.datasets import dataset_path, generate
    from keras_attn.training import train

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, changes in RECIPES.items():
        if args.only and name != args.only:
            continue
        config = preset("small").replace(**changes)
        pairs = read_parallel(dataset_path(name)).pairs
        train_pairs, val_pairs, _ = split_pairs(pairs, validation=0.05, seed=config.train.seed)
        start = time.perf_counter()
        result = train(train_pairs, config, validation_pairs=val_pairs,
                       on_progress=lambda e: print(e, flush=True) if e["kind"] == "epoch" else None)
        seconds = time.perf_counter() - start
        test_pairs = generate(name, count=TEST_COUNT, seed=TEST_SEED)
        scores = score(result.model, name, test_pairs)
        result.model.info["dataset"] = f"assets/datasets/{name}.tsv ({len(pairs)} pairs)"
        result.model.info["scores"] = {f"test_{k}": v for k, v in scores.items()}
        keras_attn.save(result.model, out / f"{name}.keras", include_optimizer=False)
        card = {"name": name, "dataset": f"assets/datasets/{name}.tsv",
                "train_pairs": len(train_pairs), "validation_pairs": len(val_pairs),
                "epochs": result.epochs_done, "stop_reason": result.stop_reason,
                "train_seconds": round(seconds, 1), "parameters": result.model.count_params(),
                "scores": scores,
                "test_set": f"{TEST_COUNT} pairs generated with seed {TEST_SEED}",
                "config": config.to_dict(),
                "command": f"python scripts/train_demo_models.py --only {name}"}
        (out / f"{name}.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        print(f"{name}: {scores} after {result.epochs_done} epochs, {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
