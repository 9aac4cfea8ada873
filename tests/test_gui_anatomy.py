"""The step view's anatomy panel, attention diagnostics and the classic-model notice: the
widgets on small hand-made steps, then the window on a real (untrained) tiny model."""

from types import SimpleNamespace as NS

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QSettings  # noqa: E402
from PySide6.QtGui import QHelpEvent  # noqa: E402
from PySide6.QtWidgets import QToolTip  # noqa: E402

from keras_attn_app.views.anatomy_view import AnatomyView, build_stages  # noqa: E402
from keras_attn_app.views.diagnostics_view import DiagnosticsView, summary_text  # noqa: E402
from keras_attn_app.views.step_view import StepView  # noqa: E402
from keras_attn_app.widgets.strip import Strip  # noqa: E402

SOURCE = ["ich", "habe", "hunger", "[END]"]
TIMEOUT = 60_000


def anatomy(style="luong", score="general", units=6, seed=0):
    """A step's anatomy with the documented fields, computed the way the model does."""
    rng = np.random.default_rng(seed)
    encoder = np.tanh(rng.normal(size=(len(SOURCE), units))).astype("float32")
    h = np.tanh(rng.normal(size=units)).astype("float32")
    query = h if style == "luong" else np.tanh(rng.normal(size=units)).astype("float32")
    if score == "none":
        scores, weights = np.full(len(SOURCE), -np.inf, "float32"), np.zeros(len(SOURCE), "float32")
        context = encoder[-1]
    else:
        scores = (encoder @ query).astype("float32")
        scores[-1] = -np.inf  # a masked position
        e = np.exp(scores - scores[np.isfinite(scores)].max())
        weights = (e / e.sum()).astype("float32")
        context = (weights @ encoder).astype("float32")
    return NS(
        style=style,
        score=score,
        query=query,
        h=h,
        encoder_states=encoder,
        scores=scores,
        weights=weights,
        context=context,
        concat=np.concatenate([h, context]),
        attentional=np.tanh(h + context),
        logits=rng.normal(size=40).astype("float32"),
    )


def step(forced=False):
    candidates = [
        NS(token_id=7, token="have", probability=0.7),
        NS(token_id=9, token="am", probability=0.2),
        NS(token_id=3, token="[END]", probability=0.05),
    ]
    return NS(
        index=1,
        token_id=9 if forced else 7,
        token="am" if forced else "have",
        probability=0.2 if forced else 0.7,
        candidates=candidates,
        forced=forced,
        weights=None,
    )


def test_stages_follow_the_luong_order_and_formulas():
    """Luong style: the RNN state first, scores asked with h_t, then weights, context,
    [h_t; c_t], attentional vector, candidates; each with a sentence."""
    stages = build_stages(
        anatomy("luong", "general"),
        source_tokens=SOURCE,
        step=step(),
        previous_token="i",
        model={"rnn": "gru", "output_norm": True},
    )
    assert [s.key for s in stages] == [
        "state",
        "scores",
        "weights",
        "context",
        "concat",
        "attentional",
        "output",
    ]
    by_key = {s.key: s for s in stages}
    assert "W<sub>a</sub>" in by_key["scores"].formula
    assert by_key["scores"].formula.startswith("e<sub>s</sub> = h<sub>t</sub>ᵀ")
    assert "“i”" in by_key["state"].sentence and "GRU" in by_key["state"].formula
    assert "layer normalization" in by_key["attentional"].formula
    assert "“ich”" in by_key["weights"].sentence or "“habe”" in by_key["weights"].sentence
    assert all(s.sentence and s.formula for s in stages)
    assert "W<sub>o</sub>" in by_key["output"].formula


def test_tied_output_layer_is_explained_as_a_match_with_the_embeddings():
    """A model whose logits come from its target embeddings says so at the output stage."""
    stages = build_stages(
        anatomy("luong", "general"),
        source_tokens=SOURCE,
        step=step(),
        previous_token="i",
        model={"rnn": "gru", "output_norm": True, "tie_embeddings": True},
    )
    output = next(s for s in stages if s.key == "output")
    assert "E " in output.formula and "W<sub>o</sub>" not in output.formula
    assert "embedding" in output.sentence and "previous word" in output.sentence


@pytest.mark.parametrize(
    "score,text",
    [
        ("additive", "vᵀ tanh(W<sub>1</sub>"),
        ("dot", "h<sub>t−1</sub>ᵀ h̄<sub>s</sub>"),
        ("concat", "W<sub>a</sub> [h<sub>t−1</sub>;"),
    ],
)
def test_bahdanau_style_asks_with_the_previous_state(score, text):
    """Bahdanau style: query h_{t-1} first, attention, then the RNN reads the context."""
    stages = build_stages(
        anatomy("bahdanau", score), source_tokens=SOURCE, step=step(), model={"rnn": "lstm"}
    )
    assert [s.key for s in stages] == [
        "query",
        "scores",
        "weights",
        "context",
        "state",
        "concat",
        "attentional",
        "output",
    ]
    assert text in stages[1].formula
    assert "c<sub>t</sub>]" in stages[4].formula and "LSTM" in stages[4].formula


def test_classic_model_has_a_fixed_context_and_no_scores():
    """No attention: no score or weight stage; the fixed context is explained."""
    stages = build_stages(anatomy("luong", "none"), source_tokens=SOURCE, step=step())
    assert [s.key for s in stages] == ["state", "context", "concat", "attentional", "output"]
    assert "no attention" in stages[1].sentence and "same" in stages[1].formula


def test_panel_shows_the_steps_numbers(qtbot):
    """Each strip holds the step's own values; hovering a cell shows its value."""
    view = AnatomyView()
    qtbot.addWidget(view)
    view.resize(800, 900)
    view.show()
    a = anatomy("luong", "dot")
    view.show_step(a, source_tokens=SOURCE, step=step(), previous_token="i")
    _, scores = view.stage("scores")
    strip = scores.strips[0]
    np.testing.assert_array_equal(strip.values[0], a.scores)
    assert strip.column_labels == SOURCE
    assert strip.highlight == int(np.argmax(a.weights))
    _, context = view.stage("context")
    np.testing.assert_array_equal(context.strips[0].values, a.encoder_states)
    np.testing.assert_array_equal(context.strips[1].values[0], a.context)
    np.testing.assert_allclose(a.weights @ a.encoder_states, a.context, atol=1e-6)
    _, output = view.stage("output")
    np.testing.assert_allclose(output.strips[0].values[0], [0.7, 0.2, 0.05])
    assert output.strips[0].highlight == 0  # the chosen candidate
    assert "“have”" in view.header.text()
    assert strip.tooltip_at(0, 1) == f"score “habe” = {a.scores[1]:+.4f}"
    assert "−∞" in strip.tooltip_at(0, 3)  # the masked position
    qtbot.waitExposed(view)
    rect = strip.cell_rect(0, 1)
    event = QHelpEvent(
        QEvent.Type.ToolTip, rect.center().toPoint(), strip.mapToGlobal(rect.center().toPoint())
    )
    strip.event(event)
    qtbot.waitUntil(lambda: QToolTip.text() == strip.tooltip_at(0, 1), timeout=5000)


def test_strip_colours_follow_the_sign_and_size(qtbot):
    """Signed strips: blue for positive, red for negative, pale near zero."""
    strip = Strip("v")
    qtbot.addWidget(strip)
    strip.resize(300, 20)
    strip.set_data([1.0, -1.0, 0.01])
    positive, negative, small = (strip.color_of(float(v)) for v in strip.values[0])
    assert positive.blue() > positive.red() and negative.red() > negative.blue()
    assert small.lightness() > positive.lightness() and small.lightness() > negative.lightness()
    assert strip.cell_at(*strip.cell_rect(0, 2).center().toTuple()) == (0, 2)
    with pytest.raises(ValueError, match="kind"):
        strip.set_data([1.0], kind="rainbow")


def test_diagnostics_flag_source_words_never_attended(qtbot):
    """Coverage below the threshold is flagged; entropy is listed per step."""
    view = DiagnosticsView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    d = NS(
        entropy=np.array([0.1, 0.9], "float32"),
        mean_entropy=0.5,
        normalized_entropy=np.array([0.07, 0.65], "float32"),
        coverage=np.array([1.2, 0.1, 0.7, 0.0], "float32"),
        unattended=[1],
    )
    view.show_diagnostics(d, SOURCE, ["have", "[END]"])
    view.show()
    qtbot.waitExposed(view)
    view.grab()  # paints, which lays out the rows
    assert view.flagged() == ["habe"]
    texts = [text for _, text in view._rows]
    assert len(texts) == len(SOURCE) + 2
    assert "possibly untranslated" in texts[1] and "possibly untranslated" not in texts[0]
    assert texts[-1].startswith("step 2, “[END]”: entropy 0.900 nats")
    assert summary_text(d, SOURCE) == (
        "Mean attention entropy 0.50 nats; hardly attended (possibly untranslated): “habe”"
    )
    assert summary_text(d, SOURCE, finished=False) == (
        "Mean attention entropy 0.50 nats so far; not attended yet: “habe”"
    )


def snapshot(a, has_attention=True, diagnostics=None):
    s = step()
    s.weights = a.weights
    return {
        "event": "step",
        "sentence": "ich habe hunger",
        "source_tokens": SOURCE,
        "target_tokens": ["i", "have"],
        "forced": [False, False],
        "attention": np.stack([a.weights, a.weights]),
        "step": s,
        "finished": False,
        "translation": "i have",
        "truncated": False,
        "token_count": 3,
        "max_length": 50,
        "has_attention": has_attention,
        "anatomy": a,
        "diagnostics": diagnostics,
    }


def test_step_view_explains_a_model_without_attention(qtbot):
    """A classic model gets the notice instead of the heatmap, the alignment and the
    diagnostics; the anatomy and beam views stay."""
    view = StepView()
    qtbot.addWidget(view)
    view.set_model({"has_attention": False, "config": {"model": {"rnn": "gru"}}})
    a = anatomy("luong", "none")
    view.show_snapshot(snapshot(a, has_attention=False))
    for name in ("heatmap", "alignment", "diagnostics"):
        view.pages.show_view(name)
        assert view.pages.currentWidget() is view.pages.classic_notice
    assert "nothing to attend to" in view.pages.classic_notice.plain_text()
    np.testing.assert_array_equal(view.pages.classic_notice.context.values[0], a.context)
    assert view.panel.bars.weights == []  # no bars of zeros
    assert view.panel.no_attention_note.isVisibleTo(view)
    assert not view.panel.bars_scroll.isVisibleTo(view)
    view.pages.show_view("anatomy")
    assert view.pages.currentWidget() is view.pages.anatomy
    assert [s.key for s in view.pages.anatomy.stages][:2] == ["state", "context"]
    view.set_model({"has_attention": True})
    view.show_snapshot(snapshot(anatomy()))
    view.pages.show_view("heatmap")
    assert view.pages.currentWidget() is view.pages.heatmap


# -- the window on real (untrained, tiny) models ------------------------------------------
@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """A tiny attention model (luong style, general scores) and a classic one, untrained:
    the panel must show whatever numbers the model computes."""
    from keras_attn.config import preset
    from keras_attn.saving import save_model
    from keras_attn.training import build_model
    from tests.helpers import reverse_pairs

    pairs = reverse_pairs(80, seed=4)
    folder = tmp_path_factory.mktemp("gui-anatomy")
    files = {}
    for name, attention in (("general", "luong-general"), ("classic", "none")):
        config = preset("tiny").replace(
            **{
                "model.attention": attention,
                "model.units": 16,
                "model.embedding_dim": 8,
                "model.attention_units": 16,
            }
        )
        files[name] = save_model(build_model(config, pairs), folder / f"{name}.keras")
    return files


@pytest.fixture(scope="module")
def window(qapp, model_files, tmp_path_factory):
    from keras_attn_app.main_window import MainWindow
    from keras_attn_app.settings import Settings
    from tests.test_gui_window import wait_until

    settings = Settings(
        QSettings(str(tmp_path_factory.mktemp("s") / "s.ini"), QSettings.Format.IniFormat)
    )
    win = MainWindow(model_path=str(model_files["general"]), settings=settings)
    win.resize(1280, 800)
    win.show()
    wait_until(lambda: win.summary is not None and win.step_view.snapshot is not None)
    yield win
    win.close()


def take(qtbot, view, method, event):
    with qtbot.waitSignal(
        view.snapshot_shown, timeout=TIMEOUT, check_params_cb=lambda e: e == event
    ):
        method()


def test_anatomy_panel_shows_the_models_own_numbers(window, qtbot):
    """After a step, the panel's strips hold the StepAnatomy the worker's session computed:
    scores and weights over the source tokens, c_t = sum of weights x encoder states."""
    view = window.step_view
    view.pages.show_view("anatomy")
    view.sentence.setText("a b c")
    take(qtbot, view, view.start, "start")
    take(qtbot, view, view.step, "step")
    take(qtbot, view, view.step, "step")
    a, step_result = view.snapshot["anatomy"], view.snapshot["step"]
    assert a is not None and (a.style, a.score) == ("luong", "general")
    stages = {s.key: s for s in view.pages.anatomy.stages}
    assert list(stages) == [
        "state",
        "scores",
        "weights",
        "context",
        "concat",
        "attentional",
        "output",
    ]
    assert "W<sub>a</sub>" in stages["scores"].formula
    _, scores = view.pages.anatomy.stage("scores")
    np.testing.assert_array_equal(scores.strips[0].values[0], a.scores)
    assert scores.strips[0].column_labels == ["a", "b", "c", "[END]"]
    _, weights = view.pages.anatomy.stage("weights")
    np.testing.assert_allclose(weights.strips[0].values[0], step_result.weights, atol=1e-6)
    np.testing.assert_allclose(a.weights @ a.encoder_states, a.context, atol=1e-5)
    _, state = view.pages.anatomy.stage("state")
    np.testing.assert_array_equal(state.strips[0].values[0], a.h)
    _, output = view.pages.anatomy.stage("output")
    assert output.strips[0].column_labels == [c.token for c in step_result.candidates]
    assert f"“{step_result.token}”" in view.pages.anatomy.header.text()


def test_diagnostics_of_the_decoded_sentence(window, qtbot):
    """To the end, then Diagnostics: coverage of every source token, entropy per step."""
    view = window.step_view
    view.pages.show_view("diagnostics")
    view.sentence.setText("a b c d")
    take(qtbot, view, view.start, "start")
    take(qtbot, view, view.to_end, "end")
    d = view.snapshot["diagnostics"]
    assert d is not None and view.pages.diagnostics.diagnostics is d
    assert len(d.coverage) == len(view.snapshot["source_tokens"])
    assert len(d.entropy) == len(view.snapshot["target_tokens"])
    np.testing.assert_allclose(d.coverage, view.snapshot["attention"].sum(axis=0), atol=1e-5)
    assert view.panel.diagnostics_label.text().startswith(
        f"Mean attention entropy {d.mean_entropy:.2f} nats"
    )
    view.pages.diagnostics.grab()
    assert len(view.pages.diagnostics._rows) == len(d.coverage) + len(d.entropy)


def test_a_classic_model_shows_the_fixed_context(window, qtbot, model_files):
    """Opening a model without attention: the heatmap's place explains that there is
    nothing to attend to; the anatomy shows the fixed context, the same at every step."""
    view = window.step_view
    with qtbot.waitSignal(window.model_ready, timeout=TIMEOUT):
        window.open_model(str(model_files["classic"]))
    view.pages.show_view("heatmap")
    assert view.pages.currentWidget() is view.pages.classic_notice
    view.sentence.setText("a b c")
    take(qtbot, view, view.start, "start")
    take(qtbot, view, view.step, "step")
    first = view.snapshot["anatomy"].context
    take(qtbot, view, view.step, "step")
    second = view.snapshot["anatomy"]
    assert second.score == "none" and view.snapshot["diagnostics"] is None
    np.testing.assert_array_equal(first, second.context)
    np.testing.assert_array_equal(view.pages.classic_notice.context.values[0], second.context)
    view.pages.show_view("anatomy")
    assert [s.key for s in view.pages.anatomy.stages] == [
        "state",
        "context",
        "concat",
        "attentional",
        "output",
    ]
    view.pages.show_view("diagnostics")
    assert view.pages.currentWidget() is view.pages.classic_notice
    with qtbot.waitSignal(window.model_ready, timeout=TIMEOUT):
        window.open_model(str(model_files["general"]))
    view.pages.show_view("heatmap")
    assert view.pages.currentWidget() is view.pages.heatmap


def test_anatomy_screenshot_shows_a_step_in_the_middle(window, qtbot, tmp_path, monkeypatch):
    """--view anatomy: the sentence to the end, then back to its middle step; the picture is
    taken of the anatomy view."""
    from PySide6.QtWidgets import QApplication

    from keras_attn_app.screenshot import ScreenshotRun

    exits = []
    monkeypatch.setattr(QApplication.instance(), "exit", exits.append)
    view = window.step_view
    view.pages.show_view("heatmap")
    seen = []
    view.snapshot_shown.connect(
        lambda event: seen.append((event, len(view.snapshot["target_tokens"])))
    )
    run = ScreenshotRun(window, tmp_path / "anatomy.png", "anatomy", "a b c d e f")
    run.begin()
    qtbot.waitUntil(lambda: run.code is not None, timeout=TIMEOUT)
    view.snapshot_shown.disconnect(run._snapshot)
    assert exits == [0] and (tmp_path / "anatomy.png").read_bytes()[:4] == b"\x89PNG"
    assert view.pages.current_view() == "anatomy" and view.pages.anatomy.stages
    ended = next(n for event, n in seen if event == "end")
    middle = max(1, (ended + 1) // 2)
    assert len(view.snapshot["target_tokens"]) == min(middle, ended)
    assert view.pages.anatomy.stages[-1].key == "output"
    assert f"Step {min(middle, ended)}:" in view.pages.anatomy.header.text()
