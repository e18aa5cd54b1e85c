"""Shared look of jitlab's charts: dark readable axes, whole-number iteration ticks,
and a y range that outliers cannot squash (no Qt widgets; pyqtgraph items only)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

#: Text and axis colours: dark on white, readable in exports too.
TEXT_COLOR = "#24292f"
AXIS_COLOR = "#57606a"
#: A value is an outlier of the default view above ``q3 + OUTLIER_IQR * IQR`` of its variant.
OUTLIER_IQR = 3.0
#: Headroom above the highest value shown.
HEADROOM = 1.08
#: Quartiles are estimated from at most this many evenly spaced values (a 20,000-iteration run redraws fast).
QUARTILE_SAMPLE = 4000


class IterationAxis(pg.AxisItem):
    """An axis of iteration numbers: ticks only at whole numbers (never at -4.5)."""

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph's API
        levels = super().tickSpacing(minVal, maxVal, size)
        return [(max(1.0, float(spacing)), offset) for spacing, offset in levels]

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph's API
        out = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            whole = [v for v in values if abs(v - round(v)) < 1e-9]
            out.append((spacing, whole))
        return out


def style_plot(plot: pg.PlotItem) -> None:
    """Dark axes, tick labels and title on a pyqtgraph plot."""
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(AXIS_COLOR))
        axis.setTextPen(pg.mkPen(TEXT_COLOR))
        axis.label.setDefaultTextColor(pg.mkColor(TEXT_COLOR))


def set_title(plot: pg.PlotItem, text: str) -> None:
    plot.setTitle(text, color=TEXT_COLOR)


def set_label(plot: pg.PlotItem, side: str, text: str) -> None:
    plot.setLabel(side, text, color=TEXT_COLOR)


def robust_upper(arrays: list[np.ndarray]) -> float | None:
    """The top of a view that shows every variant's typical values (and their spread), not its spikes.

    For each array: the largest value at or under ``q3 + 3 * IQR``; the maximum over arrays,
    with a little headroom. ``None`` without finite values.
    """
    tops = []
    for a in arrays:
        a = a[np.isfinite(a)]
        if not a.size:
            continue
        sample = a[:: max(1, a.size // QUARTILE_SAMPLE)]
        q1, q3 = np.percentile(sample, [25, 75])
        fence = q3 + OUTLIER_IQR * (q3 - q1)
        inside = a[a <= fence]
        tops.append(float(inside.max()) if inside.size else float(q3))
    if not tops:
        return None
    top = max(tops)
    return top * HEADROOM if top > 0 else 1.0
