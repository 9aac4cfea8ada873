"""Zelan grammar: English clauses, their English and Zelan words, the gold alignment.

A :class:`Sentence` (one clause) or :class:`LongSentence` (clauses joined by
conjunctions) is written out in English (:func:`english`) and translated into Zelan by
rule (:func:`translate`); :func:`aligned` gives both with the gold word alignment. The
rules are those of :mod:`keras_attn.datasets.toy_language`; the words come from
:mod:`keras_attn.datasets.zelan_lexicon`.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_attn.datasets._sampling import AlignedPair, pharaoh_line
from keras_attn.datasets.zelan_lexicon import (
    ADJECTIVES,
    CONJUNCTIONS,
    DETERMINERS,
    NEGATION,
    NOUN_BY_NAME,
    PLURAL_SUFFIX,
    PREPOSITIONS,
    PRONOUNS,
    TENSE_SUFFIXES,
    TENSES,
    VERB_BY_NAME,
)


@dataclass(frozen=True)
class NounPhrase:
    """A noun with a determiner, an optional adjective, singular or plural."""

    noun: str
    determiner: str = "the"
    adjective: str | None = None
    plural: bool = False


#: A pronoun is given by its subject form ("he"); as an object it is written "him".
Nominal = NounPhrase | str


@dataclass(frozen=True)
class PrepPhrase:
    """A preposition and the noun phrase or pronoun it governs: "with a red dog"."""

    preposition: str
    nominal: Nominal


@dataclass(frozen=True)
class Sentence:
    """One clause: subject, verb with tense and polarity, optional object and place."""

    subject: Nominal
    verb: str
    tense: str = "present"
    negated: bool = False
    obj: Nominal | None = None
    pp: PrepPhrase | None = None


# --- English ----------------------------------------------------------------------
#
# Both sides are built as lists of ``(word, tag)``: the tag names the part of the clause a
# word stands for (``("subject", "noun")``, ``("verb", "main")``, ...), so the word
# alignment is read off by matching tags (see :func:`aligned`).

Tagged = list[tuple[str, tuple]]


def _english_np(phrase: NounPhrase, slot: tuple = ()) -> Tagged:
    noun = NOUN_BY_NAME[phrase.noun]
    singular, plural, _ = DETERMINERS[phrase.determiner]
    words = [(phrase.adjective, (*slot, "adjective"))] if phrase.adjective else []
    words.append((noun.plural if phrase.plural else noun.english, (*slot, "noun")))
    determiner = plural if phrase.plural else singular
    if determiner == "a" and words[0][0][0] in "aeiou":
        determiner = "an"
    return [(determiner, (*slot, "determiner")), *words]


def _english_nominal(nominal: Nominal, as_object: bool, slot: tuple = ()) -> Tagged:
    if isinstance(nominal, str):
        object_form, _, _ = PRONOUNS[nominal]
        return [(object_form if as_object else nominal, (*slot, "pronoun"))]
    return _english_np(nominal, slot)


def _third_person_singular(subject: Nominal) -> bool:
    if isinstance(subject, str):
        return PRONOUNS[subject][2]
    return not subject.plural


def _english_verb(sentence: Sentence, slot: tuple = ()) -> Tagged:
    verb = VERB_BY_NAME[sentence.verb]
    singular = _third_person_singular(sentence.subject)
    main, helper, negation = (*slot, "verb"), (*slot, "helper"), (*slot, "not")
    if sentence.tense == "future":
        if sentence.negated:
            return [("will", helper), ("not", negation), (verb.english, main)]
        return [("will", helper), (verb.english, main)]
    if sentence.tense == "past":
        if sentence.negated:
            return [("did", helper), ("not", negation), (verb.english, main)]
        return [(verb.past, main)]
    if sentence.tense != "present":
        raise ValueError(f"unknown tense {sentence.tense!r}; known: {', '.join(TENSES)}")
    if sentence.negated:
        return [("does" if singular else "do", helper), ("not", negation), (verb.english, main)]
    return [(verb.third_person if singular else verb.english, main)]


def english_words(sentence: Sentence, slot: tuple = ()) -> Tagged:
    """The English words of one clause (no period), each with its tag."""
    words = _english_nominal(sentence.subject, as_object=False, slot=(*slot, "subject"))
    words += _english_verb(sentence, slot)
    if sentence.obj is not None:
        words += _english_nominal(sentence.obj, as_object=True, slot=(*slot, "object"))
    if sentence.pp is not None:
        words.append((sentence.pp.preposition, (*slot, "preposition")))
        words += _english_nominal(sentence.pp.nominal, as_object=True, slot=(*slot, "place"))
    return words


def english(sentence: Sentence) -> str:
    """The English sentence: "the happy children will not eat the red apples."."""
    return " ".join(word for word, _ in english_words(sentence)) + "."


# --- Zelan ------------------------------------------------------------------------


def _zelan_np(phrase: NounPhrase, slot: tuple = ()) -> Tagged:
    noun = NOUN_BY_NAME[phrase.noun].zelan
    words = [(noun + PLURAL_SUFFIX if phrase.plural else noun, (*slot, "noun"))]
    if phrase.adjective:
        words.append((ADJECTIVES[phrase.adjective][1], (*slot, "adjective")))
    words.append((DETERMINERS[phrase.determiner][2], (*slot, "determiner")))
    return words


def _zelan_nominal(nominal: Nominal, slot: tuple = ()) -> Tagged:
    if isinstance(nominal, str):
        return [(PRONOUNS[nominal][1], (*slot, "pronoun"))]
    return _zelan_np(nominal, slot)


def verb_form(verb: str, tense: str) -> str:
    """The Zelan form of English verb ``verb`` in ``tense``: "eat", "past" -> "mikati"."""
    return VERB_BY_NAME[verb].zelan + TENSE_SUFFIXES[tense]


def zelan_words(sentence: Sentence, slot: tuple = ()) -> Tagged:
    """The Zelan tokens of one clause (no period), each with its tag; a two-token word
    ("sefo dani") gives two tokens with the same tag."""
    words = _zelan_nominal(sentence.subject, (*slot, "subject"))
    if sentence.pp is not None:
        words += _zelan_nominal(sentence.pp.nominal, (*slot, "place"))
        words.append((PREPOSITIONS[sentence.pp.preposition][1], (*slot, "preposition")))
    if sentence.obj is not None:
        words += _zelan_nominal(sentence.obj, (*slot, "object"))
    if sentence.negated:
        words.append((NEGATION, (*slot, "not")))
    words.append((verb_form(sentence.verb, sentence.tense), (*slot, "verb")))
    return [(token, tag) for word, tag in words for token in word.split()]


def translate(sentence: Sentence) -> str:
    """The Zelan sentence: subject, place, object, (``na``) verb+tense, then a period."""
    return " ".join(token for token, _ in zelan_words(sentence)) + "."


# --- Word alignment ---------------------------------------------------------------


def _links(english_words: Tagged, zelan_words: Tagged, sentences: dict) -> str:
    """The Pharaoh line linking words with the same tag (see :func:`aligned`)."""
    by_tag: dict[tuple, list[int]] = {}
    for i, (_, tag) in enumerate(english_words):
        by_tag.setdefault(tag, []).append(i)
    sure: set[tuple[int, int]] = set()
    possible: set[tuple[int, int]] = set()
    for j, (_, tag) in enumerate(zelan_words):
        sure.update((i, j) for i in by_tag.get(tag, ()))
        if tag[-1] == "verb":  # the tense suffix says what `will` / `did` said
            helpers = by_tag.get((*tag[:-1], "helper"), ())
            present = sentences[tag[:-1]].tense == "present"  # `do` / `does`: nothing
            (possible if present else sure).update((i, j) for i in helpers)
    if english_words and zelan_words:  # both last words carry the period
        possible.add((len(english_words) - 1, len(zelan_words) - 1))
    return pharaoh_line(sure, possible)


def aligned(sentence: Sentence) -> AlignedPair:
    """``(english, zelan, alignment)``: the pair and its gold word alignment.

    The alignment is a Pharaoh line of ``i-j`` (sure) and ``i?j`` (possible) links between
    the whitespace-separated words of the English (``i``) and Zelan (``j``) sentences,
    counted from 0, the period belonging to the last word. Every Zelan token is linked to
    the English word it translates: noun, adjective, determiner (``en`` to ``a``, ``an``
    or ``some``), pronoun, postposition to preposition, ``na`` to ``not``; the verb to the
    English verb and, for its tense suffix, to ``will`` or ``did`` (sure) or ``do``/``does``
    (possible: the present has no suffix). The two last words, which carry the periods,
    are linked as possible.
    """
    return (
        english(sentence),
        translate(sentence),
        _links(english_words(sentence), zelan_words(sentence), {(): sentence}),
    )


# --- Long sentences ---------------------------------------------------------------


@dataclass(frozen=True)
class LongSentence:
    """Clauses joined by conjunctions: ``conjunctions[k]`` stands between clause k and k+1."""

    clauses: tuple[Sentence, ...]
    conjunctions: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.clauses or len(self.conjunctions) != len(self.clauses) - 1:
            raise ValueError(
                f"{len(self.clauses)} clause(s) need {len(self.clauses) - 1} "
                f"conjunction(s), got {len(self.conjunctions)}"
            )


def _long_words(sentence: LongSentence, side) -> Tagged:
    words: Tagged = []
    for k, clause in enumerate(sentence.clauses):
        if k:
            conjunction = sentence.conjunctions[k - 1]
            shown = conjunction if side is english_words else CONJUNCTIONS[conjunction]
            words.append((shown, (k, "conjunction")))
        words += side(clause, (k,))
    return words


def english_long(sentence: LongSentence) -> str:
    """The English of a long sentence: its clauses joined by their conjunctions."""
    return " ".join(word for word, _ in _long_words(sentence, english_words)) + "."


def translate_long(sentence: LongSentence) -> str:
    """The Zelan of a long sentence: each clause translated, in the same order, joined by
    the Zelan conjunctions."""
    return " ".join(token for token, _ in _long_words(sentence, zelan_words)) + "."


def aligned_long(sentence: LongSentence) -> AlignedPair:
    """``(english, zelan, alignment)`` of a long sentence, as :func:`aligned` describes;
    each conjunction is linked to its Zelan conjunction."""
    clauses = {(k,): clause for k, clause in enumerate(sentence.clauses)}
    return (
        english_long(sentence),
        translate_long(sentence),
        _links(_long_words(sentence, english_words), _long_words(sentence, zelan_words), clauses),
    )
