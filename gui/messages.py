"""What a person is told when a request fails: :func:`describe` turns an error into the
message the app shows.

No Qt and no TensorFlow here (keras_attn's error classes are light), so the window's worker
and the wizard's training process, which runs without Qt, word their failures alike.
"""

from __future__ import annotations

from keras_attn.errors import KerasAttnError  # light: no TensorFlow


class NoModelError(Exception):
    """A request needs a model and none is loaded."""


class RequestError(NoModelError):
    """A request lacks something it needs (a model to compare, a test file)."""


def expected(error: BaseException) -> bool:
    """True for errors with a message for people: those keras_attn raises on purpose,
    and files that cannot be read or written."""
    return isinstance(error, OSError | KerasAttnError | NoModelError)


def describe(error: BaseException) -> str:
    """The text a person is shown for `error`."""
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror or error}"
    if expected(error):
        return str(error)
    return f"{type(error).__name__}: {error}"
