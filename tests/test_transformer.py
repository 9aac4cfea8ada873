"""The Transformer translator: layers, incremental decoding, heads, saving, export, compare."""

import json
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_attn.cli import main
from keras_attn.config import Config, preset
from keras_attn.errors import ConfigurationError, ModelFileError, TranslationError
from keras_attn.layers.multi_head_attention import MultiHeadAttention
from keras_attn.layers.transformer_positions import PositionalEmbedding, sinusoidal_positions
from keras_attn.model import Translator
from keras_attn.search import beam_search, sample
from keras_attn.session import DecodingSession
from keras_attn.transformer import TransformerTranslator
from tests.helpers import reverse_pairs, write_tsv

WORDS = "a b c d e f g h".split()
VOCABULARY = ["[PAD]", "[UNK]", "[START]", "[END]"] + WORDS
TINY = preset("tiny", "transformer").replace(
    **{
        "model.units": 32,
        "model.layers": 2,
        "model.heads": 4,
        "model.ff_units": 48,
        "model.dropout": 0.1,
        "source.tokenizer": "word",
        "target.tokenizer": "word",
        "train.precision": "float32",
        "train.epochs": 6,
        "train.learning_rate": 5e-3,
        "train.warmup_steps": 30,
        "train.label_smoothing": 0.1,
    }
)


def _model(config=TINY, seed=3):
    keras.utils.set_random_seed(seed)
    model = TransformerTranslator(config, VOCABULARY, VOCABULARY)
    model.build()
    return model


@pytest.fixture(scope="module")
def trained():
    """A one-block Transformer trained on the reverse task (seconds): `(result, held_out)`."""
    from keras_attn.training import train

    pairs = reverse_pairs(860, seed=5, max_len=6)
    config = TINY.replace(**{"model.layers": 1, "train.epochs": 8, "model.dropout": 0.0})
    return train(pairs[:800], config), pairs[800:]


# -- layers -------------------------------------------------------------------------------
def test_multi_head_attention_matches_hand_computed_heads():
    """Each head: softmax(q_h . k_h / sqrt(d_head)) over unmasked keys, weights @ v_h; the
    heads concatenated and projected. Weights are 0 on masked keys."""
    rng = np.random.default_rng(0)
    layer = MultiHeadAttention(6, 2)
    query = rng.normal(size=(1, 2, 6)).astype("float32")
    values = rng.normal(size=(1, 4, 6)).astype("float32")
    mask = np.array([[True, True, True, False]])
    context, weights, scores = layer(query, values, mask=mask, return_scores=True)
    assert tuple(weights.shape) == (1, 2, 2, 4) and tuple(context.shape) == (1, 2, 6)

    def dense(layer_, x):
        return x @ np.asarray(layer_.kernel) + np.asarray(layer_.bias)

    q, k, v = (
        dense(d, x)[0].reshape(-1, 2, 3)
        for d, x in (
            (layer.query_dense, query),
            (layer.key_dense, values),
            (layer.value_dense, values),
        )
    )
    heads = []
    for h in range(2):
        s = q[:, h] @ k[:3, h].T / np.sqrt(3)
        np.testing.assert_allclose(np.asarray(scores)[0, h, :, :3], s, rtol=1e-5, atol=1e-6)
        w = np.exp(s - s.max(-1, keepdims=True))
        w /= w.sum(-1, keepdims=True)
        np.testing.assert_allclose(np.asarray(weights)[0, h, :, :3], w, rtol=1e-5, atol=1e-6)
        heads.append(w @ v[:3, h])
    assert np.all(np.asarray(weights)[..., 3] == 0.0) and np.all(np.isinf(scores[..., 3]))
    expected = dense(layer.output_dense, np.concatenate(heads, axis=-1))
    np.testing.assert_allclose(np.asarray(context)[0], expected, rtol=1e-4, atol=1e-5)


def test_layer_arguments_are_checked_and_configs_round_trip():
    """Bad sizes name the argument; get_config -> from_config rebuilds the same layer."""
    with pytest.raises(ValueError, match="`units` must be a multiple of `heads`"):
        MultiHeadAttention(10, 3)
    with pytest.raises(ValueError, match="argument `heads`, expected a positive integer"):
        MultiHeadAttention(8, 0)
    with pytest.raises(ValueError, match="argument `positions`"):
        PositionalEmbedding(10, 8, 5, positions="rotary")
    with pytest.raises(ValueError, match="argument `max_length`, expected a positive"):
        PositionalEmbedding(10, 8, 0)
    layer = MultiHeadAttention(8, 2, name="attention")
    clone = MultiHeadAttention.from_config(layer.get_config())
    assert (clone.units, clone.heads, clone.d_head, clone.name) == (8, 2, 4, "attention")


def test_sinusoidal_positions_follow_the_formula():
    """PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d))."""
    table = np.asarray(sinusoidal_positions(np.arange(5), 6))
    p, i = np.arange(5)[:, None], np.arange(3)[None, :]
    angles = p / 10000 ** (2 * i / 6)
    np.testing.assert_allclose(table[:, 0::2], np.sin(angles), atol=1e-6)
    np.testing.assert_allclose(table[:, 1::2], np.cos(angles), atol=1e-6)


def test_tied_embeddings_start_normal_and_untied_uniform():
    """With tied embeddings both sides' token vectors start normal with deviation
    units**-0.5; untied they keep Keras's uniform +-0.05. The initializer is part of the
    layer's config, and a config without it (as saved before) builds the uniform one."""
    words = [f"w{i}" for i in range(400)]
    vocabulary = VOCABULARY + words
    units = 64
    config = TINY.replace(**{"model.units": units, "model.ff_units": 96})
    keras.utils.set_random_seed(1)
    tied = TransformerTranslator(
        config.replace(**{"model.tie_embeddings": True}), vocabulary, vocabulary
    )
    tied.build()
    keras.utils.set_random_seed(1)
    untied = TransformerTranslator(config, vocabulary, vocabulary)
    untied.build()
    for stack in ("encoder", "decoder"):
        table = np.asarray(getattr(tied, stack).embedding.token_embedding.embeddings)
        assert abs(table.std() / units**-0.5 - 1) < 0.05 and np.abs(table).max() > 0.05
        table = np.asarray(getattr(untied, stack).embedding.token_embedding.embeddings)
        assert np.abs(table).max() <= 0.05 and table.std() > 0.02
    layer_config = tied.encoder.embedding.get_config()
    rebuilt = PositionalEmbedding.from_config(layer_config)
    assert isinstance(rebuilt.embeddings_initializer, keras.initializers.RandomNormal)
    assert rebuilt.embeddings_initializer.stddev == pytest.approx(units**-0.5)
    layer_config.pop("embeddings_initializer")
    old = PositionalEmbedding.from_config(layer_config)
    assert isinstance(old.embeddings_initializer, keras.initializers.RandomUniform)


# -- configuration --------------------------------------------------------------------------
def test_configuration_of_transformers():
    """Transformer presets, checked sizes, old configurations still RNN models, and the
    RNN class refusing a Transformer configuration."""
    assert Config.from_dict({"model": {"units": 64}}).model.architecture == "rnn"
    small = preset("small", "transformer")
    assert (small.model.architecture, small.train.decay) == ("transformer", "inverse_sqrt")
    assert small.train.warmup_steps > 0 and small.train.label_smoothing > 0
    with pytest.raises(ConfigurationError, match="multiple of `heads`"):
        TINY.replace(**{"model.heads": 5})
    with pytest.raises(ConfigurationError, match="model.architecture"):
        TINY.replace(**{"model.architecture": "cnn"})
    with pytest.raises(ConfigurationError, match="TransformerTranslator"):
        Translator(TINY, VOCABULARY, VOCABULARY)
    from keras_attn.commands.train import add_parser, settings_from_args

    parser = keras_attn_parser(add_parser)
    args = parser.parse_args(
        ["train", "x.tsv", "-o", "m.keras", "--model", "transformer", "--preset", "tiny"]
    )
    settings, config = settings_from_args(args)
    assert settings["model.architecture"] == "transformer"
    assert config.model == preset("tiny", "transformer").model


def keras_attn_parser(add_parser):
    import argparse

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser


# -- decoding -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes", [{}, {"model.positions": "learned", "model.tie_embeddings": True}]
)
def test_incremental_steps_equal_the_teacher_forced_pass(changes):
    """Step by step with the key/value cache, every position's logits and source weights
    equal the whole-sentence pass's, for a short sentence padded beside a long one (with
    sinusoidal or learned positions, a separate or a tied output layer)."""
    model = _model(TINY.replace(**changes))
    ids = model.source_ids(["a b", "c d e f g h a b"])
    target = np.array([[2, 5, 4, 3, 0, 0], [2, 11, 10, 9, 8, 7]], np.int32)
    logits, weights = (np.asarray(x) for x in model.decoder(target, *_outputs_and_mask(model, ids)))
    encoded = model.encode(ids)
    state = encoded["state"]
    for t in range(target.shape[1]):
        step_logits, state, step_weights = model.step(tf.constant(target[:, t]), state, encoded)
        np.testing.assert_allclose(np.asarray(step_logits), logits[:, t], atol=2e-5)
        np.testing.assert_allclose(np.asarray(step_weights), weights[:, t], atol=1e-6)
    np.testing.assert_array_equal(np.asarray(state["position"]), [6, 6])
    if changes:  # tied: the logits are the final hidden vector times the embeddings
        decoder = model.decoder
        assert decoder.output_dense is None
        _, _, _, parts = model.step_anatomy(tf.constant([2, 2]), encoded["state"], encoded)
        table = np.asarray(decoder.embedding.token_embedding.embeddings)
        expected = np.asarray(parts["hidden"]) @ table.T + np.asarray(decoder.output_bias)
        np.testing.assert_allclose(logits[:, 0], expected, atol=2e-5)


def _outputs_and_mask(model, ids):
    outputs, _, mask = model.encoder(ids, training=False)
    return outputs, mask


def test_head_weights_sum_to_one_and_are_zero_on_padding():
    """Encoder self-attention, and a step's per-head attention over the source, sum to 1
    over the real source tokens and are exactly 0 on padding; the decoder's self-attention
    covers only the positions written so far."""
    model = _model()
    ids = model.source_ids(["a b", "c d e f g h"])  # the first: 3 real tokens of 7
    encoded = model.encode(ids)
    encoder = np.asarray(encoded["self_attention"])
    assert encoder.shape == (2, 2, 4, 7, 7)
    np.testing.assert_allclose(encoder.sum(-1), 1.0, atol=1e-5)
    assert np.all(encoder[0, ..., 3:] == 0.0) and np.all(encoder[0, ..., :3] > 0.0)
    state = encoded["state"]
    for t in range(3):
        _, state, weights, parts = model.step_anatomy(tf.constant([2, 2]), state, encoded)
        cross = np.asarray(parts["cross_weights"])
        assert cross.shape == (2, 2, 4, 7)
        np.testing.assert_allclose(cross.sum(-1), 1.0, atol=1e-5)
        assert np.all(cross[0, ..., 3:] == 0.0)
        np.testing.assert_allclose(np.asarray(weights), cross[:, -1].mean(1), atol=1e-6)
        own = np.asarray(parts["self_weights"])
        np.testing.assert_allclose(own[..., : t + 1].sum(-1), 1.0, atol=1e-5)
        assert np.all(own[..., t + 1 :] == 0.0)


def test_a_step_ignores_the_padding_of_its_source():
    """A sentence decoded alone or padded in a batch beside a longer one gives the same
    logits and weights at every step."""
    model = _model()
    alone = model.source_ids(["b c d"])
    batch = model.source_ids(["b c d", "a b c d e f g h"])
    results = []
    for ids in (alone, batch):
        encoded, out = model.encode(ids), []
        state = encoded["state"]
        for token in (2, 6, 5):
            logits, state, weights = model.step(tf.fill([ids.shape[0]], token), state, encoded)
            out.append((np.asarray(logits)[0], np.asarray(weights)[0, :4]))
        results.append(out)
    for (l1, w1), (l2, w2) in zip(*results, strict=True):
        np.testing.assert_allclose(l1, l2, atol=2e-5)
        np.testing.assert_allclose(w1, w2, atol=1e-6)


def test_training_learns_and_every_decoder_agrees(trained):
    """Training with label smoothing and warm-up lowers the loss and learns the task;
    greedy, beam width 1, sampling at temperature 0 and the session give the same tokens."""
    result, held_out = trained
    history = result.history
    assert history["loss"][-1] < 0.7 * history["loss"][0]
    model = result.model
    outputs = model.translate([s for s, _ in held_out])
    assert np.mean([o == r for o, (_, r) in zip(outputs, held_out, strict=True)]) >= 0.6
    sentences = [s for s, _ in held_out[:6]]
    ids = model.source_ids(sentences)
    tokens, _, lengths = (np.asarray(x) for x in model.greedy(ids))
    greedy = [tokens[i, : lengths[i]].tolist() for i in range(len(sentences))]
    assert [r[0].tokens for r in beam_search(model, ids, width=1)] == greedy
    assert [h.tokens for h in sample(model, ids, temperature=0)] == greedy
    wide = beam_search(model, ids, width=3, n_best=2)
    assert all(len(r) == 2 and r[0].score >= r[1].score for r in wide)
    session = DecodingSession(model)
    session.start(sentences[2])
    session.run_to_end()
    assert session.target_ids == greedy[2]


def test_session_steps_show_every_head(trained):
    """A step's heads: scores = K q / sqrt(d_head), weights = softmax(scores), context =
    weights @ V, the step's weights the last block's heads averaged; the decoder's
    self-attention grows by a position a step; RNN sessions have no heads."""
    model = trained[0].model
    session = DecodingSession(model)
    source = session.start("a b c d")
    assert session.encoder_attention.shape == (1, 4, len(source), len(source))
    for index in range(3):
        step = session.step()
        heads = step.heads
        assert step.anatomy is None and heads.cross.weights.shape == (1, 4, len(source))
        assert heads.self_attention.weights.shape == (1, 4, index + 1)
        assert heads.self_attention.keys.shape == (1, 4, index + 1, 8)
        np.testing.assert_allclose(heads.cross.weights[-1].mean(0), step.weights, atol=1e-6)
        for attention in (heads.cross, heads.self_attention):
            for layer, head in ((0, 0), (0, 3)):
                scores = attention.keys[layer, head] @ attention.query[layer, head]
                np.testing.assert_allclose(
                    scores * heads.scale, attention.scores[layer, head], rtol=1e-4, atol=1e-5
                )
                w = np.exp(scores * heads.scale - (scores * heads.scale).max())
                np.testing.assert_allclose(w / w.sum(), attention.weights[layer, head], atol=1e-5)
                np.testing.assert_allclose(
                    attention.weights[layer, head] @ attention.values[layer, head],
                    attention.context[layer, head],
                    atol=1e-5,
                )
    forced = session.force(step.candidates[1].token)
    assert forced.heads is step.heads
    rnn = Translator(
        preset("tiny").replace(**{"source.tokenizer": "word", "target.tokenizer": "word"}),
        VOCABULARY,
        VOCABULARY,
    )
    rnn.build()
    rnn_session = DecodingSession(rnn)
    rnn_session.start("a b")
    assert rnn_session.step().heads is None and rnn_session.encoder_attention is None


def test_teacher_forced_attention_for_alignments(trained):
    """Reading the references, the attention alignment code uses (the last block's heads
    averaged) and every head of every attention are available."""
    from keras_attn.alignment import forced_attention

    model = trained[0].model
    pairs = trained[1][:4]
    found = forced_attention(model, pairs)
    source = model.source_ids([s for s, _ in pairs])
    ids = model.target_text.encode([t for _, t in pairs]).to_tensor().numpy()
    target_in = np.pad(ids, ((0, 0), (1, 0)), constant_values=2).astype(np.int32)
    heads = model.forward_attention(source, target_in)
    assert heads["encoder"].shape[:3] == (4, 1, 4)
    for i, (s, t) in enumerate(pairs):
        n_source, n_target = len(s.split()) + 1, len(t.split()) + 1
        assert found[i].shape == (n_target, n_source)
        np.testing.assert_allclose(found[i].sum(-1), 1.0, atol=1e-5)
        cross = np.asarray(heads["cross"])[i, -1].mean(0)[:n_target, :n_source]
        np.testing.assert_allclose(found[i], cross, atol=1e-5)
        causal = np.asarray(heads["decoder"])[i]
        assert np.all(np.triu(causal, 1) == 0.0)


def test_bad_sentences_are_refused_and_long_ones_cut(trained):
    """The same input checks as the RNN models: empty, blank, not text, nothing left once
    normalized; a sentence longer than the model reads is cut, and the session says so."""
    model = trained[0].model
    for bad, message in (
        ("", "empty"),
        ("   ", "empty"),
        ("\u200b", "nothing to translate"),
        ("a\udc80", "lone surrogate"),
    ):
        with pytest.raises(TranslationError, match=message):
            model.translate([bad])
    with pytest.raises(TranslationError, match="not text"):
        model.translate([3])
    session = DecodingSession(model)
    with pytest.raises(TranslationError, match="empty"):
        session.start(" ")
    long = " ".join(["a", "b", "c"] * 15)  # 45 words, max_length is 30
    tokens = session.start(long)
    assert session.truncated and session.token_count == 45 and len(tokens) == 31
    session.run_to_end()
    assert len(model.translate([long])[0].split()) <= 31


# -- files ----------------------------------------------------------------------------------
def test_saved_transformer_reloads_in_safe_mode_and_translates_the_same(trained, tmp_path):
    """keras_attn.save -> keras.models.load_model(safe_mode=True) (and keras_attn.load)
    give a TransformerTranslator with the same translations and attention."""
    import keras_attn

    model = trained[0].model
    sentences = [s for s, _ in trained[1][:8]]
    path = keras_attn.save(model, tmp_path / "transformer.keras")
    for loaded in (keras.models.load_model(path, safe_mode=True), keras_attn.load(path)):
        assert isinstance(loaded, TransformerTranslator)
        assert loaded.config.to_dict() == model.config.to_dict()
        assert loaded.translate(sentences) == model.translate(sentences)
        ids = model.source_ids(sentences)
        np.testing.assert_allclose(
            np.asarray(loaded.greedy(ids)[1]), np.asarray(model.greedy(ids)[1]), atol=1e-6
        )
    damaged = tmp_path / "damaged.keras"
    damaged.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelFileError, match="damaged.keras"):
        keras_attn.load(damaged)
    edited = tmp_path / "edited.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(edited, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "config.json":  # a Transformer configuration, RNN class
                config = json.loads(data)
                config["class_name"], config["registered_name"] = (
                    "Translator",
                    "keras_attn>Translator",
                )
                data = json.dumps(config).encode()
            target.writestr(item, data)
    with pytest.raises(ModelFileError, match="TransformerTranslator"):
        keras_attn.load(edited)


def test_export_translates_like_the_model(trained, tmp_path):
    """The SavedModel export of a Transformer gives the model's translations, tokens and
    attention."""
    import tensorflow_text  # noqa: F401  (the export's text ops)

    from keras_attn.export import export

    model = trained[0].model
    sentences = [s for s, _ in trained[1][:5]]
    directory, signature = export(model, tmp_path / "exported")
    assert "translations" in signature
    loaded = tf.saved_model.load(str(directory))
    out = loaded.translate(tf.constant(sentences))
    assert [s.decode() for s in out["translations"].numpy()] == model.translate(sentences)
    tokens, weights, _ = model.greedy(model.source_ids(sentences))
    np.testing.assert_array_equal(out["tokens"].numpy(), np.asarray(tokens))
    np.testing.assert_allclose(out["attention"].numpy(), np.asarray(weights), atol=1e-6)


def test_compare_includes_a_transformer(trained, tmp_path, capsys):
    """`keras-attn compare` puts an RNN without attention, an RNN with attention and a
    Transformer on one length curve."""
    import keras_attn
    from keras_attn.training import build_model

    pairs = trained[1][:30]
    paths = [keras_attn.save(trained[0].model, tmp_path / "transformer.keras")]
    for attention in ("bahdanau", "none"):
        rnn = build_model(
            preset("tiny").replace(
                **{
                    "model.attention": attention,
                    "source.tokenizer": "word",
                    "target.tokenizer": "word",
                }
            ),
            pairs,
        )
        paths.append(keras_attn.save(rnn, tmp_path / f"rnn-{attention}.keras"))
    test = write_tsv(tmp_path / "test.tsv", pairs)
    picture = tmp_path / "curve.png"
    assert (
        main(["compare", *map(str, paths), "--test", str(test), "--plot", str(picture), "--json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["names"] == ["transformer", "rnn-bahdanau", "rnn-none"]
    assert report["overall"]["transformer"]["bleu"] > report["overall"]["rnn-none"]["bleu"]
    assert all(len(rows) == len(report["buckets"]) for rows in report["by_bucket"].values())
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
