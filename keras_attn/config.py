"""The one configuration of a keras-attn model: text, model and training settings.

A :class:`Config` is saved inside every ``.keras`` file, shown in the GUI and filled
from the CLI. Presets (``tiny``, ``small``, ``base``) give sensible starting points.
Every value is validated by :meth:`Config.validate`, which raises
:class:`~keras_attn.errors.ConfigurationError` naming the field and the value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from keras_attn.errors import ConfigurationError

# The values each option allows, one list each: read by the checks below, the command
# line, the layers, the text encoder, the learning-rate schedule and the app.
TOKENIZER_KINDS = ("word", "subword", "char")  # how one side is cut into tokens
TOKENIZERS = ("auto", *TOKENIZER_KINDS)  # auto: chosen from the data
NORMALIZATIONS = ("NFKC", "NFKD")
ATTENTIONS = ("bahdanau", "luong-dot", "luong-general", "luong-concat", "none")
STYLES = ("luong", "bahdanau")
RNN_TYPES = ("gru", "lstm")
ARCHITECTURES = ("rnn", "transformer")
POSITIONS = ("sinusoidal", "learned")
PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
STRATEGIES = ("none", "mirrored", "multiworker")
DECAYS = ("none", "cosine", "inverse_sqrt")  # of the learning rate after warm-up


@dataclass
class TextConfig:
    """How one side's text becomes tokens."""

    tokenizer: str = "auto"  # auto (chosen from the data) | word | subword (WordPiece) | char
    lowercase: bool = False  # fold case before tokenizing (output is then lowercase)
    strip_accents: bool = False  # drop combining marks (é -> e); letters of all scripts stay
    normalization: str = "NFKC"  # Unicode normal form applied first
    vocab_size: int = 8000  # upper bound; small data gives smaller vocabularies
    max_length: int = 50  # tokens kept per sentence (longer input is truncated)

    def encoder_options(self) -> dict:
        """The keyword arguments of this side's text encoder (``TextEncoder``,
        ``PlainTextEncoder``) besides its vocabulary."""
        return {
            "tokenizer": self.tokenizer,
            "lowercase": self.lowercase,
            "strip_accents": self.strip_accents,
            "normalization": self.normalization,
            "max_length": self.max_length,
        }


@dataclass
class ModelConfig:
    """Sizes and kinds of the encoder, attention and decoder."""

    embedding_dim: int = 256  # size of token embeddings, both sides
    units: int = 256  # RNN units (encoder directions are summed to this size)
    encoder_layers: int = 1  # stacked bidirectional RNN layers
    rnn: str = "gru"  # gru | lstm
    attention: str = "bahdanau"  # bahdanau | luong-dot | luong-general | luong-concat
    attention_units: int = 256  # hidden size of additive (Bahdanau / concat) scoring
    style: str = "luong"  # luong: RNN step then attention; bahdanau: attention feeds the RNN
    input_feeding: bool = False  # luong style: feed the previous attentional vector back in
    output_norm: bool = True  # layer-normalize the attentional vector (much faster learning)
    dropout: float = 0.1  # dropout on embeddings and RNN outputs while training
    # rnn: the fields above; transformer: `units` (d_model), `dropout` and these.
    architecture: str = "rnn"  # rnn (encoder-decoder with attention) | transformer
    layers: int = 3  # transformer: blocks in the encoder and in the decoder
    heads: int = 4  # transformer: attention heads (`units` must be a multiple)
    ff_units: int = 1024  # transformer: hidden size of each block's feed-forward network
    positions: str = "sinusoidal"  # transformer: sinusoidal | learned position vectors
    tie_embeddings: bool = False  # output layer = target embeddings transposed


@dataclass
class TrainConfig:
    """How training runs."""

    batch_size: int = 64  # sentence pairs per step (when batch_tokens is 0)
    batch_tokens: int = 0  # tokens per step instead, padding included (0: batch_size pairs)
    epochs: int = 10  # passes over the training pairs
    learning_rate: float = 1e-3  # Adam's initial rate
    warmup_steps: int = 0  # linear warm-up before the rate decays
    decay: str = "none"  # none | cosine | inverse_sqrt
    label_smoothing: float = 0.0  # 0 turns it off
    # Decoupled weight decay (AdamW, Loshchilov & Hutter 2019) on the weight matrices and
    # embeddings, not on biases and normalisation scales; 0: plain Adam.
    weight_decay: float = 0.0
    # Validation, checkpoints and the trained model use an exponential moving average of
    # the weights with this decay (Polyak averaging; keras_attn.averaging); 0: off.
    ema: float = 0.0
    clipnorm: float = 5.0  # clip each weight tensor's gradient to this norm, 0 turns it off
    validation_split: float = 0.05  # share of pairs held out for validation
    patience: int = 3  # epochs without validation improvement before stopping (0: never)
    max_pairs: int = 0  # use at most this many pairs (0: all)
    time_limit: float = 0.0  # seconds of training before stopping cleanly (0: none)
    # With a time limit, the learning rate falls linearly to 0 over the time allowed, so
    # that a run ends on settled weights (budgeted training, Li et al. 2020).
    time_decay: bool = True
    bucketing: bool = True  # group sentences of similar length to cut padding
    jit_compile: bool = False  # XLA-compile the training step
    precision: str = "auto"  # auto | float32 | mixed_float16 | mixed_bfloat16
    strategy: str = "none"  # none | mirrored | multiworker
    seed: int = 1234  # one seed for splits, shuffling and initialisation


@dataclass
class DecodeConfig:
    """How outputs are read from the trained model (greedy, beam, sampling, session)."""

    # Never write the same phrase of this many tokens twice in one output; an
    # undertrained model otherwise loops ("in a blue dress in a blue dress ...").
    # -1: chosen from the target tokens (3 for words and subwords, off for characters,
    # whose three-letter repeats are normal); 0: off.
    no_repeat_ngram: int = -1
    # Beam search never ends an output before it has this many tokens per source token
    # (rounded down): a model still learning on long sentences otherwise prefers a short
    # output ("." for a sentence of 30 words), whose few tokens cost less probability
    # than any real translation. -1: chosen from the training pairs (see
    # `MIN_LENGTH_PERCENTILE`); 0: off.
    min_length_ratio: float = -1.0
    # Beam search ranks finished outputs by log-probability over GNMT's length penalty
    # ((5 + length) / 6) ** alpha: the higher, the less a long output pays for its
    # length. Models saved before this setting keep 0.6.
    length_alpha: float = 1.5


@dataclass
class Config:
    """Everything that defines a model and how it was trained."""

    source: TextConfig = field(default_factory=TextConfig)
    target: TextConfig = field(default_factory=TextConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)

    # -- conversion ---------------------------------------------------------
    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Config:
        """Build a config from a (possibly partial) nested dict; unknown keys are errors."""
        if not isinstance(data, dict):
            raise ConfigurationError(
                f"Expected a dict for the configuration, got {type(data).__name__}."
            )
        parts = {
            "source": TextConfig,
            "target": TextConfig,
            "model": ModelConfig,
            "train": TrainConfig,
            "decode": DecodeConfig,
        }
        unknown = set(data) - set(parts)
        if unknown:
            raise ConfigurationError(f"Unknown configuration section(s): {sorted(unknown)}.")
        kwargs = {}
        for name, klass in parts.items():
            section = data.get(name, {}) or {}
            names = {f.name for f in dataclasses.fields(klass)}
            bad = set(section) - names
            if bad:
                raise ConfigurationError(
                    f"Unknown field(s) in configuration section `{name}`: {sorted(bad)}; "
                    f"known fields: {sorted(names)}."
                )
            kwargs[name] = klass(**section)
        config = cls(**kwargs)
        config.validate()
        return config

    def replace(self, **changes: Any) -> Config:
        """A copy with dotted-name changes, e.g. ``replace(**{"model.units": 64})``."""
        data = self.to_dict()
        for dotted, value in changes.items():
            section, _, key = dotted.partition(".")
            if section not in data or key not in data[section]:
                raise ConfigurationError(f"Unknown configuration field `{dotted}`.")
            data[section][key] = value
        return Config.from_dict(data)

    # -- validation ---------------------------------------------------------
    def validate(self) -> Config:
        for side in ("source", "target"):
            t = getattr(self, side)
            _choice(f"{side}.tokenizer", t.tokenizer, TOKENIZERS)
            _choice(f"{side}.normalization", t.normalization, NORMALIZATIONS)
            _bool(f"{side}.lowercase", t.lowercase)
            _bool(f"{side}.strip_accents", t.strip_accents)
            _int(f"{side}.vocab_size", t.vocab_size, minimum=8)
            _int(f"{side}.max_length", t.max_length, minimum=1)
        m = self.model
        for name in ("embedding_dim", "units", "encoder_layers", "attention_units"):
            _int(f"model.{name}", getattr(m, name), minimum=1)
        _choice("model.rnn", m.rnn, RNN_TYPES)
        _choice("model.attention", m.attention, ATTENTIONS)
        _choice("model.style", m.style, STYLES)
        _bool("model.input_feeding", m.input_feeding)
        _bool("model.output_norm", m.output_norm)
        _float("model.dropout", m.dropout, 0.0, 0.95)
        _choice("model.architecture", m.architecture, ARCHITECTURES)
        for name in ("layers", "heads", "ff_units"):
            _int(f"model.{name}", getattr(m, name), minimum=1)
        _choice("model.positions", m.positions, POSITIONS)
        _bool("model.tie_embeddings", m.tie_embeddings)
        if m.architecture == "transformer" and (m.units % m.heads or m.units % 2):
            raise ConfigurationError(
                f"Received `model.units={m.units}` with `model.heads={m.heads}`: a Transformer "
                "needs `units` to be a multiple of `heads` (each head gets units / heads "
                "numbers) and even (sinusoidal positions come in sine and cosine pairs)."
            )
        if m.input_feeding and m.style != "luong":
            raise ConfigurationError(
                "Received `model.input_feeding=True` with `model.style='bahdanau'`; input "
                "feeding belongs to the luong style (the bahdanau style already feeds the "
                "context into the RNN)."
            )
        tr = self.train
        _int("train.batch_size", tr.batch_size, minimum=1)
        _int("train.batch_tokens", tr.batch_tokens, minimum=0)
        _int("train.epochs", tr.epochs, minimum=1)
        _float("train.learning_rate", tr.learning_rate, 1e-8, 10.0)
        _int("train.warmup_steps", tr.warmup_steps, minimum=0)
        _choice("train.decay", tr.decay, DECAYS)
        _float("train.label_smoothing", tr.label_smoothing, 0.0, 0.5)
        _float("train.weight_decay", tr.weight_decay, 0.0, 1.0)
        _float("train.ema", tr.ema, 0.0, 0.99999)
        _float("train.clipnorm", tr.clipnorm, 0.0, 1e6)
        _float("train.validation_split", tr.validation_split, 0.0, 0.5)
        _int("train.patience", tr.patience, minimum=0)
        _int("train.max_pairs", tr.max_pairs, minimum=0)
        _float("train.time_limit", tr.time_limit, 0.0, 1e9)
        _bool("train.time_decay", tr.time_decay)
        _bool("train.bucketing", tr.bucketing)
        _bool("train.jit_compile", tr.jit_compile)
        _choice("train.precision", tr.precision, PRECISIONS)
        _choice("train.strategy", tr.strategy, STRATEGIES)
        _int("train.seed", tr.seed, minimum=0)
        _int("decode.no_repeat_ngram", self.decode.no_repeat_ngram, minimum=-1)
        if self.decode.min_length_ratio != -1:
            _float("decode.min_length_ratio", self.decode.min_length_ratio, 0.0, 10.0)
        _float("decode.length_alpha", self.decode.length_alpha, 0.0, 10.0)
        return self

    def repeat_guard(self) -> int:
        """The phrase length decoding never repeats (0: no guard), with -1 resolved from
        the target tokenizer."""
        n = self.decode.no_repeat_ngram
        if n >= 0:
            return n
        return 0 if self.target.tokenizer == "char" else 3


#: The decoding settings of models saved before each setting existed, as they decoded
#: then: the guards off, and GNMT's usual length penalty.
DECODE_BEFORE = {"no_repeat_ngram": 0, "min_length_ratio": 0.0, "length_alpha": 0.6}


def as_saved(saved):
    """A model file's configuration dict as its model was trained and decoded, settings
    added since filled in: no output normalization when `model.output_norm` is missing
    (decoders had none before it existed), and :data:`DECODE_BEFORE` for decoding
    settings a file does not name. Anything but a dict is returned as it is (the
    model's own checks then refuse it)."""
    if not isinstance(saved, dict):
        return saved
    if isinstance(saved.get("model"), dict) and "output_norm" not in saved["model"]:
        saved = {**saved, "model": {**saved["model"], "output_norm": False}}
    if isinstance(saved.get("decode", {}), dict):
        saved = {**saved, "decode": {**DECODE_BEFORE, **saved.get("decode", {})}}
    return saved


def preset(name: str, architecture: str = "rnn") -> Config:
    """A named starting configuration: ``tiny`` (tests, seconds), ``small`` (minutes on a
    laptop CPU), ``base`` (the size of the TensorFlow NMT tutorial's model); for
    `architecture="transformer"`, Transformers of about the same training speed
    (:data:`TRANSFORMER_PRESETS`)."""
    _choice("architecture", architecture, ARCHITECTURES)
    table = presets(architecture)
    if name not in table:
        raise ConfigurationError(
            f"Received an unknown preset {name!r}; choose one of {sorted(table)}."
        )
    return Config.from_dict(table[name])


def presets(architecture: str = "rnn") -> dict:
    """The presets of an architecture: :data:`PRESETS` or :data:`TRANSFORMER_PRESETS`."""
    return TRANSFORMER_PRESETS if architecture == "transformer" else PRESETS


#: RNN presets. The small and base presets compute their logits with the target
#: embeddings (tied, Press & Wolf 2017), as the Transformer presets do: on the
#: long-sentence corpus in 600 s, cased BLEU 5.98 / 7.05 -> 7.73 / 8.92 (greedy / beam 5);
#: on tatoeba_deu_eng level (60.56 / 62.38 -> 60.33 / 62.29) with a quarter fewer weights
#: (docs/PERFORMANCE.md). The tiny preset, for tests and seconds-long demos, keeps its own
#: output layer.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "tiny": {
        "source": {"vocab_size": 500, "max_length": 30},
        "target": {"vocab_size": 500, "max_length": 30},
        "model": {"embedding_dim": 32, "units": 32, "attention_units": 32, "dropout": 0.0},
        "train": {"batch_size": 32, "epochs": 3, "learning_rate": 5e-3, "patience": 0},
    },
    "small": {
        "source": {"vocab_size": 4000, "max_length": 40},
        "target": {"vocab_size": 4000, "max_length": 40},
        "model": {
            "embedding_dim": 128,
            "units": 128,
            "attention_units": 128,
            "dropout": 0.1,
            "tie_embeddings": True,
        },
        "train": {"batch_size": 64, "epochs": 10, "learning_rate": 2e-3},
    },
    "base": {
        "source": {"vocab_size": 5000, "max_length": 50},
        "target": {"vocab_size": 5000, "max_length": 50},
        "model": {
            "embedding_dim": 256,
            "units": 256,
            "attention_units": 256,
            "dropout": 0.1,
            "tie_embeddings": True,
        },
        "train": {"batch_size": 64, "epochs": 20, "learning_rate": 1e-3},
    },
}


def vaswani_rate(units: int, warmup_steps: int) -> float:
    """The peak learning rate of Vaswani et al. (2017), ``units**-0.5 *
    warmup_steps**-0.5``: the rate their schedule reaches at the end of its warm-up.

    The small and base Transformer presets use it. Measured with the CLI defaults and 600 s
    of training (docs/PERFORMANCE.md): on tatoeba_deu_eng the small preset's cased BLEU
    went from 46.03 / 49.01 (greedy / beam 5, rate 0.001) to 50.32 / 53.51 (0.0028), and
    on the long-sentence corpus its validation loss from 5.55 to 5.33."""
    return float(f"{units**-0.5 * warmup_steps**-0.5:.2g}")


#: Transformer presets: pre-norm blocks, label smoothing, a linear warm-up to
#: :func:`vaswani_rate` then an inverse-square-root decay of the learning rate (Vaswani et
#: al. 2017). The tiny preset, for tests and seconds-long demos, keeps a gentler rate.
#: The small and base presets compute their logits with the target embeddings (tied,
#: Press & Wolf 2017): a million parameters fewer for small, and on tatoeba_deu_eng in
#: 600 s cased BLEU 54.18 / 56.09 (greedy / beam 5) against 53.11 / 55.56 untied, one
#: run each (docs/PERFORMANCE.md). Models saved untied keep their own setting.
TRANSFORMER_PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "tiny": {
        "source": {"vocab_size": 500, "max_length": 30},
        "target": {"vocab_size": 500, "max_length": 30},
        "model": {
            "architecture": "transformer",
            "units": 32,
            "layers": 1,
            "heads": 2,
            "ff_units": 64,
            "dropout": 0.0,
        },
        "train": {
            "batch_size": 32,
            "epochs": 3,
            "learning_rate": 3e-3,
            "warmup_steps": 100,
            "decay": "inverse_sqrt",
            "patience": 0,
        },
    },
    "small": {
        "source": {"vocab_size": 4000, "max_length": 40},
        "target": {"vocab_size": 4000, "max_length": 40},
        "model": {
            "architecture": "transformer",
            "units": 128,
            "layers": 3,
            "heads": 4,
            "ff_units": 512,
            "dropout": 0.1,
            "tie_embeddings": True,
        },
        "train": {
            "batch_size": 64,
            "epochs": 10,
            "learning_rate": vaswani_rate(128, 1000),  # 0.0028
            "warmup_steps": 1000,
            "decay": "inverse_sqrt",
            "label_smoothing": 0.1,
        },
    },
    "base": {
        "source": {"vocab_size": 5000, "max_length": 50},
        "target": {"vocab_size": 5000, "max_length": 50},
        "model": {
            "architecture": "transformer",
            "units": 256,
            "layers": 3,
            "heads": 4,
            "ff_units": 1024,
            "dropout": 0.1,
            "tie_embeddings": True,
        },
        "train": {
            "batch_size": 64,
            "epochs": 20,
            "learning_rate": vaswani_rate(256, 2000),  # 0.0014
            "warmup_steps": 2000,
            "decay": "inverse_sqrt",
            "label_smoothing": 0.1,
        },
    },
}


def _choice(name, value, choices):
    if value not in choices:
        raise ConfigurationError(
            f"Received an invalid value for `{name}`: {value!r}; expected one of {list(choices)}."
        )


def _bool(name, value):
    if not isinstance(value, bool):
        raise ConfigurationError(
            f"Received an invalid value for `{name}`: {value!r}; expected true or false."
        )


def _int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(
            f"Received an invalid value for `{name}`: {value!r}; expected an integer >= {minimum}."
        )


def _float(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int | float) or not (low <= value <= high):
        raise ConfigurationError(
            f"Received an invalid value for `{name}`: {value!r}; expected a number in [{low}, {high}]."
        )
