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

from keras_attn.datasets._sampling import AlignedPair, Pair, distinct_pairs, pharaoh_line

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
#
# Both sides are built as lists of ``(word, tag)``: the tag names the part of the clause a
# word stands for (``("subject", "noun")``, ``("verb", "main")``, ...), so the word
# alignment is read off by matching tags (see :func:`aligned`).

Tagged = list[tuple[str, tuple]]


def _english_np(phrase: NounPhrase, slot: tuple = ()) -> Tagged:
    noun = _NOUNS_BY_NAME[phrase.noun]
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
    verb = _VERBS_BY_NAME[sentence.verb]
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


def _english_words(sentence: Sentence, slot: tuple = ()) -> Tagged:
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
    return " ".join(word for word, _ in _english_words(sentence)) + "."


# --- Zelan ------------------------------------------------------------------------


def _zelan_np(phrase: NounPhrase, slot: tuple = ()) -> Tagged:
    noun = _NOUNS_BY_NAME[phrase.noun].zelan
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
    return _VERBS_BY_NAME[verb].zelan + TENSE_SUFFIXES[tense]


def _zelan_words(sentence: Sentence, slot: tuple = ()) -> Tagged:
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
    return " ".join(token for token, _ in _zelan_words(sentence)) + "."


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
    english_words, zelan_words = _english_words(sentence), _zelan_words(sentence)
    return (english(sentence), translate(sentence),
            _links(english_words, zelan_words, {(): sentence}))


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


# --- Long sentences ---------------------------------------------------------------

#: English conjunction -> Zelan conjunction. Clauses keep their order in Zelan.
CONJUNCTIONS: dict[str, str] = {"and": "ke", "but": "ma", "while": "dun"}
#: The longest long sentence, in English words (the period belongs to the last word).
LONG_MAX_WORDS = 50


@dataclass(frozen=True)
class LongSentence:
    """Clauses joined by conjunctions: ``conjunctions[k]`` stands between clause k and k+1."""

    clauses: tuple[Sentence, ...]
    conjunctions: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.clauses or len(self.conjunctions) != len(self.clauses) - 1:
            raise ValueError(f"{len(self.clauses)} clause(s) need {len(self.clauses) - 1} "
                             f"conjunction(s), got {len(self.conjunctions)}")


def _long_words(sentence: LongSentence, side) -> Tagged:
    words: Tagged = []
    for k, clause in enumerate(sentence.clauses):
        if k:
            conjunction = sentence.conjunctions[k - 1]
            shown = conjunction if side is _english_words else CONJUNCTIONS[conjunction]
            words.append((shown, (k, "conjunction")))
        words += side(clause, (k,))
    return words


def english_long(sentence: LongSentence) -> str:
    """The English of a long sentence: its clauses joined by their conjunctions."""
    return " ".join(word for word, _ in _long_words(sentence, _english_words)) + "."


def translate_long(sentence: LongSentence) -> str:
    """The Zelan of a long sentence: each clause translated, in the same order, joined by
    the Zelan conjunctions."""
    return " ".join(token for token, _ in _long_words(sentence, _zelan_words)) + "."


def aligned_long(sentence: LongSentence) -> AlignedPair:
    """``(english, zelan, alignment)`` of a long sentence, as :func:`aligned` describes;
    each conjunction is linked to its Zelan conjunction."""
    english_words = _long_words(sentence, _english_words)
    zelan_words = _long_words(sentence, _zelan_words)
    clauses = {(k,): clause for k, clause in enumerate(sentence.clauses)}
    return english_long(sentence), translate_long(sentence), _links(
        english_words, zelan_words, clauses)


def random_long_sentence(rng: random.Random, max_words: int = LONG_MAX_WORDS) -> LongSentence:
    """Clauses of :func:`random_sentence` joined by conjunctions, up to ``max_words``
    English words: a length is drawn uniformly from 2 to ``max_words`` and clauses are
    added until the sentence reaches it (or the next clause would not fit)."""
    goal = rng.randint(2, max_words)
    clauses = [random_sentence(rng)]
    conjunctions: list[str] = []
    length = len(_english_words(clauses[0]))
    while length < goal:
        clause = random_sentence(rng)
        conjunction = rng.choice(tuple(CONJUNCTIONS))
        added = 1 + len(_english_words(clause))
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
