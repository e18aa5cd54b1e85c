"""Where the time goes: per variant a bar of device-busy against host time,
forward and backward, with the variant's verdict and both speedups.

Every bar is drawn on one millisecond scale, so a shorter bar is a faster
step and the split shows what made it faster: less device work (fusion) or
less host time (fewer operators dispatched). Painted by hand rather than with
pyqtgraph: a few rectangles and lines of text, which the chart export renders
below the timing plot into the same PNG or SVG.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from jitlab.core.present import time_breakdown as T
from jitlab.gui.common.colors import WARNING_COLOR, variant_qcolor
from jitlab.gui.common.formatting import fmt_ms
from jitlab.gui.common.model_view import RunModelView
from jitlab.gui.live.run_model import RunModel
from jitlab.gui.live.throttle import ThrottledRedraw

#: Redraw period while a run is going (the figures change once a round at most).
REFRESH_MS = 500
#: Segment colours: forward blue, backward brown; device-busy dark, host light.
SEGMENT_COLORS = {("fwd", "device"): "#1f4e79", ("fwd", "host"): "#9dc3e6",
                  ("bwd", "device"): "#7f4f24", ("bwd", "host"): "#e6c29d"}
#: Light segments get dark labels, dark ones white.
_DARK = {("fwd", "device"), ("bwd", "device")}
INK, MUTED = "#24292f", "#57606a"
SEPARATOR = "   ·   "
MARGIN = 8
BAR_HEIGHT = 18
ROW_GAP = 8
SWATCH = 12


@dataclass
class _Row:
    """Where one variant's row is drawn (widget coordinates)."""

    bar: T.VariantBar
    top: float
    segments: list[tuple[T.Segment, QRectF]]
    #: Lines of text under the bar: ``[(text, colour), ...]`` pieces each.
    lines: list[list[tuple[str, str]]]


class QtTimeBreakdown(RunModelView):
    """The breakdown view of a :class:`RunModel`."""

    def __init__(self, model: RunModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.breakdown = T.Breakdown(None, [], "", "")
        self.setObjectName("timeBreakdown")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), QColor("white"))
        self.setPalette(pal)
        self._bold = QFont(self.font())
        self._bold.setBold(True)
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.92))
        self.throttle = ThrottledRedraw(self, self.refresh, REFRESH_MS)
        model.sig_reset.connect(self.refresh)
        model.sig_finished.connect(self.refresh)
        model.sig_stats_changed.connect(self.throttle.mark)
        model.sig_device_sampled.connect(self.throttle.mark)
        self.refresh()

    # ---- public API

    def refresh(self) -> None:
        """Recompute the bars from the model now."""
        m = self.model
        if m.session is None:
            self.breakdown = T.Breakdown(None, [], "", "")
        else:
            records = {n: m.display_record(n) for n in m.variants}
            if m.running:  # live wall-time summaries, as the table shows them
                records = {n: {**r, "stats": m.phase_stats(n)} for n, r in records.items()}
            self.breakdown = T.build(records, m.settings, m.session.get("env"), m.running)
        self.setToolTip(T.explanation(self.breakdown))
        self.updateGeometry()
        self.update()

    def text(self) -> str:
        """Everything the view says, line by line (the empty sentence, or title, legend and rows)."""
        b = self.breakdown
        if not b.rows:
            return b.empty
        lines = [b.title, "   ".join(label for _, _, label in b.legend())]
        for r in b.rows:
            parts = [f"{s.phase} {s.part} {fmt_ms(s.ms)}" for s in r.segments]
            note = f" — {r.note}" if r.note else ""
            lines.append(f"{r.variant}: {', '.join(parts) or '-'}  |  {r.verdict}{note}"
                         + (f"  |  {r.speedups}" if r.speedups else ""))
        return "\n".join(lines)

    def bar_rects(self) -> dict[str, list[tuple[str, str, float, QRectF]]]:
        """``{variant: [(phase, part, ms, rect), ...]}`` as drawn at the current width."""
        return {row.bar.variant: [(s.phase, s.part, s.ms, rect) for s, rect in row.segments]
                for row in self._layout()}

    # ---- geometry

    def _line(self, font: QFont | None = None) -> int:
        return QFontMetrics(font or self.font()).height()

    def _row_height(self, lines: int = 1) -> int:
        return BAR_HEIGHT + 2 + lines * self._line(self._small) + ROW_GAP

    def _text_lines(self, bar: T.VariantBar, width: int) -> list[list[tuple[str, str]]]:
        """The verdict and the speedups on one line where they fit, else on two."""
        verdict = bar.verdict + (f" — {bar.note}" if bar.note else "")
        first = [(verdict, INK if bar.segments else MUTED)]
        if not bar.speedups:
            return [first]
        speed = (bar.speedups, WARNING_COLOR if bar.unreliable else MUTED)
        sm = QFontMetrics(self._small)
        if sm.horizontalAdvance(verdict + SEPARATOR + bar.speedups) <= width:
            return [first + [(SEPARATOR + bar.speedups, speed[1])]]
        return [first, [speed]]

    def _text_width(self) -> int:
        return max(100, self.width() - MARGIN - self._name_width() - MARGIN)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.sizeHint().height() != self.height():
            self.updateGeometry()  # the verdicts wrap to another line, or unwrap

    def _header_height(self) -> int:
        return MARGIN + self._line(self._bold) + 4 + max(SWATCH, self._line(self._small)) + 6

    def sizeHint(self) -> QSize:
        b = self.breakdown
        if not b.rows:
            return QSize(600, 2 * MARGIN + 2 * self._line())
        w = self._text_width()
        rows = sum(self._row_height(len(self._text_lines(r, w))) for r in b.rows)
        return QSize(600, self._header_height() + rows + MARGIN)

    def minimumSizeHint(self) -> QSize:
        return QSize(300, self.sizeHint().height())

    def _name_width(self) -> int:
        fm = QFontMetrics(self._bold)
        return max((fm.horizontalAdvance(r.variant) for r in self.breakdown.rows), default=40) + SWATCH + 12

    def _total_width(self) -> int:
        return QFontMetrics(self.font()).horizontalAdvance("0000 ms total") + 8

    def _layout(self) -> list[_Row]:
        b = self.breakdown
        x0 = MARGIN + self._name_width()
        span = max(40.0, self.width() - x0 - self._total_width() - MARGIN)
        scale = b.scale_ms
        rows, top = [], float(self._header_height())
        text_width = self._text_width()
        for bar in b.rows:
            segs, x = [], float(x0)
            for s in bar.segments:
                w = span * s.ms / scale if scale > 0 else 0.0
                segs.append((s, QRectF(x, top, w, BAR_HEIGHT)))
                x += w
            lines = self._text_lines(bar, text_width)
            rows.append(_Row(bar, top, segs, lines))
            top += self._row_height(len(lines))
        return rows

    # ---- painting

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.fillRect(self.rect(), QColor("white"))
        b = self.breakdown
        ink = QColor("#24292f")
        if not b.rows:
            p.setPen(QColor("#57606a"))
            rect = QRectF(MARGIN, MARGIN, self.width() - 2 * MARGIN, self.height() - 2 * MARGIN)
            p.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap),
                       b.empty)
            p.end()
            return
        self._paint_header(p, ink)
        x0 = MARGIN + self._name_width()
        for row in self._layout():
            self._paint_row(p, row, x0, ink)
        p.end()

    def _paint_header(self, p: QPainter, ink: QColor) -> None:
        b = self.breakdown
        p.setFont(self._bold)
        p.setPen(ink)
        fm = QFontMetrics(self._bold)
        p.drawText(QRectF(MARGIN, MARGIN, self.width() - 2 * MARGIN, fm.height()),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                   fm.elidedText(b.title, Qt.TextElideMode.ElideRight, self.width() - 2 * MARGIN))
        p.setFont(self._small)
        sm = QFontMetrics(self._small)
        y = MARGIN + fm.height() + 4
        x = float(MARGIN + self._name_width())
        for phase, part, label in b.legend():
            p.fillRect(QRectF(x, y + (sm.height() - SWATCH) / 2, SWATCH, SWATCH), QColor(SEGMENT_COLORS[phase, part]))
            x += SWATCH + 4
            p.drawText(QRectF(x, y, sm.horizontalAdvance(label) + 2, sm.height()),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), label)
            x += sm.horizontalAdvance(label) + 16

    def _paint_row(self, p: QPainter, row: _Row, x0: int, ink: QColor) -> None:
        bar = row.bar
        top = row.top
        p.setFont(self._bold)
        p.fillRect(QRectF(MARGIN, top + (BAR_HEIGHT - SWATCH) / 2, SWATCH, SWATCH), variant_qcolor(bar.variant))
        p.setPen(ink)
        p.drawText(QRectF(MARGIN + SWATCH + 6, top, self._name_width(), BAR_HEIGHT),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), bar.variant)
        p.setFont(self._small)
        sm = QFontMetrics(self._small)
        end = float(x0)
        for s, rect in row.segments:
            key = (s.phase, s.part)
            p.fillRect(rect, QColor(SEGMENT_COLORS[key]))
            label = fmt_ms(s.ms)
            if rect.width() >= sm.horizontalAdvance(label) + 6:
                p.setPen(QColor("white") if key in _DARK else ink)
                p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label)
            end = rect.right()
        if row.segments:
            p.setPen(QPen(QColor("#ffffff"), 1))
            for _, rect in row.segments[1:]:  # a hairline between segments of similar colours
                p.drawLine(rect.topLeft(), rect.bottomLeft())
            p.setPen(ink)
            p.drawText(QRectF(end + 6, top, self._total_width(), BAR_HEIGHT),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                       f"{fmt_ms(bar.length_ms)} ms")
        y = top + BAR_HEIGHT + 2
        width = self.width() - x0 - MARGIN
        for line in row.lines:
            x = float(x0)
            for text, colour in line:
                p.setPen(QColor(colour))
                shown = sm.elidedText(text, Qt.TextElideMode.ElideRight, int(max(0.0, x0 + width - x)))
                p.drawText(QRectF(x, y, x0 + width - x, sm.height()),
                           int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)
                x += sm.horizontalAdvance(shown)
            y += sm.height()
