"""Redraw a view on a clock instead of on every change."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class ThrottledRedraw(QObject):
    """Call ``redraw`` at most every ``interval_ms``, only while ``view`` is visible.

    Data arriving marks the view dirty (:meth:`mark`); the clock redraws it
    if it is shown. A hidden view (a tab in the background) skips the work
    and catches up when it is shown.

    Parameters
    ----------
    view : QWidget
    redraw : callable
        Draws the view from the model.
    interval_ms : int
    """

    def __init__(self, view: QWidget, redraw: Callable[[], None], interval_ms: int) -> None:
        super().__init__(view)
        self.view = view
        self.dirty = False
        self._redraw = redraw
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        view.installEventFilter(self)

    def mark(self, *_args) -> None:
        """Something changed: redraw on the next tick (if visible)."""
        self.dirty = True

    def now(self, *_args) -> None:
        """Redraw at once if visible (else when shown)."""
        self.dirty = True
        self._tick()

    def _tick(self) -> None:
        if self.dirty and self.view.isVisible():
            self.dirty = False
            self._redraw()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A filter whose Python side is already gone (its view is being torn down while events are
        # still delivered) is called without its attributes: it has nothing left to redraw.
        view = getattr(self, "view", None)
        if view is not None and watched is view and event.type() == QEvent.Type.Show and getattr(self, "dirty", False):
            self._tick()
        return False
