"""Errors raised by keras_attn, each naming what went wrong and where."""


class KerasAttnError(Exception):
    """Base class of every error keras_attn raises on purpose."""


class DataError(KerasAttnError):
    """A parallel-data file could not be read or holds nothing usable.

    Attributes:
        path: the file concerned (or None).
        line: the 1-based line number of the first problem, when known.
        report: the full validation report (`keras_attn.data.Report`) when the file was
            read but held nothing usable, else None.
    """

    def __init__(self, message, path=None, line=None, report=None):
        super().__init__(message)
        self.path = path
        self.line = line
        self.report = report


class ConfigurationError(KerasAttnError, ValueError):
    """A configuration value is invalid; the message names the field and the value."""


class ModelFileError(KerasAttnError):
    """A model file could not be loaded or saved; the message names the file and the reason."""


class TranslationError(KerasAttnError):
    """A sentence could not be translated (empty input, nothing translatable)."""


class Cancelled(KerasAttnError):
    """A long operation was stopped on request (its `should_stop()` returned True)."""
