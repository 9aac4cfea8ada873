"""The training wizard's middle pages: how text becomes tokens, and the model to train.

:class:`TextPage` sets each side's tokenizer, case folding, accent stripping, vocabulary
size and maximum length. Left as they start ("Automatic", case kept, sizes "automatic"),
they are chosen from the data the way ``keras-attn train`` chooses them
(:func:`keras_attn.sizing.choose`): subword pieces for languages written with spaces,
characters for scripts written without them, whole words for tiny corpora.

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
(no ``settings_version``) keep only what differs from that version's defaults: their
"word" tokenizer, lowercasing, filled-in sizes and "small" preset were not choices.
"""

from __future__ import annotations

import html
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

AUTO = "auto"
TOKENIZER_NAMES = {AUTO: "Automatic (from the data)", "word": "Words",
                   "subword": "Subwords (WordPiece)", "char": "Characters"}
TOKENIZER_UNITS = {"word": "words", "char": "characters", "subword": "subwords"}
PRESET_NAMES = {AUTO: "Automatic (fits your data)"}
PRESET_NOTES = {AUTO: "model size, vocabulary, batch, learning rate and dropout chosen from "
                      "your data and the time limit (shown below)",
                "tiny": "for trying things out: seconds on a CPU",
                "small": "minutes on a laptop CPU",
                "base": "the TensorFlow NMT tutorial's size: a GPU helps"}
ATTENTION_NAMES = {"bahdanau": "Bahdanau (additive)", "luong-dot": "Luong, dot product",
                   "luong-general": "Luong, general (bilinear)",
                   "luong-concat": "Luong, concat (additive)",
                   "none": "None (classic encoder-decoder)"}
STYLE_NAMES = {"luong": "Luong: the RNN steps, then attends",
               "bahdanau": "Bahdanau: attention feeds the RNN"}
ESTIMATE_DELAY_MS = 600
#: 2: only explicit choices are remembered (1, or none: every field was written).
SETTINGS_VERSION = 2
# The defaults of settings version 1, which were filled in rather than chosen.
OLD_TOKENIZER, OLD_PRESET = "word", "small"
# The training fields the automatic choice fills in, with their settings keys.
TRAIN_FIELDS = {"train.epochs": "epochs", "train.batch_size": "batch_size",
                "train.learning_rate": "learning_rate"}


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


def old_settings(owner) -> bool:
    """True when the remembered settings were written before :data:`SETTINGS_VERSION`."""
    return owner.setting("settings_version", 1) < SETTINGS_VERSION


def defaults(owner) -> dict:
    """``Config().to_dict()`` as the worker reported it ({} before TensorFlow is loaded)."""
    return (owner.capabilities or {}).get("defaults", {})


class SideBox(QGroupBox):
    """The text settings of one side (source or target)."""

    changed = Signal()

    def __init__(self, title: str, side: str, owner):
        super().__init__(title)
        self.side, self.owner = side, owner
        self.tokenizer = QComboBox()
        for value, label in TOKENIZER_NAMES.items():
            self.tokenizer.addItem(label, value)
        self.tokenizer.setToolTip("Automatic: subword pieces for languages written with "
                                  "spaces, characters for Chinese, Japanese and other "
                                  "scripts without them, whole words for tiny corpora.")
        self.lowercase = QCheckBox("Lowercase (the output is then lowercase too)")
        self.strip_accents = QCheckBox("Strip accents (é → e)")
        self.vocab_size = QSpinBox(minimum=0, maximum=500000, singleStep=500)
        self.vocab_size.setSpecialValueText("automatic")
        self.vocab_size.setToolTip("The most tokens the vocabulary keeps; small data gives "
                                   "a smaller vocabulary. Automatic: chosen from the "
                                   "number of pairs (or the fixed preset's).")
        self.max_length = QSpinBox(minimum=0, maximum=2000)
        self.max_length.setSpecialValueText("automatic")
        self.max_length.setToolTip("Tokens kept per sentence; longer sentences are cut. "
                                   "Automatic: long enough for nearly all sentences.")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.suggested: int | None = None  # the length covering 98 % of the sentences
        form = QFormLayout(self)
        form.addRow("Tokenizer", self.tokenizer)
        form.addRow("", self.lowercase)
        form.addRow("", self.strip_accents)
        form.addRow("Vocabulary size", self.vocab_size)
        form.addRow("Maximum length", self.max_length)
        form.addRow(self.facts)
        s, old = owner.setting, old_settings(owner)
        tokenizer = s(f"{side}_tokenizer", AUTO)
        if old and tokenizer == OLD_TOKENIZER:
            tokenizer = AUTO
        if self.tokenizer.findData(tokenizer) < 0:
            tokenizer = AUTO
        self.chosen = tokenizer  # the person's own choice ("auto" when none)
        self.set_tokenizer(tokenizer)
        # Version 1 lowercased by default and wrote the sizes it filled in: none of it was
        # a choice (keeping case is the default now).
        self.lowercase.setChecked(False if old else s(f"{side}_lowercase", False))
        self.strip_accents.setChecked(s(f"{side}_strip_accents", False))
        self.vocab_size.setValue(0 if old else s(f"{side}_vocab_size", 0))
        self.max_length.setValue(0 if old else s(f"{side}_max_length", 0))
        self.tokenizer.activated.connect(self._tokenizer_chosen)
        self.tokenizer.currentIndexChanged.connect(self._text_changed)
        self.lowercase.toggled.connect(self._text_changed)
        self.strip_accents.toggled.connect(self.changed)
        self.vocab_size.valueChanged.connect(self.changed)
        self.max_length.valueChanged.connect(self.changed)

    def set_tokenizer(self, name: str) -> None:
        """Show tokenizer `name` (a recommendation: the person's own choice stays)."""
        self.tokenizer.setCurrentIndex(max(0, self.tokenizer.findData(name)))

    def _tokenizer_chosen(self, *args):
        self.chosen = self.tokenizer.currentData()

    def automatic_tokenizer(self) -> tuple[str, str] | None:
        """What "Automatic" gives for this side of the data read: ``(name, why)``."""
        found = ((self.owner.data or {}).get("auto_tokenizers") or {}).get(self.side)
        return tuple(found) if found else None

    def effective_tokenizer(self) -> str:
        """The tokenizer this side will use (Automatic resolved from the data)."""
        name = self.tokenizer.currentData()
        if name == AUTO:
            found = self.automatic_tokenizer()
            return found[0] if found else "subword"
        return name

    def settings(self) -> dict:
        """The fields set on this side that differ from the automatic ones, as dotted
        names (``{"source.tokenizer": "char"}``)."""
        base = defaults(self.owner).get(self.side, {})
        found = {}
        if self.tokenizer.currentData() != AUTO:
            found["tokenizer"] = self.tokenizer.currentData()
        for key, box in (("lowercase", self.lowercase), ("strip_accents", self.strip_accents)):
            if box.isChecked() != base.get(key, not box.isChecked()):
                found[key] = box.isChecked()
        for key, spin in (("vocab_size", self.vocab_size), ("max_length", self.max_length)):
            if spin.value():
                found[key] = spin.value()
        return {f"{self.side}.{key}": value for key, value in found.items()}

    def save_settings(self, set_value) -> None:
        """Remember the explicit choices (0 and "auto": automatic)."""
        set_value(f"{self.side}_tokenizer", self.chosen)
        set_value(f"{self.side}_lowercase", self.lowercase.isChecked())
        set_value(f"{self.side}_strip_accents", self.strip_accents.isChecked())
        set_value(f"{self.side}_vocab_size", self.vocab_size.value())
        set_value(f"{self.side}_max_length", self.max_length.value())

    def measure(self, sentences) -> None:
        """Describe `sentences` as this side's tokenizer will cut them."""
        tokenizer = self.effective_tokenizer()
        found = length_summary(sentences, tokenizer, self.lowercase.isChecked())
        self.suggested = found["suggested"]
        unit = TOKENIZER_UNITS.get(tokenizer, "tokens")
        text = ""
        if self.tokenizer.currentData() == AUTO and self.automatic_tokenizer():
            # The library says "<why>: <what>"; shown as "<what> (<why>)".
            why, _, what = self.automatic_tokenizer()[1].rpartition(": ")
            text = f"Automatic here: {what}" + (f" ({why})" if why else "") + ".\n"
        estimated = " (estimated)" if tokenizer == "subword" else ""
        self.facts.setText(
            f"{text}98 % of the {found['count']:,} sentences have at most {found['p98']} "
            f"{unit}, the longest {found['longest']}{estimated}; {found['distinct']:,} "
            f"different ones. An automatic maximum length keeps them whole.")
        self.changed.emit()

    def _text_changed(self, *args):
        self.owner.text_page.measure()
        self.changed.emit()


class TextPage(QWizardPage):
    """Page 3: tokenizer and text settings of each side."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Text")
        self.setSubTitle("How each side's sentences become tokens. Automatic fits the data: "
                         "subword pieces for languages written with spaces, characters for "
                         "Chinese, Japanese and the like. Case is kept, so translations "
                         "keep their capitals.")
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
        if key != self._data_key:
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
            else:  # other data: the person's own choices again
                self.source.set_tokenizer(self.source.chosen)
                self.target.set_tokenizer(self.target.chosen)
                self.note.setText("")
        self.measure()

    def cleanupPage(self):  # noqa: N802 (Qt's name): keep the choices on going back
        pass

    def capabilities_ready(self, capabilities: dict) -> None:
        """Called once TensorFlow is loaded: the choices shown need nothing from it (the
        automatic fields are compared with ``capabilities["defaults"]`` when asked)."""

    def measure(self) -> None:
        pairs = (self.owner.data or {}).get("pairs") or []
        self.source.measure([s for s, _ in pairs])
        self.target.measure([t for _, t in pairs])

    def settings(self, fixed_preset: bool = False) -> dict:
        """The fields set on this page that differ from the automatic ones (dotted names).
        With a `fixed_preset`, an automatic maximum length is the length that keeps 98 %
        of the sentences whole (a preset's own length may cut many)."""
        found = {}
        for box in (self.source, self.target):
            found.update(box.settings())
            key = f"{box.side}.max_length"
            if fixed_preset and key not in found and box.suggested:
                found[key] = box.suggested
        return found

    def save_settings(self, set_value) -> None:
        set_value("settings_version", SETTINGS_VERSION)
        self.source.save_settings(set_value)
        self.target.save_settings(set_value)


class ModelPage(QWizardPage):
    """Page 4: model size, attention, training settings, and what it will cost."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.setTitle("Model and training")
        self.setSubTitle("Pick a size and how to train; Automatic fits them to your data. "
                         "The parameter count comes from the model built on your data; the "
                         "time per epoch is measured here.")
        self._estimate_id = 0
        self._proposed = ""  # the name last proposed (replaced when the data change)
        self._last: dict | None = None
        self.choice: dict | None = None  # the worker's last choice (describe_choice)
        self._user: set[str] = set()  # the TRAIN_FIELDS the person set
        self._filling = False
        self._timer = QTimer(self, singleShot=True, interval=ESTIMATE_DELAY_MS)
        self._timer.timeout.connect(self.request_estimate)

        self.name = QLineEdit()
        self.name.setToolTip("Names the saved model and its checkpoint folder.")
        self.preset = QComboBox()
        self.preset_facts = QLabel()
        self.preset_facts.setWordWrap(True)
        self.attention = QComboBox()
        self.style = QComboBox()
        self.using = QLabel("—")
        self.using.setWordWrap(True)
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
        self.time_limit.setToolTip("Training stops cleanly after this long, keeping its best "
                                   "epoch. Automatic sizes the model to fit it.")
        self.device = QComboBox()
        self.device.addItem("CPU", "/CPU:0")

        model = QGroupBox("Model")
        form = QFormLayout(model)
        form.addRow("Name", self.name)
        form.addRow("Size", self.preset)
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

        self.name.textChanged.connect(self.completeChanged)
        self.preset.activated.connect(self._preset_chosen)
        for widget in (self.attention, self.style, self.device):
            widget.currentIndexChanged.connect(self._schedule)
        for widget in (self.validation, self.time_limit):
            widget.valueChanged.connect(self._schedule)
        for key, widget in self._train_widgets().items():
            widget.valueChanged.connect(lambda *args, key=key: self._edited(key))

    def _train_widgets(self) -> dict:
        return {"train.epochs": self.epochs, "train.batch_size": self.batch_size,
                "train.learning_rate": self.learning_rate}

    # -- filling ----------------------------------------------------------------------------
    def capabilities_ready(self, capabilities: dict) -> None:
        s, old = self.owner.setting, old_settings(self.owner)
        for combo, values, names in ((self.attention, capabilities["attentions"],
                                      ATTENTION_NAMES),
                                     (self.style, capabilities["styles"], STYLE_NAMES)):
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

    def _apply_preset(self, name):
        """Fill the training fields from preset `name` (or the automatic choice); a size
        chosen anew replaces the person's edits of them."""
        self._user.clear()
        if name == AUTO:
            train = (self.choice or {}).get("config", {}).get("train")
        else:
            train = (self.owner.capabilities or {}).get("presets", {}).get(name, {}).get("train")
        if train:
            for key, widget in self._train_widgets().items():
                self._fill(widget, train[key.partition(".")[2]])
        self._show_preset()

    def _show_preset(self):
        name = self.preset.currentData()
        preset = (self.owner.capabilities or {}).get("presets", {}).get(name)
        if name == AUTO:
            self.preset_facts.setText(PRESET_NOTES[AUTO])
        elif preset:
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
        if self.device.currentData() == "/CPU:0" and self.owner.capabilities \
                and self.owner.capabilities["gpus"]:
            found["train.precision"] = "float32"  # "auto" would pick a GPU's precision
        return found

    def config_request(self) -> dict:
        """What the worker chooses the configuration from: ``{"preset": name, or None for
        automatic, "settings": {dotted field: value}}``, the fields set on the Text page
        and this one (see :func:`gui.training_worker.choose_config`)."""
        name = self.preset.currentData() or AUTO
        fixed = name != AUTO
        settings = {**self.owner.text_page.settings(fixed_preset=fixed), **self.settings()}
        return {"preset": name if fixed else None, "settings": settings}

    def save_settings(self, set_value) -> None:
        set_value("name", self.name.text().strip())
        set_value("preset", self.preset.currentData() or AUTO)
        set_value("attention", self.attention.currentData() or "bahdanau")
        set_value("style", self.style.currentData() or "luong")
        for key, setting in TRAIN_FIELDS.items():  # 0: automatic
            widget = self._train_widgets()[key]
            set_value(setting, widget.value() if key in self._user else type(widget.value())(0))
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
        self.owner.estimate_requested.emit({
            "id": self._estimate_id, "choose": self.owner.config_request(),
            "pairs": data["pairs"], "device": self.device.currentData()})

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
            f"{found['source_vocab']:,} source and {found['target_vocab']:,} target tokens)")
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
        text = (f"about {duration(seconds)} per epoch on this machine ({device}): "
                f"{found['measured_steps']} steps timed at "
                f"{found['seconds_per_step'] * 1000:.0f} ms, {found['steps_per_epoch']:,} "
                f"steps an epoch.\nWith {duration(startup)} to get started (building and "
                f"compiling), about {duration(total)} for {epochs} epochs")
        limit = self.time_limit.value() * 60
        if limit and total > limit:
            text += (f"; the time limit ends it after about "
                     f"{max(0.0, (limit - startup) / seconds):.0f} epochs, "
                     f"{duration(limit)}")
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
