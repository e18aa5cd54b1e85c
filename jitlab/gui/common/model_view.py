"""The bases of the views: one over the live :class:`~jitlab.gui.live.run_model.RunModel`, one over a session."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from jitlab.gui.live.run_model import RunModel


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


class SessionView(QWidget):
    """A view of one saved or finished session (the Inside tab and its graphs, kernels and compile views).

    Parameters
    ----------
    session : dict, optional
        A session as :func:`jitlab.core.session.store.load` returns it (or a finished run's); a subclass
        shows it with its ``set_session``.
    parent : QWidget, optional
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: dict[str, Any] | None = None
