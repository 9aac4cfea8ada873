"""Settings that fit the data: tokenizers, model size, vocabulary, batch and dropout.

When a user gives no preset, :func:`choose` looks at the corpus (how many pairs, how long
the sentences, which scripts) and the time limit, and returns a :class:`Choice`: the
configuration and one plain reason per decision, which the CLI and the training wizard
show before training starts ("using: small, subword 4k, ...; why: ..."). The rule and
the measurements behind it are in docs/PERFORMANCE.md ("How settings are chosen").

Every value the user sets explicitly is kept as it is.

Tokenizers (``"auto"``, the default of :class:`~keras_attn.config.TextConfig`): subword
(WordPiece) pieces for scripts written with spaces between words, characters for
scripts written without them (Chinese, Japanese, Thai, Lao, Khmer, Myanmar, Tibetan),
word tokens for corpora too small to learn pieces from. :func:`resolve_tokenizers` turns
``"auto"`` into one of these; a model file always holds the tokenizer it was built with.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence

from keras_attn.config import Config, preset, presets

#: Below this many training pairs, WordPiece has too little text to learn pieces from;
#: word tokens are used (every training word is then in the vocabulary).
MIN_SUBWORD_PAIRS = 100
#: A side whose letters are at least this share from scripts written without spaces
#: between words is tokenized into characters.
UNSPACED_SHARE = 0.5
#: Training speed of each preset in target tokens per second, float32, on the 2-core
#: reference machine (bench/train_speed_matrix.py, subword tokens; docs/PERFORMANCE.md).
#: Only their ratios and rough size matter: they turn a time limit into epochs.
PRESET_SPEED = {"tiny": 24_000, "small": 9_300, "base": 4_800}
#: The same for the Transformer presets (`model.architecture="transformer"`), from their
#: speed relative to the RNN presets' measured side by side (float32, subword tokens,
#: Tatoeba: 1.3x for tiny, 0.44x for small, 0.49x for base).
TRANSFORMER_SPEED = {"tiny": 31_000, "small": 4_100, "base": 2_400}
#: Mixed bfloat16 on CPUs with bfloat16 units trains about this much faster (measured:
#: 1.09x at batch 64, 1.16x at batch 256; docs/PERFORMANCE.md).
BFLOAT16_GAIN = 1.1
#: The fewest passes over the data a time limit should allow; a larger model that gets
#: fewer is passed over for a smaller one.
MIN_EPOCHS = 6
#: Pairs from which each preset has enough data to be worth its size (fewer pairs: the
#: next smaller preset; its capacity is enough and it trains more epochs in the time).
PRESET_MIN_PAIRS = {"tiny": 0, "small": 1_000, "base": 20_000}
#: (fewest pairs, subword vocabulary size), by architecture: small corpora learn better
#: with small vocabularies (Sennrich & Zhang 2019, "Revisiting Low-Resource Neural
#: Machine Translation"): each piece is then seen often enough to be learned. From
#: 30,000 pairs the Transformer gets half the RNN's: its vectors are half as wide (small:
#: 128 units against the RNN's base, 256), and its output layer, about 30% of its
#: training step's matrix products at 8k pieces, costs half as much, so it sees the data
#: more often in a time limit. (Tatoeba, 46,551 pairs, in 600 s: 4k against 8k gave cased
#: BLEU 61.86 / 63.47 against 60.84 / 62.08, greedy / beam 5, in 10 epochs against 8.
#: Below, it keeps the RNN's: on the long-sentence corpus, 8,557 pairs, 2k scored below
#: 4k in BLEU, level in chrF; docs/PERFORMANCE.md, "The Transformer in ten minutes".)
VOCAB_BY_PAIRS = {
    "rnn": ((0, 2_000), (5_000, 4_000), (30_000, 8_000), (200_000, 16_000)),
    "transformer": ((0, 2_000), (5_000, 4_000), (200_000, 8_000)),
}
#: (fewest pairs, dropout): the less data, the more regularisation, for runs that go on
#: until they stop improving.
DROPOUT_BY_PAIRS = ((0, 0.3), (20_000, 0.2), (100_000, 0.1))
#: A time limit that allows fewer passes over the data than this leaves the model little
#: time to overfit, and dropout only slows its learning: it gets `HURRIED_DROPOUT`, by
#: architecture. (RNN, measured on the long-sentence corpus in 600 s: dropout 0.1 against
#: 0.3 gave beam-5 BLEU 3.01 against 2.18, chrF 19.4 against 15.6 greedy; checked on
#: Tatoeba. Transformer, measured on Tatoeba in 600 s: dropout 0 against 0.1 gave cased
#: BLEU 57.80 / 59.49 against 54.18 / 56.09, greedy / beam 5; checked on the
#: long-sentence corpus; docs/PERFORMANCE.md.)
FEW_EPOCHS = 30
HURRIED_DROPOUT = {"rnn": 0.1, "transformer": 0.0}
#: Label smoothing and decoupled weight decay (AdamW), by architecture. Without dropout
#: the Transformer overfits within minutes (Tatoeba in 600 s: training accuracy 0.97,
#: validation accuracy flat after the ninth epoch); both regularise at no cost in speed.
#: Measured on Tatoeba in 600 s: label smoothing 0.2 against 0.1 gave cased BLEU
#: 58.72 / 60.82 against 57.49 / 59.27 (greedy / beam 5), and with weight decay 0.1 as
#: well 57.99 / 60.21 against 57.35 / 60.02 on another machine; weight decay 0.3 against
#: 0.1 later gave 60.83 / 63.08 against 58.84 / 61.45, and label smoothing 0.3 no more
#: than 0.2 (58.80 / 60.63); each checked on the long-sentence corpus
#: (docs/PERFORMANCE.md, "The Transformer in ten minutes").
LABEL_SMOOTHING = {"rnn": 0.1, "transformer": 0.2}
WEIGHT_DECAY = {"rnn": 0.0, "transformer": 0.3}
#: The decay of the moving average of the weights that validation, checkpoints and the
#: trained model use (`train.ema`, keras_attn.averaging; 0: the last weights), by
#: architecture. RNN on Tatoeba in 600 s: cased BLEU after 180 s of training 54.40
#: against 48.62 without it, at 600 s level or ahead; checked on the long-sentence
#: corpus. The Transformer, whose rate warms up and falls again, scored less with it in
#: two runs (docs/PERFORMANCE.md, "Weight averaging").
EMA = {"rnn": 0.999, "transformer": 0.0}
#: Tokens per word and punctuation mark, by tokenizer (WordPiece measured on Tatoeba and
#: the long-sentence corpus; characters: letters per word, roughly).
TOKENS_PER_WORD = {"word": 1.0, "subword": 1.3, "char": 4.0}
#: (fewest pairs, pairs per batch on average): batches are made by tokens, sized for this
#: many pairs of the corpus's mean length. A small corpus is seen many times in a time
#: limit and learns from more, smaller steps (below 20,000 pairs, 32: +1.8 BLEU on the
#: long-sentence corpus, where 64 left a 600-s run 1,300 steps; on Tatoeba's 46,551
#: pairs 32 was no better than 64); a large one is seen a few times, and larger steps go
#: through more tokens a second (1.6x at 256 pairs against 64, float32 and bfloat16 on
#: the reference machine). Measurements: docs/PERFORMANCE.md, "How the settings are
#: chosen".
PAIRS_PER_BATCH = ((0, 32), (20_000, 64), (50_000, 256))
#: A time-limited run whose learning rate falls linearly to 0 (`train.time_decay`) starts
#: at this many times the rate the preset and the batch give, by architecture: the fall
#: settles what a high rate stirs up. (RNN, measured on the long-sentence corpus in
#: 600 s: twice the rate gave cased BLEU 5.98 / 7.05 against 4.66 / 5.03, greedy / beam
#: 5; checked on Tatoeba. Transformer, already at Vaswani et al.'s peak rate: twice it
#: lost 2.6 or more cased BLEU greedy on Tatoeba; docs/PERFORMANCE.md, "How the
#: settings are chosen".)
DECAYED_RATE_GAIN = {"rnn": 2.0, "transformer": 1.0}
#: Longest sentences kept whole: the 99th percentile of token counts, times this margin.
LENGTH_MARGIN = 1.2
MAX_LENGTH_BOUNDS = (20, 200)
#: Beam search's shortest output (`decode.min_length_ratio`): this percentile of the
#: training pairs' ratios of target to source tokens, so that 98% of the training
#: targets are at least that long for their source.
MIN_LENGTH_PERCENTILE = 2.0
#: Training pairs tokenized to measure those ratios (a fixed sample of larger corpora).
MIN_LENGTH_SAMPLE = 5_000

_TOKEN = re.compile(r"\w+|[^\w\s]")
# Scripts written without spaces between words (code point ranges).
_UNSPACED = (
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x0F00, 0x0FFF),
    (0xFF66, 0xFF9F),
)
_UNSPACED_CHAR = re.compile(
    "[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _UNSPACED) + "]"
)
_LETTER = re.compile(r"[^\W\d_]")


@dataclasses.dataclass
class SideStats:
    """What one language side of a corpus looks like."""

    sentences: int
    letters: int  # letters seen in the sample
    unspaced_share: float  # share of letters from scripts written without spaces
    tokens_mean: float  # words and punctuation marks per sentence
    tokens_p99: int

    @property
    def unspaced(self) -> bool:
        return self.letters > 0 and self.unspaced_share >= UNSPACED_SHARE


@dataclasses.dataclass
class CorpusStats:
    pairs: int
    source: SideStats
    target: SideStats


def side_stats(texts, sample=20_000) -> SideStats:
    """Script and length facts of one side (on an evenly spread sample of sentences)."""
    texts = list(texts)
    step = max(1, len(texts) // sample)
    picked = texts[::step]
    letters = unspaced = 0
    counts = []
    for text in picked:
        letters += len(_LETTER.findall(text))
        in_unspaced = len(_UNSPACED_CHAR.findall(text))
        unspaced += in_unspaced
        # Words and punctuation marks; unspaced-script characters count one each.
        counts.append(len(_TOKEN.findall(_UNSPACED_CHAR.sub(" ", text))) + in_unspaced)
    counts.sort()
    p99 = counts[min(len(counts) - 1, math.ceil(0.99 * len(counts)) - 1)] if counts else 0
    return SideStats(
        sentences=len(texts),
        letters=letters,
        unspaced_share=unspaced / letters if letters else 0.0,
        tokens_mean=sum(counts) / len(counts) if counts else 0.0,
        tokens_p99=p99,
    )


def corpus_stats(pairs) -> CorpusStats:
    pairs = list(pairs)
    return CorpusStats(
        pairs=len(pairs),
        source=side_stats(s for s, _ in pairs),
        target=side_stats(t for _, t in pairs),
    )


def tokenizer_for(stats: SideStats, pairs: int) -> tuple[str, str]:
    """The tokenizer ``"auto"`` means for one side, and why."""
    if stats.unspaced:
        return "char", (
            f"{stats.unspaced_share:.0%} of its letters are from scripts written "
            "without spaces: characters"
        )
    if pairs < MIN_SUBWORD_PAIRS:
        return "word", (f"only {pairs} pairs, too few to learn subword pieces from: whole words")
    if stats.letters == 0:
        return "word", "no letters of any script: whole words (symbols, numbers)"
    return "subword", "written with spaces: subword (WordPiece) pieces"


def resolve_tokenizers(config: Config, pairs) -> tuple[Config, list[str]]:
    """`config` with every ``"auto"`` tokenizer replaced by the one the data calls for."""
    pairs = list(pairs)
    changes, reasons = {}, []
    for side, column in (("source", 0), ("target", 1)):
        if getattr(config, side).tokenizer != "auto":
            continue
        stats = side_stats(pair[column] for pair in pairs)
        name, why = tokenizer_for(stats, len(pairs))
        changes[f"{side}.tokenizer"] = name
        reasons.append(f"{side} tokens: {why}")
    return (config.replace(**changes) if changes else config), reasons


@dataclasses.dataclass
class Choice:
    """The configuration chosen for a corpus, with a reason for each decision."""

    config: Config
    preset: str  # the size chosen, or the preset the user asked for
    reasons: list[str]
    precision: str = "float32"  # the policy training will use on this machine

    def summary(self) -> str:
        """One line: ``using: base, subword 8k/8k, batch 64, ...``."""
        c = self.config
        sides = []
        for side in (c.source, c.target):
            size = (
                ""
                if side.tokenizer == "char"
                else (
                    f" {side.vocab_size // 1000}k"
                    if side.vocab_size % 1000 == 0
                    else f" {side.vocab_size:,}"
                )
            )
            case = "" if not side.lowercase else " lowercased"
            sides.append(f"{side.tokenizer}{size}{case}")
        text = sides[0] if sides[0] == sides[1] else f"{sides[0]} -> {sides[1]}"
        precision = self.precision
        batch = (
            f"{c.train.batch_tokens:,} tokens" if c.train.batch_tokens else f"{c.train.batch_size}"
        )
        return (
            f"using: {self.preset} ({c.model.units} units), {text}, batch "
            f"{batch}, learning rate {c.train.learning_rate:g}, dropout "
            f"{c.model.dropout:g}, label smoothing {c.train.label_smoothing:g}"
            + (f", weight decay {c.train.weight_decay:g}" if c.train.weight_decay else "")
            + (f", weights averaged ({c.train.ema:g})" if c.train.ema else "")
            + ", max length "
            f"{c.source.max_length}/{c.target.max_length} tokens, precision {precision}"
        )

    def explain(self) -> str:
        """The summary, then one line per reason."""
        return "\n".join([self.summary(), *("  why: " + r for r in self.reasons)])


def _by_pairs(table, pairs):
    value = table[0][1]
    for low, chosen in table:
        if pairs >= low:
            value = chosen
    return value


def choose(
    pairs: Sequence[tuple[str, str]],
    *,
    time_limit: float = 0.0,
    settings: dict | None = None,
    preset_name: str | None = None,
    precision: str | None = None,
) -> Choice:
    """The configuration for training on `pairs`.

    Args:
        pairs: the training pairs (strings).
        time_limit: seconds the user allows for training (0: no limit).
        settings: dotted configuration fields the user set (``{"model.units": 64}``);
            they are applied last and never overridden.
        preset_name: a preset the user asked for: its sizes are kept; only tokenizers
            still set to ``"auto"`` are resolved.
        precision: the training precision that will be used (a policy name), to turn the
            time limit into epochs; default: what ``"auto"`` gives on this machine.

    Returns:
        a :class:`Choice`.
    """
    pairs = list(pairs)
    settings = dict(settings or {})
    architecture = settings.get("model.architecture", "rnn")
    kind = "transformer" if architecture == "transformer" else "rnn"
    speeds = TRANSFORMER_SPEED if kind == "transformer" else PRESET_SPEED
    stats = corpus_stats(pairs)
    n = stats.pairs
    reasons: list[str] = []
    if precision is None:
        from keras_attn.device import resolve_precision

        precision = resolve_precision(settings.get("train.precision", "auto"))
    if preset_name is not None:
        config = preset(preset_name, architecture).replace(**settings)
        config, token_reasons = resolve_tokenizers(config, pairs)
        return Choice(
            config=config,
            preset=preset_name,
            precision=precision,
            reasons=[f"preset {preset_name} as asked", *token_reasons],
        )
    speed_gain = BFLOAT16_GAIN if precision == "mixed_bfloat16" else 1.0

    # Tokenizers and vocabularies.
    changes: dict = {}
    sides = {}
    for side, side_stats_ in (("source", stats.source), ("target", stats.target)):
        tokenizer = settings.get(f"{side}.tokenizer", "auto")
        if tokenizer == "auto":
            tokenizer, why = tokenizer_for(side_stats_, n)
            reasons.append(f"{side}: {why}")
        sides[side] = tokenizer
        changes[f"{side}.tokenizer"] = tokenizer
    vocab = _by_pairs(VOCAB_BY_PAIRS[kind], n)
    for side in ("source", "target"):
        # Characters: an upper bound only; the corpus's alphabet decides.
        changes[f"{side}.vocab_size"] = vocab if sides[side] != "char" else 8_000
    if any(t == "subword" for t in sides.values()) and not any(
        f"{side}.vocab_size" in settings for side in ("source", "target")
    ):
        narrower = (
            "; the Transformer's narrower vectors take half the RNN's"
            if kind == "transformer" and vocab < _by_pairs(VOCAB_BY_PAIRS["rnn"], n)
            else ""
        )
        reasons.append(
            f"{n:,} pairs: subword vocabularies of {vocab:,} pieces (smaller "
            f"corpora learn better with fewer, more frequent pieces{narrower})"
        )

    # Lengths: keep all but the longest 1% whole.
    for side, side_stats_ in (("source", stats.source), ("target", stats.target)):
        longest = side_stats_.tokens_p99 * TOKENS_PER_WORD[sides[side]] * LENGTH_MARGIN
        changes[f"{side}.max_length"] = int(
            min(max(math.ceil(longest), MAX_LENGTH_BOUNDS[0]), MAX_LENGTH_BOUNDS[1])
        )
    reasons.append(
        f"sentences of up to {changes['source.max_length']}/"
        f"{changes['target.max_length']} tokens kept whole (99% of the corpus)"
    )

    # Model size: the largest preset the data justifies and the time limit can train.
    target_tokens = stats.target.tokens_mean * TOKENS_PER_WORD[sides["target"]]
    tokens_per_epoch = max(1.0, n * (target_tokens + 1))

    def passes(name):  # passes over the data a preset makes in the time limit
        if not time_limit:
            return math.inf
        return time_limit * speeds[name] * speed_gain / tokens_per_epoch

    chosen = "tiny"
    for name in ("tiny", "small", "base"):
        if n < PRESET_MIN_PAIRS[name]:
            break
        if time_limit:
            epochs = passes(name)
            if epochs < MIN_EPOCHS and name != "tiny":
                reasons.append(
                    f"{name} would see the data only {epochs:.1f} times in {time_limit:g} s"
                )
                break
        chosen = name
    why = f"{n:,} pairs"
    epochs = passes(chosen)
    if time_limit:
        why += f", about {epochs:.0f} epochs in {time_limit:g} s"
    reasons.append(f"model size {chosen}: {why}")
    base = presets(architecture)[chosen]
    for section in ("model", "train"):
        for key, value in base[section].items():
            changes.setdefault(f"{section}.{key}", value)

    dropout = _by_pairs(DROPOUT_BY_PAIRS, n) if chosen != "tiny" else 0.1
    hurried = HURRIED_DROPOUT[kind]
    if epochs < FEW_EPOCHS and dropout > hurried:
        dropout = hurried
        why = (
            f"dropout {dropout:g}: about {epochs:.0f} passes over the data in the time "
            "allowed leave little room to overfit"
        )
    else:
        why = f"dropout {dropout:g} for {n:,} pairs (less data, more regularisation)"
    changes["model.dropout"] = dropout
    if "model.dropout" not in settings:
        reasons.append(why)
    # A rate that falls to 0 over the time limit can start higher.
    gain = DECAYED_RATE_GAIN[kind] if time_limit and settings.get("train.time_decay", True) else 1.0
    falling = f", x{gain:g} as it falls to 0 over the time limit" if gain != 1.0 else ""
    # Batches by tokens: short and long sentences make steps of the same work, and large
    # corpora, which a time limit lets the model see only a few times, get larger steps.
    asked_tokens = settings.get("train.batch_tokens")
    if asked_tokens != 0 and ("train.batch_size" not in settings or asked_tokens):
        longest = (
            max(
                stats.source.tokens_mean * TOKENS_PER_WORD[sides["source"]],
                stats.target.tokens_mean * TOKENS_PER_WORD[sides["target"]],
            )
            + 1
        )
        if asked_tokens:
            pairs_per_batch = max(1, round(asked_tokens / longest))
        else:
            pairs_per_batch = _by_pairs(PAIRS_PER_BATCH, n)
        changes["train.batch_tokens"] = max(64, round(pairs_per_batch * longest / 64) * 64)
        preset_train = base["train"]
        rate = (
            preset_train["learning_rate"]
            * math.sqrt(pairs_per_batch / preset_train["batch_size"])
            * gain
        )
        changes["train.learning_rate"] = float(f"{rate:.3g}")
        if "train.batch_tokens" not in settings:
            reasons.append(
                f"batches of {changes['train.batch_tokens']:,} tokens, about "
                f"{pairs_per_batch} pairs, for {n:,} pairs; learning rate "
                f"{changes['train.learning_rate']:g}, the preset's scaled by the square "
                f"root of the batch{falling}"
            )
    elif gain != 1.0:
        changes["train.learning_rate"] = float(f"{changes['train.learning_rate'] * gain:.3g}")
        if "train.learning_rate" not in settings:
            reasons.append(
                f"learning rate {changes['train.learning_rate']:g}, the preset's{falling}"
            )
    changes["train.label_smoothing"] = LABEL_SMOOTHING[kind]
    changes["train.weight_decay"] = WEIGHT_DECAY[kind]
    if WEIGHT_DECAY[kind] and not {"train.label_smoothing", "train.weight_decay"} & set(settings):
        reasons.append(
            f"label smoothing {LABEL_SMOOTHING[kind]:g} and weight decay "
            f"{WEIGHT_DECAY[kind]:g}: a Transformer overfits a corpus within minutes, and "
            "these hold it back at no cost in speed"
        )
    changes["train.ema"] = EMA[kind]
    if EMA[kind] and "train.ema" not in settings:
        reasons.append(
            f"the model kept is the moving average of its weights (decay {EMA[kind]:g}), "
            "which translates better than the last weights while the run is young"
        )
    changes["train.epochs"] = 50 if time_limit else max(changes["train.epochs"], 20)
    changes["train.patience"] = 4
    changes["train.time_limit"] = float(time_limit)
    changes.update(settings)
    config = Config().replace(**changes)
    if "decode.no_repeat_ngram" not in settings:
        reasons.append(repeat_guard_reason(config))
    if "decode.min_length_ratio" not in settings:
        reasons.append(
            "beam search ends no output before the length that "
            f"{100 - MIN_LENGTH_PERCENTILE:g}% of the training targets reach for their "
            "source: a model still learning prefers short outputs on long sentences"
        )
    if config.train.time_limit and config.train.time_decay:
        reasons.append(
            f"the learning rate falls linearly to 0 over the {time_limit:g} s, so "
            "that the run ends on settled weights"
        )
    return Choice(config=config, preset=chosen, reasons=reasons, precision=precision)


def min_length_ratio(source_encoder, target_encoder, pairs) -> float:
    """Beam search's shortest output in target tokens per source token, from `pairs`:
    the :data:`MIN_LENGTH_PERCENTILE` percentile of their ratios, rounded down to a
    multiple of 0.05 (0 for no pairs). `source_encoder` and `target_encoder`:
    :class:`~keras_attn.text.TextEncoder`, as the model reads and writes."""
    import numpy as np

    pairs = list(pairs)
    if len(pairs) > MIN_LENGTH_SAMPLE:
        chosen = np.random.default_rng(0).choice(len(pairs), MIN_LENGTH_SAMPLE, replace=False)
        pairs = [pairs[i] for i in sorted(chosen)]
    if not pairs:
        return 0.0
    source = source_encoder.encode([s for s, _ in pairs]).row_lengths().numpy()
    target = target_encoder.encode([t for _, t in pairs]).row_lengths().numpy()
    kept = source > 0
    if not kept.any():
        return 0.0
    ratio = float(np.percentile(target[kept] / source[kept], MIN_LENGTH_PERCENTILE))
    return math.floor(ratio * 20) / 20


def repeat_guard_reason(config: Config) -> str:
    """Why decoding does (or does not) refuse to repeat phrases, for `config`'s target
    tokens."""
    n = config.repeat_guard()
    if n:
        return (
            f"outputs never repeat a phrase of {n} tokens: a model still learning "
            "loops on long sentences, and real text rarely repeats one"
        )
    return (
        "repeated phrases allowed: characters repeat in threes in ordinary words "
        "(the setting decode.no_repeat_ngram turns a guard on)"
    )
