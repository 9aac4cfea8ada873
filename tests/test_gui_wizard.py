"""The training wizard, driven page by page on a tiny reverse task (offscreen Qt)."""

import json
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg  # noqa: E402
from PySide6.QtCore import QMimeData, QPointF, QSettings, QStandardPaths, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent  # noqa: E402
from PySide6.QtWidgets import QWizard  # noqa: E402

from keras_attn_app.settings import Settings  # noqa: E402
from keras_attn_app.wizard.train_wizard import TrainWizard  # noqa: E402
from tests.helpers import reverse_pairs, write_tsv  # noqa: E402

SHOTS = Path("/tmp/wizard-shots")
SLOW = 120_000  # ms: generous for a machine shared by many


@pytest.fixture(autouse=True)
def private_places(tmp_path, monkeypatch):
    """Keep settings and app data in the test's folder, never the user's."""
    monkeypatch.setenv("KERAS_ATTN_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("KERAS_ATTN_DATA_DIR", str(tmp_path / "data"))
    QStandardPaths.setTestModeEnabled(True)
    yield
    QStandardPaths.setTestModeEnabled(False)


@pytest.fixture
def settings(tmp_path):
    """Settings in a temporary file, the tiny preset remembered from an earlier run."""
    found = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    for key, value in {
        "preset": "tiny",
        "epochs": 3,
        "batch_size": 32,
        "learning_rate": 0.01,
        "validation": 10,
        "time_limit": 0,
        "attention": "bahdanau",
        "style": "luong",
    }.items():
        found.set_value(f"wizard/{key}", value)
    found.sync()
    return found


@pytest.fixture
def make_wizard(qtbot, tmp_path, settings):
    """Open wizards that say yes to every question; they are shut down afterwards."""
    made = []

    def make():
        wizard = TrainWizard(settings=settings, app_data=tmp_path / "data")
        wizard.confirm = lambda *args: True
        made.append(wizard)
        wizard.show()
        qtbot.waitUntil(lambda: wizard.capabilities is not None, timeout=SLOW)
        return wizard

    yield make
    for wizard in made:
        wizard.closing = True
        wizard.shutdown()
        wizard.hide()
        wizard.deleteLater()


@pytest.fixture
def corpus(tmp_path):
    """300 pairs of the reverse task as a TSV file."""
    return write_tsv(tmp_path / "reverse.tsv", reverse_pairs(300, seed=5))


def shoot(wizard, number):  # page-N.png
    """Save a picture of the wizard as it is now, charts drawn (not just scheduled)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    wizard.train_page.heatmap.flush()
    for canvas in wizard.findChildren(FigureCanvasQTAgg):
        canvas.draw()
    assert wizard.grab().save(str(SHOTS / f"page-{number}.png"))


def next_enabled(wizard) -> bool:
    return wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def to_model_page(wizard, qtbot, path):
    wizard.data_page.set_files([str(path)])
    assert next_enabled(wizard)
    wizard.next()
    qtbot.waitUntil(wizard.map_page.isComplete, timeout=SLOW)
    wizard.next()
    wizard.next()
    assert wizard.currentId() == TrainWizard.MODEL


def train_until(wizard, qtbot, condition, resume=False):
    page = wizard.train_page
    (page.resume_button if resume else page.start_button).click()
    qtbot.waitUntil(condition, timeout=SLOW)


def load_and_translate(path):
    import keras_attn

    model = keras_attn.load(path)
    output = model.translate(["a b c"])
    assert len(output) == 1 and isinstance(output[0], str)


def test_whole_wizard_trains_saves_and_remembers(make_wizard, qtbot, corpus, tmp_path):
    """Every page in turn: the run trains 3 epochs with live curves, saves a model that
    loads and translates, removes its checkpoint and remembers its settings."""
    wizard = make_wizard()
    wizard.data_page.set_files([str(corpus)])
    shoot(wizard, 1)
    wizard.next()
    qtbot.waitUntil(wizard.map_page.isComplete, timeout=SLOW)
    page = wizard.map_page
    kept = wizard.data["report"].pairs_kept
    assert page.preview.rowCount() == min(100, kept)
    assert "duplicate" in wizard.data["report"].counts()  # 300 random pairs repeat a few
    assert page.problems.rowCount() == sum(wizard.data["report"].counts().values())
    page.tabs.setCurrentWidget(page.problems)
    shoot(wizard, 2)
    page.tabs.setCurrentIndex(0)
    wizard.next()
    text = wizard.text_page
    assert text.source.suggested == 7  # 98th percentile of 2-7 words
    shoot(wizard, 3)
    wizard.next()
    model = wizard.model_page
    assert model.preset.currentData() == "tiny" and model.epochs.value() == 3
    qtbot.waitUntil(lambda: "per epoch" in model.timing.text(), timeout=SLOW)
    assert "counted on the model built" in model.params.text()
    shoot(wizard, 4)
    wizard.next()
    train = wizard.train_page
    assert not train.banner.isVisible() and not next_enabled(wizard)
    train_until(wizard, qtbot, lambda: train.outcome is not None)
    assert train.outcome["stop_reason"] == "finished"
    for key in ("loss", "val_loss", "accuracy", "val_accuracy", "bleu"):
        assert train.curves.points(key) == 3, key
    assert train.slider.maximum() == 2 and train.samples.rowCount() == 8
    assert train.heatmap.image_array() is not None
    train.slider.setValue(0)
    assert train.slider_label.text() == "Epoch 1 of 3"
    shoot(wizard, 5)
    wizard.next()
    finish = wizard.finish_page
    default = Path(finish.path.text())
    assert default == tmp_path / "data" / "models" / "reverse.keras"
    shoot(wizard, 6)
    with qtbot.waitSignal(wizard.modelSaved, timeout=SLOW) as saved:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert saved.args == [str(default)]
    qtbot.waitUntil(lambda: not wizard.isVisible())
    load_and_translate(default)
    assert not (tmp_path / "data" / "checkpoints" / "reverse").exists()
    remembered = Settings()
    assert remembered.value("wizard/path", "") == str(corpus)
    assert remembered.value("wizard/name", "") == "reverse"


def test_pause_close_resume_then_stop_keeps_a_loadable_model(make_wizard, qtbot, corpus, tmp_path):
    """Pause holds training while the window stays live; closing mid-run asks, stops
    cleanly and keeps the checkpoint; the next wizard resumes it; Stop saves a model."""
    wizard = make_wizard()
    asked = []
    wizard.confirm = lambda *args: asked.append(args) or True
    to_model_page(wizard, qtbot, corpus)
    wizard.model_page.epochs.setValue(200)
    wizard.next()
    train = wizard.train_page
    train_until(wizard, qtbot, lambda: train.curves.points("loss") >= 1)
    train.pause_button.click()
    qtbot.waitUntil(lambda: train.status.text().startswith("Paused"), timeout=SLOW)
    assert train.pause_button.text() == "Resume"
    done = train.progress.value()
    qtbot.wait(300)  # the window answers while training waits
    assert train.progress.value() == done and train.running
    train.pause_button.click()
    qtbot.waitUntil(lambda: train.progress.value() > done, timeout=SLOW)
    wizard.reject()
    assert len(asked) == 1 and wizard.isVisible()  # open until the worker has stopped
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=SLOW)
    assert train.outcome["stop_reason"] == "stopped on request" and not train.running
    folder = tmp_path / "data" / "checkpoints" / "reverse"
    assert (folder / "last.keras").exists() and (folder / "run.json").exists()

    again = make_wizard()
    assert again.data_page.path.text() == str(corpus)  # the last run's settings
    again.next()
    qtbot.waitUntil(again.map_page.isComplete, timeout=SLOW)
    again.next()
    again.next()
    assert again.model_page.name.text() == "reverse"
    assert again.model_page.epochs.value() == 200
    done = again.checkpoint()["epochs_done"]
    assert done >= 1
    again.next()
    train = again.train_page
    assert train.banner.isVisible() and "Resume the interrupted run?" in train.banner_text.text()
    train_until(again, qtbot, lambda: train.curves.points("loss") > done, resume=True)
    train.stop_button.click()
    qtbot.waitUntil(lambda: train.outcome is not None, timeout=SLOW)
    outcome = train.outcome
    assert outcome["stop_reason"] == "stopped on request" and outcome["best_epoch"] >= 1
    assert train.curves.points("loss") == outcome["epochs_done"] > done  # earlier ones too
    assert train.slider.maximum() == outcome["epochs_done"] - 1  # all can be replayed
    again.next()
    path = tmp_path / "stopped.keras"
    again.finish_page.path.setText(str(path))
    with qtbot.waitSignal(again.modelSaved, timeout=SLOW):
        again.button(QWizard.WizardButton.FinishButton).click()
    load_and_translate(path)
    assert (folder / "last.keras").exists()  # a stopped run can still be resumed


@pytest.mark.parametrize(
    "content",
    [
        b"only one column\nand no tab at all\n",
        bytes(range(256)) * 40,
    ],
    ids=["one-column", "binary"],
)
def test_malformed_file_shows_its_problems_and_keeps_next_disabled(
    make_wizard, qtbot, tmp_path, content
):
    """A file with nothing usable shows why, with line numbers, and Next stays off."""
    wizard = make_wizard()
    path = tmp_path / "bad.tsv"
    path.write_bytes(content)
    wizard.data_page.set_files([str(path)])
    wizard.next()
    page = wizard.map_page
    qtbot.waitUntil(lambda: page.error.isVisibleTo(wizard), timeout=SLOW)
    assert "bad.tsv" in page.error.text() and "line 1" in page.error.text()
    assert page.problems.rowCount() >= 2
    assert page.problems.item(0, 0).text() == "1" and page.problems.item(1, 0).text() == "2"
    assert not page.isComplete() and not next_enabled(wizard)
    shoot(wizard, f"2-{path.stem}-{len(content)}")


def test_dropping_two_files_chooses_aligned_text(make_wizard, tmp_path):
    """Two text files dropped on the first page become source and target files."""
    wizard = make_wizard()
    source, target = tmp_path / "en.txt", tmp_path / "de.txt"
    source.write_text("a b\nc d\n", encoding="utf-8")
    target.write_text("b a\nd c\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(source)), QUrl.fromLocalFile(str(target))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    wizard.data_page.dropEvent(event)
    spec = wizard.data_page.spec()
    assert spec["format"] == "text" and spec["path"] == str(source)
    assert spec["target_path"] == str(target) and wizard.data_page.isComplete()


def test_bundled_dataset_preselects_its_tokenizers_and_swaps(make_wizard, qtbot):
    """A bundled dataset brings its recommended tokenizers, swapped with the direction."""
    wizard = make_wizard()
    data = wizard.data_page
    data.dataset_choice.setChecked(True)
    data.dataset.setCurrentIndex(data.dataset.findData("numbers"))
    wizard.next()
    qtbot.waitUntil(wizard.map_page.isComplete, timeout=SLOW)
    wizard.map_page.swap_direction()
    qtbot.waitUntil(wizard.map_page.isComplete, timeout=SLOW)
    assert wizard.data["pairs"][0][0].isdigit()  # digits -> words now
    wizard.next()
    text = wizard.text_page
    assert (text.source.tokenizer.currentData(), text.target.tokenizer.currentData()) == (
        "char",
        "word",
    )
    settings = wizard.config_request()["settings"]
    assert (settings["source.tokenizer"], settings["target.tokenizer"]) == ("char", "word")
    wizard.remember()  # a recommendation is not the person's choice: not remembered
    assert wizard.setting("source_tokenizer", "") == "auto"


def test_opens_with_no_arguments(qtbot, tmp_path):
    """TrainWizard() works alone and keeps its settings where KERAS_ATTN_SETTINGS says."""
    wizard = TrainWizard()
    try:
        wizard.show()
        qtbot.waitUntil(lambda: wizard.capabilities is not None, timeout=SLOW)
        assert wizard.app_data == tmp_path / "data"
        assert wizard.data_page.dataset.count() >= 3 and wizard.currentId() == 0
        wizard.reject()
        assert (tmp_path / "settings.ini").exists()
    finally:
        wizard.shutdown()
        wizard.deleteLater()


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="en" datatype="plaintext" segtype="sentence"
adminlang="en" creationtool="t" creationtoolversion="1" o-tmf="t"/><body>
{units}</body></tmx>
"""


def test_tmx_languages_are_offered_and_swapped(make_wizard, qtbot, tmp_path):
    """A TMX file offers its languages; swapping makes the other language the source."""
    units = "".join(
        f'<tu><tuv xml:lang="en"><seg>{s}</seg></tuv><tuv xml:lang="de"><seg>{t}</seg>'
        f'</tuv><tuv xml:lang="fr"><seg>{t} fr</seg></tuv></tu>\n'
        for s, t in reverse_pairs(40, seed=3)
    )
    path = tmp_path / "memory.tmx"
    path.write_text(TMX.format(units=units), encoding="utf-8")
    wizard = make_wizard()
    wizard.data_page.set_files([str(path)])
    wizard.next()
    page = wizard.map_page
    qtbot.waitUntil(page.isComplete, timeout=SLOW)
    offered = [page.source_lang.itemText(i) for i in range(page.source_lang.count())]
    assert {"en", "de", "fr"} <= set(offered) and page.languages_row.isVisibleTo(wizard)
    assert (page.source_lang.currentText(), page.target_lang.currentText()) == ("en", "de")
    first = wizard.data["pairs"][0]
    page.swap_direction()
    qtbot.waitUntil(page.isComplete, timeout=SLOW)
    assert wizard.data["pairs"][0] == first[::-1]
    assert "de" in page.direction.text() and not page.columns_row.isVisibleTo(wizard)


def test_csv_columns_are_offered_by_their_first_cells(make_wizard, qtbot, tmp_path):
    """A CSV file with three columns lets one pick the source and target columns."""
    path = tmp_path / "three.csv"
    path.write_text(
        "".join(f"{i},{s},{t}\n" for i, (s, t) in enumerate(reverse_pairs(30, seed=4))),
        encoding="utf-8",
    )
    wizard = make_wizard()
    wizard.data_page.set_files([str(path)])
    wizard.next()
    page = wizard.map_page
    qtbot.waitUntil(page.isComplete, timeout=SLOW)
    assert page.source_column.count() == 3 and page.source_column.itemText(0) == "1 · 0"
    for combo, column in ((page.source_column, 1), (page.target_column, 2)):
        combo.setCurrentIndex(column)
        combo.activated.emit(column)  # as a person's choice does

    def reversed_words():
        source, target = (wizard.data or {}).get("pairs", [("", "x")])[0]
        return page.isComplete() and target.split() == source.split()[::-1]

    qtbot.waitUntil(reversed_words, timeout=SLOW)


@pytest.fixture
def fresh_settings(tmp_path):
    """Settings of a first run: nothing remembered."""
    return Settings(QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat))


def test_automatic_choice_is_shown_and_trained_with(qtbot, tmp_path, fresh_settings, corpus):
    """With nothing remembered, the tokenizers and the size are automatic: the Model page
    shows the library's choice with its reasons and fills the training fields from it, an
    edit overrides one of them, and the run trains with exactly that configuration."""
    from keras_attn import sizing
    from keras_attn.data import split_pairs
    from keras_attn_app.wizard.config_choice import choose_config

    wizard = TrainWizard(settings=fresh_settings, app_data=tmp_path / "data")
    try:
        wizard.show()
        qtbot.waitUntil(lambda: wizard.capabilities is not None, timeout=SLOW)
        to_model_page(wizard, qtbot, corpus)
        text, model = wizard.text_page, wizard.model_page
        for side in (text.source, text.target):
            assert side.tokenizer.currentData() == "auto"
            assert side.tokenizer.itemText(0) == "Automatic (from the data)"
            assert not side.lowercase.isChecked()
            assert side.vocab_size.text() == side.max_length.text() == "automatic"
        assert "subword" in text.source.facts.text()  # what automatic means for this data
        assert model.preset.currentData() == "auto" and model.preset.currentIndex() == 0
        qtbot.waitUntil(lambda: "per epoch" in model.timing.text(), timeout=SLOW)
        pairs = wizard.data["pairs"]
        train_pairs, _, _ = split_pairs(pairs, validation=0.05, seed=1234)
        expected = sizing.choose(train_pairs)
        shown = model.using.text()
        assert expected.summary() in shown and "why: " + expected.reasons[-1] in shown
        assert (model.epochs.value(), model.batch_size.value()) == (
            expected.config.train.epochs,
            expected.config.train.batch_size,
        )
        assert model.learning_rate.value() == pytest.approx(expected.config.train.learning_rate)
        # Batches by tokens: the batch in pairs is unused and shown so.
        assert expected.config.train.batch_tokens > 0
        assert model.batch_tokens.value() == expected.config.train.batch_tokens
        assert not model.batch_size.isEnabled()
        assert "subword" in shown and "lowercased" not in shown
        wizard.next()
        train = wizard.train_page
        train_until(wizard, qtbot, lambda: train.curves.points("loss") >= 1)
        train.stop_button.click()
        qtbot.waitUntil(lambda: train.outcome is not None, timeout=SLOW)
        # Every epoch the run counts is shown, one stopped part-way and kept included.
        assert train.curves.points("loss") == train.outcome["epochs_done"]
        assert train.using.text().lower().startswith(expected.summary().lower())
        # Exactly the choice shown, its automatic repetition guard and shortest beam
        # output written out as a model file records them (keras_attn.training.build_model).
        trained = wizard.worker._model.config.to_dict()
        guard = expected.config.repeat_guard()
        shortest = trained["decode"]["min_length_ratio"]
        assert expected.config.decode.min_length_ratio == -1 and 0 < shortest < 2
        assert (
            trained
            == expected.config.replace(
                **{"decode.no_repeat_ngram": guard, "decode.min_length_ratio": shortest}
            ).to_dict()
        )
        run = json.loads((wizard.checkpoint_dir() / "run.json").read_text(encoding="utf-8"))
        assert run["config"] == expected.config.to_dict()
        assert run["choice"]["summary"] == expected.summary()
        remembered = Settings(fresh_settings.qsettings)
        assert remembered.value("wizard/source_tokenizer", "") == "auto"
        assert remembered.value("wizard/preset", "") == "auto"
        assert remembered.value("wizard/batch_size", -1) == 0  # automatic

        wizard.back()
        model.epochs.setValue(7)  # the person's edit wins over the choice
        choice, _, _ = choose_config(wizard.config_request(), pairs)
        assert choice.config == expected.config.replace(**{"train.epochs": 7})
        wizard.remember()
        assert remembered.value("wizard/epochs", 0) == 7
        model.batch_tokens.setValue(0)  # off: batches of a fixed number of pairs
        assert model.batch_size.isEnabled()
        choice, _, _ = choose_config(wizard.config_request(), pairs)
        assert choice.config.train.batch_tokens == 0
        assert choice.config.train.batch_size == expected.config.train.batch_size
        wizard.remember()
        assert remembered.value("wizard/batch_tokens", 0) == -1  # off, not automatic
    finally:
        wizard.closing = True
        wizard.shutdown()
        wizard.deleteLater()


def test_explicit_choices_keep_the_old_behaviour(make_wizard, qtbot, corpus):
    """Words, lowercasing and a fixed preset chosen by hand are what the run uses (the
    maximum length covering 98 % of the sentences, as before), and are remembered."""
    from keras_attn_app.wizard.config_choice import choose_config

    wizard = make_wizard()
    to_model_page(wizard, qtbot, corpus)
    text, model = wizard.text_page, wizard.model_page
    for side in (text.source, text.target):
        side.set_tokenizer("word")
        side.tokenizer.activated.emit(side.tokenizer.currentIndex())  # as a click does
        side.lowercase.setChecked(True)
    assert model.preset.currentData() == "tiny"  # remembered
    request = wizard.config_request()
    assert request["preset"] == "tiny"
    choice, _, _ = choose_config(request, wizard.data["pairs"])
    config = choice.config
    assert (config.source.tokenizer, config.source.lowercase) == ("word", True)
    assert config.source.max_length == text.source.suggested == 7
    assert (config.model.units, config.train.epochs, config.train.learning_rate) == (
        32,
        3,
        0.01,
    )  # tiny, with the remembered epochs and learning rate
    model.request_estimate()
    qtbot.waitUntil(lambda: "lowercased" in model.using.text(), timeout=SLOW)
    assert "using: tiny" in model.using.text() and "word" in model.using.text()
    wizard.remember()
    again = make_wizard()
    assert again.text_page.source.tokenizer.currentData() == "word"
    assert again.text_page.target.lowercase.isChecked()


def test_old_settings_do_not_keep_the_old_toy_defaults(qtbot, tmp_path, fresh_settings):
    """Settings written before the automatic defaults: their word tokens, lowercasing,
    filled-in sizes and "small" preset give way to automatic; real choices stay."""
    for key, value in {
        "source_tokenizer": "word",
        "target_tokenizer": "char",
        "source_lowercase": True,
        "target_lowercase": True,
        "source_vocab_size": 4000,
        "source_max_length": 12,
        "preset": "small",
        "epochs": 10,
        "batch_size": 64,
        "learning_rate": 0.0005,
        "time_limit": 5,
    }.items():
        fresh_settings.set_value(f"wizard/{key}", value)
    wizard = TrainWizard(settings=fresh_settings, app_data=tmp_path / "data")
    try:
        wizard.show()
        qtbot.waitUntil(lambda: wizard.capabilities is not None, timeout=SLOW)
        text, model = wizard.text_page, wizard.model_page
        assert text.source.tokenizer.currentData() == "auto"
        assert text.target.tokenizer.currentData() == "char"  # not the old default
        assert not text.source.lowercase.isChecked() and not text.target.lowercase.isChecked()
        assert text.source.vocab_size.value() == text.source.max_length.value() == 0
        assert model.preset.currentData() == "auto"
        settings = model.settings()
        assert "train.epochs" not in settings and "train.batch_size" not in settings
        assert settings["train.learning_rate"] == 0.0005  # differs from small's: an edit
        assert settings["train.time_limit"] == 300.0
    finally:
        wizard.shutdown()
        wizard.deleteLater()
