"""The training wizard's third page: how text becomes tokens.

:class:`TextPage` sets each side's tokenizer, case folding, accent stripping, vocabulary
size and maximum length (one :class:`SideBox` a side). Left as they start ("Automatic",
case kept, sizes "automatic"), they are chosen from the data the way ``keras-attn train``
chooses them (:func:`keras_attn.sizing.choose`): subword pieces for languages written with
spaces, characters for scripts written without them, whole words for tiny corpora.

The tokenizers offered are ``keras_attn.config.TOKENIZERS``; this page only names them
(:data:`TOKENIZER_NAMES`). What is remembered for the next run, and how older settings
are read, is said in :mod:`.common`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from keras_attn.config import TOKENIZER_KINDS, TOKENIZERS

from .common import AUTO, SETTINGS_VERSION, WizardPage, defaults, old_settings
from .data import length_summary

# Display tables, keyed by the values of keras_attn.config's lists (every value has a row:
# tests/test_gui_option_tables.py checks).
TOKENIZER_NAMES = dict(
    zip(
        TOKENIZERS,
        ("Automatic (from the data)", "Words", "Subwords (WordPiece)", "Characters"),
        strict=True,
    )
)
TOKENIZER_UNITS = dict(zip(TOKENIZER_KINDS, ("words", "subwords", "characters"), strict=True))
# The default tokenizer of settings version 1, which was filled in rather than chosen.
OLD_TOKENIZER = "word"


class SideBox(QGroupBox):
    """The text settings of one side (source or target)."""

    changed = Signal()

    def __init__(self, title: str, side: str, owner):
        super().__init__(title)
        self.side, self.owner = side, owner
        self.suggested: int | None = None  # the length covering 98 % of the sentences
        self._build_fields()
        form = QFormLayout(self)
        form.addRow("Tokenizer", self.tokenizer)
        form.addRow("", self.lowercase)
        form.addRow("", self.strip_accents)
        form.addRow("Vocabulary size", self.vocab_size)
        form.addRow("Maximum length", self.max_length)
        form.addRow(self.facts)
        self._restore_settings()
        self._connect()

    def _build_fields(self) -> None:
        self.tokenizer = QComboBox()
        for value, label in TOKENIZER_NAMES.items():
            self.tokenizer.addItem(label, value)
        self.tokenizer.setToolTip(
            "Automatic: subword pieces for languages written with "
            "spaces, characters for Chinese, Japanese and other "
            "scripts without them, whole words for tiny corpora."
        )
        self.lowercase = QCheckBox("Lowercase (the output is then lowercase too)")
        self.strip_accents = QCheckBox("Strip accents (é → e)")
        self.vocab_size = QSpinBox(minimum=0, maximum=500000, singleStep=500)
        self.vocab_size.setSpecialValueText("automatic")
        self.vocab_size.setToolTip(
            "The most tokens the vocabulary keeps; small data gives "
            "a smaller vocabulary. Automatic: chosen from the "
            "number of pairs (or the fixed preset's)."
        )
        self.max_length = QSpinBox(minimum=0, maximum=2000)
        self.max_length.setSpecialValueText("automatic")
        self.max_length.setToolTip(
            "Tokens kept per sentence; longer sentences are cut. "
            "Automatic: long enough for nearly all sentences."
        )
        self.facts = QLabel()
        self.facts.setWordWrap(True)

    def _restore_settings(self) -> None:
        side = self.side
        s, old = self.owner.setting, old_settings(self.owner)
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

    def _connect(self) -> None:
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
            f"different ones. An automatic maximum length keeps them whole."
        )
        self.changed.emit()

    def _text_changed(self, *args):
        self.owner.text_page.measure()
        self.changed.emit()


class TextPage(WizardPage):
    """Page 3: tokenizer and text settings of each side."""

    def __init__(self, owner):
        super().__init__(
            owner,
            "Text",
            "How each side's sentences become tokens. Automatic fits the data: "
            "subword pieces for languages written with spaces, characters for "
            "Chinese, Japanese and the like. Case is kept, so translations "
            "keep their capitals.",
        )
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
        key = (data.get("path"), len(data.get("pairs", [])), self.owner.map_page.reversed())
        if key != self._data_key:
            self._data_key = key
            info = self.owner.data_page.dataset_info()
            if info:
                tokenizers = (info["source_tokenizer"], info["target_tokenizer"])
                if self.owner.map_page.reversed():
                    tokenizers = tokenizers[::-1]
                self.source.set_tokenizer(tokenizers[0])
                self.target.set_tokenizer(tokenizers[1])
                self.note.setText(f"The tokenizers recommended for “{info['title']}” are chosen.")
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
