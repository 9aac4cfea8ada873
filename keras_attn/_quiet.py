"""Import TensorFlow without its start-up notices about CUDA and oneDNN.

TensorFlow's native libraries write these straight to file descriptor 2 before any
logging is set up, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them. We capture what is
written during the import and pass on every line that is not a known harmless notice.
"""

import os
import re
import sys
import threading

HARMLESS = re.compile(
    r"(All log messages before absl::InitializeLog|oneDNN custom operations are on"
    r"|Could not find cuda drivers|cpu_feature_guard|This TensorFlow binary is optimized"
    r"|To enable the following instructions|rebuild TensorFlow with the appropriate"
    r"|Unable to register cu(DNN|FFT|BLAS) factory|computation_placer"
    r"|TF-TRT Warning|Attempting to register factory for plugin)"
)


MODULES = ("keras", "tensorflow", "tensorflow_text")
_LOCK = threading.Lock()  # one capture of descriptor 2 at a time


def loaded() -> bool:
    """True when keras, tensorflow and tensorflow_text are imported (or being imported)."""
    return all(name in sys.modules for name in MODULES)


def import_tensorflow():
    """Import tensorflow, tensorflow_text and keras, filtering the notices.

    Safe to call from several threads: the first imports, the others wait for it.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if loaded():
        return
    with _LOCK:
        if not loaded():
            _import_quietly()


def _import_quietly():
    import tempfile

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable descriptor 2 (some GUI launchers)
        _import()
        return
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            _import()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            for line in capture.read().decode("utf-8", "replace").splitlines():
                if line.strip() and not HARMLESS.search(line):
                    print(line, file=sys.stderr)


def _import():
    import keras  # noqa: F401
    import tensorflow  # noqa: F401
    import tensorflow_text  # noqa: F401
