"""Comparing models by sentence length: compare_models, the length curve, `keras-attn compare`."""

import json
from pathlib import Path

import pytest
import sacrebleu

from keras_attn.cli import main
from keras_attn.compare import assign_buckets, compare_models, default_buckets
from keras_attn.errors import Cancelled, ConfigurationError, DataError
from tests.helpers import write_tsv

ROOT = Path(__file__).resolve().parents[1]
TOY_MODEL = ROOT / "assets" / "models" / "toy_language.keras"
DATES_MODEL = ROOT / "assets" / "models" / "dates.keras"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The bundled toy-language model (trained) and an untrained one with the same
    configuration and vocabularies, saved to a file too: `(trained, untrained, path)`."""
    import keras_attn

    trained = keras_attn.load(TOY_MODEL)
    untrained = keras_attn.Translator(
        trained.config, trained.source_text.vocabulary, trained.target_text.vocabulary
    )
    untrained.build()
    path = keras_attn.save(untrained, tmp_path_factory.mktemp("m") / "untrained.keras")
    return trained, untrained, path


@pytest.fixture(scope="module")
def pairs():
    """Forty toy-language test pairs (2 to 9 words)."""
    from keras_attn.datasets import generate

    return generate("toy_language", count=40, seed=31337)


def test_default_buckets_follow_the_data():
    """Equal widths of 5, 10, 20... words, at most eight buckets, thin tails merged."""
    assert default_buckets(list(range(2, 51)) * 20) == [10, 20, 30, 40]
    assert default_buckets([3, 4, 6, 7, 9, 12, 13] * 10) == [5, 10]
    # Two long outliers among 200 short sentences do not get a bucket of their own.
    assert default_buckets([4] * 100 + [8] * 100 + [33, 38]) == [5]
    assert default_buckets([1, 2, 3]) == []
    # 30 pairs: a last bucket of one pair (under 5%) joins the one before.
    assert default_buckets([3] * 10 + [7] * 19 + [11]) == [5]
    buckets, bucket_of = assign_buckets([3, 12, 7, 25, 31], [5, 10, 20, 30])
    assert buckets == [(1, 5, 1), (6, 10, 1), (11, 20, 1), (21, 30, 1), (31, 31, 1)]
    assert bucket_of == [0, 2, 1, 3, 4]
    # Empty buckets are left out; the open last bucket ends at the longest sentence.
    assert assign_buckets([2, 3, 44], [5, 10, 20])[0] == [(1, 5, 2), (21, 44, 1)]


def test_scores_are_sacrebleu_overall_and_per_bucket(models, pairs):
    """Each model's scores are sacrebleu's corpus BLEU/chrF of its own output, on all
    pairs and on each bucket's pairs; bucket sizes add up; outputs are in test order."""
    trained, untrained, _ = models
    comparison = compare_models(
        [trained, untrained], pairs, names=["attention", "random"], buckets=[4, 6]
    )
    sources = [s for s, _ in pairs]
    references = [r for _, r in pairs]
    assert comparison.names == ["attention", "random"]
    assert comparison.hypotheses["attention"] == trained.translate(sources)
    lengths = [len(s.split()) for s in sources]
    assert max(lengths) == 9
    assert [b[:2] for b in comparison.buckets] == [(1, 4), (5, 6), (7, 9)]
    assert [b[2] for b in comparison.buckets] == [
        sum(n <= 4 for n in lengths),
        sum(4 < n <= 6 for n in lengths),
        sum(n > 6 for n in lengths),
    ]
    for name in comparison.names:
        output = comparison.hypotheses[name]
        assert comparison.overall[name]["bleu"] == sacrebleu.corpus_bleu(output, [references]).score
        assert comparison.overall[name]["chrf"] == sacrebleu.corpus_chrf(output, [references]).score
        for k, row in enumerate(comparison.by_bucket[name]):
            members = comparison.pairs_in(k)
            assert row["n"] == len(members) == comparison.buckets[k][2]
            assert (
                row["bleu"]
                == sacrebleu.corpus_bleu(
                    [output[i] for i in members], [[references[i] for i in members]]
                ).score
            )
    assert comparison.overall["attention"]["bleu"] > 90 > comparison.overall["random"]["bleu"]
    assert comparison.translations["attention"][0].weights.shape[1] == lengths[0] + 2
    table = comparison.table()
    assert "BLEU by source length" in table and "chrF by source length" in table
    assert table.splitlines()[1].split() == ["all", "1-4", "5-6", "7-9"]
    pairs_row = next(line for line in table.splitlines() if line.startswith("pairs"))
    assert pairs_row.split()[1:] == [str(len(pairs))] + [str(b[2]) for b in comparison.buckets]
    data = json.loads(json.dumps(comparison.to_dict(outputs=True)))
    assert data["buckets"][0] == {"low": 1, "high": 4, "pairs": comparison.buckets[0][2]}
    assert data["hypotheses"]["random"] == comparison.hypotheses["random"]
    assert comparison.warnings == []


def test_models_that_do_not_match_are_compared_with_warnings(models, pairs):
    """Other vocabularies and tokenizers, sentences longer than a model reads, lowercase
    output against cased references: compared all the same, each said in a warning."""
    import keras_attn

    trained = models[0]
    dates = keras_attn.load(DATES_MODEL)
    cased = [(s, t.capitalize()) for s, t in pairs[:12]]
    comparison = compare_models([trained, dates], cased, names=["toy", "dates"])
    text = "\n".join(comparison.warnings)
    assert "dates splits the source into char tokens, toy into word tokens" in text
    assert "share only" in text and "different language pairs" in text
    assert "dates reads at most 40 source tokens" in text
    assert "toy writes lowercase only" in text
    assert comparison.overall["dates"]["bleu"] < 5


def test_progress_is_reported_and_cancelling_stops(models, pairs):
    """on_progress counts sentences over all models; should_stop ends it with Cancelled."""
    trained, untrained, _ = models
    seen = []
    compare_models(
        [trained, trained],
        pairs[:20],
        batch_size=8,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(0, 40), (8, 40), (16, 40), (20, 40), (28, 40), (36, 40), (40, 40)]
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled, match="after 16 of 40"):
        compare_models([trained, untrained], pairs[:20], batch_size=8, should_stop=stop)


def test_bad_arguments_are_refused(models, pairs):
    trained = models[0]
    with pytest.raises(ConfigurationError, match="at least one model"):
        compare_models([], pairs)
    with pytest.raises(ConfigurationError, match="one name per model"):
        compare_models([trained], pairs, names=["a", "b"])
    with pytest.raises(ConfigurationError, match="increasing"):
        compare_models([trained], pairs, buckets=[10, 5])
    with pytest.raises(DataError, match="No sentence pairs"):
        compare_models([trained], [])


def test_length_curve_is_drawn_on_given_axes_and_saved(models, pairs, tmp_path):
    """One line per model through the bucket scores, bucket sizes on the x axis; PNG and
    SVG files; other suffixes refused."""
    from matplotlib.figure import Figure

    from keras_attn.plotting import plot_length_curve, save_length_curve

    trained, untrained, _ = models
    comparison = compare_models([trained, untrained], pairs, names=["attention", "random"])
    figure = Figure()
    ax = figure.add_subplot()
    lines = plot_length_curve(ax, comparison, "chrf")
    assert [line.get_label().split(" (all")[0] for line in lines] == ["attention", "random"]
    assert list(lines[1].get_ydata()) == [row["chrf"] for row in comparison.by_bucket["random"]]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [
        f"{label}\nn={b[2]}"
        for label, b in zip(comparison.bucket_labels(), comparison.buckets, strict=True)
    ]
    assert ax.get_ylabel() == "chrF"
    png = save_length_curve(tmp_path / "curve.png", comparison)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = save_length_curve(tmp_path / "curve.svg", comparison, "both")
    assert "BLEU by source length" in svg.read_text() and "chrF by source length" in svg.read_text()
    with pytest.raises(ValueError, match="must end in one of"):
        save_length_curve(tmp_path / "curve.jpg", comparison)


def test_compare_command(models, pairs, tmp_path, capsys):
    """`keras-attn compare A B --test T --buckets --plot --json`; bad model and test files
    and bad options end with a clear message."""
    test = write_tsv(tmp_path / "test.tsv", pairs)
    picture = tmp_path / "curve.svg"
    assert (
        main(
            [
                "compare",
                str(TOY_MODEL),
                str(models[2]),
                "--test",
                str(test),
                "--buckets",
                "5,7",
                "--plot",
                str(picture),
                "--json",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["names"] == ["toy_language", "untrained"] and report["pairs"] == 40
    assert [b["high"] for b in report["buckets"]] == [5, 7, 9]
    assert report["overall"]["toy_language"]["bleu"] > 90
    assert picture.is_file() and f"wrote {picture}" in captured.err

    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip file")
    for argv, message in (
        ([str(tmp_path / "missing.keras")], "missing.keras"),
        ([str(broken)], "broken.keras"),
    ):
        assert main(["compare", str(TOY_MODEL), *argv, "--test", str(test)]) == 1
        error = capsys.readouterr().err
        assert error.startswith("keras-attn compare: error: ") and message in error
    assert main(["compare", str(TOY_MODEL), "--test", str(tmp_path / "none.tsv")]) == 1
    assert "none.tsv" in capsys.readouterr().err
    assert main(["compare", str(TOY_MODEL), "--test", str(test), "--names", "a,b"]) == 1
    assert "one non-empty name per model" in capsys.readouterr().err
    for bad in (["--buckets", "20,10"], ["--plot", "curve.jpg"]):
        with pytest.raises(SystemExit):
            main(["compare", str(TOY_MODEL), "--test", str(test), *bad])
