"""The bundled sample datasets: generators, conventions, bundled files and their API."""

from __future__ import annotations

import datetime
import random
import re
import sys
from pathlib import Path

import pytest

from keras_attn.datasets import (
    DATASETS,
    bundled_dir,
    dataset_path,
    dates,
    generate,
    main,
    numbers,
    registry,
    to_tsv,
    write_dataset,
)
from keras_attn.datasets import toy_language as toy
from keras_attn.datasets._sampling import distinct_pairs

NAMES = ("dates", "numbers", "toy_language")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def default_pairs():
    """The pairs of every dataset with its default count and seed (made once)."""
    return {name: generate(name) for name in NAMES}


# --- All datasets -----------------------------------------------------------------


def test_registry_describes_each_dataset():
    """DATASETS lists the four datasets with tokenizers the config accepts."""
    from keras_attn.config import TOKENIZERS

    assert tuple(DATASETS) == (*NAMES, "toy_language_long")
    expected = {"dates": ("char", "char"), "numbers": ("word", "char"),
                "toy_language": ("word", "word"),
                "toy_language_long": ("word", "word")}  # fmt: skip
    for name, dataset in DATASETS.items():
        assert dataset.name == name
        assert (dataset.source_tokenizer, dataset.target_tokenizer) == expected[name]
        assert {dataset.source_tokenizer, dataset.target_tokenizer} <= set(TOKENIZERS)
        assert dataset.default_count >= 5000
        assert dataset.description and dataset.conventions and dataset.attention


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_pairs_other_seed_other_pairs(name):
    """A seed fixes the pairs exactly; another seed gives other pairs."""
    first = generate(name, count=800, seed=5)
    assert first == generate(name, count=800, seed=5)
    assert len(first) == 800
    other = generate(name, count=800, seed=6)
    assert other != first
    assert len(set(other) - set(first)) > 400


@pytest.mark.parametrize("name", NAMES)
def test_pairs_are_distinct_single_line_and_stripped(name, default_pairs):
    """Default pairs: the default count, no repeated source or pair, clean one-line text."""
    pairs = default_pairs[name]
    assert len(pairs) == DATASETS[name].default_count
    assert len({source for source, _ in pairs}) == len(pairs)
    assert len(set(pairs)) == len(pairs)
    for source, target in pairs:
        for text in (source, target):
            assert text and text == text.strip() and "  " not in text
            assert not any(mark in text for mark in "\t\r\n")


def test_generators_use_only_the_standard_library():
    """The generator modules import only the standard library and each other (no numpy,
    TensorFlow or Qt), so they stay quick and portable."""
    import ast

    folder = ROOT / "keras_attn" / "datasets"
    for module in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." if node.level else "") + (node.module or "")]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert (
                    name.startswith(".")
                    or name.startswith("keras_attn.datasets")
                    or top in sys.stdlib_module_names
                ), f"{module.name} imports {name}"


def test_count_must_be_positive_and_fit_the_space():
    """A bad count is refused, and asking for more distinct pairs than exist fails."""
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="count"):
            generate("numbers", count=bad)
    with pytest.raises(KeyError, match="known: dates, numbers, toy_language"):
        generate("weather")
    draw = lambda rng: rng.choice([("a", "1"), ("b", "2"), ("c", "3")])  # noqa: E731
    assert len(distinct_pairs(draw, 3, seed=0)) == 3
    with pytest.raises(ValueError, match="only make 3 distinct pairs"):
        distinct_pairs(draw, 4, seed=0)


# --- Bundled files ----------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_bundled_files_equal_the_generator_output(name, default_pairs):
    """The bundled TSV and card are exactly what the default seed makes, byte for byte."""
    path = dataset_path(name)
    data = path.read_bytes()
    assert data == to_tsv(default_pairs[name]).encode("utf-8")
    card = path.with_suffix(".md").read_text(encoding="utf-8")
    dataset = DATASETS[name]
    assert card == registry.render_card(
        name, default_pairs[name], seed=dataset.default_seed, size_bytes=len(data)
    )
    assert len(data) < 1_500_000


def test_bundled_index_lists_every_dataset():
    """assets/datasets/README.md is the index the generators make, naming every file."""
    sizes = {name: (DATASETS[name].default_count, dataset_path(name).stat().st_size)
             for name in DATASETS}  # fmt: skip
    text = (bundled_dir() / "README.md").read_text(encoding="utf-8")
    assert text == registry.render_index(sizes)
    for name in DATASETS:
        assert f"[`{name}.tsv`]({name}.md)" in text
    assert "python scripts/make_datasets.py" in text


def test_dataset_path_finds_the_packaged_files():
    """dataset_path points into the assets package and refuses unknown names."""
    import importlib.resources

    for name in NAMES:
        path = dataset_path(name)
        assert path.is_file() and path.name == f"{name}.tsv"
        assert path.parent == Path(str(importlib.resources.files("keras_attn.assets") / "datasets"))
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert len(first.split("\t")) == 2
    with pytest.raises(KeyError):
        dataset_path("weather")


@pytest.mark.parametrize("name", NAMES)
def test_the_data_reader_reads_bundled_files_whole(name, default_pairs):
    """keras_attn.data reads every bundled pair back unchanged, with no header taken."""
    from keras_attn.data import read_parallel

    data = read_parallel(dataset_path(name))
    assert data.pairs == default_pairs[name]


def test_write_dataset_writes_tsv_and_card_on_request(tmp_path):
    """write_dataset writes the TSV (into a directory too); a card only when asked."""
    path = write_dataset("dates", tmp_path / "d.tsv", count=30, seed=2)
    assert path == tmp_path / "d.tsv"
    assert path.read_bytes() == to_tsv(generate("dates", count=30, seed=2)).encode()
    assert not (tmp_path / "d.md").exists()
    in_dir = write_dataset("toy_language", tmp_path, count=40, seed=1, card=True)
    assert in_dir == tmp_path / "toy_language.tsv"
    assert len(in_dir.read_text(encoding="utf-8").splitlines()) == 40
    card = (tmp_path / "toy_language.md").read_text(encoding="utf-8")
    assert "**Pairs:** 40 " in card and "seed 1;" in card and "target `word`" in card


def test_command_line_writes_one_dataset(tmp_path, capsys):
    """`python -m keras_attn.datasets NAME --count --seed --out` writes that dataset."""
    out = tmp_path / "n.tsv"
    assert main(["numbers", "--count", "25", "--seed", "4", "--out", str(out)]) == 0
    assert out.read_bytes() == to_tsv(generate("numbers", count=25, seed=4)).encode()
    assert "wrote" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--count", "5"])


# --- dates ------------------------------------------------------------------------

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]  # fmt: skip
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_FULL = (
    r"(?P<m>January|February|March|April|May|June|July|August|September|October|November|December)"
)
_ABBR = r"(?P<m>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_WEEKDAY = r"(?P<w>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# Independent readers of every written form: pattern -> how its numbers are read.
_READERS = [
    rf"{_WEEKDAY}, (?P<d>\d{{1,2}}) {_FULL} (?P<y>\d{{4}})",
    r"(?P<w>MON|TUE|WED|THU|FRI|SAT|SUN) (?P<d>\d{1,2}) (?P<m>[A-Z]{3}) (?P<y>\d{4})",
    rf"(?P<d>\d{{1,2}}) {_FULL} (?P<y>\d{{4}})",
    rf"(?P<d>\d{{1,2}})\. {_FULL} (?P<y>\d{{4}})",
    r"(?P<d>\d{1,2}) (?P<m>[a-z]{3}) (?P<y>\d{4})",
    rf"(?P<d>\d{{2}})-{_ABBR}-(?P<y>\d{{4}})",
    rf"{_ABBR} (?P<d>\d{{1,2}})(?P<o>st|nd|rd|th), (?P<y>\d{{4}})",
    r"(?P<m>[a-z]+) (?P<d>\d{1,2}), (?P<y>\d{4})",
    rf"{_WEEKDAY}, {_FULL} (?P<d>\d{{1,2}}), (?P<y>\d{{4}})",
    rf"the (?P<d>\d{{1,2}})(?P<o>st|nd|rd|th) of {_FULL} (?P<y>\d{{4}})",
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})",
    r"(?P<d>\d{2})\.(?P<m>\d{2})\.(?P<y>\d{4})",
    r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})",  # day first, padded or not
    r"(?P<d>\d{2})/(?P<m>\d{2})/(?P<yy>\d{2})",  # two-digit year: 50-99 -> 19xx
    r"(?P<m>\d{2})/(?P<d>\d{2})/(?P<y>\d{4})(?P<us>)",  # month first: only if day > 12
]


def _month_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    for number, name in enumerate(_MONTHS, start=1):
        if text.lower() in (name, name[:3]):
            return number
    raise ValueError(text)


def _readings(source: str) -> set[datetime.date]:
    """Every date any reader finds in ``source`` (a valid source gives exactly one)."""
    found = set()
    for pattern in _READERS:
        match = re.fullmatch(pattern, source)
        if not match:
            continue
        parts = match.groupdict()
        if parts.get("yy") is not None:
            year = int(parts["yy"]) + (1900 if int(parts["yy"]) >= 50 else 2000)
        else:
            year = int(parts["y"])
        day = int(parts["d"])
        if parts.get("us") is not None and day <= 12:
            continue
        try:
            date = datetime.date(year, _month_number(parts["m"]), day)
        except ValueError:
            continue
        if parts.get("w") is not None:
            weekday = parts["w"].lower()
            assert _DAYS[date.weekday()].startswith(weekday), f"wrong weekday in {source!r}"
        if parts.get("o") is not None:
            assert parts["o"] == {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd",
                                  31: "st"}.get(day, "th"), source  # fmt: skip
        found.add(date)
    return found


def test_every_date_source_names_exactly_its_target(default_pairs):
    """Read back independently, each written date means one date: its ISO target."""
    for source, target in default_pairs["dates"]:
        date = datetime.date.fromisoformat(target)
        assert target == f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
        assert dates.FIRST <= date <= dates.LAST
        assert _readings(source) == {date}, source


def test_each_date_format_reads_back_over_random_dates():
    """Every format, over random dates it may write, reads back to that date alone."""
    rng = random.Random(11)
    for fmt in dates.FORMATS:
        for _ in range(300):
            date = dates.random_date(rng, fmt)
            text = dates.render(date, fmt)
            assert _readings(text) == {date}, (fmt, text)
            assert dates.iso(date) == date.isoformat()


def test_date_formats_match_the_documented_examples():
    """2026-11-26 is written as the card says, with Thursday as its weekday."""
    day = datetime.date(2026, 11, 26)
    written = {fmt: dates.render(day, fmt) for fmt in dates.FORMATS}
    assert written == {
        "weekday_day_month_year": "Thursday, 26 November 2026",
        "upper_abbreviated": "THU 26 NOV 2026",
        "day_month_year": "26 November 2026",
        "day_dot_month_year": "26. November 2026",
        "lower_abbreviated": "26 nov 2026",
        "dashed_abbreviated": "26-Nov-2026",
        "us_abbreviated_ordinal": "Nov 26th, 2026",
        "us_lower": "november 26, 2026",
        "us_weekday": "Thursday, November 26, 2026",
        "ordinal_of_month": "the 26th of November 2026",
        "year_first_slashes": "2026/11/26",
        "dots": "26.11.2026",
        "day_first_slashes": "26/11/2026",
        "day_first_slashes_unpadded": "26/11/2026",
        "day_first_slashes_short_year": "26/11/26",
        "us_slashes": "11/26/2026",
    }
    card = dataset_path("dates").with_suffix(".md").read_text(encoding="utf-8")
    assert all(f"`{text}`" in card for text in written.values())
    assert [dates.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"
    ]  # fmt: skip


def test_ambiguous_numeric_dates_are_never_written():
    """Month-first only for days over 12, two-digit years only for 1950-2049."""
    with pytest.raises(ValueError):
        dates.render(datetime.date(2026, 11, 3), "us_slashes")
    with pytest.raises(ValueError):
        dates.render(datetime.date(1926, 11, 26), "day_first_slashes_short_year")
    assert dates.render(datetime.date(2049, 1, 2), "day_first_slashes_short_year") == "02/01/49"
    assert dates.render(datetime.date(1950, 1, 2), "day_first_slashes_short_year") == "02/01/50"
    pairs = generate("dates", count=6000, seed=3)
    years = {datetime.date.fromisoformat(target).year for _, target in pairs}
    assert min(years) < 1910 and max(years) > 2090


# --- numbers ----------------------------------------------------------------------


def test_number_words_of_edge_cases():
    """Known numbers are written by the documented convention and read back."""
    expected = {
        0: "zero",
        10: "ten",
        11: "eleven",
        19: "nineteen",
        20: "twenty",
        42: "forty-two",
        100: "one hundred",
        101: "one hundred and one",
        110: "one hundred and ten",
        999: "nine hundred and ninety-nine",
        1000: "one thousand",
        1005: "one thousand and five",
        1100: "one thousand one hundred",
        20_000: "twenty thousand",
        100_000: "one hundred thousand",
        312_005: "three hundred and twelve thousand and five",
        999_999: "nine hundred and ninety-nine thousand nine hundred and ninety-nine",
    }
    for n, words in expected.items():
        assert numbers.to_words(n) == words
        assert numbers.to_words(n, use_and=False) == words.replace(" and ", " ")
        assert numbers.words_to_int(words) == n
        assert numbers.words_to_int(words.replace(" and ", " ")) == n


def test_number_words_round_trip_over_a_large_sample():
    """words_to_int(to_words(n)) == n, with and without "and", over 60,000 numbers."""
    rng = random.Random(99)
    sample = list(range(2000)) + [rng.randint(0, numbers.LARGEST) for _ in range(28_000)]
    for n in sample:
        with_and = numbers.to_words(n)
        without = numbers.to_words(n, use_and=False)
        assert numbers.words_to_int(with_and) == n
        assert numbers.words_to_int(without) == n
        assert "and" not in without.split()
        assert "a" not in with_and.split()


def test_bad_number_words_are_refused():
    """Words outside the convention and out-of-range numbers raise ValueError."""
    for text in ("", "a hundred", "hundred", "one hundred hundred", "twenty-ten", "lots",
                 "five thousand six thousand", "zero thousand"):  # fmt: skip
        with pytest.raises(ValueError):
            numbers.words_to_int(text)
    for n in (-1, 1_000_000, 2.0):
        with pytest.raises(ValueError):
            numbers.to_words(n)


def test_numbers_dataset_pairs_are_correct(default_pairs):
    """Every source reads back to its target; small numbers are all there; words are few."""
    vocabulary = set(numbers.UNITS) | set(numbers.TENS[2:]) | {"hundred", "thousand", "and"}
    vocabulary |= {f"{tens}-{unit}" for tens in numbers.TENS[2:] for unit in numbers.UNITS[1:10]}
    targets = set()
    for source, target in default_pairs["numbers"]:
        assert re.fullmatch(r"0|[1-9]\d{0,5}", target)
        assert numbers.words_to_int(source) == int(target)
        assert source in (numbers.to_words(int(target)), numbers.to_words(int(target), False))
        assert set(source.split()) <= vocabulary
        targets.add(int(target))
    assert set(range(100)) <= targets
    assert sum(1 for n in targets if n >= 100_000) > 2500
    assert any(" and " in source for source, _ in default_pairs["numbers"][:50])


# --- toy language -----------------------------------------------------------------


def _np(noun, determiner="the", adjective=None, plural=False):
    return toy.NounPhrase(noun, determiner, adjective, plural)


def test_english_side_is_correctly_inflected():
    """Third person -s, irregular pasts and plurals, do-support, will, a/an/some."""
    S = toy.Sentence
    cases = {
        S("he", "eat"): "he eats.",
        S("they", "eat"): "they eat.",
        S("she", "eat", "past"): "she ate.",
        S("we", "eat", "future"): "we will eat.",
        S("he", "eat", negated=True): "he does not eat.",
        S("i", "eat", negated=True): "i do not eat.",
        S("you", "sleep", "past", True): "you did not sleep.",
        S("they", "run", "future", True): "they will not run.",
        S(_np("mouse", plural=True), "carry", obj=_np("egg", "a")): "the mice carry an egg.",
        S(_np("child", "this"), "watch", obj="she"): "this child watches her.",
        S(_np("child", "this", plural=True), "watch", "past", obj="i"): "these children watched me.",
        S(_np("dog", "a", "old"), "swim", pp=toy.PrepPhrase("with", "we")): "an old dog swims with us.",
        S("he", "buy", obj=_np("box", "a", "red", True)): "he buys some red boxes.",
        S(_np("city", "our", plural=True), "see", obj="they"): "our cities see them.",
    }  # fmt: skip
    for sentence, text in cases.items():
        assert toy.english(sentence) == text


def test_zelan_translation_follows_its_rules():
    """SOV order, place before object, reversed noun phrases, suffixes, 'na' negation."""
    S, P = toy.Sentence, toy.PrepPhrase
    garden = P("in", _np("garden"))
    apple = _np("apple", "a")
    assert toy.translate(S(_np("dog"), "eat", obj=apple, pp=garden)) == (
        "wuna ta gaju ta ba ova en mika."
    )
    assert toy.translate(S("he", "eat", negated=True)) == "sul na mika."
    assert toy.translate(S(_np("dog", "the", "red", True), "sleep", "past")) == (
        "wunali reki ta dormiti."
    )
    assert toy.translate(S("we", "see", "future", True, obj="he")) == "nami sul na vidaro."
    teachers = _np("teacher", "my", "beautiful", True)
    assert toy.translate(S(teachers, "laugh")) == "sefo danili bela suna mo rido."
    assert toy.verb_form("eat", "past") == "mikati"
    card = dataset_path("toy_language").with_suffix(".md").read_text(encoding="utf-8")
    assert "`the dog eats an apple in the garden.` ->\n  `wuna ta gaju ta ba ova en mika.`" in card


def test_zelan_lexicon_is_one_to_one():
    """Lemmas map to distinct Zelan words whose tokens and inflected forms never collide."""
    values = list(toy.LEXICON.values())
    assert len(set(values)) == len(values)
    tokens = [token for value in values for token in value.split()]
    assert len(set(tokens)) == len(tokens)
    assert any(len(value.split()) == 2 for value in values)
    forms = toy.zelan_forms()
    every = [form for group in forms.values() for form in group]
    assert len(every) == len(set(every)), "a Zelan form belongs to two kinds of word"
    assert len(toy.NOUNS) >= 30 and len(toy.VERBS) >= 25 and len(toy.ADJECTIVES) >= 10
    # English forms are unambiguous too: no past tense equals a present form.
    for verb in toy.VERBS:
        assert verb.past not in (verb.english, verb.third_person)


def _kinds(token: str, forms: dict[str, set[str]]) -> set[str]:
    return {kind for kind, group in forms.items() if token in group}


def test_zelan_dataset_is_verb_final_with_adjectives_after_nouns(default_pairs):
    """In every pair: verb last, 'na' before it, adjectives after nouns, SOV reordering."""
    forms = toy.zelan_forms()
    adjective_starts = {zelan.split()[0] for _, zelan in toy.ADJECTIVES.values()}
    nouns = forms["noun"] | forms["plural noun"]
    english_nouns = {n.english for n in toy.NOUNS} | {n.plural for n in toy.NOUNS}
    english_verbs = {form for v in toy.VERBS for form in (v.english, v.third_person, v.past)}
    reordered = 0
    for source, target in default_pairs["toy_language"]:
        assert source.endswith(".") and target.endswith(".")
        assert source == source.lower() and target == target.lower()
        english, zelan = source[:-1].split(), target[:-1].split()
        assert "verb" in _kinds(zelan[-1], forms)
        assert sum("verb" in _kinds(token, forms) for token in zelan) == 1
        assert ("not" in english) == ("na" in zelan)
        if "na" in zelan:
            assert zelan.index("na") == len(zelan) - 2
        for i, token in enumerate(zelan):
            if token in adjective_starts:
                assert zelan[i - 1] in nouns, target
        for i, word in enumerate(english):
            if word in toy.ADJECTIVES:
                assert english[i + 1] in english_nouns, source
        # English puts the verb second or so; Zelan puts it last: an object moves before it.
        verb_at = next(i for i, word in enumerate(english) if word in english_verbs)
        reordered += verb_at < len(english) - 1
    assert reordered > len(default_pairs["toy_language"]) // 2


def test_simple_sentences_put_the_verb_last():
    """Subject, object, verb: the verb token is last before the period, after the object."""
    rng = random.Random(4)
    checked = 0
    while checked < 500:
        sentence = toy.random_sentence(rng)
        if sentence.pp is not None or sentence.obj is None:
            continue
        simple = toy.Sentence(sentence.subject, sentence.verb, sentence.tense, obj=sentence.obj)
        zelan = toy.translate(simple)[:-1].split()
        english = toy.english(simple)[:-1].split()
        verb = toy.verb_form(simple.verb, simple.tense)
        assert zelan[-1] == verb
        obj = toy.translate(toy.Sentence(simple.obj, simple.verb))[:-1].split()[:-1]
        assert zelan[-1 - len(obj) : -1] == obj
        english_verb = {v.english: v for v in toy.VERBS}[simple.verb]
        verb_words = {english_verb.english, english_verb.third_person, english_verb.past}
        assert any(word in verb_words for word in english[:-1])
        assert english[-1] not in verb_words
        checked += 1


def test_zelan_translation_is_a_bijection_on_the_data(default_pairs):
    """No Zelan sentence comes from two English ones, so the task is learnable exactly."""
    pairs = default_pairs["toy_language"]
    assert len({target for _, target in pairs}) == len(pairs)
    lengths = [len(source.split()) for source, _ in pairs]
    assert max(lengths) <= 16 and min(lengths) >= 2


# --- Gold word alignments ---------------------------------------------------------


def _links(line: str) -> tuple[set, set]:
    """(sure, possible-only) links of a Pharaoh line."""
    sure, possible = set(), set()
    for token in line.split():
        mark = "-" if "-" in token else "?"
        i, j = token.split(mark)
        (sure if mark == "-" else possible).add((int(i), int(j)))
    return sure, possible


@pytest.mark.parametrize("name", [*NAMES, "toy_language_long"])
def test_aligned_generators_give_the_same_pairs_with_valid_links(name):
    """generate_aligned makes exactly generate's pairs; every link names real words."""
    from keras_attn.datasets import generate_aligned

    aligned = generate_aligned(name, count=300, seed=9)
    assert [(s, t) for s, t, _ in aligned] == generate(name, count=300, seed=9)
    for source, target, line in aligned:
        sure, possible = _links(line)
        assert sure and not sure & possible
        n_source, n_target = len(source.split()), len(target.split())
        assert all(0 <= i < n_source and 0 <= j < n_target for i, j in sure | possible)
        # Every target word comes from somewhere.
        assert {j for _, j in sure} == set(range(n_target)), (source, target, line)


def test_zelan_alignment_links_each_word_to_what_it_translates():
    """The card's example: the crossing of place and object, reversed noun phrases."""
    S, P = toy.Sentence, toy.PrepPhrase
    source, target, line = toy.aligned(
        S(_np("dog"), "eat", "future", obj=_np("apple", "a"), pp=P("in", _np("garden")))
    )
    assert source == "the dog will eat an apple in the garden."
    assert target == "wuna ta gaju ta ba ova en mikaro."
    # the0 dog1 will2 eat3 an4 apple5 in6 the7 garden.8 / wuna0 ta1 gaju2 ta3 ba4 ova5 en6 mikaro.7
    sure, possible = _links(line)
    assert sure == {(1, 0), (0, 1), (8, 2), (7, 3), (6, 4), (5, 5), (4, 6), (3, 7), (2, 7)}
    assert possible == {(8, 7)}  # the two words that carry the periods
    # do/does carries no suffix in Zelan: only a possible link to the verb.
    _, _, line = toy.aligned(S("he", "eat", negated=True))  # he does not eat. / sul na mika.
    assert _links(line) == ({(0, 0), (2, 1), (3, 2)}, {(1, 2)})
    teacher = toy.aligned(S(_np("teacher", "my", "beautiful"), "laugh", "past"))
    assert teacher[1] == "sefo dani bela suna mo ridoti."
    assert _links(teacher[2])[0] == {(2, 0), (2, 1), (1, 2), (1, 3), (0, 4), (3, 5)}


def test_date_and_number_alignments():
    """One target word: every informative source word is linked to it."""
    assert dates.alignment("Thursday, 26 November 2026") == "1-0 2-0 3-0"
    assert dates.alignment("THU 26 NOV 2026") == "1-0 2-0 3-0"
    assert dates.alignment("the 26th of November 2026") == "0?0 1-0 2?0 3-0 4-0"
    assert dates.alignment("26/11/2026") == "0-0"
    assert numbers.alignment("one hundred and five") == "0-0 1-0 2?0 3-0"


def test_long_sentences_are_clauses_of_the_short_task(tmp_path):
    """Long pairs: 2 to 50 words spread over the range, each Zelan clause is the short
    task's translation of its English clause, conjunctions map one to one."""
    rng = random.Random(3)
    lengths = []
    for _ in range(400):
        sentence = toy.random_long_sentence(rng)
        english, zelan = toy.english_long(sentence), toy.translate_long(sentence)
        lengths.append(len(english.split()))
        expected = []
        for k, clause in enumerate(sentence.clauses):
            if k:
                expected.append(toy.CONJUNCTIONS[sentence.conjunctions[k - 1]])
            expected.append(toy.translate(clause)[:-1])
        assert zelan == " ".join(expected) + "."
        assert english[:-1].split() == [
            word for k, clause in enumerate(sentence.clauses)
            for word in ([sentence.conjunctions[k - 1]] if k else []) + toy.english(clause)[:-1].split()
        ]  # fmt: skip
    assert 2 <= min(lengths) and max(lengths) <= toy.LONG_MAX_WORDS
    for low in range(0, 50, 10):  # every tenth of the range holds at least 5% of them
        assert sum(low < n <= low + 10 for n in lengths) >= 20, low
    with pytest.raises(ValueError, match="conjunction"):
        toy.LongSentence((toy.Sentence("he", "eat"),) * 2)


def test_bundled_long_dataset_and_its_test_set(default_pairs):
    """The long dataset's files are the generator's; its test set shares no source with
    the training file and its alignment file has one valid line per test pair."""
    from keras_attn.data import read_parallel
    from keras_attn.datasets import alignment_path, dataset_test_path, generate_test

    name = "toy_language_long"
    path = dataset_path(name)
    pairs = generate(name)
    data = path.read_bytes()
    assert data == to_tsv(pairs).encode("utf-8") and len(data) < 2_500_000
    assert path.with_suffix(".md").read_text(encoding="utf-8") == registry.render_card(
        name, pairs, seed=DATASETS[name].default_seed, size_bytes=len(data)
    )
    test = generate_test(name)
    test_file = dataset_test_path(name)
    assert test_file.read_bytes() == to_tsv([(s, t) for s, t, _ in test]).encode("utf-8")
    lines = alignment_path(test_file).read_text(encoding="utf-8").splitlines()
    assert lines == [line for _, _, line in test] and len(lines) == 1000
    assert not {s for s, _, _ in test} & {s for s, _ in pairs}
    assert read_parallel(test_file).pairs == [(s, t) for s, t, _ in test]
    assert max(len(s.split()) for s, _, _ in test) > 45
    with pytest.raises(ValueError, match="no bundled test set"):
        dataset_test_path("dates")


def test_alignments_are_written_beside_the_pairs(tmp_path, capsys):
    """write_dataset(alignments=True) and `--alignments` write NAME.align, line by line."""
    from keras_attn.datasets import generate_aligned

    path = write_dataset("toy_language", tmp_path / "toy.tsv", count=50, seed=2, alignments=True)
    assert path.read_bytes() == to_tsv(generate("toy_language", count=50, seed=2)).encode()
    expected = [line for _, _, line in generate_aligned("toy_language", count=50, seed=2)]
    assert (tmp_path / "toy.align").read_text(encoding="utf-8").splitlines() == expected
    out = tmp_path / "d.tsv"
    assert main(["dates", "--count", "20", "--seed", "4", "--out", str(out), "--alignments"]) == 0
    assert len((tmp_path / "d.align").read_text(encoding="utf-8").splitlines()) == 20
    assert "d.align" in capsys.readouterr().out
    assert not (tmp_path / "d.md").exists()
