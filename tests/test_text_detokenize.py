"""Tests of keras_attn.text.detokenize: the spacing rules of readable text."""

from keras_attn.text import detokenize
from keras_attn.text.detokenize import join_chars, merge_pieces


def test_no_space_before_closing_or_after_opening():
    """Closing marks attach to the word before, opening marks to the word after."""
    words = "¿ qué ( la casa ) , dijo « hola » 50 % . . . !".split()
    assert detokenize(words) == "¿qué (la casa), dijo «hola» 50%...!"


def test_double_quotes_pair_up():
    """A straight double quote opens, the next one closes."""
    assert detokenize('he said " go home " and " stay " .'.split()) == (
        'he said "go home" and "stay".'
    )


def test_german_and_english_curly_quotes():
    """„…“ and “…” both pair up."""
    assert detokenize("er sagte „ ja “ .".split()) == "er sagte „ja“."
    assert detokenize("she said “ yes ” .".split()) == "she said “yes”."


def test_single_quotes_possessive_and_quote():
    """A lone apostrophe after an s is a possessive; otherwise it opens and closes quotes."""
    assert detokenize("the boys ' toys".split()) == "the boys' toys"
    assert detokenize("he said ' no ' .".split()) == "he said 'no'."


def test_cjk_joined_without_spaces():
    """Chinese ideographs and CJK punctuation join without spaces; other words keep them."""
    assert detokenize("我 爱 你 。 ok".split()) == "我爱你。 ok"


def test_merge_pieces_and_join_chars():
    """WordPiece continuations merge into words; char tokens split at the space token."""
    assert merge_pieces(["haus", "##es", "!", "##x"]) == ["hauses", "!x"]
    assert join_chars(list("ab▁c▁▁d")) == ["ab", "c", "d"]
