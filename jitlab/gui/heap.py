"""The app's long-lived objects, kept out of Python's cyclic garbage collections.

The app starts with some 100,000 tracked objects (its widgets, pyqtgraph's and
numpy's modules). Each full collection walks all of them: 60 ms in the GUI
thread on a two-core machine, at moments that streaming iterations decide. What
exists once the window is built lives as long as the app, so it is moved out of
the collector's reach (:func:`gc.freeze`); reference counting still frees it.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Leave everything alive now out of later collections (call once the window is built)."""
    gc.collect()
    gc.freeze()


def unsettle() -> None:
    """Put the settled objects back in the collector's reach (a window closed in a longer-lived process)."""
    gc.unfreeze()
