"""The worker: one QObject on its own QThread that owns every TensorFlow call.

The window never touches TensorFlow. It asks through signals connected to the slots
below (queued, because the worker lives on another thread), and the worker answers with
signals carrying plain Python data: strings, lists, dicts and NumPy arrays. Requests are
handled one at a time, in the order they were sent. Long loops (a whole text file) check a
stop flag that the window may set at any moment with :meth:`Worker.cancel`. This module
holds the threading and the messages; the work itself, as plain functions, is in
:mod:`.worker_tasks`. Every error reaches the person as a message
(:func:`.messages.describe`).

:class:`WorkerThread` is the thread of every worker of the app, the training wizard's too.

TensorFlow (with keras_attn's model code) is imported by :meth:`Worker.start`, on the
worker's thread, so that the window shows before TensorFlow has finished loading; the
light parts of keras_attn (its error classes) are imported with this module. It must be
imported in :meth:`WorkerThread.run`'s own frame, which lives as long as the thread: when
TensorFlow was first imported inside a queued slot call instead, its later eager
operations on that thread hung or crashed (PySide6 6.12, TensorFlow 2.21).
"""

from __future__ import annotations

import functools
import gc
import importlib
import logging
import os
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from keras_attn.errors import Cancelled, TranslationError  # light: no TensorFlow

from . import worker_tasks as tasks
from .messages import NoModelError, RequestError, describe
from .messages import expected as _expected

log = logging.getLogger(__name__)

FILE_CHUNK = 32  # sentences translated between two looks at the stop flag
#: How long a thread may hold the interpreter lock while another waits for it (Python's
#: default is 5 ms). At Start the training worker (reading the corpus's statistics, pure
#: Python) and the chart renderer both want the lock, and the window's thread lost it to
#: them for up to 64 ms at a time; with 1 ms it waits less (docs/RELIABILITY.md, "The
#: window while working"). TensorFlow's own work runs without the lock, unaffected.
SWITCH_INTERVAL = 0.001


def _request(title, answer="failed"):
    """Run a slot's body with the busy signal around it; any error becomes the signal
    `answer` ("failed", or "compare_failed" for the Compare window) with `title`."""

    def decorate(method):
        @functools.wraps(method)
        def run(self, *args):
            self.busy.emit(True)
            try:
                method(self, *args)
            except Exception as error:  # every failure reaches the person as a message
                if _expected(error):
                    log.info("%s: %s", title, error)
                else:
                    log.warning("%s", title, exc_info=True)
                getattr(self, answer).emit(title, describe(error))
            finally:
                self.busy.emit(False)

        return run

    return decorate


class WorkerThread(QThread):
    """The thread of a worker (the window's :class:`Worker`, the wizard's
    ``TrainingWorker``): calls ``worker.start()``, which imports TensorFlow, then runs the
    event loop that delivers the requests to the worker's slots.

    TensorFlow caches the Python thread state that is current when it is first imported
    and uses it again later on that thread. A slot called by a plain ``QThread``'s event
    loop runs under a new, short-lived state, so the cached one would be freed while still
    in use (hangs or crashes at the first eager operation). Here ``run`` is Python code
    that stays on the stack while the event loop runs, so the import and every slot share
    its thread state. Move the worker to this thread before starting it.
    """

    def __init__(self, worker, parent=None):
        super().__init__(parent)
        self.worker = worker

    def start(self, *args):
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        # The wizard trains in a process of its own (.wizard.training_process), beside this
        # one's TensorFlow: on a GPU, each process takes only the memory it uses instead of
        # nearly all of it at its first operation (read before TensorFlow starts the GPU).
        os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
        super().start(*args)

    def run(self):
        self.worker.start()
        self.exec()


class Worker(QObject):
    """Loads models, translates and decodes step by step, on its own thread."""

    status = Signal(str)  # a short line for the status bar
    busy = Signal(bool)  # True while a request runs
    ready = Signal(object)  # TensorFlow is loaded: {"export": bool}
    model_loaded = Signal(object)  # summary dict (see _summary)
    model_failed = Signal(str, str)  # path, message; the previous model stays
    model_saved = Signal(str)
    model_exported = Signal(str, str)  # folder, signature description
    translated = Signal(object)  # {"outputs", "alternatives", "method", "text"}
    file_progress = Signal(int, int)  # sentences done, sentences in all
    file_done = Signal(object)  # {"path", "sources", "translations", "cancelled"}
    decoded = Signal(object)  # snapshot of the decoding session (see _snapshot)
    beam_done = Signal(object)  # {"hypotheses", "trace", "width", "sentence"}
    failed = Signal(str, str)  # title, message
    compare_progress = Signal(int, int)  # pairs done, pairs in all
    compare_done = Signal(object)  # {"comparison", "paths", "names", "test", "pairs", "cancelled"}
    compare_failed = Signal(str, str)  # title, message
    compared_sentence = Signal(object)  # {"index", "source", "reference", "rows"}

    def __init__(self, parent=None):
        super().__init__(parent)
        self._stop = threading.Event()
        self._model = None
        self._path = None
        self._session = None
        self._keras_attn = None
        self._compared: dict | None = None  # the last comparison and its models
        self._compare_models: dict = {}  # models opened for comparing, by resolved path

    # -- thread control ------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the running loop to stop; safe to call from any thread."""
        self._stop.set()

    def start(self) -> None:
        """Import keras_attn (and TensorFlow): the first thing the thread does."""
        self.status.emit("Loading TensorFlow…")
        began = time.perf_counter()
        try:
            keras_attn = importlib.import_module("keras_attn")
            # TensorFlow first, by an import statement of its own: imported by keras_attn's
            # finder instead, it would load under Python's import lock, and every import
            # of every other thread (the window's, the quick start's) would wait seconds.
            keras_attn.import_tensorflow()
            keras_attn.register()  # the layers and the model class
            importlib.import_module("keras_attn.session")
            importlib.import_module("keras_attn.evaluation")
            importlib.import_module("keras_attn.plotting")  # so the window's import is free
        except Exception as error:
            log.error("TensorFlow could not be loaded", exc_info=True)
            self.status.emit("TensorFlow could not be loaded")
            self.failed.emit("TensorFlow could not be loaded", describe(error))
            return
        self._keras_attn = keras_attn
        log.info("keras_attn imported in %.1f s", time.perf_counter() - began)
        tasks.leave_a_core_to_the_window()
        gc.freeze()  # see settle_memory; collecting now would find next to nothing
        try:
            export = importlib.import_module("keras_attn.export")
            can_export = callable(getattr(export, "export", None))
        except ImportError:
            can_export = False
        self.status.emit("TensorFlow loaded")
        self.ready.emit({"export": can_export})

    # -- models --------------------------------------------------------------------
    @Slot(str)
    def load_model(self, path: str) -> None:
        """Open a ``.keras`` file; on failure the current model stays."""
        self.busy.emit(True)
        try:
            self._load(path)
        except Exception as error:
            log.warning("cannot open %s", path, exc_info=True)
            self.model_failed.emit(str(path), describe(error))
        finally:
            self.busy.emit(False)

    def _load(self, path):
        if self._keras_attn is None:
            self.model_failed.emit(path, "TensorFlow is not loaded, so no model can be opened.")
            return
        self.status.emit(f"Opening {Path(path).name}…")
        from keras_attn.saving import load_model

        try:
            model = load_model(path)
            session = tasks.new_session(model)
            summary = tasks.summary(model, path)
        except Exception as error:
            if _expected(error):
                log.info("cannot open %s: %s", path, error)
            else:
                log.warning("cannot open %s", path, exc_info=True)
            self.model_failed.emit(str(path), describe(error))
            self.status.emit(self._model_status())
            return
        replaced = self._model is not None
        self._model, self._path, self._session = model, str(path), session
        self.model_loaded.emit(summary)
        self.status.emit(self._model_status())
        tasks.warm_up(model, session, path)
        if replaced:
            tasks.settle_memory()  # the previous model's objects are collected
        else:
            gc.freeze()  # nothing to collect yet (a few hundred objects, for 100 ms)

    def _model_status(self) -> str:
        return f"Model: {Path(self._path).name}" if self._path else "No model loaded"

    def _require_model(self):
        if self._model is None:
            raise NoModelError("No model loaded — open a .keras model (File ▸ Open).")
        return self._model

    @Slot(str)
    @_request("Cannot save the model")
    def save_model(self, path: str) -> None:
        model = self._require_model()
        from keras_attn.saving import save_model

        self.status.emit(f"Saving {Path(path).name}…")
        written = save_model(model, path)
        self._path = str(written)
        self.status.emit(self._model_status())
        self.model_saved.emit(str(written))

    @Slot(str, bool)
    @_request("Cannot export the model")
    def export_model(self, directory: str, overwrite: bool) -> None:
        model = self._require_model()
        from keras_attn.export import export

        self.status.emit(f"Exporting a SavedModel to {Path(directory).name}…")
        try:
            folder, signature = export(model, directory, overwrite=overwrite)
        finally:
            self.status.emit(self._model_status())
        self.model_exported.emit(str(folder), str(signature))

    # -- translating ---------------------------------------------------------------
    @Slot(str, int, float)
    @_request("Cannot translate")
    def translate(self, text: str, width: int, temperature: float) -> None:
        """Translate each non-empty line of `text`; alternatives are for the first line."""
        model = self._require_model()
        lines = tasks.typed_lines(text)
        if not lines:
            raise TranslationError("Nothing to translate: type a sentence first.")
        outputs, alternatives, method = tasks.translate_lines(model, lines, width, temperature)
        self.translated.emit(tasks.translation_message(text, lines, outputs, alternatives, method))

    @Slot(str, int)
    @_request("Cannot translate the file")
    def translate_file(self, path: str, width: int) -> None:
        """Translate a text file, one sentence a line, reporting progress per chunk."""
        model = self._require_model()
        self._stop.clear()
        try:
            sources = Path(path).read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError as error:
            raise TranslationError(
                f"{path}: not UTF-8 text (byte {error.start} cannot be "
                "read); save the file as UTF-8 and try again."
            ) from None
        translations: list[str] = []
        total = len(sources)
        self.file_progress.emit(0, total)
        cancelled = False
        for begin in range(0, total, FILE_CHUNK):
            if self._stop.is_set():
                cancelled = True
                break
            chunk = sources[begin : begin + FILE_CHUNK]
            filled = [i for i, line in enumerate(chunk) if line.strip()]
            outputs = [""] * len(chunk)
            if filled:
                done, _, _ = tasks.translate_lines(
                    model, [chunk[i].strip() for i in filled], width, 0.0, alternatives=False
                )
                for i, output in zip(filled, done, strict=True):
                    outputs[i] = output
            translations.extend(outputs)
            self.file_progress.emit(len(translations), total)
        self.file_done.emit(
            {"path": path, "sources": sources, "translations": translations, "cancelled": cancelled}
        )
        tasks.freeze_survivors()  # the batch shapes' traces live on with the model

    # -- step-through decoding -------------------------------------------------------
    def _require_session(self):
        self._require_model()
        return self._session

    @Slot(str)
    @_request("Cannot start decoding")
    def start_decoding(self, sentence: str) -> None:
        session = self._require_session()
        session.start(sentence)
        self.decoded.emit(self._snapshot("start"))
        tasks.freeze_survivors()  # the step functions' traces, so collections stay short

    @Slot()
    @_request("Cannot take a step")
    def step(self) -> None:
        session = self._require_session()
        if session.sentence is not None and not session.finished:
            session.step()
        self.decoded.emit(self._snapshot("step"))

    @Slot()
    @_request("Cannot go back")
    def back(self) -> None:
        session = self._require_session()
        if session.sentence is not None:
            session.back()
        self.decoded.emit(self._snapshot("back"))

    @Slot()
    @_request("Cannot decode to the end")
    def run_to_end(self) -> None:
        session = self._require_session()
        if session.sentence is not None:
            session.run_to_end()
        self.decoded.emit(self._snapshot("end"))

    @Slot(int, bool)
    @_request("Cannot use that token")
    def force(self, token_id: int, finish: bool) -> None:
        """Replace the current step's token; with `finish`, decode on to the end."""
        session = self._require_session()
        session.force(int(token_id))
        if finish:
            session.run_to_end()
        self.decoded.emit(self._snapshot("force"))

    @Slot(int)
    @_request("Cannot run beam search")
    def beam(self, width: int) -> None:
        session = self._require_session()
        if session.sentence is None:
            raise TranslationError("Start a sentence first.")
        self.beam_done.emit(tasks.beam_result(session, self._model, width))

    # -- comparing models ------------------------------------------------------------
    @Slot(object)
    @_request("Cannot compare the models", "compare_failed")
    def compare(self, request: dict) -> None:
        """Score models on the same test pairs, overall and by source length.

        `request`: {"paths": [.keras files], "test": a parallel test file, "limit": use the
        first N pairs (0: all)}. Answers with `compare_progress`, then `compare_done` (also
        when cancelled) or `compare_failed`.
        """
        self._stop.clear()
        try:
            self._compare(request)
        except Cancelled:
            self.compare_done.emit(
                {"comparison": None, "cancelled": True, "paths": list(request.get("paths", []))}
            )
        finally:
            self.status.emit(self._model_status())

    def _compare(self, request):
        from keras_attn.compare import compare_models
        from keras_attn.data.readers import read_parallel

        paths = [str(p) for p in request.get("paths", [])]
        if not paths:
            raise RequestError("Choose at least one model to compare.")
        test = request.get("test") or ""
        if not test:
            raise RequestError("Choose a test file: parallel sentences (TSV, CSV, TMX).")
        models = []
        wanted = {str(Path(p).resolve()) for p in paths}
        self._compared = None
        self._compare_models = {k: m for k, m in self._compare_models.items() if k in wanted}
        for path in paths:
            self.status.emit(f"Opening {Path(path).name}…")
            models.append(self._compare_model(path))
        self.status.emit(f"Reading {Path(test).name}…")
        data = read_parallel(test)
        limit = int(request.get("limit") or 0)
        pairs = data.pairs[:limit] if limit > 0 else data.pairs
        names = [Path(p).stem for p in paths]  # compare_models makes repeated ones unique
        self.status.emit(f"Comparing {len(models)} model(s) on {len(pairs)} pairs…")
        comparison = compare_models(
            models,
            pairs,
            names=names,
            on_progress=lambda done, total: self.compare_progress.emit(int(done), int(total)),
            should_stop=self._stop.is_set,
        )
        self._compared = {"comparison": comparison, "models": models}
        self.compare_done.emit(
            {
                "comparison": comparison,
                "paths": paths,
                "names": list(comparison.names),
                "test": str(test),
                "pairs": len(pairs),
                "cancelled": False,
            }
        )

    def _compare_model(self, path):
        """The model of `path`: the open one when it is that file, else loaded (and kept
        for the sentences clicked later)."""
        if self._path and Path(self._path).resolve() == Path(path).resolve():
            return self._model
        cache = self._compare_models
        key = str(Path(path).resolve())
        if key not in cache:
            from keras_attn.saving import load_model

            cache[key] = load_model(path)
        return cache[key]

    @Slot(int)
    @_request("Cannot show the sentence", "compare_failed")
    def compare_sentence(self, index: int) -> None:
        """Each compared model's translation of test sentence `index` with its attention
        (as the comparison translated it); failures go to `compare_failed`."""
        if self._compared is None:
            raise RequestError("Compare some models first.")
        self.compared_sentence.emit(
            tasks.compared_sentence(self._compared["comparison"], self._compared["models"], index)
        )

    def _snapshot(self, event: str) -> dict:
        return tasks.snapshot(self._session, self._model, event)
