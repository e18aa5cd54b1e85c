"""A gutter beside a :class:`~jitlab.gui.inside.qt_code_edit.QtCodeEdit`: the time
charged to each source line, with a bar for its share of the variant's time.

The numbers come from :func:`jitlab.core.present.lines.line_table`, the same table
``jitlab show --what lines`` prints.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QPlainTextEdit, QToolTip, QWidget

BAR_COLOR = QColor("#f0b37e")
TEXT_COLOR = QColor("#24292f")
NUMBER_COLOR = QColor("#8c959f")
BACKGROUND = QColor("#f6f8fa")


class QtCostGutter(QWidget):
    """Paints line numbers and, for lines that have one, their time.

    Parameters
    ----------
    editor : QPlainTextEdit
        The editor it sits in; it reserves the gutter's width as a viewport margin.
    """

    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor)
        self.editor = editor
        self.labels: dict[int, str] = {}
        self.fractions: dict[int, float] = {}
        self.tips: dict[int, str] = {}
        editor.blockCountChanged.connect(lambda _n: self._relayout())
        editor.updateRequest.connect(self._on_update_request)
        editor.installEventFilter(self)
        self._relayout()

    def set_costs(self, labels: dict[int, str], fractions: dict[int, float],
                  tips: dict[int, str] | None = None) -> None:
        """Show ``labels`` (1-based line -> text) with bars of ``fractions`` (0..1) and hover ``tips``."""
        self.labels, self.fractions, self.tips = dict(labels), dict(fractions), dict(tips or {})
        self._relayout()
        self.update()

    def gutter_width(self) -> int:
        fm = self.editor.fontMetrics()
        digits = len(str(max(1, self.editor.blockCount())))
        cost = max((fm.horizontalAdvance(t) for t in self.labels.values()), default=0)
        return 8 + fm.horizontalAdvance("9" * digits) + (12 + max(cost, fm.horizontalAdvance("99.9 us")) if self.labels
                                                         else 0)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self.gutter_width(), 0)

    def _relayout(self) -> None:
        self.editor.setViewportMargins(self.gutter_width(), 0, 0, 0)
        cr = self.editor.contentsRect()
        self.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self.scroll(0, dy)
        else:
            self.update(0, rect.y(), self.width(), rect.height())

    def line_at(self, y: int) -> int | None:
        """The 1-based line drawn at height ``y`` of the gutter."""
        cursor = self.editor.cursorForPosition(QPoint(4, y))
        return cursor.blockNumber() + 1 if cursor.block().isValid() else None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            line = self.line_at(event.pos().y())
            if line in self.tips:
                QToolTip.showText(event.globalPos(), self.tips[line], self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.editor and event.type() == QEvent.Type.Resize:
            self._relayout()  # follow the editor's height
        return False

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(event.rect(), BACKGROUND)
        fm = self.editor.fontMetrics()
        digits_w = fm.horizontalAdvance("9" * len(str(max(1, self.editor.blockCount()))))
        cost_x = 8 + digits_w + 6
        cost_w = self.width() - cost_x - 4
        block = self.editor.firstVisibleBlock()
        top = int(self.editor.blockBoundingGeometry(block).translated(self.editor.contentOffset()).top())
        while block.isValid() and top <= event.rect().bottom():
            height = int(self.editor.blockBoundingRect(block).height())
            line = block.blockNumber() + 1
            if block.isVisible():
                painter.setPen(NUMBER_COLOR)
                painter.drawText(QRect(2, top, digits_w + 4, height),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), str(line))
                if line in self.labels:
                    frac = max(0.0, min(1.0, self.fractions.get(line, 0.0)))
                    painter.fillRect(QRect(cost_x, top + 2, max(2, int(cost_w * frac)), height - 4), BAR_COLOR)
                    painter.setPen(TEXT_COLOR)
                    painter.drawText(QRect(cost_x, top, cost_w, height),
                                     int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                                     self.labels[line])
            block = block.next()
            top += height
