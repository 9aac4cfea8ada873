"""The Zelan lexicon: every English word of the toy-language task and its Zelan word.

Nouns with their plural and kind (what they can do or have done to them), verbs with
their forms and the kinds of subject and object they take, adjectives, pronouns,
determiners, prepositions (Zelan postpositions), conjunctions, and the suffixes and
particles of the grammar (:mod:`keras_attn.datasets.zelan_grammar`). A declarative table:
one English lemma, one Zelan word (:data:`LEXICON` checks that no lemma is listed twice).
"""

from __future__ import annotations

from dataclasses import dataclass

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

#: English conjunction -> Zelan conjunction. Clauses keep their order in Zelan.
CONJUNCTIONS: dict[str, str] = {"and": "ke", "but": "ma", "while": "dun"}

#: Each noun and verb by its English lemma.
NOUN_BY_NAME = {noun.english: noun for noun in NOUNS}
VERB_BY_NAME = {verb.english: verb for verb in VERBS}


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
