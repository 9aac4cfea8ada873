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
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from keras_attn.datasets._sampling import Pair, distinct_pairs

LANGUAGE = "Zelan"

PLURAL_SUFFIX = "li"
TENSE_SUFFIXES = {"present": "", "past": "ti", "future": "ro"}
TENSES = tuple(TENSE_SUFFIXES)
NEGATION = "na"


@dataclass(frozen=True)
class Noun:
    """An English noun, its plural, its kind (what it can do or have done to it), in Zelan."""

    english: str
    plural: str
    kind: str  # person | animal | food | text | thing | place
    zelan: str


@dataclass(frozen=True)
class Verb:
    """An English verb (base, 3rd person singular, past), who does it, what to, in Zelan."""

    english: str
    third_person: str
    past: str
    subjects: frozenset[str]  # kinds of noun that can be the subject
    objects: frozenset[str]  # kinds of noun that can be the object; empty: intransitive
    zelan: str  # the stem; tense suffixes are added to it


_ANIMATE = frozenset({"person", "animal"})
_PERSON = frozenset({"person"})
_ANYTHING = frozenset({"person", "animal", "food", "text", "thing", "place"})
_THINGS = frozenset({"text", "thing"})


def _nouns(rows: str) -> tuple[Noun, ...]:
    nouns = []
    for row in rows.strip().splitlines():
        english, plural, kind, zelan = (cell.strip() for cell in row.split("|"))
        nouns.append(Noun(english, plural, kind, zelan))
    return tuple(nouns)


NOUNS = _nouns("""
man      | men      | person | oru
woman    | women    | person | ami
child    | children | person | pilu
teacher  | teachers | person | sefo dani
doctor   | doctors  | person | medo
farmer   | farmers  | person | gransu
friend   | friends  | person | tavo
king     | kings    | person | raku
dog      | dogs     | animal | wuna
cat      | cats     | animal | miso
bird     | birds    | animal | piko
horse    | horses   | animal | hesa
cow      | cows     | animal | mubo
mouse    | mice     | animal | kiri
apple    | apples   | food   | ova
banana   | bananas  | food   | bunu
cake     | cakes    | food   | tarki
egg      | eggs     | food   | gogo
book     | books    | text   | libo
letter   | letters  | text   | nota
ball     | balls    | thing  | bolu
box      | boxes    | thing  | kesta
hat      | hats     | thing  | hapo
chair    | chairs   | thing  | sela
cup      | cups     | thing  | tasu
car      | cars     | thing  | vago
house    | houses   | place  | dom
garden   | gardens  | place  | gaju
school   | schools  | place  | lerna kasa
forest   | forests  | place  | silvo
city     | cities   | place  | urbe
kitchen  | kitchens | place  | kuzi
""")

#: Adjective -> (kinds of noun it describes, Zelan word).
ADJECTIVES: dict[str, tuple[frozenset[str], str]] = {
    "big": (_ANYTHING, "gora"),
    "small": (_ANYTHING, "miku"),
    "old": (_ANYTHING, "vedi"),
    "beautiful": (_ANYTHING, "bela suna"),
    "red": (_ANYTHING - _PERSON, "reki"),
    "green": (_ANYTHING - _PERSON, "verda"),
    "blue": (_ANYTHING - _PERSON, "blau"),
    "black": (_ANYTHING - _PERSON, "nera"),
    "white": (_ANYTHING - _PERSON, "bala"),
    "young": (_ANIMATE, "jeni"),
    "happy": (_ANIMATE, "felu"),
    "hungry": (_ANIMATE, "fami"),
    "new": (_THINGS | {"place"}, "novi"),
}

_FOOD = frozenset({"food"})
_GOODS = frozenset({"food", "thing", "text", "animal"})


def _verbs(rows: list[tuple[str, str, str, frozenset[str], frozenset[str], str]]):
    return tuple(Verb(*row) for row in rows)


VERBS = _verbs([
    ("eat", "eats", "ate", _ANIMATE, _FOOD, "mika"),
    ("see", "sees", "saw", _ANIMATE, _ANYTHING, "vida"),
    ("like", "likes", "liked", _ANIMATE, _ANYTHING, "gusa"),
    ("want", "wants", "wanted", _ANIMATE, _GOODS, "vola"),
    ("find", "finds", "found", _ANIMATE, _GOODS | _PERSON, "trova"),
    ("carry", "carries", "carried", _ANIMATE, _GOODS, "porta"),
    ("love", "loves", "loved", _ANIMATE, _ANIMATE | _FOOD, "ama"),
    ("watch", "watches", "watched", _ANIMATE, _ANIMATE, "muka"),
    ("buy", "buys", "bought", _PERSON, _GOODS, "kompa"),
    ("sell", "sells", "sold", _PERSON, _GOODS, "venda"),
    ("cook", "cooks", "cooked", _PERSON, _FOOD, "kuira"),
    ("write", "writes", "wrote", _PERSON, frozenset({"text"}), "skiba"),
    ("paint", "paints", "painted", _PERSON, _THINGS | {"place"}, "pinta"),
    ("build", "builds", "built", _PERSON, frozenset({"thing", "place"}), "konsa"),
    ("clean", "cleans", "cleaned", _PERSON, _THINGS | {"place"}, "pura"),
    ("open", "opens", "opened", _PERSON, _THINGS, "apa"),
    ("visit", "visits", "visited", _PERSON, _PERSON | {"place"}, "vizi"),
    ("help", "helps", "helped", _PERSON, _ANIMATE, "hela"),
    ("hold", "holds", "held", _PERSON, _GOODS, "teno"),
    ("sleep", "sleeps", "slept", _ANIMATE, frozenset(), "dormi"),
    ("run", "runs", "ran", _ANIMATE, frozenset(), "kura"),
    ("walk", "walks", "walked", _ANIMATE, frozenset(), "paso"),
    ("swim", "swims", "swam", _ANIMATE, frozenset(), "nada"),
    ("sing", "sings", "sang", _ANIMATE, frozenset(), "kanta"),
    ("dance", "dances", "danced", _PERSON, frozenset(), "danza"),
    ("wait", "waits", "waited", _PERSON, frozenset(), "atena"),
    ("laugh", "laughs", "laughed", _PERSON, frozenset(), "rido"),
    ("work", "works", "worked", _PERSON, frozenset(), "laba"),
])  # fmt: skip

#: Pronoun (subject form) -> (object form, Zelan word, takes the 3rd person singular verb).
PRONOUNS: dict[str, tuple[str, str, bool]] = {
    "i": ("me", "ne", False),
    "you": ("you", "ko", False),
    "he": ("him", "sul", True),
    "she": ("her", "vel", True),
    "we": ("us", "nami", False),
    "they": ("them", "zon", False),
}

#: Determiner -> (singular form, plural form, Zelan word). "a" is "an" before a vowel.
DETERMINERS: dict[str, tuple[str, str, str]] = {
    "the": ("the", "the", "ta"),
    "a": ("a", "some", "en"),
    "this": ("this", "these", "si"),
    "my": ("my", "my", "mo"),
    "your": ("your", "your", "ku"),
    "our": ("our", "our", "nau"),
}

#: Preposition -> (kinds of noun it takes, Zelan postposition).
PREPOSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "in": (frozenset({"place"}), "ba"),
    "near": (frozenset({"place", "thing"}), "pe"),
    "with": (_ANIMATE, "do"),
    "for": (_PERSON, "gi"),
    "under": (frozenset({"thing"}), "lo"),
    "behind": (frozenset({"thing", "place"}), "ze"),
}

_NOUNS_BY_NAME = {noun.english: noun for noun in NOUNS}
_VERBS_BY_NAME = {verb.english: verb for verb in VERBS}


def _lexicon() -> dict[str, str]:
    entries: list[tuple[str, str]] = []
    entries += [(word, zelan) for word, (_, zelan, _) in PRONOUNS.items()]
    entries += [(word, zelan) for word, (_, _, zelan) in DETERMINERS.items()]
    entries += [(noun.english, noun.zelan) for noun in NOUNS]
    entries += [(word, zelan) for word, (_, zelan) in ADJECTIVES.items()]
    entries += [(verb.english, verb.zelan) for verb in VERBS]
    entries += [(word, zelan) for word, (_, zelan) in PREPOSITIONS.items()]
    entries.append(("not", NEGATION))
    lexicon = dict(entries)
    if len(lexicon) != len(entries):
        raise AssertionError("an English lemma is listed twice in the Zelan lexicon")
    return lexicon


#: Every English lemma -> its Zelan word (one or two tokens). One to one.
LEXICON: dict[str, str] = _lexicon()


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


def _english_np(phrase: NounPhrase) -> list[str]:
    noun = _NOUNS_BY_NAME[phrase.noun]
    singular, plural, _ = DETERMINERS[phrase.determiner]
    words = [phrase.adjective] if phrase.adjective else []
    words.append(noun.plural if phrase.plural else noun.english)
    determiner = plural if phrase.plural else singular
    if determiner == "a" and words[0][0] in "aeiou":
        determiner = "an"
    return [determiner, *words]


def _english_nominal(nominal: Nominal, as_object: bool) -> list[str]:
    if isinstance(nominal, str):
        object_form, _, _ = PRONOUNS[nominal]
        return [object_form if as_object else nominal]
    return _english_np(nominal)


def _third_person_singular(subject: Nominal) -> bool:
    if isinstance(subject, str):
        return PRONOUNS[subject][2]
    return not subject.plural


def _english_verb(sentence: Sentence) -> list[str]:
    verb = _VERBS_BY_NAME[sentence.verb]
    singular = _third_person_singular(sentence.subject)
    if sentence.tense == "future":
        return ["will", "not", verb.english] if sentence.negated else ["will", verb.english]
    if sentence.tense == "past":
        return ["did", "not", verb.english] if sentence.negated else [verb.past]
    if sentence.tense != "present":
        raise ValueError(f"unknown tense {sentence.tense!r}; known: {', '.join(TENSES)}")
    if sentence.negated:
        return ["does" if singular else "do", "not", verb.english]
    return [verb.third_person if singular else verb.english]


def english(sentence: Sentence) -> str:
    """The English sentence: "the happy children will not eat the red apples."."""
    words = _english_nominal(sentence.subject, as_object=False)
    words += _english_verb(sentence)
    if sentence.obj is not None:
        words += _english_nominal(sentence.obj, as_object=True)
    if sentence.pp is not None:
        words.append(sentence.pp.preposition)
        words += _english_nominal(sentence.pp.nominal, as_object=True)
    return " ".join(words) + "."


# --- Zelan ------------------------------------------------------------------------


def _zelan_np(phrase: NounPhrase) -> list[str]:
    noun = _NOUNS_BY_NAME[phrase.noun].zelan
    words = [noun + PLURAL_SUFFIX if phrase.plural else noun]
    if phrase.adjective:
        words.append(ADJECTIVES[phrase.adjective][1])
    words.append(DETERMINERS[phrase.determiner][2])
    return words


def _zelan_nominal(nominal: Nominal) -> list[str]:
    if isinstance(nominal, str):
        return [PRONOUNS[nominal][1]]
    return _zelan_np(nominal)


def verb_form(verb: str, tense: str) -> str:
    """The Zelan form of English verb ``verb`` in ``tense``: "eat", "past" -> "mikati"."""
    return _VERBS_BY_NAME[verb].zelan + TENSE_SUFFIXES[tense]


def translate(sentence: Sentence) -> str:
    """The Zelan sentence: subject, place, object, (``na``) verb+tense, then a period."""
    words = _zelan_nominal(sentence.subject)
    if sentence.pp is not None:
        words += _zelan_nominal(sentence.pp.nominal)
        words.append(PREPOSITIONS[sentence.pp.preposition][1])
    if sentence.obj is not None:
        words += _zelan_nominal(sentence.obj)
    if sentence.negated:
        words.append(NEGATION)
    words.append(verb_form(sentence.verb, sentence.tense))
    return " ".join(" ".join(words).split()) + "."


def zelan_forms() -> dict[str, set[str]]:
    """Every Zelan token by what it is: noun, adjective, verb, pronoun, ... (for checks)."""

    def tokens(words):
        return {token for word in words for token in word.split()}

    nouns = [noun.zelan for noun in NOUNS]
    return {
        "noun": tokens(nouns),
        "plural noun": {noun.split()[-1] + PLURAL_SUFFIX for noun in nouns},
        "adjective": tokens(zelan for _, zelan in ADJECTIVES.values()),
        "verb": {verb.zelan + suffix for verb in VERBS for suffix in TENSE_SUFFIXES.values()},
        "pronoun": {zelan for _, zelan, _ in PRONOUNS.values()},
        "determiner": {zelan for _, _, zelan in DETERMINERS.values()},
        "postposition": {zelan for _, zelan in PREPOSITIONS.values()},
        "negation": {NEGATION},
    }


# --- Random sentences -------------------------------------------------------------


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
    if kinds & _PERSON and rng.random() < 0.25:
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


def generate(count: int = 20_000, seed: int = 7) -> list[Pair]:
    """``count`` distinct ``(English, Zelan)`` pairs drawn with ``seed``."""
    return distinct_pairs(sample, count, seed)
