"""Tests of keras_attn.text.normalize: scripts kept, case folded, punctuation split."""

import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_attn.text import normalize


def norm(text, **kwargs):
    return normalize([text], **kwargs).numpy()[0].decode("utf-8")


def test_german_kept_and_lowercased():
    """German umlauts and ß survive and capitals fold to lower case (ẞ -> ß)."""
    assert norm("ÄRGER über Öl, STRASSE ẞ Straße!") == "ärger über öl , strasse ß straße !"


def test_french_kept_with_elisions():
    """French accents survive and elisions stay one word."""
    assert norm("Ça, c'est L'ÉTÉ à Paris.") == "ça , c'est l'été à paris ."


def test_russian_and_greek_lowercased():
    """Cyrillic and Greek letters are kept and lowercased, not only ASCII."""
    assert norm("Привет, МИР! ДОМ") == "привет , мир ! дом"
    assert norm("ΚΑΛΗΜΈΡΑ Σας ΣΟΦΙΑ") == "καλημέρα σας σοφια"


def test_chinese_ideographs_become_words():
    """Each Han ideograph is its own word; CJK punctuation is split off (NFKC: ？ -> ?)."""
    assert norm("我爱你。你好吗？") == "我 爱 你 。 你 好 吗 ?"


def test_emoji_kept_as_words():
    """Emoji with modifiers, joiner sequences and flags stay whole, split from words."""
    assert norm("I ❤️ NY👍🏽!") == "i ❤️ ny 👍🏽 !"
    assert norm("👨‍👩‍👧🇩🇪") == "👨‍👩‍👧 🇩🇪"


def test_punctuation_split_but_word_internal_marks_kept():
    """Punctuation becomes words; apostrophes, hyphens and digit separators inside words stay."""
    assert norm("Don't go—rock'n'roll (e-mail) costs 3.5 or 10,000$ at 12:30...") == (
        "don't go — rock'n'roll ( e-mail ) costs 3.5 or 10,000 $ at 12:30 . . ."
    )
    assert norm("'Tis the boys' toys, \"quoted\".") == "' tis the boys ' toys , \" quoted \" ."


def test_typographic_apostrophe_inside_word_becomes_ascii():
    """The typographic apostrophe inside a word is unified with the ASCII one."""
    assert norm("Don’t") == norm("Don't") == "don't"


def test_lowercase_off_keeps_case():
    """With lowercase=False capitals of every script remain."""
    assert norm("Äpfel ΣΟΦΙΑ Дом", lowercase=False) == "Äpfel ΣΟΦΙΑ Дом"


def test_strip_accents():
    """Accent stripping drops diacritics in Latin, Greek and Cyrillic but keeps other marks."""
    assert norm("Élève à Zürich, Ἀθῆναι, йогурт", strip_accents=True) == (
        "eleve a zurich , αθηναι , иогурт"
    )
    assert norm("नमस्ते", strip_accents=True) == "नमस्ते"  # the virama is not an accent
    assert norm("Straße", strip_accents=True) == "straße"


def test_accents_kept_by_default():
    """Without strip_accents, accented letters are unchanged."""
    assert norm("Élève à Zürich") == "élève à zürich"


def test_normal_forms():
    """NFKC folds compatibility characters; NFKD leaves letters decomposed."""
    assert norm("ﬁne ①") == "fine 1"
    nfkd = norm("é", form="NFKD")
    assert nfkd == "e\u0301"


def test_whitespace_and_invisible_characters():
    """Tabs, newlines and no-break spaces collapse to one space; invisible marks vanish."""
    assert norm("  a\tb\n\u00a0c  soft\u00adhyphen\u200bzero \ue001 ") == "a b c softhyphenzero"


def test_shape_kept():
    """The output has the shape of the input."""
    out = normalize(tf.constant([["A B", "C."], ["D", "E!"]]))
    assert out.shape == (2, 2)
    assert out.numpy()[1, 1].decode() == "e !"


def test_runs_inside_tf_function_and_dataset():
    """normalize works in a traced graph and inside Dataset.map with the same result."""
    texts = ["Hallo, Welt!", "Ça va?"]
    eager = normalize(texts).numpy().tolist()
    traced = tf.function(normalize, input_signature=[tf.TensorSpec([None], tf.string)])
    assert traced(tf.constant(texts)).numpy().tolist() == eager
    mapped = [x.numpy() for x in tf.data.Dataset.from_tensor_slices(texts).map(normalize)]
    assert mapped == eager


def test_invalid_form_raises():
    """An unknown normal form is rejected with its name in the message."""
    try:
        normalize(["x"], form="NFC")
    except ValueError as error:
        assert "NFC" in str(error)
    else:
        raise AssertionError("normalize accepted form='NFC'")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_idempotent(text):
    """Normalizing twice gives what normalizing once gives."""
    once = norm(text)
    assert norm(once) == once
    assert once == once.strip() and "  " not in once
