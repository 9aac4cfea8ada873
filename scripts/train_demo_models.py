"""Train the bundled demo models.

    python scripts/train_demo_models.py [--only dates|toy_language] [--out assets/models]
    python scripts/train_demo_models.py --only de_en --tatoeba deu.txt [--test test.tsv]

The invented-language and dates models are trained with a fixed seed on their generated
datasets (assets/datasets/) and scored on freshly generated test sets (another seed).

The German -> English model ``de_en`` is trained on the Tatoeba pairs (CC-BY 2.0 FR,
tatoeba.org, compiled by manythings.org/anki). ``--tatoeba`` takes the file as published
there (``deu.txt``: English, German, attribution per line) or a TSV already in German ->
English order. Without ``--test``, the last 1,000 pairs of a seeded shuffle are held back
for scoring; with it, those pairs are the test set. The corpus is read where it lies and
never copied into the repository.

Each model is saved as ``<name>.keras`` with a card ``<name>.json`` (shown by the app's
Model information) holding its data, licence, settings, training time and scores.
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
        "source.tokenizer": "char",
        "target.tokenizer": "char",
        "source.max_length": 40,
        "target.max_length": 12,
        "model.embedding_dim": 64,
        "model.units": 128,
        "model.attention_units": 128,
        "model.dropout": 0.0,
        "train.epochs": 12,
        "train.batch_size": 64,
        "train.learning_rate": 3e-3,
        "train.patience": 3,
        "train.time_limit": 900.0,
        "train.seed": 11,
    },
    "toy_language": {
        "source.tokenizer": "word",
        "target.tokenizer": "word",
        "source.max_length": 25,
        "target.max_length": 25,
        "model.embedding_dim": 96,
        "model.units": 128,
        "model.attention_units": 128,
        "model.dropout": 0.1,
        "train.epochs": 12,
        "train.batch_size": 64,
        "train.learning_rate": 3e-3,
        "train.patience": 3,
        "train.time_limit": 900.0,
        "train.seed": 7,
    },
}
# These two were made when lower-casing and word tokens were the defaults.
for _recipe in RECIPES.values():
    _recipe.update({"source.lowercase": True, "target.lowercase": True})
# Real language: the settings keras_attn.sizing chooses for the corpus, with a narrower
# embedding and a 4,000-piece vocabulary per side so that the file stays under 15 MB.
REAL = {
    "de_en": {
        "model.embedding_dim": 128,
        "source.vocab_size": 4000,
        "target.vocab_size": 4000,
        "train.time_limit": 1200.0,
        "train.seed": 5,
    },
}
# The lesson of "why attention": one generated task of long sentences, two models that
# differ only in attention (same sizes, data, seed and number of updates).
LESSON = {
    "lesson_attention": {"model.attention": "bahdanau"},
    "lesson_classic": {"model.attention": "none"},
}
LESSON_DATASET = "toy_language_long"
LESSON_SETTINGS = {
    "source.tokenizer": "word",
    "target.tokenizer": "word",
    "source.max_length": 64,
    "target.max_length": 64,
    "model.embedding_dim": 96,
    "model.units": 128,
    "model.attention_units": 128,
    "model.dropout": 0.1,
    "train.epochs": 24,
    "train.batch_size": 64,
    "train.learning_rate": 3e-3,
    "train.decay": "cosine",
    "train.patience": 0,
    "train.time_limit": 0.0,
    "train.seed": 3,
}  # the same 24 epochs for both (not the same time: the classic model's steps are cheaper)
TATOEBA_LICENCE = (
    "CC-BY 2.0 (France); sentences from tatoeba.org, pairs compiled by manythings.org/anki"
)
HELD_BACK = 1000
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


def read_tatoeba(path):
    """German -> English pairs from a Tatoeba file: the published ``deu.txt`` (English,
    German, attribution) or a two-column TSV in German -> English order."""
    from keras_attn.data import read_parallel

    with open(path, encoding="utf-8") as stream:
        first = stream.readline().rstrip("\n").split("\t")
    published = len(first) >= 3 and first[2].startswith("CC-BY")
    data = read_parallel(
        path, format="tsv", source_column=1 if published else 0, target_column=0 if published else 1
    )
    return data.pairs


def train_real(name, args, out):
    """Train and save a real-language demo model (see the module docstring)."""
    import random

    import keras_attn
    from keras_attn import sizing
    from keras_attn.data import read_parallel, split_pairs
    from keras_attn.training import train

    if not args.tatoeba:
        raise SystemExit(f"{name}: give the Tatoeba file with --tatoeba PATH.")
    pairs = read_tatoeba(args.tatoeba)
    if args.test:
        test_pairs = read_parallel(args.test).pairs
    else:
        random.Random(HELD_BACK).shuffle(pairs)
        pairs, test_pairs = pairs[:-HELD_BACK], pairs[-HELD_BACK:]
    changes = REAL[name]
    train_pairs, val_pairs, _ = split_pairs(pairs, validation=0.05, seed=changes["train.seed"])
    choice = sizing.choose(train_pairs, time_limit=changes["train.time_limit"], settings=changes)
    print(choice.explain(), flush=True)
    start = time.perf_counter()
    result = train(
        train_pairs,
        choice.config,
        validation_pairs=val_pairs,
        on_progress=lambda e: print(e, flush=True) if e["kind"] == "epoch" else None,
    )
    seconds = time.perf_counter() - start
    model = result.model
    scores = score_real(model, test_pairs)
    source = "Tatoeba German-English pairs (tatoeba.org via manythings.org/anki)"
    model.info["dataset"] = f"{source}: {len(pairs):,} pairs"
    model.info["licence"] = TATOEBA_LICENCE
    model.info["scores"] = {f"test_{k}": v for k, v in scores.items()}
    keras_attn.save(model, out / f"{name}.keras", include_optimizer=False)
    card = {
        "name": name,
        "title": "German → English (Tatoeba)",
        "languages": ["de", "en"],
        "dataset": source,
        "licence": TATOEBA_LICENCE,
        "attribution": "Sentences and translations from tatoeba.org (CC-BY 2.0 FR); "
        "pair file compiled by manythings.org/anki.",
        "train_pairs": len(train_pairs),
        "validation_pairs": len(val_pairs),
        "test_pairs": len(test_pairs),
        "epochs": result.epochs_done,
        "best_epoch": result.best_epoch,
        "stop_reason": result.stop_reason,
        "train_seconds": round(seconds, 1),
        "parameters": model.count_params(),
        "precision_trained": choice.precision,
        "scores": scores,
        "test_set": "the 1,000 held-back pairs"
        + (f" of {Path(args.test).name}" if args.test else ""),
        "settings": choice.summary(),
        "config": choice.config.to_dict(),
        "command": f"python scripts/train_demo_models.py --only {name} --tatoeba deu.txt",
    }
    (out / f"{name}.json").write_text(
        json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"{name}: {scores} after {result.epochs_done} epochs, {seconds:.0f} s", flush=True)


def score_real(model, pairs):
    """Cased sacreBLEU and chrF on the raw references, greedy and beam 5."""
    import sacrebleu

    from keras_attn.evaluation import translate_batch

    sources = [s for s, _ in pairs]
    references = [t for _, t in pairs]
    scores = {}
    for name, beam in (("greedy", None), ("beam5", 5)):
        outputs = [o[0].text for o in translate_batch(model, sources, beam=beam)]
        scores[f"bleu_{name}"] = round(sacrebleu.corpus_bleu(outputs, [references]).score, 2)
        scores[f"chrf_{name}"] = round(sacrebleu.corpus_chrf(outputs, [references]).score, 2)
    return scores


def train_lesson(out, only=None):
    """Train the lesson pair, then compare them by source length on the bundled test set
    and write the comparison into both cards."""
    import keras_attn
    from keras_attn.compare import compare_models
    from keras_attn.config import preset
    from keras_attn.data import read_parallel, split_pairs
    from keras_attn.datasets import dataset_path, dataset_test_path
    from keras_attn.training import train

    pairs = read_parallel(dataset_path(LESSON_DATASET)).pairs
    test_pairs = read_parallel(dataset_test_path(LESSON_DATASET)).pairs
    for name, changes in LESSON.items():
        if only and name != only:
            continue
        config = preset("small").replace(**{**LESSON_SETTINGS, **changes})
        train_pairs, val_pairs, _ = split_pairs(pairs, validation=0.05, seed=config.train.seed)
        start = time.perf_counter()
        result = train(
            train_pairs,
            config,
            validation_pairs=val_pairs,
            on_progress=lambda e: print(e, flush=True) if e["kind"] == "epoch" else None,
        )
        seconds = time.perf_counter() - start
        result.model.info["dataset"] = f"assets/datasets/{LESSON_DATASET}.tsv ({len(pairs)} pairs)"
        keras_attn.save(result.model, out / f"{name}.keras", include_optimizer=False)
        card = {
            "name": name,
            "title": (
                "Long toy sentences, with attention"
                if changes["model.attention"] != "none"
                else "Long toy sentences, no attention (classic)"
            ),
            "dataset": f"assets/datasets/{LESSON_DATASET}.tsv",
            "train_pairs": len(train_pairs),
            "validation_pairs": len(val_pairs),
            "epochs": result.epochs_done,
            "best_epoch": result.best_epoch,
            "stop_reason": result.stop_reason,
            "train_seconds": round(seconds, 1),
            "parameters": result.model.count_params(),
            "config": config.to_dict(),
            "command": "python scripts/train_demo_models.py --only lesson",
        }
        (out / f"{name}.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        print(f"{name}: {result.epochs_done} epochs, {seconds:.0f} s", flush=True)
    paths = [out / f"{name}.keras" for name in LESSON]
    if not all(path.exists() for path in paths):
        return
    comparison = compare_models([keras_attn.load(p) for p in paths], test_pairs, names=list(LESSON))
    print(comparison.table(), flush=True)
    figure = comparison.to_dict()
    for name in LESSON:
        path = out / f"{name}.json"
        card = json.loads(path.read_text(encoding="utf-8"))
        card["test_set"] = f"assets/datasets/{LESSON_DATASET}.test.tsv ({len(test_pairs)} pairs)"
        card["scores"] = figure["overall"][name]
        card["by_length"] = {"buckets": figure["buckets"], "scores": figure["by_bucket"][name]}
        path.write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted([*RECIPES, *REAL, *LESSON, "lesson"]))
    parser.add_argument("--out", default=str(ROOT / "assets" / "models"))
    parser.add_argument("--tatoeba", help="the Tatoeba deu.txt file (for de_en)")
    parser.add_argument("--test", help="held-back test pairs for de_en (TSV, German first)")
    args = parser.parse_args()

    import keras_attn
    from keras_attn.config import preset
    from keras_attn.data import read_parallel, split_pairs
    from keras_attn.datasets import dataset_path, generate
    from keras_attn.training import train

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in REAL:
        if args.only == name or (args.only is None and args.tatoeba):
            train_real(name, args, out)
    if args.only is None or args.only == "lesson" or args.only in LESSON:
        train_lesson(out, None if args.only in (None, "lesson") else args.only)
    for name, changes in RECIPES.items():
        if args.only and name != args.only:
            continue
        config = preset("small").replace(**changes)
        pairs = read_parallel(dataset_path(name)).pairs
        train_pairs, val_pairs, _ = split_pairs(pairs, validation=0.05, seed=config.train.seed)
        start = time.perf_counter()
        result = train(
            train_pairs,
            config,
            validation_pairs=val_pairs,
            on_progress=lambda e: print(e, flush=True) if e["kind"] == "epoch" else None,
        )
        seconds = time.perf_counter() - start
        test_pairs = generate(name, count=TEST_COUNT, seed=TEST_SEED)
        scores = score(result.model, name, test_pairs)
        result.model.info["dataset"] = f"assets/datasets/{name}.tsv ({len(pairs)} pairs)"
        result.model.info["scores"] = {f"test_{k}": v for k, v in scores.items()}
        keras_attn.save(result.model, out / f"{name}.keras", include_optimizer=False)
        card = {
            "name": name,
            "dataset": f"assets/datasets/{name}.tsv",
            "train_pairs": len(train_pairs),
            "validation_pairs": len(val_pairs),
            "epochs": result.epochs_done,
            "stop_reason": result.stop_reason,
            "train_seconds": round(seconds, 1),
            "parameters": result.model.count_params(),
            "scores": scores,
            "test_set": f"{TEST_COUNT} pairs generated with seed {TEST_SEED}",
            "config": config.to_dict(),
            "command": f"python scripts/train_demo_models.py --only {name}",
        }
        (out / f"{name}.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        print(f"{name}: {scores} after {result.epochs_done} epochs, {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
