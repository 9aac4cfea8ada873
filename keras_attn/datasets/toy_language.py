"""Simple English sentences and their translation into Zelan, a made-up language.

Zelan is translated from English by rule, so a model can learn it exactly, and its word
order differs from English in ways an attention heatmap shows at a glance:

* **Subject, place, object, verb** (SOV): ``the dog eats an apple in the garden.`` ->
  ``wuna ta gaju ta ba ova en mika.`` -- "dog the garden the in apple a eat".
* **Noun phrases run backwards**: noun, then adjective, then determiner
  (``the red dog`` -> ``wuna reki ta``).
* **Postpositions**: the adposition follows its noun phrase (``in the house`` ->
  ``dom ta ba``).
* **Plural** is the suffix ``-li`` on the noun (``wuna`` dog, ``wunali`` dogs).
* **Tense** is a verb suffix: none for the present, ``-ti`` past, ``-ro`` future
  (``mika`` eat(s), ``mikati`` ate, ``mikaro`` will eat). Verbs do not agree with their
  subject.
* **Negation** is the particle ``na`` right before the verb (``he does not eat`` ->
  ``sul na mika``).
* Pronouns have one form (``sul`` is both "he" and "him").

Every English lemma has its own Zelan word (:data:`LEXICON`); a few Zelan words are two
tokens (``teacher`` -> ``sefo dani``), and then the plural suffix goes on the last token.
English sentences are lowercase (``i`` included), correctly inflected ("he eats", "they
eat", "she ate", "we will eat", "he does not eat"), and end in a period, as do the Zelan
ones.

The words are in :mod:`keras_attn.datasets.zelan_lexicon`, the rules that write a
sentence in both languages with its gold alignment in
:mod:`keras_attn.datasets.zelan_grammar`; this module draws random sentences and makes the
dataset's pairs. Every name of the three is importable from here.
"""

from __future__ import annotations

import random

from keras_attn.datasets._sampling import AlignedPair, Pair, distinct_pairs
from keras_attn.datasets.zelan_grammar import (
    LongSentence,
    Nominal,
    NounPhrase,
    PrepPhrase,
    Sentence,
    Tagged,
    aligned,
    aligned_long,
    english,
    english_long,
    english_words,
    translate,
    translate_long,
    verb_form,
    zelan_words,
)
from keras_attn.datasets.zelan_lexicon import (
    ADJECTIVES,
    CONJUNCTIONS,
    DETERMINERS,
    LANGUAGE,
    LEXICON,
    NEGATION,
    NOUNS,
    PLURAL_SUFFIX,
    PREPOSITIONS,
    PRONOUNS,
    TENSE_SUFFIXES,
    TENSES,
    VERBS,
    Noun,
    Verb,
    zelan_forms,
)

__all__ = [
    "ADJECTIVES",
    "CONJUNCTIONS",
    "DETERMINERS",
    "LANGUAGE",
    "LEXICON",
    "LONG_MAX_WORDS",
    "NEGATION",
    "NOUNS",
    "PLURAL_SUFFIX",
    "PREPOSITIONS",
    "PRONOUNS",
    "TENSES",
    "TENSE_SUFFIXES",
    "VERBS",
    "LongSentence",
    "Nominal",
    "Noun",
    "NounPhrase",
    "PrepPhrase",
    "Sentence",
    "Tagged",
    "Verb",
    "aligned",
    "aligned_long",
    "english",
    "english_long",
    "english_words",
    "generate",
    "generate_aligned",
    "generate_long",
    "generate_long_aligned",
    "random_long_sentence",
    "random_sentence",
    "sample",
    "sample_aligned",
    "sample_long_aligned",
    "translate",
    "translate_long",
    "verb_form",
    "zelan_forms",
    "zelan_words",
]

#: The longest long sentence, in English words (the period belongs to the last word).
LONG_MAX_WORDS = 50


def _random_np(rng: random.Random, kinds: frozenset[str]) -> NounPhrase:
    noun = rng.choice([noun for noun in NOUNS if noun.kind in kinds])
    adjective = None
    if rng.random() < 0.35:
        fitting = [word for word, (takes, _) in ADJECTIVES.items() if noun.kind in takes]
        adjective = rng.choice(fitting)
    return NounPhrase(
        noun=noun.english,
        determiner=rng.choice(tuple(DETERMINERS)),
        adjective=adjective,
        plural=rng.random() < 0.3,
    )


def _random_nominal(rng: random.Random, kinds: frozenset[str], avoid: str | None = None):
    if "person" in kinds and rng.random() < 0.25:
        pronouns = [word for word in PRONOUNS if word != avoid]
        return rng.choice(pronouns)
    return _random_np(rng, kinds)


def random_sentence(rng: random.Random) -> Sentence:
    """A random sentence that makes some sense (people cook, cows do not write)."""
    verb = rng.choice(VERBS)
    if rng.random() < 0.4:
        subject: Nominal = rng.choice(tuple(PRONOUNS))
    else:
        subject = _random_np(rng, verb.subjects)
    # A pronoun object that repeats the subject would be reflexive ("he sees him").
    avoid = subject if isinstance(subject, str) else None
    obj = _random_nominal(rng, verb.objects, avoid) if verb.objects else None
    pp = None
    if rng.random() < 0.4:
        preposition = rng.choice(tuple(PREPOSITIONS))
        pp = PrepPhrase(preposition, _random_nominal(rng, PREPOSITIONS[preposition][0], avoid))
    return Sentence(
        subject=subject,
        verb=verb.english,
        tense=rng.choice(TENSES),
        negated=rng.random() < 0.25,
        obj=obj,
        pp=pp,
    )


def sample(rng: random.Random) -> Pair:
    """One pair: a random sentence in English and in Zelan."""
    sentence = random_sentence(rng)
    return english(sentence), translate(sentence)


def sample_aligned(rng: random.Random) -> AlignedPair:
    """:func:`sample` with the gold alignment: the same pair for the same random state."""
    return aligned(random_sentence(rng))


def generate(count: int = 20_000, seed: int = 7) -> list[Pair]:
    """``count`` distinct ``(English, Zelan)`` pairs drawn with ``seed``."""
    return distinct_pairs(sample, count, seed)


def generate_aligned(count: int = 20_000, seed: int = 7, exclude=()) -> list[AlignedPair]:
    """The pairs of :func:`generate` with their gold alignments (see :func:`aligned`);
    sources in ``exclude`` are skipped."""
    return distinct_pairs(sample_aligned, count, seed, exclude)


def random_long_sentence(rng: random.Random, max_words: int = LONG_MAX_WORDS) -> LongSentence:
    """Clauses of :func:`random_sentence` joined by conjunctions, up to ``max_words``
    English words: a length is drawn uniformly from 2 to ``max_words`` and clauses are
    added until the sentence reaches it (or the next clause would not fit)."""
    goal = rng.randint(2, max_words)
    clauses = [random_sentence(rng)]
    conjunctions: list[str] = []
    length = len(english_words(clauses[0]))
    while length < goal:
        clause = random_sentence(rng)
        conjunction = rng.choice(tuple(CONJUNCTIONS))
        added = 1 + len(english_words(clause))
        if length + added > max_words:
            break
        clauses.append(clause)
        conjunctions.append(conjunction)
        length += added
    return LongSentence(tuple(clauses), tuple(conjunctions))


def sample_long_aligned(rng: random.Random) -> AlignedPair:
    """One long pair with its gold alignment."""
    return aligned_long(random_long_sentence(rng))


def generate_long(count: int = 8_000, seed: int = 4050) -> list[Pair]:
    """``count`` distinct long ``(English, Zelan)`` pairs, 2 to 50 English words each."""
    return [(source, target) for source, target, _ in generate_long_aligned(count, seed)]


def generate_long_aligned(count: int = 8_000, seed: int = 4050, exclude=()) -> list[AlignedPair]:
    """The pairs of :func:`generate_long` with their gold alignments."""
    return distinct_pairs(sample_long_aligned, count, seed, exclude)
