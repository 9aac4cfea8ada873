"""A Transformer model in the desktop window: the layer and head choice of the step view,
the encoder's and decoder's self-attention, the anatomy of a head, the same candidates,
back and force as for RNN models; RNN models without these controls; the wizard offering
the Transformer."""

import time

import keras
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from keras_attn.config import preset  # noqa: E402
from keras_attn_app.main_window import MainWindow  # noqa: E402
from keras_attn_app.settings import Settings  # noqa: E402
from keras_attn_app.widgets.head_grid import AVERAGE, pick_heads  # noqa: E402
from tests.gui_helpers import EventLoopGaps  # noqa: E402

TIMEOUT = 60_000  # ms; generous, the machine is shared
WORDS = "a b c d e f g h".split()
VOCABULARY = ["[PAD]", "[UNK]", "[START]", "[END]"] + WORDS
LAYERS, HEADS = 2, 4
TRANSFORMER = preset("tiny", "transformer").replace(
    **{
        "model.units": 16,
        "model.layers": LAYERS,
        "model.heads": HEADS,
        "model.ff_units": 16,
        "source.tokenizer": "word",
        "target.tokenizer": "word",
        "train.precision": "float32",
        "source.max_length": 12,
        "target.max_length": 12,
    }
)
SENTENCE = "a b c d"


def wait_until(condition, timeout=60.0):
    """Process events until `condition()` is true (for module-scoped fixtures)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("condition not met in time")
        QApplication.processEvents()
        time.sleep(0.01)


def never_end(model):
    """Keep an untrained model from ending at once: [END] gets a very low output bias."""
    from keras_attn.text import END_ID

    found = [w for w in model.weights if tuple(w.shape) == (len(VOCABULARY),) and "bias" in w.path]
    assert found, "no output bias found"
    for weight in found:
        values = np.array(weight.numpy())
        values[END_ID] -= 50.0
        weight.assign(values)


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """An untrained Transformer (2 layers of 4 heads) and an untrained RNN model, saved:
    the window draws whatever weights the model has, so no training is needed."""
    from keras_attn.config import Config
    from keras_attn.model import Translator
    from keras_attn.saving import save_model
    from keras_attn.transformer import TransformerTranslator

    folder = tmp_path_factory.mktemp("gui-transformer")
    keras.utils.set_random_seed(7)
    transformer = TransformerTranslator(TRANSFORMER, VOCABULARY, VOCABULARY)
    transformer.build()
    never_end(transformer)
    save_model(transformer, folder / "transformer.keras")
    rnn_config = Config().replace(
        **{
            "model.units": 16,
            "model.embedding_dim": 8,
            "model.attention_units": 16,
            "source.tokenizer": "word",
            "target.tokenizer": "word",
            "train.precision": "float32",
        }
    )
    rnn = Translator(rnn_config, VOCABULARY, VOCABULARY)
    rnn.build()
    never_end(rnn)
    save_model(rnn, folder / "rnn.keras")
    return folder / "transformer.keras", folder / "rnn.keras"


@pytest.fixture(scope="module")
def window(qapp, model_files, tmp_path_factory):
    settings = Settings(
        QSettings(str(tmp_path_factory.mktemp("s") / "s.ini"), QSettings.Format.IniFormat)
    )
    win = MainWindow(model_path=str(model_files[0]), settings=settings)
    win.resize(1100, 720)
    win.show()
    wait_until(lambda: win.summary is not None and win.step_view.snapshot is not None)
    win.show_tab("step")
    yield win
    win.close()


def request(qtbot, view, event, action):
    with qtbot.waitSignal(
        view.snapshot_shown, timeout=TIMEOUT, check_params_cb=lambda shown: shown == event
    ):
        action()


def start_and_step(qtbot, window, steps=3):
    view = window.step_view
    view.sentence.setText(SENTENCE)
    request(qtbot, view, "start", view.start)
    for _ in range(steps):
        request(qtbot, view, "step", view.step)
    return view


def test_head_selector_and_heatmap_follow_the_chosen_head(window, qtbot):
    """The layer and head lists have the model's counts (and an average entry); choosing a
    head draws that head's weights, the same the decoding session recorded, in the
    heatmap and in the side panel's bars."""
    view = start_and_step(qtbot, window)
    pages = view.pages
    assert pages.head_row.isVisible()
    selector = pages.head_selector
    assert selector.layer_box.count() == LAYERS
    assert selector.head_box.count() == HEADS + 1
    assert selector.head_box.itemData(0) == AVERAGE
    assert pages.chosen_head() == (LAYERS - 1, AVERAGE)
    step = view.snapshot["step"]
    # By default: the last layer's average, the session's own weights.
    np.testing.assert_allclose(pages.heatmap.image_array(), view.snapshot["attention"], atol=1e-6)
    selector.select(0, 2)
    drawn = pages.heatmap.image_array()
    assert drawn.shape == (3, len(view.snapshot["source_tokens"]))
    np.testing.assert_allclose(drawn[-1], step.heads.cross.weights[0, 2], atol=1e-6)
    np.testing.assert_allclose(drawn, view.snapshot["heads"]["cross"][:, 0, 2], atol=1e-6)
    assert not np.allclose(drawn, view.snapshot["attention"], atol=1e-4)
    np.testing.assert_allclose(view.panel.bars.weights, step.heads.cross.weights[0, 2], atol=1e-6)
    assert "layer 1, head 3" in view.panel.attention_heading.text()
    # A click on a small heatmap of the grid chooses its head.
    pages.show_view("heads")
    grid = pages.head_grid
    assert grid.weights.shape == (LAYERS, HEADS, 3, len(view.snapshot["source_tokens"]))
    assert grid.tooltip_at(0, 2, 2, 0) == (
        f"layer 1, head 3: {view.snapshot['target_tokens'][2]} → "
        f"{view.snapshot['source_tokens'][0]}: {step.heads.cross.weights[0, 2, 0]:.3f}"
    )
    assert pages.grid_kind.isVisible()
    pages.grid_kind.setCurrentIndex(pages.grid_kind.findData("encoder"))
    source_count = len(view.snapshot["source_tokens"])
    assert grid.weights.shape == (LAYERS, HEADS, source_count, source_count)
    np.testing.assert_allclose(grid.weights, view.snapshot["heads"]["encoder"])
    pages.grid_kind.setCurrentIndex(pages.grid_kind.findData("decoder"))
    assert grid.weights.shape == (LAYERS, HEADS, 3, 3)
    assert grid.column_labels[0] == "[START]"
    pages.grid_kind.setCurrentIndex(0)
    grid.chosen.emit(1, 1)
    assert pages.chosen_head() == (1, 1)
    np.testing.assert_allclose(
        pages.heatmap.image_array()[-1], step.heads.cross.weights[1, 1], atol=1e-6
    )
    pages.show_view("heatmap")
    assert not pages.grid_kind.isVisible()


def test_encoder_and_decoder_self_attention_pages(window, qtbot):
    """The encoder's self-attention is an SxS matrix of the chosen head; the decoder's is
    one row per step over [START] and the outputs before it, zero after them."""
    view = start_and_step(qtbot, window, steps=3)
    pages = view.pages
    pages.head_selector.select(1, 0)
    source = view.snapshot["source_tokens"]
    pages.show_view("encoder")
    qtbot.waitUntil(lambda: pages.encoder_heatmap.image_array() is not None, timeout=TIMEOUT)
    encoder = pages.encoder_heatmap.image_array()
    assert encoder.shape == (len(source), len(source))
    np.testing.assert_allclose(encoder, view.snapshot["heads"]["encoder"][1, 0], atol=1e-6)
    np.testing.assert_allclose(encoder.sum(axis=1), 1.0, atol=1e-4)
    pages.show_view("decoder")
    decoder = pages.decoder_heatmap.image_array()
    assert decoder.shape == (3, 3)
    assert pages.decoder_heatmap.source_tokens[0] == "[START]"
    np.testing.assert_allclose(
        decoder[-1], view.snapshot["step"].heads.self_attention.weights[1, 0], atol=1e-6
    )
    assert np.all(np.triu(decoder, 1) == 0)  # a step never sees later outputs
    pages.head_selector.select(1, AVERAGE)
    np.testing.assert_allclose(
        pages.decoder_heatmap.image_array(),
        pick_heads(view.snapshot["heads"]["self"], 1, AVERAGE, axis=1),
        atol=1e-6,
    )
    pages.show_view("heatmap")


def test_anatomy_shows_the_chosen_heads_arithmetic(window, qtbot):
    """q, K, V, the scaled scores q.k/sqrt(d), their softmax and the head's context."""
    view = start_and_step(qtbot, window, steps=2)
    pages = view.pages
    pages.head_selector.select(0, 3)
    pages.show_view("anatomy")
    heads = view.snapshot["step"].heads
    a = heads.cross
    q, keys, values = a.query[0, 3], a.keys[0, 3], a.values[0, 3]
    anatomy = pages.anatomy
    np.testing.assert_allclose(anatomy.stage("query")[0].strips[0].values, q)
    np.testing.assert_allclose(anatomy.stage("keys")[0].strips[0].values, keys)
    np.testing.assert_allclose(anatomy.stage("values")[0].strips[0].values, values)
    scores = anatomy.stage("scores")[0].strips[0].values
    np.testing.assert_allclose(scores, keys @ q * heads.scale, atol=1e-5)
    weights = anatomy.stage("weights")[0].strips[0].values
    np.testing.assert_allclose(weights, np.exp(scores) / np.exp(scores).sum(), atol=1e-5)
    np.testing.assert_allclose(
        anatomy.stage("context")[0].strips[0].values, weights @ values, atol=1e-5
    )
    _, widget = anatomy.stage("scores")
    assert widget.isVisible() and "√" in widget.formula.text()
    every = anatomy.stage("heads")[0].strips[0].values
    assert every.shape == (HEADS + 1, len(view.snapshot["source_tokens"]))
    pages.show_view("heatmap")


def test_candidates_back_and_force_work_on_a_transformer(window, qtbot):
    view = start_and_step(qtbot, window, steps=2)
    request(qtbot, view, "back", view.back)
    assert len(view.snapshot["target_tokens"]) == 1
    assert view.snapshot["heads"]["cross"].shape[0] == 1
    step = view.snapshot["step"]
    other = next(c for c in step.candidates if c.token_id != step.token_id)
    view.finish_box.setChecked(False)
    request(qtbot, view, "force", lambda: view.panel.choose(other.token_id))
    assert view.snapshot["step"].token_id == other.token_id and view.snapshot["forced"][-1]
    assert view.snapshot["heads"]["self"].shape[:2] == (1, LAYERS)


def test_rnn_models_hide_the_head_controls(window, model_files, qtbot):
    """Opening an RNN model hides the layer and head row and the Transformer's pages."""
    with qtbot.waitSignal(window.model_ready, timeout=TIMEOUT):
        window.open_model(str(model_files[1]))
    view = window.step_view
    view.sentence.setText(SENTENCE)
    request(qtbot, view, "start", view.start)
    request(qtbot, view, "step", view.step)
    pages = view.pages
    assert view.snapshot["heads"] is None
    assert not pages.head_row.isVisible()
    for name in ("heads", "encoder", "decoder"):
        assert not pages.view_buttons.button(list(pages_views()).index(name)).isVisible()
    assert view.panel.attention_heading.text() == "Attention at this step"
    np.testing.assert_allclose(pages.heatmap.image_array(), view.snapshot["attention"])
    with qtbot.waitSignal(window.model_ready, timeout=TIMEOUT):
        window.open_model(str(model_files[0]))
    assert pages.head_row.isVisible()


def pages_views():
    from keras_attn_app.views.step_pages import VIEWS

    return VIEWS


def test_wizard_offers_the_transformer(qtbot, tmp_path, monkeypatch):
    """The Model page offers the three kinds; the Transformer goes into the configuration
    as `keras-attn train --model transformer` puts it, with the Transformer presets."""
    from PySide6.QtCore import QStandardPaths

    from keras_attn_app.wizard.config_choice import choose_config
    from keras_attn_app.wizard.train_wizard import TrainWizard
    from tests.helpers import reverse_pairs

    monkeypatch.setenv("KERAS_ATTN_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("KERAS_ATTN_DATA_DIR", str(tmp_path / "data"))
    QStandardPaths.setTestModeEnabled(True)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    wizard = TrainWizard(settings=settings, app_data=tmp_path / "data")
    try:
        qtbot.waitUntil(lambda: wizard.capabilities is not None, timeout=120_000)
        page = wizard.model_page
        kinds = [page.kind.itemData(i) for i in range(page.kind.count())]
        assert kinds == ["rnn", "classic", "transformer"]
        assert page.model_kind() == "rnn"
        assert "model.architecture" not in page.settings()
        page.kind.setCurrentIndex(kinds.index("classic"))
        assert page.attention.currentData() == "none" and not page.attention.isEnabled()
        assert page.model_form.isRowVisible(page.style)
        assert page.settings().get("model.attention") == "none"
        page.kind.setCurrentIndex(kinds.index("transformer"))
        assert not page.model_form.isRowVisible(page.attention)
        assert not page.model_form.isRowVisible(page.style)
        assert page.settings()["model.architecture"] == "transformer"
        assert "model.attention" not in page.settings()
        page.preset.setCurrentIndex(page.preset.findData("tiny"))
        page._preset_chosen()
        assert "heads" in page.preset_facts.text()
        request = {"preset": "tiny", "settings": page.settings()}
        choice, _, _ = choose_config(request, reverse_pairs(200, seed=3))
        assert choice.config.model.architecture == "transformer"
        assert choice.config.model.heads == preset("tiny", "transformer").model.heads
        wizard.remember()
        assert wizard.setting("model_kind", "") == "transformer"
    finally:
        wizard.closing = True
        wizard.shutdown()
        wizard.deleteLater()
        QStandardPaths.setTestModeEnabled(False)


def test_compare_takes_a_transformer_beside_an_rnn(window, model_files, qtbot, tmp_path):
    """Models ▸ Compare with the Transformer open and an RNN model added: one length curve
    per model, and a clicked sentence shows the Transformer's attention (the average of
    its last layer's heads) beside the RNN's."""
    from tests.helpers import reverse_pairs, write_tsv

    pairs = [
        (
            " ".join(w for w in s.split() if w in WORDS) or "a",
            " ".join(w for w in t.split() if w in WORDS) or "a",
        )
        for s, t in reverse_pairs(10, seed=2, max_len=5)
    ]
    test = write_tsv(tmp_path / "test.tsv", pairs)
    with qtbot.waitSignal(window.model_ready, timeout=TIMEOUT):
        window.open_model(str(model_files[0]))
    compare = window.show_compare()
    try:
        assert compare.checked_paths() == [str(model_files[0].resolve())]
        compare.add_model(model_files[1], checked=True)
        compare.test_edit.setText(str(test))
        compare.limit.setValue(0)
        with qtbot.waitSignal(compare.result_shown, timeout=TIMEOUT) as shown:
            compare.compare_button.click()
        result = shown.args[0]["comparison"]
        assert result is not None and result.names == ["transformer", "rnn"]
        assert len(compare.figure.axes[0].get_lines()) == 2
        with qtbot.waitSignal(compare.sentence_shown, timeout=TIMEOUT):
            compare.sentences.selectRow(compare.sentence_row(1))
        columns = compare.detail.columns
        heatmap = columns[0].heatmap
        assert heatmap.isVisibleTo(compare) and columns[1].heatmap.isVisibleTo(compare)
        np.testing.assert_allclose(heatmap.weights, result.translations["transformer"][1].weights)
        assert heatmap.source_tokens[-1] == "[END]"
        assert heatmap.weights.shape == (len(heatmap.target_tokens), len(heatmap.source_tokens))
    finally:
        compare.close()


def test_stepping_a_transformer_keeps_the_window_responsive(window, model_files, qtbot):
    """A 10 ms timer keeps ticking while every head of every step comes to the window and
    is drawn (the heads grid in sight, the most drawing)."""
    view = window.step_view
    with qtbot.waitSignal(window.model_ready, timeout=TIMEOUT):
        window.open_model(str(model_files[0]))
    qtbot.waitUntil(lambda: view.snapshot is not None, timeout=TIMEOUT)  # warmed up
    view.pages.show_view("heads")
    view.sentence.setText("a b")
    request(qtbot, view, "start", view.start)
    request(qtbot, view, "step", view.step)
    qtbot.wait(200)  # drawn once
    with EventLoopGaps() as loop:
        view.sentence.setText("h g f e d c b a")
        request(qtbot, view, "start", view.start)
        while not view.snapshot["finished"]:
            request(qtbot, view, "step", view.step)
            qtbot.wait(30)
    view.pages.show_view("heatmap")
    print("\n" + loop.summary())
    assert len(view.snapshot["target_tokens"]) >= 5
    assert loop.worst_ms < 250  # the aim is 100 ms; shared 2-core machines need some slack


def test_wizard_estimates_a_transformer_on_the_data(qtbot, tmp_path, monkeypatch):
    """With Transformer chosen on the Model page, the worker's choice, parameter count and
    timing are those of a Transformer built on the data."""
    from PySide6.QtCore import QStandardPaths

    from keras_attn_app.wizard.train_wizard import TrainWizard
    from tests.helpers import reverse_pairs, write_tsv

    monkeypatch.setenv("KERAS_ATTN_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("KERAS_ATTN_DATA_DIR", str(tmp_path / "data"))
    QStandardPaths.setTestModeEnabled(True)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    corpus = write_tsv(tmp_path / "reverse.tsv", reverse_pairs(200, seed=5))
    wizard = TrainWizard(settings=settings, app_data=tmp_path / "data")
    wizard.confirm = lambda *args: True
    try:
        wizard.show()
        qtbot.waitUntil(lambda: wizard.capabilities is not None, timeout=120_000)
        wizard.data_page.set_files([str(corpus)])
        wizard.next()
        qtbot.waitUntil(wizard.map_page.isComplete, timeout=120_000)
        wizard.next()
        wizard.next()
        assert wizard.currentId() == TrainWizard.MODEL
        page = wizard.model_page
        page.kind.setCurrentIndex(page.kind.findData("transformer"))
        page.preset.setCurrentIndex(page.preset.findData("tiny"))
        page._preset_chosen()
        qtbot.waitUntil(lambda: "per epoch" in page.timing.text(), timeout=120_000)
        assert page.choice["config"]["model"]["architecture"] == "transformer"
        assert page.choice["config"]["model"]["heads"] == preset("tiny", "transformer").model.heads
        assert "counted on the model built" in page.params.text()
    finally:
        wizard.closing = True
        wizard.shutdown()
        wizard.deleteLater()
        QStandardPaths.setTestModeEnabled(False)


def test_screenshot_options_choose_page_head_and_step(monkeypatch, tmp_path):
    """`python -m keras_attn_app.screenshot` passes the step view's page, the layer and
    head (from 1 on the command line) and the step on to the screenshot run."""
    from keras_attn_app import app, screenshot

    runs = []
    monkeypatch.setattr(app, "run", lambda args: runs.append(args) or 0)
    try:
        code = screenshot.main(
            [
                "--screenshot",
                str(tmp_path / "x.png"),
                "--page",
                "encoder",
                "--head",
                "2,avg",
                "--at-step",
                "3",
            ]
        )
        assert code == 0 and runs[0].view == "step"
        assert screenshot.STEP_OPTIONS == {"page": "encoder", "head": (1, AVERAGE), "at_step": 3}
        screenshot.main(["--screenshot", str(tmp_path / "x.png"), "--head", "1,4"])
        assert screenshot.STEP_OPTIONS == {"head": (0, 3)}
    finally:
        screenshot.STEP_OPTIONS.clear()
