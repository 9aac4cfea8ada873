"""The Compare window (on a hand-made comparison, then on two real tiny models through the
worker) and the Demo models menu."""

import json

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt  # noqa: E402

from keras_attn_app import settings as settings_module  # noqa: E402
from keras_attn_app.main_window import MainWindow  # noqa: E402
from keras_attn_app.settings import Settings, demo_model, demo_models  # noqa: E402
from keras_attn_app.views.compare_view import CompareWindow  # noqa: E402

TIMEOUT = 60_000


def comparison():
    """A hand-made comparison: two models, two buckets, five pairs."""
    from keras_attn.compare import Comparison

    sources = ["a b", "c d e", "a b c d e f g", "f g h i j k", "k"]
    return Comparison(
        names=["attention", "classic"],
        buckets=[(1, 5, 3), (6, 10, 2)],
        overall={
            "attention": {"bleu": 40.0, "chrf": 60.0},
            "classic": {"bleu": 20.0, "chrf": 45.0},
        },
        by_bucket={
            "attention": [
                {"bleu": 42.0, "chrf": 61.0, "n": 3},
                {"bleu": 38.0, "chrf": 58.0, "n": 2},
            ],
            "classic": [{"bleu": 35.0, "chrf": 55.0, "n": 3}, {"bleu": 5.5, "chrf": 30.0, "n": 2}],
        },
        sources=sources,
        references=[" ".join(reversed(s.split())) for s in sources],
        hypotheses={
            "attention": ["b a", "e d c", "g f e d c b a", "k j i h g f", "k"],
            "classic": ["b a", "e c", "g f", "k j", "k"],
        },
        warnings=["classic and attention use different target vocabularies"],
        lengths=[len(s.split()) for s in sources],
        bucket_of=[0, 0, 1, 1, 0],
    )


@pytest.fixture
def settings(tmp_path):
    return Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def curves(monkeypatch):
    """Record the calls to plot_length_curve (which still draws)."""
    from keras_attn import plotting

    calls = []
    real = plotting.plot_length_curve

    def record(ax, result, metric="bleu", **kwargs):
        calls.append(metric)
        return real(ax, result, metric=metric, **kwargs)

    monkeypatch.setattr(plotting, "plot_length_curve", record)
    return calls


def test_compare_window_shows_curve_buckets_warnings_and_sentences(
    qtbot, settings, curves, tmp_path
):
    """A result fills the bucket table (metric switchable), the warnings and the sentence
    list; clicking a sentence asks the worker for it and shows one column per model."""
    window = CompareWindow(settings=settings)
    qtbot.addWidget(window)
    model = tmp_path / "m.keras"
    model.write_bytes(b"x")
    window.prepare(str(model))
    assert window.checked_paths() == [str(model.resolve())]
    window.test_edit.setText(str(tmp_path / "test.tsv"))
    with qtbot.waitSignal(window.compare_requested) as request:
        window.run()
    assert request.args[0]["paths"] == [str(model.resolve())]
    assert window.running and window.cancel_button.isEnabled()
    with qtbot.waitSignal(window.cancel_requested):
        window.cancel_button.click()
    window.show_progress(2, 5)
    assert window.progress.value() == 2 and "2 of 5 translations" in window.status.text()

    result = comparison()
    window.show_result({"comparison": result, "test": "test.tsv", "cancelled": False})
    assert not window.running and window.compare_button.isEnabled()
    assert curves[-1] == "bleu"
    table = window.buckets
    assert [table.item(r, 0).text() for r in range(3)] == ["1-5 words", "6-10 words", "all lengths"]
    lines = window.figure.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[42.0, 38.0], [35.0, 5.5]]
    assert table.item(1, 3).text() == "5.5" and table.item(2, 2).text() == "40.0"
    window.metric_box.setCurrentIndex(1)
    assert curves[-1] == "chrf" and table.item(1, 3).text() == "30.0"
    assert list(window.figure.axes[0].get_lines()[1].get_ydata()) == [55.0, 30.0]
    assert "different target vocabularies" in window.warnings.text()
    assert window.sentences.rowCount() == 5

    window.sentences.sortItems(1, Qt.SortOrder.DescendingOrder)
    assert window.sentences.item(0, 2).text() == "a b c d e f g"
    with qtbot.waitSignal(window.sentence_requested) as clicked:
        window.sentences.selectRow(0)
    assert clicked.args == [2]
    rows = [
        {
            "name": name,
            "translation": result.hypotheses[name][2],
            "source_tokens": result.sources[2].split() + ["[END]"],
            "target_tokens": result.hypotheses[name][2].split() + ["[END]"],
            "attention": np.full((len(result.hypotheses[name][2].split()) + 1, 8), 0.125),
            "has_attention": name == "attention",
        }
        for name in result.names
    ]
    with qtbot.waitSignal(window.sentence_shown):
        window.show_sentence(
            {
                "index": 2,
                "source": result.sources[2],
                "reference": result.references[2],
                "rows": rows,
            }
        )
    columns = window.detail.columns
    assert [c.translation.text() for c in columns] == ["g f e d c b a", "g f"]
    assert columns[0].heatmap.isVisibleTo(window) and not columns[1].heatmap.isVisibleTo(window)
    assert columns[1].no_attention.isVisibleTo(window)
    assert columns[0].heatmap.weights.shape == (8, 8)


def test_a_cancelled_or_failed_run_says_so(qtbot, settings):
    window = CompareWindow(settings=settings)
    qtbot.addWidget(window)
    window.run()
    assert "Tick at least one model" in window.status.text()
    window.show_result({"comparison": None, "cancelled": True})
    assert window.status.text() == "Cancelled: nothing was scored."
    window.show_failure("Cannot compare the models", "x.tsv: line 3, column 2: no tab")
    assert "line 3, column 2" in window.status.text() and window.compare_button.isEnabled()


def test_a_bundled_lesson_pair_is_compared_the_moment_the_window_opens(
    qtbot, settings, tmp_path, monkeypatch
):
    """Bundled models trained on the same data as the open one are ticked, the test split
    beside their dataset is suggested, and the comparison starts when the window shows."""
    import keras_attn_app.views.compare_view

    (tmp_path / "lesson.tsv").write_text("a\tb\n", encoding="utf-8")
    (tmp_path / "lesson.test.tsv").write_text("a\tb\n", encoding="utf-8")
    for name in ("attention", "classic", "other"):
        (tmp_path / f"{name}.keras").write_bytes(b"x")
        dataset = str(tmp_path / ("lesson.tsv" if name != "other" else "x.tsv"))
        (tmp_path / f"{name}.json").write_text(json.dumps({"dataset": dataset}), encoding="utf-8")
    monkeypatch.setattr(
        keras_attn_app.views.compare_view, "demo_models", lambda: demo_models(tmp_path)
    )
    window = CompareWindow(settings=settings)
    qtbot.addWidget(window)
    window.prepare(str(tmp_path / "attention.keras"))
    assert [p.rsplit("/", 1)[-1] for p in window.checked_paths()] == [
        "attention.keras",
        "classic.keras",
    ]
    assert window.test_edit.text() == str(tmp_path / "lesson.test.tsv")
    with qtbot.waitSignal(window.compare_requested) as request:
        window.show()
    assert request.args[0]["test"] == str(tmp_path / "lesson.test.tsv")
    assert len(request.args[0]["paths"]) == 2


def test_demo_models_are_titled_from_their_cards(tmp_path):
    """The German model comes first; titles come from "title", else "name", else the file."""
    for name, card in (
        ("dates", {"name": "dates"}),
        ("de_en", {"title": "German → English"}),
        ("toy_language", None),
        ("zz_other", {"title": ""}),
    ):
        (tmp_path / f"{name}.keras").write_bytes(b"x")
        if card is not None:
            (tmp_path / f"{name}.json").write_text(json.dumps(card), encoding="utf-8")
    models = demo_models(tmp_path)
    assert [m.path.name for m in models] == [
        "de_en.keras",
        "toy_language.keras",
        "dates.keras",
        "zz_other.keras",
    ]
    assert [m.title for m in models] == ["German → English", "Toy language", "Dates", "Zz other"]
    assert demo_models(tmp_path / "missing") == []


def test_demo_models_menu_opens_each_bundled_model(qtbot, settings, monkeypatch):
    """Models ▸ Demo Models lists every bundled model; a click opens it."""
    bundled = demo_models()
    assert bundled and demo_model() == bundled[0].path
    window = MainWindow(settings=settings, open_default=False)
    qtbot.addWidget(window)
    opened = []
    monkeypatch.setattr(window, "open_model", opened.append)
    actions = window.menus.demo_menu.actions()
    assert [a.text() for a in actions] == [m.title for m in bundled]
    actions[-1].trigger()
    assert opened == [str(bundled[-1].path)]
    assert window.menus.demo_menu.menuAction() in window.menus.models_menu.actions()
    assert window.menus.compare_action in window.menus.models_menu.actions()
    window.close()


def test_the_app_opens_the_german_model_first_when_it_is_there(tmp_path, monkeypatch):
    """demo_model() prefers de_en.keras, then toy_language.keras."""
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("dates", "toy_language"):
        (folder / f"{name}.keras").write_bytes(b"x")
    real = settings_module.demo_models
    monkeypatch.setattr(settings_module, "demo_models", lambda: real(folder))
    assert settings_module.demo_model().name == "toy_language.keras"
    (folder / "de_en.keras").write_bytes(b"x")
    assert settings_module.demo_model().name == "de_en.keras"


# -- through the worker, on two real tiny models ------------------------------------------
@pytest.fixture(scope="module")
def lesson(qapp, tmp_path_factory):
    """An attention model, a classic one (untrained, tiny) and a test file of 40 pairs;
    a window with the attention model open."""
    from keras_attn.config import preset
    from keras_attn.saving import save_model
    from keras_attn.training import build_model
    from tests.helpers import reverse_pairs, write_tsv
    from tests.test_gui_window import wait_until

    pairs = reverse_pairs(120, seed=5, max_len=12)
    folder = tmp_path_factory.mktemp("gui-compare")
    files = []
    for name, attention in (("attention", "bahdanau"), ("classic", "none")):
        config = preset("tiny").replace(
            **{
                "model.attention": attention,
                "model.units": 16,
                "model.embedding_dim": 8,
                "model.attention_units": 16,
            }
        )
        files.append(save_model(build_model(config, pairs), folder / f"{name}.keras"))
    test = write_tsv(folder / "test.tsv", pairs[:40])
    settings = Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(model_path=str(files[0]), settings=settings)
    window.show()
    wait_until(lambda: window.summary is not None and window.step_view.snapshot is not None)
    yield window, files, test
    window.close()


def test_comparing_two_models_through_the_worker(lesson, qtbot):
    """Models ▸ Compare: the open model is ticked; Compare runs compare_models on the
    worker's thread with progress; the curve and tables show its scores; a click on a
    sentence shows both translations, the attention model's heatmap and the classic
    model's note."""
    window, files, test = lesson
    compare = window.show_compare()
    assert compare.checked_paths() == [str(files[0].resolve())]
    compare.add_model(files[1], checked=True)
    compare.test_edit.setText(str(test))
    compare.limit.setValue(0)
    progress = []
    compare.progress.valueChanged.connect(
        lambda value: progress.append((value, compare.progress.maximum()))
    )
    with qtbot.waitSignal(compare.result_shown, timeout=TIMEOUT) as shown:
        compare.compare_button.click()
    result = shown.args[0]["comparison"]
    assert result is not None and result.names == ["attention", "classic"]
    assert progress[-1] == (80, 80) and len(progress) >= 2
    assert len(result.sources) == 40 and compare.sentences.rowCount() == 40
    table = compare.buckets
    assert table.rowCount() == len(result.buckets) + 1
    assert (
        table.item(table.rowCount() - 1, 2).text() == f"{result.overall['attention']['bleu']:.1f}"
    )
    assert len(compare.figure.axes[0].get_lines()) == 2
    assert "translations" not in compare.status.text() or "done" not in compare.status.text()

    row = compare.sentence_row(3)
    with qtbot.waitSignal(compare.sentence_shown, timeout=TIMEOUT):
        compare.sentences.selectRow(row)
    columns = compare.detail.columns
    assert [c.translation.text() for c in columns[:2]] == [
        result.hypotheses["attention"][3] or "",
        result.hypotheses["classic"][3] or "",
    ] or not all(result.hypotheses[n][3] for n in result.names)
    heatmap = columns[0].heatmap
    assert heatmap.isVisibleTo(compare) and not columns[1].heatmap.isVisibleTo(compare)
    np.testing.assert_allclose(heatmap.weights, result.translations["attention"][3].weights)
    assert heatmap.source_tokens[-1] == "[END]"
    assert heatmap.weights.shape == (len(heatmap.target_tokens), len(heatmap.source_tokens))
    compare.close()


def test_a_long_comparison_can_be_cancelled(lesson, qtbot, tmp_path):
    """Cancel stops compare_models between two batches; the window says so."""
    from tests.helpers import reverse_pairs, write_tsv

    window, files, _ = lesson
    compare = window.show_compare()
    compare.add_model(files[1], checked=True)
    compare.test_edit.setText(
        str(write_tsv(tmp_path / "long.tsv", reverse_pairs(2000, seed=6, max_len=12)))
    )
    compare.limit.setValue(0)
    window.worker.compare_progress.connect(
        lambda done, total: compare.cancel(), Qt.ConnectionType.SingleShotConnection
    )
    with qtbot.waitSignal(compare.result_shown, timeout=TIMEOUT) as shown:
        compare.run()
    assert shown.args[0]["cancelled"] and shown.args[0]["comparison"] is None
    assert compare.status.text() == "Cancelled: nothing was scored."
    assert compare.compare_button.isEnabled() and not compare.cancel_button.isEnabled()
    compare.close()
