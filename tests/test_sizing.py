"""Settings chosen from the data: tokenizers by script, sizes by corpus and time limit."""

import math

import keras
import numpy as np

from keras_attn import sizing
from keras_attn.callbacks import CheckpointCallback
from keras_attn.config import Config, preset
from keras_attn.text import UNK_ID, TextEncoder

GERMAN = [
    ("Ich habe Hunger.", "I am hungry."),
    ("Wo ist der Bahnhof?", "Where is the station?"),
    ("Das Wetter ist schön.", "The weather is nice."),
]


def corpus(pairs, count):
    return [pairs[i % len(pairs)] for i in range(count)]


def test_tokenizers_follow_the_script():
    """Spaced scripts get subword pieces, Chinese and Japanese get characters."""
    pairs = corpus([("我爱你。", "I love you."), ("今日は暑いです。", "It is hot today.")], 300)
    config, reasons = sizing.resolve_tokenizers(Config(), pairs)
    assert config.source.tokenizer == "char"
    assert config.target.tokenizer == "subword"
    assert any("without spaces" in r for r in reasons)
    config, _ = sizing.resolve_tokenizers(Config(), corpus(GERMAN, 300))
    assert (config.source.tokenizer, config.target.tokenizer) == ("subword", "subword")


def test_explicit_tokenizers_are_kept():
    """Only "auto" is resolved; a tokenizer the user chose stays."""
    config = Config().replace(**{"source.tokenizer": "word"})
    resolved, _ = sizing.resolve_tokenizers(config, corpus(GERMAN, 300))
    assert resolved.source.tokenizer == "word" and resolved.target.tokenizer == "subword"


def test_tiny_and_scriptless_corpora_fall_back_to_words():
    """A few dozen pairs, or text with no letters, get word tokens and a reason."""
    choice = sizing.choose(corpus(GERMAN, 30))
    assert choice.config.source.tokenizer == "word"
    assert any("too few" in r for r in choice.reasons)
    symbols = corpus([("♠ ♣ ♥", "1 2 3"), ("♥ ♦", "3 4")], 400)
    choice = sizing.choose(symbols)
    assert choice.config.source.tokenizer == "word"
    assert any("no letters" in r for r in choice.reasons)


def test_sizes_grow_with_the_corpus():
    """More pairs: a larger model and vocabulary and less dropout; new defaults keep case."""
    small = sizing.choose(corpus(GERMAN, 2_000))
    large = sizing.choose(corpus(GERMAN, 30_000))
    assert small.config.model.units < large.config.model.units
    assert small.config.source.vocab_size < large.config.source.vocab_size
    assert small.config.model.dropout > large.config.model.dropout
    assert not large.config.source.lowercase and not large.config.target.lowercase
    assert large.config.train.label_smoothing > 0


def test_batches_are_made_by_tokens_with_the_rate_scaled_to_them():
    """Token batches sized from the corpus's mean length: the same pairs a step on
    average for long and short sentences, larger steps (with a larger rate) for large
    corpora; a batch the user gives in pairs or tokens is kept."""
    few, many = sizing.PAIRS_PER_BATCH[0][1], sizing.PAIRS_PER_BATCH[-1][1]
    large_n = sizing.PAIRS_PER_BATCH[-1][0]
    short = sizing.choose(corpus(GERMAN, 2_000))
    long = sizing.choose(corpus([(" ".join([s] * 5), " ".join([t] * 5)) for s, t in GERMAN], 2_000))
    large = sizing.choose(corpus(GERMAN, large_n))
    assert short.config.train.batch_tokens > 0
    # Sentences 5x as long: about 5x the tokens (rounded to multiples of 64).
    assert long.config.train.batch_tokens >= 4 * short.config.train.batch_tokens
    ratio = large.config.train.batch_tokens / short.config.train.batch_tokens
    assert math.isclose(ratio, many / few, rel_tol=0.2)
    base_rate = preset(large.preset).train.learning_rate
    assert math.isclose(
        large.config.train.learning_rate,
        base_rate * math.sqrt(many / preset(large.preset).train.batch_size),
        rel_tol=0.01,
    )
    assert any(f"about {few} pairs" in r for r in short.reasons)
    pairs = sizing.choose(corpus(GERMAN, 2_000), settings={"train.batch_size": 16})
    assert pairs.config.train.batch_tokens == 0 and pairs.config.train.batch_size == 16
    assert pairs.config.train.learning_rate == preset(pairs.preset).train.learning_rate
    tokens = sizing.choose(corpus(GERMAN, 2_000), settings={"train.batch_tokens": 1_000})
    assert tokens.config.train.batch_tokens == 1_000
    assert "1,000 tokens" in tokens.summary()


def test_a_rate_that_falls_over_the_time_limit_starts_higher():
    """With a time limit and the rate falling to 0 over it, the RNN starts at
    DECAYED_RATE_GAIN x the rate it gets without one (batch rule or preset alike), and
    says so; a constant rate, or a rate the user gives, is left as it is."""
    gain = sizing.DECAYED_RATE_GAIN["rnn"]
    assert gain > 1
    pairs = corpus(GERMAN, 2_000)
    for settings in ({}, {"train.batch_size": 16}):
        plain = sizing.choose(pairs, settings=settings)
        timed = sizing.choose(pairs, time_limit=600, settings=settings, precision="float32")
        assert timed.preset == plain.preset
        assert math.isclose(
            timed.config.train.learning_rate, gain * plain.config.train.learning_rate, rel_tol=0.01
        )
        assert any(f"x{gain:g} as it falls to 0" in r for r in timed.reasons)
    constant = sizing.choose(
        pairs, time_limit=600, settings={"train.time_decay": False}, precision="float32"
    )
    assert constant.config.train.learning_rate == sizing.choose(pairs).config.train.learning_rate
    given = sizing.choose(
        pairs, time_limit=600, settings={"train.learning_rate": 0.0042}, precision="float32"
    )
    assert given.config.train.learning_rate == 0.0042


def test_time_limit_picks_a_model_it_can_train():
    """With little time for much data, a smaller model that sees the data often enough."""
    pairs = corpus(GERMAN, 30_000)
    unlimited = sizing.choose(pairs)
    hurried = sizing.choose(pairs, time_limit=30, precision="float32")
    assert hurried.config.model.units < unlimited.config.model.units
    assert any("would see the data only" in r for r in hurried.reasons)
    assert hurried.config.train.time_limit == 30


def test_long_sentences_are_kept_whole():
    """max_length covers the corpus's long sentences (99th percentile), not a fixed 50."""
    words = " ".join(["Wort"] * 60)
    pairs = corpus([(words + " .", words + " .")], 200)
    choice = sizing.choose(pairs)
    assert choice.config.source.max_length >= 61


def test_user_settings_win_and_are_explained():
    """Explicit fields are never overridden; the summary names what is used."""
    choice = sizing.choose(
        corpus(GERMAN, 5_000), settings={"model.units": 64, "train.batch_size": 16}
    )
    assert choice.config.model.units == 64 and choice.config.train.batch_size == 16
    text = choice.explain()
    assert text.startswith("using: ") and "subword" in text and "why:" in text
    chosen = sizing.choose(corpus(GERMAN, 5_000), preset_name="tiny")
    assert chosen.config.model.units == preset("tiny").model.units
    assert chosen.config.source.tokenizer == "subword"


def test_subword_never_gives_unknown_for_known_characters():
    """A word never seen in training, made of seen characters, encodes without [UNK] and
    decodes back to itself, capitals included."""
    texts = [s for s, _ in corpus(GERMAN, 300)]
    encoder = TextEncoder.build(texts, tokenizer="subword", lowercase=False, vocab_size=200)
    ids = encoder.encode(["Hunger Bahnhofhunger?"]).to_list()[0]
    assert UNK_ID not in ids and len(ids) > 2
    assert encoder.decode([ids])[0] == "Hunger Bahnhofhunger?"


def test_training_without_a_config_chooses_one(tmp_path):
    """keras_attn training.train(pairs) with no config trains with the chosen settings."""
    from keras_attn.training import train

    pairs = corpus([("Guten Morgen", "Good Morning"), ("Gute Nacht", "Good Night")], 120)
    result = train(pairs, validation_pairs=pairs[:20])
    model = result.model
    assert model.config.source.tokenizer == "subword" and not model.config.target.lowercase
    assert result.epochs_done >= 1


def _driven(monitor, logs_per_epoch, steps=4, patience=2):
    """A CheckpointCallback fed epoch logs as Keras would; the model's one weight is set to
    the epoch number before each epoch ends, so the kept weights tell which epoch won."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    callback = CheckpointCallback(None, monitor=monitor, patience=patience, steps_per_epoch=steps)
    callback.set_model(model)
    for epoch, (logs, batches) in enumerate(logs_per_epoch):
        callback.on_epoch_begin(epoch)
        for batch in range(batches):
            callback.on_train_batch_end(batch)
        model.set_weights([np.full((1, 1), epoch + 1.0, "float32")])
        callback.on_epoch_end(epoch, logs)
        if getattr(model, "stop_training", False):
            break
    callback.restore_best()
    return callback, float(model.get_weights()[0][0, 0])


def test_part_way_epoch_with_the_best_score_is_kept():
    """A run stopped part-way by its time limit keeps that epoch's weights when they
    validate best, without checkpointing the unfinished epoch."""
    logs = [
        ({"loss": 2.0, "val_loss": 1.6, "val_accuracy": 0.50}, 4),
        ({"loss": 1.5, "val_loss": 1.5, "val_accuracy": 0.55}, 4),
        ({"loss": 1.2, "val_loss": 1.43, "val_accuracy": 0.60}, 2),
    ]  # cut short
    callback, kept = _driven("val_accuracy", logs)
    assert kept == 3.0 and callback.best_epoch == 3 and callback.best_partial
    worse = logs[:2] + [({"loss": 1.4, "val_loss": 1.7, "val_accuracy": 0.40}, 2)]
    callback, kept = _driven("val_accuracy", worse)
    assert kept == 2.0 and not callback.best_partial


def test_early_stopping_waits_while_accuracy_improves():
    """A validation loss that turns up while the accuracy still improves does not end the
    run; the best weights are those of the best accuracy."""
    rising_loss = [
        ({"loss": 2.0 - 0.1 * e, "val_loss": 1.0 + 0.1 * e, "val_accuracy": 0.5 + 0.02 * e}, 4)
        for e in range(6)
    ]
    callback, kept = _driven("val_accuracy", rising_loss, patience=2)
    assert not callback.early_stopped and kept == 6.0
    flat = [
        ({"loss": 1.0, "val_loss": 1.0 + 0.1 * e, "val_accuracy": 0.5 - 0.01 * e}, 4)
        for e in range(6)
    ]
    callback, kept = _driven("val_accuracy", flat, patience=2)
    assert callback.early_stopped and kept == 1.0
    assert math.isclose(callback.best, 0.5)


def test_bfloat16_training_saves_a_float32_model(tmp_path, monkeypatch):
    """precision auto means bfloat16 on a CPU with bfloat16 units; the saved file computes
    in float32 everywhere, so it runs at full speed on machines without them."""
    import keras_attn
    from keras_attn import device
    from keras_attn.training import save, train

    monkeypatch.setattr(device, "cpu_has_bfloat16", lambda: True)
    monkeypatch.setattr(device, "gpus", lambda: [])
    assert device.resolve_precision("auto") == "mixed_bfloat16"
    monkeypatch.setattr(device, "cpu_has_bfloat16", lambda: False)
    assert device.resolve_precision("auto") == "float32"
    config = preset("tiny").replace(**{"train.precision": "mixed_bfloat16", "train.epochs": 1})
    pairs = corpus(GERMAN, 120)
    result = train(pairs, config)
    assert result.model.encoder.embedding.dtype_policy.name == "mixed_bfloat16"
    path = save(result.model, tmp_path / "m.keras")
    loaded = keras_attn.load(path)
    policies = {
        layer.dtype_policy.name
        for layer in [loaded, *loaded._flatten_layers(include_self=False, recursive=True)]
    }
    assert policies == {"float32"}
    assert loaded.translate(["Ich habe Hunger."])[0] == loaded.translate(["Ich habe Hunger."])[0]
    assert keras.config.dtype_policy().name == "float32"


def test_a_short_time_limit_lowers_dropout():
    """Dropout by corpus size is for runs that go on until they stop improving; a time
    limit allowing only a few passes gets light dropout, unless the user set it."""
    pairs = corpus(GERMAN, 5_000)
    assert sizing.choose(pairs).config.model.dropout == 0.3
    hurried = sizing.choose(pairs, time_limit=60, precision="float32")
    assert hurried.config.model.dropout == sizing.HURRIED_DROPOUT["rnn"] == 0.1
    assert any("little room to overfit" in r for r in hurried.reasons)
    transformer = sizing.choose(
        pairs, time_limit=60, precision="float32", settings={"model.architecture": "transformer"}
    )
    assert transformer.config.model.dropout == sizing.HURRIED_DROPOUT["transformer"] == 0.0
    assert any("dropout 0: about" in r for r in transformer.reasons)
    kept = sizing.choose(pairs, time_limit=60, settings={"model.dropout": 0.4})
    assert kept.config.model.dropout == 0.4
    assert not any("dropout" in r for r in kept.reasons)


def test_the_transformer_takes_half_the_rnns_vocabulary_from_30000_pairs():
    """The same corpus: from 30,000 pairs the Transformer's subword vocabulary is half
    the RNN's, with a reason saying so; smaller corpora give both the same; a size the
    user sets is kept."""
    transformer = {"model.architecture": "transformer"}
    for count, share in ((2_000, 1), (6_000, 1), (30_000, 2)):
        pairs = corpus(GERMAN, count)
        rnn = sizing.choose(pairs, time_limit=600, precision="float32")
        chosen = sizing.choose(pairs, time_limit=600, precision="float32", settings=transformer)
        for side in ("source", "target"):
            rnn_vocab = getattr(rnn.config, side).vocab_size
            assert getattr(chosen.config, side).vocab_size == rnn_vocab // share, (count, side)
        assert any("half the RNN's" in r for r in chosen.reasons) == (share == 2)
        assert not any("half the RNN's" in r for r in rnn.reasons)
    kept = sizing.choose(
        corpus(GERMAN, 30_000), settings={**transformer, "source.vocab_size": 8_000}
    )
    assert kept.config.source.vocab_size == 8_000


def test_the_transformer_is_held_back_by_label_smoothing_and_weight_decay():
    """Without dropout the Transformer overfits: it gets more label smoothing and weight
    decay than the RNN, says so, and keeps what the user set."""
    pairs = corpus(GERMAN, 2_000)
    transformer = {"model.architecture": "transformer"}
    chosen = sizing.choose(pairs, time_limit=60, precision="float32", settings=transformer)
    assert (chosen.config.train.label_smoothing, chosen.config.train.weight_decay) == (0.2, 0.3)
    assert "label smoothing 0.2, weight decay 0.3," in chosen.summary()
    assert any(r.startswith("label smoothing 0.2 and weight decay 0.3") for r in chosen.reasons)
    rnn = sizing.choose(pairs, time_limit=60, precision="float32")
    assert (rnn.config.train.label_smoothing, rnn.config.train.weight_decay) == (0.1, 0.0)
    assert "weight decay" not in rnn.summary()
    assert not any("weight decay" in r for r in rnn.reasons)
    kept = sizing.choose(pairs, settings={**transformer, "train.weight_decay": 0.0})
    assert (kept.config.train.label_smoothing, kept.config.train.weight_decay) == (0.2, 0.0)
    assert not any("weight decay" in r for r in kept.reasons)


def test_the_summary_names_vocabularies_that_are_not_whole_thousands_exactly():
    from keras_attn.config import Config

    config = Config().replace(
        **{
            "source.tokenizer": "subword",
            "source.vocab_size": 500,
            "target.tokenizer": "subword",
            "target.vocab_size": 8000,
        }
    )
    line = sizing.Choice(config=config, preset="tiny", reasons=[]).summary()
    assert "subword 500 -> subword 8k" in line
    assert "0k" not in line.replace("8k", "")


def test_transformer_sizes_peak_at_the_vaswani_rate():
    """A Transformer chosen for a corpus warms up to units**-0.5 * warmup**-0.5 (scaled
    to its batch like the RNN's rate): the rule, not a figure tuned to one corpus."""
    from keras_attn.config import vaswani_rate

    choice = sizing.choose(corpus(GERMAN, 2_000), settings={"model.architecture": "transformer"})
    model, train = choice.config.model, choice.config.train
    assert model.architecture == "transformer" and choice.preset != "tiny"
    pairs = sizing._by_pairs(sizing.PAIRS_PER_BATCH, 2_000)
    batch = preset(choice.preset, "transformer").train.batch_size
    expected = vaswani_rate(model.units, train.warmup_steps) * math.sqrt(pairs / batch)
    assert math.isclose(train.learning_rate, expected, rel_tol=0.01)
    assert math.isclose(vaswani_rate(128, 1000), 128**-0.5 * 1000**-0.5, rel_tol=0.01)


def test_the_sizing_averages_the_weights_unless_told_otherwise():
    """A configuration chosen for the RNN keeps the moving average of the weights and says
    so; the Transformer keeps its last weights; a setting of the user's wins; a model
    config of its own (as old files have) keeps the last weights."""
    pairs = corpus(GERMAN, 5_000)
    chosen = sizing.choose(pairs, time_limit=60, precision="float32")
    assert chosen.config.train.ema == sizing.EMA["rnn"] > 0
    assert any("moving average" in r for r in chosen.reasons)
    assert f"weights averaged ({sizing.EMA['rnn']:g})" in chosen.summary()
    transformer = sizing.choose(pairs, settings={"model.architecture": "transformer"})
    assert transformer.config.train.ema == sizing.EMA["transformer"] == 0.0
    assert not any("moving average" in r for r in transformer.reasons)
    off = sizing.choose(pairs, settings={"train.ema": 0.0})
    assert off.config.train.ema == 0.0 and "averaged" not in off.summary()
    assert not any("moving average" in r for r in off.reasons)
    assert Config().train.ema == 0.0
