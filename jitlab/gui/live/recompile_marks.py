"""Recompiles on the timing plot: a dashed line at the iteration where Dynamo
compiled again, labelled with the failed guard in plain words."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from jitlab.core.session.iterations import IterationStore
from jitlab.gui.common.colors import variant_color


def plot_x(series: IterationStore, iteration: int) -> float | None:
    """Where iteration ``iteration`` sits on the plot's x axis (measured iterations from 0, the leading
    warm-up before 0); a warm-up iteration inside the run sits just before the next measured one."""
    where = np.flatnonzero(series.index == iteration)
    if not where.size:
        return None
    p = int(where[0])
    warm = series.warmup
    measured_before = int(np.searchsorted(series.measured_positions, p))
    if not warm[p]:
        return float(measured_before)
    lead = series.leading_warmup
    return float(p - lead) if p < lead else measured_before - 0.5


def label_text(variant: str, entry: dict[str, Any]) -> str:
    """``compile recompiled:`` and, on a second line (narrow plots), ```self.scale` changed from 1 to 2``."""
    return f"{variant} recompiled:\n{entry.get('reason') or 'reason not recorded'}"


class RecompileMarks:
    """The recompile lines of a pair of timing plots (forward, backward)."""

    def __init__(self, plots: dict[str, pg.PlotItem]) -> None:
        self.plots = plots
        self.items: list[tuple[str, pg.InfiniteLine]] = []
        self._drawn: tuple = ()
        self._width = 1.0
        #: ``(variant, iteration, x, text)`` of each drawn mark, for the views' tests and readouts.
        self.marks: list[tuple[str, int, float, str]] = []

    def clear(self) -> None:
        for phase, item in self.items:
            self.plots[phase].removeItem(item)
        self.items, self.marks, self._drawn = [], [], ()

    def update(self, model: Any) -> None:
        """Draw a line per recompile of every variant in ``model`` (a :class:`RunModel`)."""
        marks = []
        # the run's planned length, not what has arrived: a label placed mid-run must still fit at the end
        try:
            self._width = float(model.settings.get("iters") or 1)
        except (TypeError, ValueError):
            self._width = 1.0
        for name in model.variants:
            series = model.series.get(name)
            if series is None:
                continue
            self._width = max(self._width, float(series.measured_count))
            for entry in list(model.record(name).get("recompiles") or []):
                x = plot_x(series, int(entry["i"]))
                if x is not None:
                    marks.append((name, int(entry["i"]), x, label_text(name, entry)))
        key = tuple(marks)
        if key == self._drawn:
            return
        self.clear()
        self._drawn, self.marks = key, marks
        for name, _i, x, text in marks:
            pen = pg.mkPen(variant_color(name), width=1.5, style=Qt.PenStyle.DashLine)
            # the label reads away from the plot's nearer edge, so that it is not cut off
            side = 1 if x > self._width / 2 else 0
            for phase in self.plots:
                labelled = phase == "fwd"
                line = pg.InfiniteLine(pos=x, angle=90, movable=False, pen=pen,
                                       label=text if labelled else None,
                                       labelOpts={"position": 0.92, "color": variant_color(name), "movable": False,
                                                  "anchors": [(side, 0), (side, 0)], "fill": (255, 255, 255, 220)}
                                       if labelled else None)
                line.setZValue(15)
                self.plots[phase].addItem(line, ignoreBounds=True)
                self.items.append((phase, line))
