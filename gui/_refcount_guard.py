"""A guard against a reference-counting bug of PySide6 6.12.0 on CPython 3.11.

With shiboken6 6.12.0 on Python 3.11, every call of a Qt method that returns nothing
(``QWidget.update``, ``QPainter.fillRect``, ``setToolTip``, ...) takes one reference from
``None``, and every ``Signal.emit`` one from ``True`` or ``False``, without having given
it. After a few thousand signals or some hundred thousand calls the count reaches zero and
Python aborts ("deallocating None" / "deallocating True or False"), or memory is corrupted
and the app crashes somewhere else. Measured here: 1,000 ``emit`` calls decrease
``sys.getrefcount(True)`` by 1,000 with 6.12.0 and by 0 with 6.11.3; 2,000,000
``QWidget.update()`` calls abort with 6.12.0 and not with 6.11.3.

Python 3.12 made these objects immortal (their count never reaches zero); this module does
the same on older Pythons, only when the faulty shiboken6 is installed: it adds 2**40 to
the reference counts of ``None``, ``True`` and ``False``, which no run lives long enough
to use up. It imports neither Qt nor TensorFlow.
"""

from __future__ import annotations

import sys
from importlib import metadata

FAULTY = ("6.12.0",)
HEADROOM = 1 << 40
applied = False


def apply() -> bool:
    """Protect None, True and False when the faulty shiboken6 runs on Python < 3.12;
    returns whether it did (once per process)."""
    global applied
    if applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return applied
    try:
        version = metadata.version("shiboken6")
    except metadata.PackageNotFoundError:
        return False
    if version not in FAULTY:
        return False
    import ctypes

    for obj in (None, True, False):
        # ob_refcnt is a PyObject's first field (a Py_ssize_t) in CPython's release builds.
        ctypes.c_ssize_t.from_address(id(obj)).value += HEADROOM
    applied = True
    return True


apply()
