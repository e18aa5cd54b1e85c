"""Distribution of steady-state forward, backward and total times per variant:
box plots (median, quartiles, 1.5 IQR whiskers, outliers) or histograms."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QRadioButton, QVBoxLayout, QWidget

from jitlab.core import stats
from jitlab.gui.common.chart_style import set_label, set_title, style_plot
from jitlab.gui.common.colors import variant_color, variant_qcolor
from jitlab.gui.common.model_view import RunModelView
from jitlab.gui.live.run_model import RunModel
from jitlab.gui.live.throttle import ThrottledRedraw

#: Redraw period while a run streams in (text-rate; the shapes move slowly).
REDRAW_MS = 500
#: Outliers drawn per variant and phase, at most.
MAX_OUTLIERS = 500
HIST_BINS = 40
PHASE_TITLES = {"fwd": "forward", "bwd": "backward", "total": "total"}


def box_stats(values: np.ndarray) -> dict | None:
    """Quartiles, whiskers (last points within 1.5 IQR of the box) and outliers."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    iqr = q3 - q1
    inside = v[(v >= q1 - 1.5 * iqr) & (v <= q3 + 1.5 * iqr)]
    outliers = v[(v < q1 - 1.5 * iqr) | (v > q3 + 1.5 * iqr)]
    return {"q1": float(q1), "median": float(med), "q3": float(q3),
            "low": float(inside.min()), "high": float(inside.max()), "outliers": outliers}


class QtDistributionView(RunModelView):
    """Per-variant distributions of a :class:`RunModel`'s steady iterations."""

    def __init__(self, model: RunModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.mode = "box"

        self.box_button = QRadioButton("Box plot")
        self.hist_button = QRadioButton("Histogram")
        self.box_button.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.box_button)
        group.addButton(self.hist_button)
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Logarithmic time axis: variants 100x apart, or a long tail, stay readable")
        note = QLabel("steady-state iterations (warm-up excluded)")
        note.setStyleSheet("color: gray")
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.box_button)
        top.addWidget(self.hist_button)
        top.addSpacing(12)
        top.addWidget(self.log_scale)
        top.addSpacing(12)
        top.addWidget(note)
        top.addStretch(1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        for col, phase in enumerate(stats.PHASES):
            plot = self.graphics.addPlot(row=0, col=col)
            style_plot(plot)
            set_title(plot, PHASE_TITLES[phase])
            set_label(plot, "left", "time (ms)")
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)
            plot.showGrid(y=True, alpha=0.25)
            self.plots[phase] = plot
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)

        self.throttle = ThrottledRedraw(self, self.redraw, REDRAW_MS)
        self.hist_button.toggled.connect(self._on_mode_toggled)
        self.log_scale.toggled.connect(lambda _on: self.redraw())
        model.sig_reset.connect(self.throttle.now)
        model.sig_iterations_added.connect(self.throttle.mark)
        model.sig_finished.connect(self.throttle.now)

    # ---- public API

    def set_mode(self, mode: str) -> None:
        """``"box"`` or ``"hist"``."""
        (self.hist_button if mode == "hist" else self.box_button).setChecked(True)

    def redraw(self) -> None:
        """Draw the distributions now."""
        for phase, plot in self.plots.items():
            plot.clear()
            data = {name: self.model.series[name].phase(phase) for name in self.model.variants
                    if name in self.model.series}
            data = {k: v for k, v in data.items() if v.size}
            log = self.log_scale.isChecked()
            if log:  # drawn as log10(ms) on a linear axis whose labels read 10^k
                data = {k: np.log10(v[v > 0]) for k, v in data.items() if (v > 0).any()}
            plot.getAxis("left").setLogMode(log and self.mode == "box")
            plot.getAxis("bottom").setLogMode(log and self.mode != "box")
            if self.mode == "box":
                self._draw_boxes(plot, data)
            else:
                self._draw_histograms(plot, data)

    def export_widget(self) -> QWidget:
        return self.graphics

    # ---- private

    def _on_mode_toggled(self, hist: bool) -> None:
        self.mode = "hist" if hist else "box"
        self.redraw()

    def _draw_boxes(self, plot: pg.PlotItem, data: dict[str, np.ndarray]) -> None:
        names = self.model.variants
        axis = plot.getAxis("bottom")
        axis.setTicks([[(i, n) for i, n in enumerate(names)]])
        plot.setLabel("bottom", "")
        set_label(plot, "left", "time (ms, log scale)" if self.log_scale.isChecked() else "time (ms)")
        for i, name in enumerate(names):
            b = box_stats(data[name]) if name in data else None
            if b is None:
                continue
            color = variant_color(name)
            pen = pg.mkPen(color, width=1.5)
            plot.addItem(pg.BarGraphItem(x=[i], y0=[b["q1"]], height=[max(b["q3"] - b["q1"], 1e-12)], width=0.55,
                                         brush=variant_qcolor(name, 90), pen=pen))
            w = 0.275
            xs = [i - w, i + w, i, i, i, i, i - w / 2, i + w / 2, i - w / 2, i + w / 2]
            ys = [b["median"], b["median"], b["q3"], b["high"], b["q1"], b["low"], b["high"], b["high"],
                  b["low"], b["low"]]
            plot.addItem(pg.PlotDataItem(xs, ys, connect="pairs", pen=pen))
            plot.addItem(pg.PlotDataItem([i - w, i + w], [b["median"]] * 2, pen=pg.mkPen(color, width=3)))
            out = b["outliers"]
            if out.size:
                if out.size > MAX_OUTLIERS:
                    out = np.sort(out)[np.linspace(0, out.size - 1, MAX_OUTLIERS).astype(int)]
                plot.addItem(pg.ScatterPlotItem(np.full(out.size, float(i)), out, size=4, pen=None,
                                                brush=variant_qcolor(name, 160)))
        plot.setXRange(-0.6, max(len(names), 1) - 0.4, padding=0)
        plot.enableAutoRange(axis="y")

    def _draw_histograms(self, plot: pg.PlotItem, data: dict[str, np.ndarray]) -> None:
        plot.getAxis("bottom").setTicks(None)
        set_label(plot, "bottom", "time (ms, log scale)" if self.log_scale.isChecked() else "time (ms)")
        set_label(plot, "left", "iterations")
        if not data:
            return
        allv = np.concatenate(list(data.values()))
        lo, hi = float(np.min(allv)), float(np.percentile(allv, 99.5))
        if hi <= lo:
            hi = lo + max(abs(lo) * 0.01, 1e-6)
        edges = np.linspace(lo, hi, HIST_BINS + 1)
        for name, values in data.items():
            counts, _ = np.histogram(np.clip(values, lo, hi), bins=edges)
            plot.addItem(pg.PlotDataItem(edges, counts, stepMode="center", fillLevel=0,
                                         brush=variant_qcolor(name, 60), pen=pg.mkPen(variant_color(name), width=1.5),
                                         name=name))
        plot.enableAutoRange()
