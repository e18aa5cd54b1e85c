"""A dismissable message strip above the views (never a blocking dialog).

Its text is always plain: error messages and session warnings carry
``<module>``-like text that rich text would swallow.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from jitlab.gui.common.formatting import location_text


_ERROR_STYLE = "#banner { background: #ffebe9; border: 1px solid #cf222e; } #bannerText { color: #82071e; }"
_NOTICE_STYLE = "#banner { background: #fff8c5; border: 1px solid #d4a72c; }"
_WARNING_STYLE = ("#banner { background: #fff1e5; border: 2px solid #bc4c00; } "
                  "#bannerText { color: #762c00; font-weight: bold; }")


class QtBanner(QFrame):
    """Shows one error or notice; "Details…" asks for the traceback."""

    sig_details_requested = Signal(object)
    """The error dict whose details the user asked for."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.error: dict | None = None
        self.label = QLabel("")
        self.label.setObjectName("bannerText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPushButton("Details…")
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setMaximumWidth(28)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.close_button)
        self.details.clicked.connect(lambda: self.sig_details_requested.emit(self.error))
        self.close_button.clicked.connect(self._dismiss)
        self._style = ""
        self._dismissed: str | None = None
        self.setVisible(False)

    def show_error(self, error: dict, prefix: str = "") -> None:
        """Show an error dict (``message``, optional ``traceback`` and ``location``)."""
        where = location_text(error)
        text = (error.get("message") or "error").strip()
        if where and where not in text:
            text += f"  [{where}]"
        self._show(prefix + text, _ERROR_STYLE, error, details=bool(error.get("traceback") or error.get("location")))

    def show_notice(self, text: str) -> None:
        self._show(text, _NOTICE_STYLE)

    def show_warning(self, text: str) -> None:
        """A warning about the figures shown (a busy machine): louder than a notice, no details.

        The live figures repeat it about once a second: a warning the user closed stays closed
        until its text changes.
        """
        if text == self._dismissed:
            return
        self._show(text, _WARNING_STYLE)

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def clear(self) -> None:
        self.error = None
        self._dismissed = None
        self.label.setText("")
        self.setVisible(False)

    def _dismiss(self) -> None:
        text = self.text()
        self.clear()
        self._dismissed = text

    def _show(self, text: str, style: str, error: dict | None = None, details: bool = False) -> None:
        self.error = error
        self._dismissed = None
        self.label.setText(text)
        if style != self._style:  # a style sheet re-styles every child: 20-30 ms in the GUI thread
            self._style = style
            self.setStyleSheet(style)
        self.details.setVisible(details)
        self.setVisible(True)
