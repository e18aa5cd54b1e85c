"""A compile variant's first call as one stacked bar: Dynamo, AOTAutograd,
Inductor, autotuning, CUDA-graph recording and the rest."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from jitlab.core.present import compile_report

#: One colour per part (Okabe-Ito; "other" grey).
PART_COLORS = {"dynamo": "#0072B2", "aot_autograd": "#E69F00", "inductor": "#009E73", "autotuning": "#CC79A7",
               "cudagraphs": "#D55E00", "other": "#BBBBBB"}


class _Bar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parts: list[dict[str, Any]] = []
        self.setMinimumHeight(26)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        x, w, h = 0.0, float(self.width()), float(self.height())
        for part in self.parts:
            width = part["share"] * w
            rect = QRectF(x, 0, width, h)
            p.fillRect(rect, QColor(PART_COLORS.get(part["key"], "#888888")))
            label = f"{part['label'].split(' (')[0]} {part['share']:.0%}"
            if p.fontMetrics().horizontalAdvance(label) + 6 < width:
                p.setPen(Qt.GlobalColor.white if part["key"] != "other" else Qt.GlobalColor.black)
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
            x += width
        p.end()


class QtCompileTime(QWidget):
    """The first-call breakdown of one compile variant, with its cache hits and misses."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = _Bar()
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.legend)

    def set_record(self, record: dict[str, Any] | None) -> None:
        """Show ``record["compile_time"]``; hidden when the variant has none (older sessions)."""
        parts = compile_report.parts(record)
        self.bar.parts = parts
        self.setVisible(bool(parts))
        if not parts:
            return
        first = (record.get("compile_time") or {}).get("first_call_ms") or 0.0
        items = " &nbsp; ".join(
            f"<span style='color:{PART_COLORS.get(p['key'], '#888')}'>■</span> {p['label']} "
            f"{p['ms'] / 1000:.2f} s" for p in parts)
        notes = escape("; ".join((record.get("compile_time") or {}).get("notes") or []))
        self.legend.setText(f"<b>first call {first / 1000:.2f} s</b> &nbsp; {items}<br>"
                            f"<span style='color:gray'>{compile_report.cache_text(record)}"
                            f"{(' · ' + notes) if notes else ''}</span>")
        self.bar.update()
