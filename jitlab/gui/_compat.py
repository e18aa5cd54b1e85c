"""Work around PySide6 6.12's reference-count errors on Python < 3.12.

PySide6 6.12 (an ``abi3`` wheel built for 3.10+) drops a reference to
``None`` on every call of a ``void`` method (``setText``, ``setValue``, ...)
and to ``True`` on every signal ``emit()``, as if they were immortal — which
they are only from Python 3.12 on. On 3.10 and 3.11 a GUI therefore dies
after some ten thousand calls with ``Fatal Python error: none_dealloc``.
Measured here with ``sys.getrefcount(None)`` around 1000 ``QPainter.drawLine``
calls: -1000.

These singletons are never freed anyway, so giving them a huge reference
count makes them immortal in practice, which is what the wheel assumes.
"""

from __future__ import annotations

import ctypes
import platform
import sys

#: Added to each singleton's count: ~2.8e14 stray decrefs before trouble.
_HEADROOM = 1 << 48
_applied = False


def make_singletons_immortal() -> bool:
    """Apply the workaround once (CPython < 3.12 only); returns whether it was applied."""
    global _applied
    if _applied:
        return True
    if platform.python_implementation() != "CPython" or sys.version_info >= (3, 12):
        return False
    for obj in (None, True, False, Ellipsis, NotImplemented):
        # ob_refcnt is the first field of every PyObject (Py_ssize_t) on CPython < 3.12.
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
    _applied = True
    return True
