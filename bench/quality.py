"""Translation quality of a saved model on a held-back test set, scored three ways.

    python bench/quality.py MODEL.keras ../shared/data/tatoeba_deu_eng/test.tsv [--beam 5]

1. cased BLEU and chrF (sacrebleu defaults) of the detokenized output against the raw
   references;
2. BLEU in the TensorFlow NMT tutorial's own text space: both output and references
   mapped through the tutorial's `tf_lower_and_split_punct` (NFKD, accents dropped,
   lowercase, only a-z and `.?!,¿` kept, punctuation spaced), then sacrebleu defaults.

Prints a table, twenty sample translations, and writes JSON with --json.
"""

from __future__ import annotations

import argparse
import re
import time
import unicodedata

from common import add_json_argument, report


def tutorial_space(text: str) -> str:
    """The TensorFlow NMT tutorial's standardization, in plain Python."""
    text = unicodedata.normalize("NFKD", text).lower()
    text = re.sub(r"[^ a-z.?!,¿]", "", text)
    text = re.sub(r"[.?!,¿]", r" \g<0> ", text)
    return " ".join(text.split())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("test")
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--samples", type=int, default=20)
    add_json_argument(parser)
    args = parser.parse_args()

    import sacrebleu

    import keras_attn
    from keras_attn.data import read_parallel
    from keras_attn.search import beam_search

    model = keras_attn.load(args.model)
    pairs = read_parallel(args.test).pairs
    sources = [s for s, _ in pairs]
    references = [t for _, t in pairs]
    start = time.perf_counter()
    if args.beam > 1:
        hypotheses = []
        for i in range(0, len(sources), 64):
            results = beam_search(model, model.source_ids(sources[i : i + 64]), width=args.beam)
            hypotheses += model.target_text.decode([r[0].tokens for r in results])
    else:
        hypotheses = model.translate(sources)
    seconds = time.perf_counter() - start
    bleu_metric = sacrebleu.BLEU()
    bleu = bleu_metric.corpus_score(hypotheses, [references])
    chrf = sacrebleu.corpus_chrf(hypotheses, [references])
    tutorial = sacrebleu.BLEU(force=True).corpus_score(
        [tutorial_space(h) for h in hypotheses], [[tutorial_space(r) for r in references]]
    )
    result = {
        "model": args.model,
        "test": args.test,
        "sentences": len(pairs),
        "beam": args.beam,
        "bleu_cased": round(bleu.score, 2),
        "chrf": round(chrf.score, 2),
        "bleu_tutorial_space": round(tutorial.score, 2),
        "translate_seconds": round(seconds, 2),
        "signature": str(bleu_metric.get_signature()),
    }
    print(
        f"{'BLEU (cased)':<22}{bleu.score:6.2f}\n{'chrF':<22}{chrf.score:6.2f}\n"
        f"{'BLEU (tutorial space)':<22}{tutorial.score:6.2f}\n"
        f"{len(pairs)} sentences translated in {seconds:.1f} s (beam {args.beam})"
    )
    for source, hypothesis, reference in list(zip(sources, hypotheses, references, strict=True))[
        : args.samples
    ]:
        print(f"  {source}\n    -> {hypothesis}\n    == {reference}")
    report(result, args.json, echo=False)


if __name__ == "__main__":
    main()
