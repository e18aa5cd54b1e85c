"""The base of the live views: a widget that shows one :class:`~jitlab.gui.run_model.RunModel`."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from jitlab.gui.run_model import RunModel


class RunModelView(QWidget):
    """A view of a run model; it subscribes to the model's signals in its own ``__init__``.

    Parameters
    ----------
    model : RunModel
    parent : QWidget, optional
    """

    def __init__(self, model: RunModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
