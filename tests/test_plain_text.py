"""The plain-Python reading of a sentence (keras_attn.text.plain, normalize_text) gives
what TensorFlow's TextEncoder gives: the same normalized text, ids and output text."""

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_attn.text import UNK_ID, TextEncoder, normalize
from keras_attn.text.normalize import normalize_text
from keras_attn.text.plain import MAX_BYTES_PER_WORD, NewCharacters, PlainTextEncoder

SENTENCES = [
    "ÄRGER über Öl, STRASSE ẞ Straße!",
    "Ça, c'est L'ÉTÉ à Paris.",
    "Привет, МИР! ДОМ ΚΑΛΗΜΈΡΑ Σας ΣΟΦΙΑ",
    "我爱你。你好吗？",
    "I ❤️ NY👍🏽! 👨‍👩‍👧🇩🇪",
    "Don't go—rock'n'roll (e-mail) costs 3.5 or 10,000$ at 12:30...",
    "'Tis the boys' toys, \"quoted\". Don’t",
    "soft\u00adhyphen zero\u200bwidth\tTAB\u00a0nbsp\u2028line\x07bell",
    "İstanbul ǅemal ﬁne ①②",
    "   ",
    "",
    "ein Haus ist hier und zwei Katzen sind dort",
]


def tf_normalize(text, **options):
    return normalize([text], **options).numpy()[0].decode("utf-8")


@pytest.mark.parametrize("form", ["NFKC", "NFKD"])
@pytest.mark.parametrize("lowercase,strip_accents", [(False, False), (True, False), (True, True)])
def test_normalize_text_equals_the_tensorflow_normalization(form, lowercase, strip_accents):
    options = {"lowercase": lowercase, "strip_accents": strip_accents, "form": form}
    for sentence in SENTENCES:
        assert normalize_text(sentence, **options) == tf_normalize(sentence, **options), sentence


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.booleans(),
    st.booleans(),
)
def test_normalize_text_equals_tensorflow_on_any_known_text(text, lowercase, strip_accents):
    """Any text of characters Python's Unicode database knows (those it does not know,
    newer Han ideographs for one, are classed differently by TensorFlow's tables: the
    plain encoder refuses them, see below)."""
    if any(unicodedata.category(c) == "Cn" for c in text):
        return
    options = {"lowercase": lowercase, "strip_accents": strip_accents}
    assert normalize_text(text, **options) == tf_normalize(text, **options)


TRAIN = [
    "ein Haus ist hier",
    "zwei Katzen sind dort, hinter dem Haus!",
    "Häuser, Hausboote und Katzenklappen",
    "Ça c'est l'été à Paris 3.5",
]


@pytest.mark.parametrize("tokenizer", ["word", "subword", "char"])
@pytest.mark.parametrize("lowercase", [False, True])
def test_plain_encoder_gives_the_ids_and_text_of_the_tensorflow_encoder(tokenizer, lowercase):
    """Known and unknown words, words covered by pieces and words that are not, a word
    longer than WordPiece reads, truncation at `max_length`, empty sentences."""
    encoder = TextEncoder.build(
        TRAIN, tokenizer=tokenizer, lowercase=lowercase, vocab_size=60, max_length=12
    )
    plain = PlainTextEncoder(**encoder.get_config())
    # A word of as many bytes as WordPiece reads, made of a piece that can repeat.
    piece = next(
        (v for v in encoder.vocabulary if v.isalpha() and "##" + v in encoder.vocabulary),
        "a",
    )
    longest = (piece * MAX_BYTES_PER_WORD)[:MAX_BYTES_PER_WORD]
    sentences = [
        *SENTENCES,
        *TRAIN,
        "Katzenhaus Hausboot xyzzy",
        f"{longest}{piece[0]} ein",
        f"{longest} ein",
    ]
    expected = encoder.encode(sentences).to_list()
    for sentence, ids in zip(sentences, expected, strict=True):
        assert plain.encode(sentence) == ids, sentence
        assert plain.decode([*ids, 3, 5]) == encoder.decode([[*ids, 3, 5]])[0]
    if tokenizer == "subword":  # the cases above did test WordPiece's [UNK] and pieces
        assert expected[-2][0] == UNK_ID and UNK_ID not in expected[-1]


def test_a_character_python_does_not_know_is_refused():
    plain = PlainTextEncoder(TextEncoder.build(TRAIN).vocabulary)
    unassigned = "\U000323af"  # a Han ideograph of Unicode 15, not in Python 3.11's tables
    if unicodedata.category(unassigned) != "Cn":
        pytest.skip("this Python knows the character")
    with pytest.raises(NewCharacters, match="U[+]323AF"):
        plain.encode(f"ein {unassigned} Haus")
