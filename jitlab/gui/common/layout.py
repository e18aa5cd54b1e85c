"""Small layout helpers shared by the window and its views."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget


def splitter(orientation: Qt.Orientation, widgets: Sequence[QWidget], stretch: Sequence[int],
             sizes: Sequence[int] | None = None) -> QSplitter:
    """A splitter holding ``widgets`` with the given stretch factors (and initial sizes, in pixels)."""
    split = QSplitter(orientation)
    for i, (widget, factor) in enumerate(zip(widgets, stretch)):
        split.addWidget(widget)
        split.setStretchFactor(i, factor)
    if sizes is not None:
        split.setSizes(list(sizes))
    return split
