"""Tests of keras_attn.text.TextEncoder: vocabularies, encoding, decoding, config."""

import copy
import json
import pickle
import random

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_attn.config import TextConfig
from keras_attn.errors import ConfigurationError
from keras_attn.text import (
    END,
    END_ID,
    PAD,
    PAD_ID,
    SPACE,
    START,
    START_ID,
    UNK,
    UNK_ID,
    TextEncoder,
    detokenize,
    normalize,
)

CORPUS = [
    "Ich bin müde.",
    "Du bist müde!",
    "Wir sind hier, und ihr seid dort.",
    "Ich weiß es nicht.",
    "Das Haus ist groß.",
    "Die Häuser sind groß.",
    "Don't worry, it's fine.",
    "L'homme mange une pomme à Paris.",
    "Ça va très bien, merci !",
    "Привет, как дела?",
    "Καλημέρα, τι κάνεις;",
    "我爱你。",
    "Ich liebe dich ❤️!",
    "Er sagte: „Ja“ und ging (schnell) nach Hause.",
]
MODES = ("word", "subword", "char")


@pytest.fixture(scope="module")
def encoders():
    return {
        mode: TextEncoder.build(CORPUS, tokenizer=mode, vocab_size=400, max_length=60)
        for mode in MODES
    }


def readable(text):
    return detokenize(normalize([text]).numpy()[0].decode("utf-8").split())


def test_special_tokens_first(encoders):
    """Every vocabulary starts with [PAD], [UNK], [START], [END] at ids 0 to 3."""
    assert (PAD_ID, UNK_ID, START_ID, END_ID) == (0, 1, 2, 3)
    for encoder in encoders.values():
        assert encoder.vocabulary[:4] == [PAD, UNK, START, END]
        assert encoder.vocab_size == len(encoder.vocabulary)


@pytest.mark.parametrize("mode", MODES)
def test_round_trip_on_training_sentences(encoders, mode):
    """decode(encode(x)) is the readable normalized x for sentences seen in training."""
    encoder = encoders[mode]
    decoded = encoder.decode(encoder.encode(CORPUS))
    assert decoded == [readable(x) for x in CORPUS]
    assert decoded[0] == "ich bin müde."
    assert decoded[11] == "我爱你。"
    assert decoded[13] == "er sagte: „ja“ und ging (schnell) nach hause."


def test_ids_are_int32_ragged_without_start_end(encoders):
    """encode returns an int32 ragged batch holding no START, END or PAD ids."""
    ids = encoders["word"].encode(["Ich bin müde.", "Du bist"])
    assert isinstance(ids, tf.RaggedTensor) and ids.dtype == tf.int32
    assert ids.row_lengths().numpy().tolist() == [4, 2]
    flat = ids.flat_values.numpy()
    assert not np.isin(flat, [PAD_ID, START_ID, END_ID]).any()


def test_word_unknown_is_unk(encoders):
    """Unseen words become UNK_ID, shown as [UNK] by decode and as the word by tokens."""
    encoder = encoders["word"]
    ids = encoder.encode(["Ich bin Zebra."]).to_list()[0]
    assert ids[2] == UNK_ID and UNK_ID not in ids[:2] + ids[3:]
    assert encoder.decode([ids]) == ["ich bin [UNK]."]
    assert encoder.tokens(["Ich bin Zebra."]) == [["ich", "bin", "zebra", "."]]
    assert encoder.decode_tokens([ids]) == [["ich", "bin", UNK, "."]]


def test_subword_splits_unseen_words_into_pieces(encoders):
    """An unseen word made of known characters is split into pieces and decodes back."""
    encoder = encoders["subword"]
    text = "Ich bin hausmüde."
    ids = encoder.encode([text])
    assert UNK_ID not in ids.flat_values.numpy()
    assert encoder.decode(ids) == [readable(text)] == ["ich bin hausmüde."]
    shown = encoder.tokens([text])[0]
    assert any(token.startswith("·") for token in shown)
    assert "".join(t.lstrip("·") for t in shown) == "ichbinhausmüde."


def test_subword_unknown_character_word_is_unk(encoders):
    """A word with an unseen character is one UNK, shown as the surface word by tokens."""
    encoder = encoders["subword"]
    ids = encoder.encode(["Ich bin 🐘."]).to_list()[0]
    assert ids[-2] == UNK_ID
    assert encoder.tokens(["Ich bin 🐘."])[0][-2:] == ["🐘", "."]


def test_char_mode_space_token_and_unknown(encoders):
    """Char mode encodes the space as ▁ and unseen characters as UNK."""
    encoder = encoders["char"]
    assert encoder.vocabulary[4] == SPACE
    ids = encoder.encode(["ich ✈"]).to_list()[0]
    assert ids[3] == encoder.vocabulary.index(SPACE) and ids[-1] == UNK_ID
    assert encoder.tokens(["ich ✈"]) == [["i", "c", "h", SPACE, "✈"]]


@pytest.mark.parametrize("mode", MODES)
def test_truncation_to_max_length(mode):
    """encode and tokens keep at most max_length tokens per sentence."""
    encoder = TextEncoder.build(CORPUS, tokenizer=mode, max_length=3)
    ids = encoder.encode(CORPUS)
    assert ids.row_lengths().numpy().max() == 3
    assert all(len(t) <= 3 for t in encoder.tokens(CORPUS))
    assert encoder.decode(encoder.encode(["Ich bin müde."]))[0] in ("ich bin müde", "ich")


@pytest.mark.parametrize("mode", MODES)
def test_config_round_trip_gives_same_ids(encoders, mode):
    """get_config survives JSON and from_config encodes identically."""
    encoder = encoders[mode]
    config = json.loads(json.dumps(encoder.get_config()))
    restored = TextEncoder.from_config(config)
    assert restored == encoder
    probe = CORPUS + ["Unbekannte Wörter hier!"]
    assert restored.encode(probe).to_list() == encoder.encode(probe).to_list()


def test_copy_and_pickle_after_use(encoders):
    """An encoder whose tables exist can still be deep-copied and pickled."""
    encoder = encoders["subword"]
    encoder.encode(["Ich bin müde."])
    for clone in (copy.deepcopy(encoder), pickle.loads(pickle.dumps(encoder))):
        assert clone.encode(CORPUS).to_list() == encoder.encode(CORPUS).to_list()


@pytest.mark.parametrize("mode", MODES)
def test_vocabulary_deterministic_and_order_free(mode):
    """The same sentences in any order give the same vocabulary."""
    shuffled = list(CORPUS)
    random.Random(7).shuffle(shuffled)
    first = TextEncoder.build(CORPUS, tokenizer=mode).vocabulary
    assert TextEncoder.build(CORPUS, tokenizer=mode).vocabulary == first
    assert TextEncoder.build(shuffled, tokenizer=mode).vocabulary == first


def test_word_vocabulary_frequency_ties_and_limits():
    """Words rank by count, ties by string; vocab_size and min_count limit the size."""
    texts = ["b a c", "a b", "d"]
    assert TextEncoder.build(texts).vocabulary[4:] == ["a", "b", "c", "d"]
    assert TextEncoder.build(texts, vocab_size=6).vocabulary[4:] == ["a", "b"]
    assert TextEncoder.build(texts, min_count=2).vocabulary[4:] == ["a", "b"]


def test_subword_vocabulary_has_pieces_and_respects_size():
    """The WordPiece vocabulary holds ## continuations and never exceeds vocab_size."""
    encoder = TextEncoder.build(CORPUS * 3, tokenizer="subword", vocab_size=120)
    assert encoder.vocab_size <= 120
    assert any(v.startswith("##") for v in encoder.vocabulary)
    assert len(set(encoder.vocabulary)) == encoder.vocab_size


def test_subword_frequent_words_become_single_pieces():
    """Frequent words are whole pieces; a rare word is split, its rare rest into letters."""
    texts = ["das haus ist alt"] * 20 + ["das boot ist neu"] * 20 + ["hausboot"]
    encoder = TextEncoder.build(texts, tokenizer="subword", vocab_size=200, min_count=5)
    assert encoder.tokens(["das Haus", "Hausboot"]) == [
        ["das", "haus"],
        ["haus", "·b", "·o", "·o", "·t"],
    ]
    assert encoder.decode(encoder.encode(["Hausboot"])) == ["hausboot"]


@pytest.mark.parametrize("mode", MODES)
def test_encode_in_tf_function_and_dataset_map(encoders, mode):
    """encode gives the same ids eagerly, in a tf.function and in Dataset.map."""
    encoder = TextEncoder.from_config(encoders[mode].get_config())  # fresh, no tables yet
    traced = tf.function(encoder.encode, input_signature=[tf.TensorSpec([None], tf.string)])
    graph_ids = traced(tf.constant(CORPUS[:4])).to_list()
    assert graph_ids == encoder.encode(CORPUS[:4]).to_list()
    dataset = tf.data.Dataset.from_tensor_slices(CORPUS[:4]).batch(2).map(encoder.encode)
    mapped = [row for batch in dataset for row in batch.to_list()]
    assert mapped == graph_ids


def test_decode_accepts_array_likes_and_stops_at_end(encoders):
    """decode takes lists, numpy, dense and ragged tensors; skips PAD/START, stops at END."""
    encoder = encoders["word"]
    ids = encoder.encode(["Ich bin müde."]).to_list()[0]
    row = [START_ID] + ids + [END_ID] + ids + [PAD_ID, PAD_ID]
    expected = ["ich bin müde."]
    assert encoder.decode([row]) == expected
    assert encoder.decode(np.array([row])) == expected
    assert encoder.decode(tf.constant([row])) == expected
    assert encoder.decode(tf.ragged.constant([row, ids])) == expected * 2
    assert encoder.decode(row) == expected  # one flat sentence
    assert encoder.decode_tokens([row]) == [["ich", "bin", "müde", "."]]


def test_decode_rejects_ids_outside_vocabulary(encoders):
    """An id beyond the vocabulary raises a ValueError naming it."""
    encoder = encoders["word"]
    with pytest.raises(ValueError, match=str(encoder.vocab_size + 5)):
        encoder.decode([[4, encoder.vocab_size + 5]])


def test_decode_tokens_matches_tokens_for_known_text(encoders):
    """For known text, decode_tokens(encode(x)) equals tokens(x) in every mode."""
    for encoder in encoders.values():
        assert encoder.decode_tokens(encoder.encode(CORPUS)) == encoder.tokens(CORPUS)


def test_lowercase_and_accent_options_change_ids():
    """lowercase=False keeps case distinct; strip_accents folds é onto e."""
    cased = TextEncoder.build(["Haus haus"], lowercase=False)
    assert cased.vocabulary[4:] == ["Haus", "haus"]
    plain = TextEncoder.build(["café cafe"], strip_accents=True)
    assert plain.vocabulary[4:] == ["cafe"]
    assert plain.decode(plain.encode(["Café"])) == ["cafe"]


def test_from_config_for_text_config():
    """from_config_for builds with the TextConfig's tokenizer, size and length."""
    config = TextConfig(tokenizer="char", vocab_size=10, max_length=7)
    encoder = TextEncoder.from_config_for(config, CORPUS)
    assert encoder.tokenizer == "char" and encoder.vocab_size == 10
    assert encoder.max_length == 7


def test_invalid_arguments_raise_configuration_error():
    """A bad vocabulary, tokenizer or config key is rejected with a clear message."""
    with pytest.raises(ConfigurationError, match="must start with"):
        TextEncoder(["a", "b"])
    with pytest.raises(ConfigurationError, match="repeated"):
        TextEncoder([PAD, UNK, START, END, "x", "x"])
    with pytest.raises(ConfigurationError, match="'bpe'"):
        TextEncoder.build(CORPUS, tokenizer="bpe")
    with pytest.raises(ConfigurationError, match="colour"):
        TextEncoder.from_config({"vocabulary": [PAD, UNK, START, END], "colour": 1})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=4))
def test_word_round_trip_any_text(texts):
    """For any text, a word encoder built on it decodes its ids to the readable text."""
    encoder = TextEncoder.build(texts, max_length=200)
    assert encoder.decode(encoder.encode(texts)) == [readable(t) for t in texts]
