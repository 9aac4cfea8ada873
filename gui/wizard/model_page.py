"""The training wizard's fourth page: the model to train and what it will cost.

One module, longer than most: one page's form (kind, size, settings) and the estimate
that follows every change of it share the page's state; the page's parts are built by
named methods.

:class:`ModelPage` picks a size ("Automatic (fits your data)" or a fixed preset) and the
training settings. The worker chooses the configuration from the training pairs, the
time limit and only the fields the person set (:meth:`ModelPage.config_request`); the page
shows that choice and its reasons, fills epochs, batch size and learning rate from it
(what the person typed stays), and shows the chosen model's parameter count (exact: the
worker builds it on the training pairs) and the time an epoch takes, measured by timing
a few training steps on this machine.

Only explicit choices are remembered for the next run: a tokenizer picked from the list
(not one a bundled dataset recommends), sizes typed in, epochs, batch size and learning
rate edited by hand. Settings written before the automatic defaults existed
(no ``settings_version``, see :func:`.common.old_settings`) keep only what differs from that
version's defaults: their "word" tokenizer, lowercasing, filled-in sizes and "small"
preset were not choices.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWizardPage,
)

from .common import AUTO, defaults, duration, old_settings, show_warning
from .data import safe_name

PRESET_NAMES = {AUTO: "Automatic (fits your data)"}
PRESET_NOTES = {
    AUTO: "model size, vocabulary, batch, learning rate and dropout chosen from "
    "your data and the time limit (shown below)",
    "tiny": "for trying things out: seconds on a CPU",
    "small": "minutes on a laptop CPU",
    "base": "the TensorFlow NMT tutorial's size: a GPU helps",
}
ATTENTION_NAMES = {
    "bahdanau": "Bahdanau (additive)",
    "luong-dot": "Luong, dot product",
    "luong-general": "Luong, general (bilinear)",
    "luong-concat": "Luong, concat (additive)",
    "none": "None (classic encoder-decoder)",
}
STYLE_NAMES = {
    "luong": "Luong: the RNN steps, then attends",
    "bahdanau": "Bahdanau: attention feeds the RNN",
}
ESTIMATE_DELAY_MS = 600
# The default preset of settings version 1, which was filled in rather than chosen.
OLD_PRESET = "small"
# The training fields the automatic choice fills in, with their settings keys.
TRAIN_FIELDS = {
    "train.epochs": "epochs",
    "train.batch_size": "batch_size",
    "train.batch_tokens": "batch_tokens",
    "train.learning_rate": "learning_rate",
}
#: The kinds of model offered: an RNN with attention (the default), the classic RNN
#: encoder-decoder (attention "none"), a Transformer (`model.architecture`).
KIND_NAMES = {
    "rnn": "RNN encoder-decoder with attention",
    "classic": "RNN encoder-decoder without attention (classic)",
    "transformer": "Transformer (multi-head attention)",
}


class ModelPage(QWizardPage):
    """Page 4: model size, attention, training settings, and what it will cost."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Model and training")
        self.setSubTitle(
            "Pick a size and how to train; Automatic fits them to your data. "
            "The parameter count comes from the model built on your data; the "
            "time per epoch is measured here."
        )
        self._estimate_id = 0
        self._proposed = ""  # the name last proposed (replaced when the data change)
        self._last: dict | None = None
        self.choice: dict | None = None  # the worker's last choice (describe_choice)
        self._user: set[str] = set()  # the TRAIN_FIELDS the person set
        self._filling = False
        self._timer = QTimer(self, singleShot=True, interval=ESTIMATE_DELAY_MS)
        self._timer.timeout.connect(self.request_estimate)
        self._build_model_fields()
        self._build_training_fields()
        self._build_cost_fields()
        self._build_layout()
        self._connect()

    # -- building ---------------------------------------------------------------------------
    def _build_model_fields(self):
        self.name = QLineEdit()
        self.name.setToolTip("Names the saved model and its checkpoint folder.")
        self.kind = QComboBox()
        self.kind.setObjectName("model-kind")
        for kind, text in KIND_NAMES.items():
            self.kind.addItem(text, kind)
        self.kind.setToolTip(
            "An RNN encoder-decoder reads the sentence word by word; a "
            "Transformer reads it all at once with several attention "
            "heads in every layer (keras-attn train --model transformer)."
        )
        self.preset = QComboBox()
        self.preset_facts = QLabel()
        self.preset_facts.setWordWrap(True)
        self.attention = QComboBox()
        self.style = QComboBox()

    def _build_training_fields(self):
        self.epochs = QSpinBox(minimum=1, maximum=1000)
        self.batch_size = QSpinBox(minimum=1, maximum=4096, suffix=" pairs")
        self.batch_tokens = QSpinBox(minimum=0, maximum=1_000_000, singleStep=64, suffix=" tokens")
        self.batch_tokens.setSpecialValueText("off: a fixed number of pairs")
        self.batch_tokens.setToolTip(
            "Tokens per training step, padding included: short sentences come many to a "
            "batch and long ones few, so every step does about the same work. Off: every "
            "batch holds the number of pairs below."
        )
        self.learning_rate = QDoubleSpinBox(
            minimum=0.00001, maximum=1.0, decimals=5, singleStep=0.0005
        )
        self.validation = QSpinBox(minimum=0, maximum=50, suffix=" %")
        self.validation.setToolTip(
            "Share of the pairs held out to measure validation loss and BLEU after each epoch."
        )
        self.time_limit = QSpinBox(minimum=0, maximum=100000, suffix=" min")
        self.time_limit.setSpecialValueText("none")
        self.time_limit.setToolTip(
            "Training stops cleanly after this long, keeping its best "
            "epoch. Automatic sizes the model to fit it."
        )
        self.device = QComboBox()
        self.device.addItem("CPU", "/CPU:0")

    def _build_cost_fields(self):
        self.using = QLabel("—")
        self.using.setWordWrap(True)
        self.params = QLabel("—")
        self.params.setWordWrap(True)
        self.timing = QLabel("—")
        self.timing.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()

    def _build_layout(self):
        model = QGroupBox("Model")
        form = self.model_form = QFormLayout(model)
        form.addRow("Name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow("Size", self.preset)
        form.addRow("", self.preset_facts)
        form.addRow("Attention", self.attention)
        form.addRow("Decoder style", self.style)
        training = QGroupBox("Training")
        form = QFormLayout(training)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch", self.batch_tokens)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Validation", self.validation)
        form.addRow("Time limit", self.time_limit)
        form.addRow("Device", self.device)
        cost = QGroupBox("What it uses and costs")
        form = QFormLayout(cost)
        form.addRow("Settings", self.using)
        form.addRow("Parameters", self.params)
        form.addRow("Time", self.timing)
        columns = QHBoxLayout()
        columns.addWidget(model, 1)
        columns.addWidget(training, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(cost)
        layout.addWidget(self.problem)
        layout.addStretch(1)

    def _connect(self):
        self.name.textChanged.connect(self.completeChanged)
        self.preset.activated.connect(self._preset_chosen)
        self.kind.currentIndexChanged.connect(self._kind_chosen)
        self.attention.currentIndexChanged.connect(self._attention_chosen)
        for widget in (self.attention, self.style, self.device):
            widget.currentIndexChanged.connect(self._schedule)
        for widget in (self.validation, self.time_limit):
            widget.valueChanged.connect(self._schedule)
        for key, widget in self._train_widgets().items():
            widget.valueChanged.connect(lambda *args, key=key: self._edited(key))
        self.batch_tokens.valueChanged.connect(self._show_batch)

    def _train_widgets(self) -> dict:
        return {
            "train.epochs": self.epochs,
            "train.batch_size": self.batch_size,
            "train.batch_tokens": self.batch_tokens,
            "train.learning_rate": self.learning_rate,
        }

    # -- filling ----------------------------------------------------------------------------
    def capabilities_ready(self, capabilities: dict) -> None:
        s, old = self.owner.setting, old_settings(self.owner)
        for combo, values, names in (
            (self.attention, capabilities["attentions"], ATTENTION_NAMES),
            (self.style, capabilities["styles"], STYLE_NAMES),
        ):
            combo.blockSignals(True)
            combo.clear()
            for value in values:
                combo.addItem(names.get(value, value), value)
            combo.blockSignals(False)
        self.preset.clear()
        for name in (AUTO, *capabilities["presets"]):
            self.preset.addItem(PRESET_NAMES.get(name, name), name)
        for i, name in enumerate(capabilities["gpus"]):
            self.device.addItem(f"GPU {i} ({name.rsplit('/', 1)[-1]})", f"/GPU:{i}")
        wanted = self.device.findData(s("device", "")) if s("device", "") else -1
        self.device.setCurrentIndex(wanted if wanted >= 0 else 1 if capabilities["gpus"] else 0)
        name = s("preset", AUTO)
        if (old and name == OLD_PRESET) or self.preset.findData(name) < 0:
            name = AUTO
        self._select(self.preset, name)
        self._apply_preset(name)
        base = capabilities.get("defaults", {})
        self._select(self.attention, s("attention", base.get("model", {}).get("attention", "")))
        self._select(self.style, s("style", base.get("model", {}).get("style", "")))
        kind = s("model_kind", "")
        if kind not in KIND_NAMES:
            kind = "classic" if self.attention.currentData() == "none" else "rnn"
        self._select(self.kind, kind)
        self._kind_chosen()
        split = base.get("train", {}).get("validation_split", 0.05)
        self.validation.setValue(s("validation", round(split * 100)))
        self.time_limit.setValue(s("time_limit", 0))
        # Remembered edits. Version 1 wrote every field: with its default "small", only
        # values other than small's were edits; with a preset picked, they were its run's.
        filled = capabilities["presets"].get(OLD_PRESET, {}).get("train", {})
        for key, setting in TRAIN_FIELDS.items():
            widget = self._train_widgets()[key]
            kind = type(widget.value())
            value = s(setting, kind(0))
            if not value:
                continue
            if old and name == AUTO and value == filled.get(key.partition(".")[2]):
                continue
            self._fill(widget, value)
            self._user.add(key)

    @staticmethod
    def _select(combo, value):
        combo.setCurrentIndex(max(0, combo.findData(value)))

    def _fill(self, widget, value) -> None:
        """Set a training field as the page (not the person) does."""
        self._filling = True
        try:
            widget.setValue(value)
        finally:
            self._filling = False

    def _edited(self, key: str) -> None:
        if self._filling:
            return
        self._user.add(key)
        if key == "train.epochs":
            self._show_total()
        else:
            self._schedule()

    def model_kind(self) -> str:
        """ "rnn", "classic" (an RNN without attention) or "transformer"."""
        return self.kind.currentData() or "rnn"

    def _architecture(self) -> str:
        return "transformer" if self.model_kind() == "transformer" else "rnn"

    def _presets(self) -> dict:
        """The presets of the chosen kind, as dicts."""
        if self._architecture() == "rnn":
            return (self.owner.capabilities or {}).get("presets", {})
        from keras_attn.config import presets  # loaded with the capabilities

        return presets("transformer")

    def _kind_chosen(self, *args):
        """The kind sets the attention (none for the classic RNN) and hides what a
        Transformer does not have."""
        kind = self.model_kind()
        rnn = kind != "transformer"
        self.attention.blockSignals(True)
        if kind == "classic":
            self._select(self.attention, "none")
        elif kind == "rnn" and self.attention.currentData() == "none":
            base = defaults(self.owner).get("model", {}).get("attention", "bahdanau")
            self._select(self.attention, base if base != "none" else "bahdanau")
        self.attention.blockSignals(False)
        self.attention.setEnabled(kind == "rnn")
        for widget in (self.attention, self.style):  # a Transformer has neither
            self.model_form.setRowVisible(widget, rnn)
        if self.preset.currentData() not in (None, AUTO):
            self._apply_preset(self.preset.currentData())
        else:
            self._show_preset()
        self._schedule()

    def _attention_chosen(self, *args):
        """No attention is the classic RNN."""
        if self.attention.currentData() == "none" and self.model_kind() == "rnn":
            self._select(self.kind, "classic")

    def _apply_preset(self, name):
        """Fill the training fields from preset `name` (or the automatic choice); a size
        chosen anew replaces the person's edits of them."""
        self._user.clear()
        if name == AUTO:
            train = (self.choice or {}).get("config", {}).get("train")
        else:
            train = self._presets().get(name, {}).get("train")
        if train:
            for key, widget in self._train_widgets().items():
                if key.partition(".")[2] in train:
                    self._fill(widget, train[key.partition(".")[2]])
        self._show_preset()

    def _show_batch(self, *args):
        """A batch by tokens makes the batch size in pairs unused: shown disabled."""
        by_pairs = self.batch_tokens.value() == 0
        self.batch_size.setEnabled(by_pairs)
        self.batch_size.setToolTip(
            "Sentence pairs per training step."
            if by_pairs
            else "Unused while the batch is counted in tokens (set Batch to off to use it)."
        )

    def _show_preset(self):
        name = self.preset.currentData()
        preset = self._presets().get(name)
        if name == AUTO:
            self.preset_facts.setText(PRESET_NOTES[AUTO])
        elif preset and self._architecture() == "transformer":
            m = preset["model"]
            self.preset_facts.setText(
                f"{m['layers']} layer{'s' if m['layers'] != 1 else ''} · "
                f"{m['heads']} heads · units {m['units']} · "
                f"feed-forward {m['ff_units']} · dropout {m['dropout']:g} — "
                f"{PRESET_NOTES.get(name, '')}"
            )
        elif preset:
            m = preset["model"]
            self.preset_facts.setText(
                f"embedding {m['embedding_dim']} · {m['rnn'].upper()} units {m['units']} · "
                f"attention units {m['attention_units']} · dropout {m['dropout']:g}"
                f"{' · output tied to the embeddings' if m.get('tie_embeddings') else ''} — "
                f"{PRESET_NOTES.get(name, '')}"
            )

    def _preset_chosen(self, *args):
        self._apply_preset(self.preset.currentData())
        self._schedule()

    def initializePage(self):  # noqa: N802 (Qt's name)
        remembered = self.owner.setting("name", "")
        if remembered and self.owner.data_page.is_remembered():
            proposal = remembered
        else:
            proposal = self.default_name()
        if not self.name.text().strip() or self.name.text() == self._proposed:
            self.name.setText(proposal)
            self._proposed = proposal
        self._show_preset()
        if self.owner.data and self.owner.capabilities:
            self.using.setText("choosing…")
            self.params.setText("counting…")
            self.timing.setText("measuring…")
        self._timer.start()  # once the page has settled; not at all if it is left at once

    def cleanupPage(self):  # noqa: N802 (Qt's name): keep the choices on going back
        self.owner.worker.want_estimate(0)

    def default_name(self) -> str:
        spec = self.owner.data_page.spec()
        stem = spec["dataset"] or Path(spec["path"]).stem or "model"
        return safe_name(f"{stem}-reversed" if self.owner.map_page.reversed() else stem)

    # -- state -------------------------------------------------------------------------------
    def model_name(self) -> str:
        return safe_name(self.name.text())

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return bool(self.name.text().strip() and self.owner.capabilities)

    def settings(self) -> dict:
        """The fields set on this page that differ from the automatic ones (dotted)."""
        base = defaults(self.owner)
        model, train = base.get("model", {}), base.get("train", {})
        found = {}
        if self._architecture() == "transformer":
            found["model.architecture"] = "transformer"
        else:
            for key, combo in (("attention", self.attention), ("style", self.style)):
                if combo.currentData() != model.get(key):
                    found[f"model.{key}"] = combo.currentData()
        for key, widget in self._train_widgets().items():
            if key in self._user:
                value = widget.value()
                found[key] = round(value, 6) if isinstance(value, float) else value
        split = self.validation.value() / 100
        if split != train.get("validation_split"):
            found["train.validation_split"] = split
        if self.time_limit.value():
            found["train.time_limit"] = float(self.time_limit.value() * 60)
        if (
            self.device.currentData() == "/CPU:0"
            and self.owner.capabilities
            and self.owner.capabilities["gpus"]
        ):
            found["train.precision"] = "float32"  # "auto" would pick a GPU's precision
        return found

    def config_request(self) -> dict:
        """What the worker chooses the configuration from: ``{"preset": name, or None for
        automatic, "settings": {dotted field: value}}``, the fields set on the Text page
        and this one (see :func:`.config_choice.choose_config`)."""
        name = self.preset.currentData() or AUTO
        fixed = name != AUTO
        settings = {**self.owner.text_page.settings(fixed_preset=fixed), **self.settings()}
        return {"preset": name if fixed else None, "settings": settings}

    def save_settings(self, set_value) -> None:
        set_value("name", self.name.text().strip())
        set_value("preset", self.preset.currentData() or AUTO)
        set_value("model_kind", self.model_kind())
        set_value("attention", self.attention.currentData() or "bahdanau")
        set_value("style", self.style.currentData() or "luong")
        for key, setting in TRAIN_FIELDS.items():  # 0: automatic
            widget = self._train_widgets()[key]
            value = widget.value() if key in self._user else type(widget.value())(0)
            if key == "train.batch_tokens" and key in self._user and not value:
                value = -1  # set to off (0 is automatic); read back as 0, the spin's least
            set_value(setting, value)
        set_value("validation", self.validation.value())
        set_value("time_limit", self.time_limit.value())
        set_value("device", self.device.currentData() or "")

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        problem = self.owner.config_problem()
        self.show_problem(problem or "")
        return problem is None

    # -- estimate ----------------------------------------------------------------------------
    def _schedule(self, *args):
        if self.isVisible():
            self._timer.start()

    def request_estimate(self) -> None:
        """Ask the worker to choose the configuration, count its parameters and time a few
        steps (the newest request wins)."""
        self._timer.stop()
        data = self.owner.data
        if not data or not self.owner.capabilities or self.owner.currentPage() is not self:
            return
        problem = self.owner.config_problem()
        self.show_problem(problem or "")
        if problem:
            return
        self._estimate_id += 1
        self.owner.worker.want_estimate(self._estimate_id)
        self.using.setText("choosing…")
        self.params.setText("counting…")
        self.timing.setText("measuring…")
        self.owner.estimate_requested.emit(
            {
                "id": self._estimate_id,
                "choose": self.owner.config_request(),
                "pairs": data["pairs"],
                "device": self.device.currentData(),
            }
        )

    def show_estimate(self, found: dict) -> None:
        """The worker's answers: the choice, then the parameter count, then the timing."""
        if found["id"] != self._estimate_id:
            return
        if "choice" in found:
            self.show_choice(found["choice"])
            return
        about = "" if found["exact"] else "about "
        self.params.setText(
            f"{about}{found['params']:,} — counted on the model built from your "
            f"{found['train_pairs']:,} training pairs (vocabularies: "
            f"{found['source_vocab']:,} source and {found['target_vocab']:,} target tokens)"
        )
        if "seconds_per_epoch" not in found:
            return
        self._last = found
        self._show_total()

    def show_choice(self, choice: dict) -> None:
        """Show the configuration the worker chose, and fill the training fields the person
        has not set from it."""
        self.choice = choice
        train = choice["config"]["train"]
        for key, widget in self._train_widgets().items():
            if key not in self._user:
                self._fill(widget, train[key.partition(".")[2]])
        self.using.setText(choice_html(choice))
        self._show_total()

    def _show_total(self, *args):
        found = self._last
        if not found or found["id"] != self._estimate_id:
            return
        seconds = found["seconds_per_epoch"]
        if seconds is None:
            self.timing.setText("could not be measured (too few pairs for a few steps)")
            return
        device = self.device.currentText()
        startup = found.get("startup_seconds") or 0.0
        epochs = self.epochs.value()
        total = startup + seconds * epochs
        text = (
            f"about {duration(seconds)} per epoch on this machine ({device}): "
            f"{found['measured_steps']} steps timed at "
            f"{found['seconds_per_step'] * 1000:.0f} ms, {found['steps_per_epoch']:,} "
            f"steps an epoch.\nWith {duration(startup)} to get started (building and "
            f"compiling), about {duration(total)} for {epochs} epochs"
        )
        limit = self.time_limit.value() * 60
        if limit and total > limit:
            text += (
                f"; the time limit ends it after about "
                f"{max(0.0, (limit - startup) / seconds):.0f} epochs, "
                f"{duration(limit)}"
            )
        self.timing.setText(text + ".")

    def show_problem(self, text: str) -> None:
        """Show why the settings cannot be used (or hide the message when `text` is "")."""
        show_warning(self.problem, text)
        if text:
            self.using.setText("—")
            self.params.setText("—")
            self.timing.setText("—")


def choice_html(choice: dict) -> str:
    """The summary line and one line per reason, as rich text."""
    reasons = "".join(f"<br>why: {html.escape(reason)}" for reason in choice["reasons"])
    return f"<b>{html.escape(choice['summary'])}</b>{reasons}"
