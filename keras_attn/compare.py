"""Comparing models on the same test pairs, overall and by sentence length.

The experiment of Bahdanau et al. (2015, Fig. 2): score each model on the same test
pairs, then again on the pairs of each source-length bucket, and see where a model's
quality falls as sentences grow.

    >>> comparison = compare_models(["classic.keras", "attention.keras"], test_pairs)
    >>> print(comparison.table())
    >>> save_length_curve("curve.png", comparison)     # keras_attn.plotting

Scores are sacrebleu's cased corpus BLEU and chrF (:func:`keras_attn.evaluation.corpus_scores`)
of each model's readable output against the references, for all pairs and for the pairs of
each bucket. A source's length is the number of its whitespace-separated words, as written.

Long runs report progress (``on_progress(done, total)``, sentences translated over all
models) and stop when ``should_stop()`` returns True, by raising
:class:`keras_attn.errors.Cancelled` (no partial result: a comparison of part of the pairs
would not be one).
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import os
import time
from collections.abc import Callable, Sequence

from keras_attn.errors import Cancelled, ConfigurationError, DataError

METRICS = ("bleu", "chrf")
METRIC_NAMES = {"bleu": "BLEU", "chrf": "chrF"}
#: Bucket widths tried, smallest first, for the default buckets (see :func:`default_buckets`).
#: Never narrower than 5 words: BLEU, counting up to 4-grams, is 0 on shorter output.
WIDTHS = (5, 10, 20, 50, 100, 200, 500, 1000)
MAX_BUCKETS = 8
#: Share of a model's test tokens unknown to its vocabulary above which it is warned about.
UNKNOWN_WARNING = 0.2


def source_length(sentence: str) -> int:
    """The length of a source sentence: its whitespace-separated words."""
    return len(sentence.split())


def default_buckets(lengths: Sequence[int], max_buckets: int = MAX_BUCKETS) -> list[int]:
    """Upper bounds of length buckets suited to `lengths`.

    Buckets of equal width (5, 10, 20, 50, ... words: the smallest giving at most
    `max_buckets` buckets up to the longest sentence); the last bucket is open, and bounds
    are dropped from the end while it would hold fewer than 5% of the pairs (and fewer than
    ten), so that no score rests on a handful of long sentences.

    Returns:
        the increasing upper bounds; the buckets are 1 to the first bound, the next bound
        after that, and so on, and one for everything longer than the last bound.
    """
    lengths = list(lengths)
    if not lengths:
        return []
    longest = max(lengths)
    width = next((w for w in WIDTHS if math.ceil(longest / w) <= max_buckets), WIDTHS[-1])
    bounds = [width * k for k in range(1, math.ceil(longest / width))]
    minimum = min(10, math.ceil(len(lengths) / 20))
    while bounds and sum(n > bounds[-1] for n in lengths) < minimum:
        bounds.pop()
    return bounds


def check_buckets(buckets) -> list[int]:
    """`buckets` as a list of increasing positive ints, or ConfigurationError."""
    try:
        bounds = [int(b) for b in buckets]
    except (TypeError, ValueError):
        raise ConfigurationError(f"buckets: {buckets!r} is not a list of word counts") from None
    if any(b < 1 for b in bounds) or any(
        a >= b for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ):
        raise ConfigurationError(
            f"buckets: {bounds} must be increasing word counts of 1 or "
            f"more (the upper bound of each bucket), e.g. [10, 20, 30]"
        )
    return bounds


def assign_buckets(lengths: Sequence[int], bounds: Sequence[int]):
    """`(buckets, bucket_of)`: the non-empty buckets as `(low, high, n_pairs)` and the
    bucket index of each length. The last bucket (above the last bound) ends at the
    longest length found; empty buckets are left out."""
    lengths = list(lengths)
    members: list[list[int]] = [[] for _ in range(len(bounds) + 1)]
    for index, n in enumerate(lengths):
        members[bisect.bisect_left(bounds, n)].append(index)  # the first bound >= n
    lows = [min(1, min(lengths, default=1)), *(bound + 1 for bound in bounds)]
    buckets: list[tuple[int, int, int]] = []
    bucket_of = [0] * len(lengths)
    for k, indices in enumerate(members):
        if not indices:
            continue
        high = bounds[k] if k < len(bounds) else max(lengths[i] for i in indices)
        for i in indices:
            bucket_of[i] = len(buckets)
        buckets.append((lows[k], high, len(indices)))
    return buckets, bucket_of


def bucket_label(bucket) -> str:
    """ "1-10", "41-50" or "7" for a one-length bucket."""
    low, high = bucket[0], bucket[1]
    return str(low) if low == high else f"{low}-{high}"


@dataclasses.dataclass
class Comparison:
    """Several models scored on the same pairs, overall and by source length.

    Attributes:
        names: the models' names, in the order given.
        buckets: the non-empty length buckets, `(low, high, n_pairs)` in source words.
        overall: `overall[name] = {"bleu": ..., "chrf": ...}` on all pairs.
        by_bucket: `by_bucket[name]`: one `{"bleu", "chrf", "n"}` per bucket.
        sources, references: the test pairs' sides.
        hypotheses: `hypotheses[name]`: the model's translation of each source.
        warnings: what makes the comparison doubtful (different vocabularies, language
            pairs or tokenizers, sentences longer than a model reads, lowercase output).
        lengths: each source's length in words; bucket_of: each pair's bucket index.
        translations: `translations[name]`: each pair's
            :class:`~keras_attn.evaluation.Translation` (its attention weights included).
        beam: the beam width (None: greedy decoding).
        bleu_signature, chrf_signature: sacrebleu's signatures of the metrics.
        seconds: `seconds[name]`: time spent translating.
    """

    names: list[str]
    buckets: list[tuple[int, int, int]]
    overall: dict[str, dict]
    by_bucket: dict[str, list[dict]]
    sources: list[str]
    references: list[str]
    hypotheses: dict[str, list[str]]
    warnings: list[str] = dataclasses.field(default_factory=list)
    lengths: list[int] = dataclasses.field(default_factory=list)
    bucket_of: list[int] = dataclasses.field(default_factory=list)
    translations: dict[str, list] = dataclasses.field(default_factory=dict, repr=False)
    beam: int | None = None
    bleu_signature: str = ""
    chrf_signature: str = ""
    seconds: dict[str, float] = dataclasses.field(default_factory=dict)

    def bucket_labels(self) -> list[str]:
        """The buckets as text: "1-10", "11-20", ..."""
        return [bucket_label(bucket) for bucket in self.buckets]

    def pairs_in(self, bucket: int) -> list[int]:
        """Indices of the pairs in bucket number `bucket`."""
        return [i for i, k in enumerate(self.bucket_of) if k == bucket]

    def to_dict(self, outputs=False) -> dict:
        """A JSON-able dict of the scores; with `outputs`, also the sentences."""
        result = {
            "names": list(self.names),
            "buckets": [{"low": low, "high": high, "pairs": n} for low, high, n in self.buckets],
            "overall": {name: dict(scores) for name, scores in self.overall.items()},
            "by_bucket": {name: [dict(s) for s in rows] for name, rows in self.by_bucket.items()},
            "pairs": len(self.sources),
            "beam": self.beam,
            "warnings": list(self.warnings),
            "bleu_signature": self.bleu_signature,
            "chrf_signature": self.chrf_signature,
            "seconds": dict(self.seconds),
        }
        if outputs:
            result.update(
                sources=list(self.sources),
                references=list(self.references),
                hypotheses={n: list(h) for n, h in self.hypotheses.items()},
            )
        return result

    def table(self, metrics=METRICS) -> str:
        """The scores as text: per metric, one row per model (all pairs, then each
        bucket), and the number of pairs in each bucket."""
        labels = ["all", *self.bucket_labels()]
        counts = [len(self.sources), *(n for _, _, n in self.buckets)]
        first = max(len("pairs"), *(len(n) for n in self.names))
        width = max(6, *(len(label) for label in labels), *(len(f"{c:,}") for c in counts))

        def row(head, cells):
            return f"{head:<{first}}  " + "  ".join(f"{c:>{width}}" for c in cells)

        lines = []
        for metric in metrics:
            lines.append(f"{METRIC_NAMES[metric]} by source length (words)")
            lines.append(row("", labels))
            for name in self.names:
                cells = [self.overall[name][metric], *(s[metric] for s in self.by_bucket[name])]
                lines.append(row(name, [f"{c:.2f}" for c in cells]))
            lines.append(row("pairs", [f"{c:,}" for c in counts]))
            lines.append("")
        decoding = "greedy decoding" if self.beam is None else f"beam search ({self.beam})"
        lines.append(f"{len(self.sources):,} pairs, {decoding}; sacrebleu {self.bleu_signature}")
        return "\n".join(lines)


def _name_of(model, given, index) -> str:
    if given is not None:
        return str(given)
    if isinstance(model, str | os.PathLike):
        return os.path.splitext(os.path.basename(os.fspath(model)))[0]
    info = getattr(model, "info", None) or {}
    return str(info.get("name") or f"model {index + 1}")


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _describe_side(model, side):
    text = model.source_text if side == "source" else model.target_text
    return text.tokenizer, set(text.vocabulary)


def model_warnings(models: dict, sources: Sequence[str], references: Sequence[str]) -> list[str]:
    """What makes a comparison of these models on these pairs doubtful (see
    :attr:`Comparison.warnings`); `models` maps names to `Translator` objects."""
    import numpy as np

    from keras_attn.text import UNK_ID

    warnings: list[str] = []
    names = list(models)
    first = names[0]
    for side in ("source", "target"):
        tokenizer, vocabulary = _describe_side(models[first], side)
        for name in names[1:]:
            other_tokenizer, other_vocabulary = _describe_side(models[name], side)
            if other_tokenizer != tokenizer:
                warnings.append(
                    f"{name} splits the {side} into {other_tokenizer} tokens, "
                    f"{first} into {tokenizer} tokens."
                )
            if other_vocabulary != vocabulary:
                shared = len(vocabulary & other_vocabulary) / len(vocabulary | other_vocabulary)
                if shared < 0.5:
                    warnings.append(
                        f"{name} and {first} share only {100 * shared:.0f}% of their {side} "
                        f"vocabularies: they may be for different language pairs."
                    )
                else:
                    warnings.append(
                        f"{name} and {first} have different {side} vocabularies "
                        f"({100 * shared:.0f}% shared)."
                    )
    capitals = any(any(c.isupper() for c in r) for r in references)
    for name, model in models.items():
        ids = model.source_text.encode(list(sources))
        flat = np.asarray(ids.flat_values)
        if flat.size and np.mean(flat == UNK_ID) > UNKNOWN_WARNING:
            warnings.append(
                f"{100 * np.mean(flat == UNK_ID):.0f}% of the test sources' "
                f"tokens are unknown to {name}: is it for this language pair?"
            )
        for side, texts, verb in (("source", sources, "reads"), ("target", references, "writes")):
            text = model.source_text if side == "source" else model.target_text
            longer = sum(n > text.max_length for n in text.token_counts(list(texts)))
            if longer:
                what = "sources" if side == "source" else "references"
                warnings.append(
                    f"{name} {verb} at most {text.max_length} {side} tokens: "
                    f"{longer:,} test {what} are longer, so they are cut."
                )
        if capitals and model.target_text.lowercase:
            warnings.append(
                f"{name} writes lowercase only; scores are cased, so every capital "
                f"in the references counts against it."
            )
    return warnings


def compare_models(
    models,
    pairs,
    *,
    names=None,
    buckets=None,
    beam=None,
    alpha=None,
    batch_size=64,
    lowercase=False,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Comparison:
    """Translate the same pairs with each model and score them overall and by length.

    Args:
        models: `Translator` objects or paths of `.keras` files (loaded with safe mode).
        pairs: `(source, reference)` pairs, or a `ParallelData`.
        names: one name per model (default: the file name without `.keras`, or the
            model's `info["name"]`, or "model 1", ...); repeated names get a number.
        buckets: upper bounds of the source-length buckets in words, e.g. `[10, 20, 30]`
            for 1-10, 11-20, 21-30 and 31 or more (default: :func:`default_buckets`).
            Empty buckets are left out.
        beam: beam width; None or 1: greedy decoding.
        alpha: length-penalty exponent of beam search (None: each model's setting).
        batch_size: sentences decoded together.
        lowercase: compare case-insensitively (scores are cased by default).
        on_progress: called as `on_progress(done, total)` with the sentences translated
            so far over all models (after each batch, and once with 0 at the start).
        should_stop: called before each batch; when it returns True the comparison stops
            by raising :class:`~keras_attn.errors.Cancelled`.

    Returns:
        a :class:`Comparison`.

    Raises:
        DataError: no pairs; ModelFileError: a model file cannot be loaded;
        ConfigurationError: no models, names not one per model, bad buckets; Cancelled.
    """
    from keras_attn.evaluation import _check_positive, corpus_scores, translate_batch

    models = list(models)
    if not models:
        raise ConfigurationError("Give at least one model to compare.")
    if names is not None and len(list(names)) != len(models):
        raise ConfigurationError(
            f"names: {len(list(names))} name(s) for {len(models)} "
            f"model(s); give one name per model."
        )
    given = list(names) if names is not None else [None] * len(models)
    labels = _unique(
        [_name_of(m, g, k) for k, (m, g) in enumerate(zip(models, given, strict=True))]
    )
    pairs = list(getattr(pairs, "pairs", pairs))
    if not pairs:
        raise DataError("No sentence pairs to compare the models on.")
    _check_positive("beam", beam)
    _check_positive("batch_size", batch_size, allow_none=False)
    beam = None if beam in (None, 1) else beam
    sources = [s for s, _ in pairs]
    references = [r for _, r in pairs]
    lengths = [source_length(s) for s in sources]
    bounds = default_buckets(lengths) if buckets is None else check_buckets(buckets)
    bucket_list, bucket_of = assign_buckets(lengths, bounds)

    loaded = {}
    for label, model in zip(labels, models, strict=True):
        if isinstance(model, str | os.PathLike):
            from keras_attn.saving import load_model

            model = load_model(model)
        loaded[label] = model
    warnings = model_warnings(loaded, sources, references)

    order = sorted(range(len(pairs)), key=lambda i: lengths[i])  # less padding per batch
    total, done = len(pairs) * len(loaded), 0
    if on_progress is not None:
        on_progress(0, total)
    hypotheses: dict[str, list[str]] = {}
    translations: dict[str, list] = {}
    seconds: dict[str, float] = {}
    for label, model in loaded.items():
        found: list = [None] * len(pairs)
        started = time.perf_counter()
        for start in range(0, len(order), batch_size):
            if should_stop is not None and should_stop():
                raise Cancelled(f"Comparison cancelled after {done:,} of {total:,} translations.")
            chunk = order[start : start + batch_size]
            results = translate_batch(
                model, [sources[i] for i in chunk], beam=beam, alpha=alpha, batch_size=batch_size
            )
            for i, options in zip(chunk, results, strict=True):
                found[i] = options[0]
            done += len(chunk)
            if on_progress is not None:
                on_progress(done, total)
        seconds[label] = time.perf_counter() - started
        translations[label] = found
        hypotheses[label] = [t.text for t in found]

    overall, by_bucket = {}, {}
    signatures: tuple[str, str] | None = None
    members = [[i for i, k in enumerate(bucket_of) if k == b] for b in range(len(bucket_list))]
    for label in loaded:
        scores = corpus_scores(hypotheses[label], references, lowercase=lowercase)
        signatures = signatures or (scores.bleu_signature, scores.chrf_signature)
        overall[label] = {"bleu": scores.bleu, "chrf": scores.chrf}
        rows = []
        for bucket, indices in zip(bucket_list, members, strict=True):
            part = corpus_scores(
                [hypotheses[label][i] for i in indices],
                [references[i] for i in indices],
                lowercase=lowercase,
            )
            rows.append({"bleu": part.bleu, "chrf": part.chrf, "n": len(indices)})
            if part.bleu_totals and not part.bleu_totals[-1]:
                warnings.append(
                    f"{label}: BLEU of bucket {bucket_label(bucket)} is 0 by "
                    f"construction: its output there has no 4-grams (sentences "
                    f"of fewer than four tokens); read chrF there."
                )
        by_bucket[label] = rows
    bleu_signature, chrf_signature = signatures or ("", "")
    return Comparison(
        names=list(loaded),
        buckets=bucket_list,
        overall=overall,
        by_bucket=by_bucket,
        sources=sources,
        references=references,
        hypotheses=hypotheses,
        warnings=warnings,
        lengths=lengths,
        bucket_of=bucket_of,
        translations=translations,
        beam=beam,
        bleu_signature=bleu_signature,
        chrf_signature=chrf_signature,
        seconds=seconds,
    )
