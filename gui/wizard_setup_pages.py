"""The training wizard's middle pages: how text becomes tokens, and the model to train.

:class:`TextPage` sets each side's tokenizer, case folding, accent stripping, vocabulary
size and maximum length; the length suggested covers 98 % of the data's sentences.
:class:`ModelPage` picks a preset and the training settings, and shows the model's
parameter count (exact: the worker builds the model on the training pairs) and the time an
epoch takes, measured by timing a few training steps on this machine.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
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

from gui.wizard_data import length_summary, safe_name
from gui.wizard_data_pages import show_warning

TOKENIZER_NAMES = {"word": "Words", "subword": "Subwords (WordPiece)", "char": "Characters"}
PRESET_NOTES = {"tiny": "for trying things out: seconds on a CPU",
                "small": "minutes on a laptop CPU",
                "base": "the TensorFlow NMT tutorial's size: a GPU helps"}
ATTENTION_NAMES = {"bahdanau": "Bahdanau (additive)", "luong-dot": "Luong, dot product",
                   "luong-general": "Luong, general (bilinear)",
                   "luong-concat": "Luong, concat (additive)"}
STYLE_NAMES = {"luong": "Luong: the RNN steps, then attends",
               "bahdanau": "Bahdanau: attention feeds the RNN"}
ESTIMATE_DELAY_MS = 600


def duration(seconds: float | None) -> str:
    """``"45 s"``, ``"3 min"``, ``"1 h 20 min"`` (``"—"`` for None)."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{int(minutes // 60)} h {int(minutes % 60)} min"


class SideBox(QGroupBox):
    """The text settings of one side (source or target)."""

    changed = Signal()

    def __init__(self, title: str, side: str, owner):
        super().__init__(title)
        self.side, self.owner = side, owner
        self.tokenizer = QComboBox()
        for value, label in TOKENIZER_NAMES.items():
            self.tokenizer.addItem(label, value)
        self.lowercase = QCheckBox("Lowercase")
        self.strip_accents = QCheckBox("Strip accents (é → e)")
        self.vocab_size = QSpinBox(minimum=8, maximum=500000, singleStep=500)
        self.vocab_size.setToolTip("The most tokens the vocabulary keeps; small data gives "
                                   "a smaller vocabulary.")
        self.max_length = QSpinBox(minimum=1, maximum=2000)
        self.max_length.setToolTip("Tokens kept per sentence; longer sentences are cut.")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self._suggested: int | None = None
        self._edited = False
        form = QFormLayout(self)
        form.addRow("Tokenizer", self.tokenizer)
        form.addRow("", self.lowercase)
        form.addRow("", self.strip_accents)
        form.addRow("Vocabulary size", self.vocab_size)
        form.addRow("Maximum length", self.max_length)
        form.addRow(self.facts)
        s = owner.setting
        self.set_tokenizer(s(f"{side}_tokenizer", "word"))
        self.lowercase.setChecked(s(f"{side}_lowercase", True))
        self.strip_accents.setChecked(s(f"{side}_strip_accents", False))
        self.vocab_size.setValue(s(f"{side}_vocab_size", 0) or 4000)
        self.max_length.setValue(s(f"{side}_max_length", 40))
        self.tokenizer.currentIndexChanged.connect(self._text_changed)
        self.lowercase.toggled.connect(self._text_changed)
        self.strip_accents.toggled.connect(self.changed)
        self.vocab_size.valueChanged.connect(self.changed)
        self.max_length.valueChanged.connect(self._length_edited)

    def capabilities_ready(self, capabilities: dict) -> None:
        """Without a remembered vocabulary size, take the remembered preset's."""
        if not self.owner.setting(f"{self.side}_vocab_size", 0):
            preset = capabilities["presets"].get(self.owner.setting("preset", "small"))
            if preset:
                self.vocab_size.setValue(preset[self.side]["vocab_size"])

    def set_tokenizer(self, name: str) -> None:
        self.tokenizer.setCurrentIndex(max(0, self.tokenizer.findData(name)))

    def config(self) -> dict:
        """This side's fields of ``Config.source`` / ``Config.target``."""
        return {"tokenizer": self.tokenizer.currentData(),
                "lowercase": self.lowercase.isChecked(),
                "strip_accents": self.strip_accents.isChecked(),
                "vocab_size": self.vocab_size.value(), "max_length": self.max_length.value()}

    def save_settings(self, set_value) -> None:
        for key, value in self.config().items():
            set_value(f"{self.side}_{key}", value)

    def measure(self, sentences, fresh: bool) -> None:
        """Suggest a maximum length from `sentences`; `fresh` data replaces an edited one."""
        if fresh:
            self._edited = False
        found = length_summary(sentences, self.tokenizer.currentData(),
                               self.lowercase.isChecked())
        self._suggested = found["suggested"]
        unit = {"word": "words", "char": "characters"}.get(self.tokenizer.currentData(),
                                                           "subwords (estimated)")
        self.facts.setText(
            f"98 % of the {found['count']:,} sentences have at most {found['p98']} {unit} "
            f"(longest: {found['longest']}); {found['distinct']:,} different "
            f"{unit.split(' ')[0]}. Suggested maximum length: {self._suggested}.")
        if not self._edited:
            self.max_length.blockSignals(True)
            self.max_length.setValue(self._suggested)
            self.max_length.blockSignals(False)
            self.changed.emit()

    def _text_changed(self, *args):
        self.owner.text_page.measure(fresh=False)
        self.changed.emit()

    def _length_edited(self, value):
        self._edited = value != self._suggested
        self.changed.emit()


class TextPage(QWizardPage):
    """Page 3: tokenizer and text settings of each side."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Text")
        self.setSubTitle("How each side's sentences become tokens. Words suit most "
                         "languages; characters suit short, spelled-out data such as dates.")
        self.source = SideBox("Source", "source", owner)
        self.target = SideBox("Target", "target", owner)
        self.note = QLabel()
        self.note.setWordWrap(True)
        boxes = QHBoxLayout()
        boxes.addWidget(self.source)
        boxes.addWidget(self.target)
        layout = QVBoxLayout(self)
        layout.addLayout(boxes)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self._data_key = None

    def initializePage(self):  # noqa: N802 (Qt's name)
        data = self.owner.data or {}
        key = (data.get("path"), len(data.get("pairs", [])),
               self.owner.map_page.reversed())
        fresh = key != self._data_key
        if fresh:
            first = self._data_key is None
            self._data_key = key
            info = self.owner.data_page.dataset_info()
            if info:
                tokenizers = (info["source_tokenizer"], info["target_tokenizer"])
                if self.owner.map_page.reversed():
                    tokenizers = tokenizers[::-1]
                self.source.set_tokenizer(tokenizers[0])
                self.target.set_tokenizer(tokenizers[1])
                self.note.setText(f"The tokenizers recommended for “{info['title']}” are "
                                  "chosen.")
            elif not first:
                self.note.setText("")
        self.measure(fresh=fresh)

    def cleanupPage(self):  # noqa: N802 (Qt's name): keep the choices on going back
        pass

    def capabilities_ready(self, capabilities: dict) -> None:
        self.source.capabilities_ready(capabilities)
        self.target.capabilities_ready(capabilities)

    def measure(self, fresh: bool = False) -> None:
        pairs = (self.owner.data or {}).get("pairs") or []
        self.source.measure([s for s, _ in pairs], fresh)
        self.target.measure([t for _, t in pairs], fresh)

    def save_settings(self, set_value) -> None:
        self.source.save_settings(set_value)
        self.target.save_settings(set_value)


class ModelPage(QWizardPage):
    """Page 4: preset, attention, training settings, and what it will cost."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Model and training")
        self.setSubTitle("Pick a size and how to train. The parameter count comes from the "
                         "model built on your data; the time per epoch is measured here.")
        self._estimate_id = 0
        self._proposed = ""  # the name last proposed (replaced when the data change)
        self._last: dict | None = None
        self._timer = QTimer(self, singleShot=True, interval=ESTIMATE_DELAY_MS)
        self._timer.timeout.connect(self.request_estimate)

        self.name = QLineEdit()
        self.name.setToolTip("Names the saved model and its checkpoint folder.")
        self.preset = QComboBox()
        self.preset_facts = QLabel()
        self.preset_facts.setWordWrap(True)
        self.attention = QComboBox()
        self.style = QComboBox()
        self.params = QLabel("—")
        self.params.setWordWrap(True)
        self.timing = QLabel("—")
        self.timing.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.epochs = QSpinBox(minimum=1, maximum=1000)
        self.batch_size = QSpinBox(minimum=1, maximum=4096)
        self.learning_rate = QDoubleSpinBox(minimum=0.00001, maximum=1.0, decimals=5,
                                            singleStep=0.0005)
        self.validation = QSpinBox(minimum=0, maximum=50, suffix=" %")
        self.validation.setToolTip("Share of the pairs held out to measure validation loss "
                                   "and BLEU after each epoch.")
        self.time_limit = QSpinBox(minimum=0, maximum=100000, suffix=" min")
        self.time_limit.setSpecialValueText("none")
        self.device = QComboBox()
        self.device.addItem("CPU", "/CPU:0")

        model = QGroupBox("Model")
        form = QFormLayout(model)
        form.addRow("Name", self.name)
        form.addRow("Preset", self.preset)
        form.addRow("", self.preset_facts)
        form.addRow("Attention", self.attention)
        form.addRow("Decoder style", self.style)
        training = QGroupBox("Training")
        form = QFormLayout(training)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Validation", self.validation)
        form.addRow("Time limit", self.time_limit)
        form.addRow("Device", self.device)
        cost = QGroupBox("What it costs")
        form = QFormLayout(cost)
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

        self.name.textChanged.connect(self.completeChanged)
        self.preset.activated.connect(self._preset_chosen)
        for widget in (self.attention, self.style, self.device):
            widget.currentIndexChanged.connect(self._schedule)
        for widget in (self.batch_size, self.validation):
            widget.valueChanged.connect(self._schedule)
        self.epochs.valueChanged.connect(self._show_total)

    # -- filling ----------------------------------------------------------------------------
    def capabilities_ready(self, capabilities: dict) -> None:
        s = self.owner.setting
        for combo, values, names in ((self.attention, capabilities["attentions"],
                                      ATTENTION_NAMES),
                                     (self.style, capabilities["styles"], STYLE_NAMES)):
            combo.blockSignals(True)
            combo.clear()
            for value in values:
                combo.addItem(names.get(value, value), value)
            combo.blockSignals(False)
        self.preset.clear()
        for name in capabilities["presets"]:
            self.preset.addItem(name, name)
        for i, name in enumerate(capabilities["gpus"]):
            self.device.addItem(f"GPU {i} ({name.rsplit('/', 1)[-1]})", f"/GPU:{i}")
        wanted = self.device.findData(s("device", "")) if s("device", "") else -1
        self.device.setCurrentIndex(wanted if wanted >= 0 else 1 if capabilities["gpus"] else 0)
        self.preset.setCurrentIndex(max(0, self.preset.findData(s("preset", "small"))))
        self._apply_preset(self.preset.currentData())
        if s("epochs", 0):
            self.epochs.setValue(s("epochs", 10))
            self.batch_size.setValue(s("batch_size", 64))
            self.learning_rate.setValue(s("learning_rate", 0.001))
            self.validation.setValue(s("validation", 5))
            self.time_limit.setValue(s("time_limit", 0))
            self._select(self.attention, s("attention", "bahdanau"))
            self._select(self.style, s("style", "luong"))

    @staticmethod
    def _select(combo, value):
        combo.setCurrentIndex(max(0, combo.findData(value)))

    def _apply_preset(self, name):
        preset = (self.owner.capabilities or {}).get("presets", {}).get(name)
        if not preset:
            return
        model, train = preset["model"], preset["train"]
        self.epochs.setValue(train["epochs"])
        self.batch_size.setValue(train["batch_size"])
        self.learning_rate.setValue(train["learning_rate"])
        self.validation.setValue(round(train["validation_split"] * 100))
        self._select(self.attention, model["attention"])
        self._select(self.style, model["style"])
        self._show_preset()

    def _show_preset(self):
        name = self.preset.currentData()
        preset = (self.owner.capabilities or {}).get("presets", {}).get(name)
        if preset:
            m = preset["model"]
            self.preset_facts.setText(
                f"embedding {m['embedding_dim']} · {m['rnn'].upper()} units {m['units']} · "
                f"attention units {m['attention_units']} · dropout {m['dropout']:g} — "
                f"{PRESET_NOTES.get(name, '')}")

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

    def changes(self) -> dict:
        """Dotted configuration fields set on this page."""
        style = self.style.currentData()
        changes = {"model.attention": self.attention.currentData(), "model.style": style,
                   "train.epochs": self.epochs.value(), "train.batch_size": self.batch_size.value(),
                   "train.learning_rate": round(self.learning_rate.value(), 6),
                   "train.validation_split": self.validation.value() / 100,
                   "train.time_limit": float(self.time_limit.value() * 60)}
        if style != "luong":
            changes["model.input_feeding"] = False
        if self.device.currentData() == "/CPU:0" and self.owner.capabilities \
                and self.owner.capabilities["gpus"]:
            changes["train.precision"] = "float32"  # "auto" would pick a GPU's precision
        return changes

    def save_settings(self, set_value) -> None:
        set_value("name", self.name.text().strip())
        set_value("preset", self.preset.currentData() or "small")
        set_value("attention", self.attention.currentData() or "bahdanau")
        set_value("style", self.style.currentData() or "luong")
        set_value("epochs", self.epochs.value())
        set_value("batch_size", self.batch_size.value())
        set_value("learning_rate", self.learning_rate.value())
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
        """Ask the worker to count parameters and time a few steps (newest request wins)."""
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
        self.params.setText("counting…")
        self.timing.setText("measuring…")
        self.owner.estimate_requested.emit({
            "id": self._estimate_id, "config": self.owner.config_dict(),
            "pairs": data["pairs"], "device": self.device.currentData()})

    def show_estimate(self, found: dict) -> None:
        if found["id"] != self._estimate_id:
            return
        about = "" if found["exact"] else "about "
        self.params.setText(
            f"{about}{found['params']:,} — counted on the model built from your "
            f"{found['train_pairs']:,} training pairs (vocabularies: "
            f"{found['source_vocab']:,} source and {found['target_vocab']:,} target tokens)")
        if "seconds_per_epoch" not in found:
            return
        self._last = found
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
        total = startup + seconds * self.epochs.value()
        self.timing.setText(
            f"about {duration(seconds)} per epoch on this machine ({device}): "
            f"{found['measured_steps']} steps timed at "
            f"{found['seconds_per_step'] * 1000:.0f} ms, {found['steps_per_epoch']:,} steps "
            f"an epoch.\nWith {duration(startup)} to get started (building and compiling), "
            f"about {duration(total)} for {self.epochs.value()} epochs.")

    def show_problem(self, text: str) -> None:
        """Show why the settings cannot be used (or hide the message when `text` is "")."""
        show_warning(self.problem, text)
        if text:
            self.params.setText("—")
            self.timing.setText("—")
