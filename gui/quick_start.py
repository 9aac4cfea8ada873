"""Translating while TensorFlow loads: the model at start-up read by
:class:`keras_attn.numpy_translator.NumpyTranslator`, on a thread of its own.

TensorFlow takes seconds to import. The window opens its first model twice: the worker
(:mod:`.worker`) imports TensorFlow and loads the Keras model as always, and meanwhile
:class:`QuickStart` reads the same file with NumPy, in a tenth of a second, and answers
the Translate tab's greedy requests (beam width 1, temperature 0) with the tokens that
the Keras model's greedy decoding gives. Everything else (beam search, sampling,
stepping through, files) waits for the worker. The window stops asking this class once
the worker's model has loaded.

A model NumPy cannot run (one saved to compute in another dtype than float32), or a
sentence it cannot read exactly (see :class:`keras_attn.text.plain.NewCharacters`), is left
to the worker: the request is handed back through :attr:`QuickStart.declined`.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from keras_attn.errors import KerasAttnError

from .messages import describe
from .worker_tasks import sample_sentence, translation_message, typed_lines

log = logging.getLogger(__name__)


class QuickStart(QObject):
    """The model file `path` read with NumPy for the first translations.

    Signals (emitted from its threads; connect them to the window, queued):
        ready: `{"path", "name", "sample_sentence"}` once the file has been read.
        translated: as :attr:`.worker.Worker.translated`.
        declined: `(text, width, temperature)`, a request for the worker instead.
        failed: `(title, message)`, the request's sentence is not text.
    """

    ready = Signal(object)
    translated = Signal(object)
    declined = Signal(str, int, float)
    failed = Signal(str, str)

    def __init__(self, path: str, parent=None):
        super().__init__(parent)
        self.path = str(path)
        self.model = None
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        """Read the file on a thread; :attr:`ready` follows when NumPy can run it."""
        threading.Thread(target=self._load, name="keras-attn quick start", daemon=True).start()

    def _load(self) -> None:
        from keras_attn.numpy_translator import NotSupported, NumpyTranslator

        try:
            model = NumpyTranslator.load(self.path)
            sample = sample_sentence(model, self.path)
        except NotSupported as reason:
            log.info("%s waits for TensorFlow: %s", self.path, reason)
            return
        except Exception:  # the worker opens the file too, and reports what is wrong
            log.info("cannot read %s without TensorFlow", self.path, exc_info=True)
            return
        with self._lock:
            if self._closed:
                return
            self.model = model
        self.ready.emit(
            {"path": self.path, "name": Path(self.path).name, "sample_sentence": sample}
        )

    def close(self) -> None:
        """Let the model go (the worker's has loaded): a reading still running is
        dropped when it ends, and later requests are declined."""
        with self._lock:
            self._closed = True
            self.model = None

    def can_translate(self, width: int, temperature: float) -> bool:
        """Whether a request with these settings is one this class answers."""
        return self.model is not None and int(width) <= 1 and float(temperature) <= 0

    def translate(self, text: str, width: int, temperature: float) -> None:
        """Translate each non-empty line of `text` greedily, on a thread."""
        threading.Thread(
            target=self._translate, args=(text, width, temperature), daemon=True
        ).start()

    def _translate(self, text, width, temperature) -> None:
        from keras_attn.numpy_translator import NotSupported

        lines = typed_lines(text)
        model = self.model  # the window may let it go meanwhile (see close)
        try:
            if not lines or model is None:
                raise NotSupported("nothing to translate here")
            found = [model.translate(line) for line in lines]
        except NotSupported:
            self.declined.emit(text, width, temperature)
            return
        except KerasAttnError as error:
            self.failed.emit("Cannot translate", describe(error))
            return
        first = found[0]
        alternatives = [(first.text, first.log_prob, first.log_prob)]
        outputs = [t.text for t in found]
        self.translated.emit(translation_message(text, lines, outputs, alternatives, "greedy"))
