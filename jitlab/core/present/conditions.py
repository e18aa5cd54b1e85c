"""Device conditions recorded after each block, placed under the timings (no Qt).

Every runner samples clocks, temperature, power and load when it ends a block
of measured iterations (``session["samples"]``: one dict per block, with its
``round`` and ``variant``). This module lists the metrics worth plotting,
finds those a session actually recorded, and turns the samples into one
``(x, y)`` curve per variant on the timing plot's x axis: a block's sample
sits at the measured-iteration index of the last iteration of that block, so
a throttling episode lines up with the iterations it slowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class Metric:
    """One plottable quantity of a block sample.

    Attributes
    ----------
    key : str
        The sample's key.
    label : str
        Name for menus and axes.
    unit : str
        Unit for the axis and readout ("" for a count).
    per_block : bool
        The sample holds a cumulative counter; plot its increase since the
        variant's previous block instead.
    y_range : (float, float) or None
        Fixed axis range (percentages: 0 to 100), or ``None`` to fit the data.
    axis : str or None
        A shorter axis title where the label with its unit would not fit the row's height.
    """

    key: str
    label: str
    unit: str
    per_block: bool = False
    y_range: tuple[float, float] | None = None
    axis: str | None = None

    @property
    def axis_label(self) -> str:
        if self.axis:
            return self.axis
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def title(self) -> str:
        """Plot title: a counter is counted per block, a reading is taken after each."""
        return f"{self.label} per block" if self.per_block else f"{self.label} after each block"

    def format(self, value: float) -> str:
        """``value`` with its unit, e.g. ``1980 MHz``."""
        text = f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
        return f"{text} {self.unit}" if self.unit else text


#: Every metric the runner may record, in menu order (GPU first: throttling shows there).
METRICS: tuple[Metric, ...] = (
    Metric("sm_clock_mhz", "SM clock", "MHz"),
    Metric("mem_clock_mhz", "memory clock", "MHz"),
    Metric("temperature_c", "GPU temperature", "°C"),
    Metric("power_w", "GPU power", "W"),
    Metric("gpu_util_pct", "GPU utilisation", "%", y_range=(0.0, 100.0)),
    Metric("cpu_freq_mhz", "CPU frequency", "MHz"),
    Metric("cpu_load_pct", "CPU load", "%", y_range=(0.0, 100.0)),
    Metric("cpu_core", "CPU core", ""),
    Metric("ctx_switches_involuntary", "involuntary context switches", "", per_block=True,
           axis="switches per block"),
)
BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
#: Shown by default, the first one a session has.
DEFAULT_ORDER = ("sm_clock_mhz", "cpu_freq_mhz")


def available(samples: Iterable[Mapping]) -> list[str]:
    """Keys of the metrics with at least one value in ``samples``, in :data:`METRICS` order.

    A per-block metric needs two values of one variant (one difference).
    """
    counts: dict[str, dict] = {}
    for sample in samples:
        for key in BY_KEY:
            if _number(sample.get(key)) is not None:
                per_variant = counts.setdefault(key, {})
                per_variant[sample.get("variant")] = per_variant.get(sample.get("variant"), 0) + 1
    return [m.key for m in METRICS if m.key in counts
            and (not m.per_block or max(counts[m.key].values()) >= 2)]


def default_metric(keys: Sequence[str]) -> str | None:
    """The metric to show when the user has not chosen one: SM clock, else CPU frequency, else none."""
    return next((key for key in DEFAULT_ORDER if key in keys), None)


def block_ends(rounds: np.ndarray, warmup: np.ndarray) -> dict[int, int]:
    """Measured-iteration index of the last measured iteration of each round.

    Parameters
    ----------
    rounds : ndarray of int
        Round of each iteration, in order (-1 for none).
    warmup : ndarray of bool
        Whether each iteration is unmeasured.

    Returns
    -------
    dict of int to int
        ``{round: x}``, x counting measured iterations from 0 (the timing plot's axis).
    """
    measured = np.asarray(rounds)[~np.asarray(warmup, dtype=bool)]
    x = np.flatnonzero(measured >= 0)
    found = measured[x]
    if not found.size:
        return {}
    keys, first = np.unique(found, return_index=True)
    _, last_rev = np.unique(found[::-1], return_index=True)
    order = np.argsort(first, kind="stable")  # rounds in the order they first appear, as they arrived
    last = x[found.size - 1 - last_rev]
    return dict(zip(keys[order].tolist(), last[order].tolist()))


def block_ends_of(iterations: Iterable[Mapping]) -> dict[int, int]:
    """:func:`block_ends` of a session variant's iteration records."""
    its = list(iterations)
    rounds = np.array([-1 if it.get("round") is None else int(it["round"]) for it in its], dtype=np.int64)
    warmup = np.array([bool(it.get("warmup")) for it in its], dtype=bool)
    return block_ends(rounds, warmup)


def curves(samples: Iterable[Mapping], key: str,
           ends: Mapping[str, Mapping[int, int]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """One ``(x, y)`` curve per variant of metric ``key``.

    Parameters
    ----------
    samples : iterable of dict
        Block samples (``round``, ``variant`` and the metrics).
    key : str
        A key of :data:`BY_KEY`.
    ends : mapping of str to mapping of int to int
        :func:`block_ends` of each variant.

    Returns
    -------
    dict of str to (ndarray, ndarray)
        x sorted ascending; a missing value is NaN. Samples of a round whose
        iterations are not (yet) known are left out. For a per-block metric
        the first block of a variant has no value (no previous count).
    """
    metric = BY_KEY[key]
    by_variant: dict[str, list[tuple[int, float]]] = {}
    for sample in samples:
        r, variant = sample.get("round"), sample.get("variant")
        if r is None or variant is None:
            continue
        value = _number(sample.get(key))
        by_variant.setdefault(variant, []).append((int(r), np.nan if value is None else value))
    out = {}
    for variant, points in by_variant.items():
        points.sort(key=lambda p: p[0])  # stable: a round sampled twice keeps its order
        rounds = np.array([p[0] for p in points], dtype=np.int64)
        y = np.array([p[1] for p in points], dtype=float)
        if metric.per_block:
            # A counter that went backwards (a restarted runner) gives no difference, not a negative one.
            y = np.concatenate(([np.nan], np.diff(y)))
            y[y < 0] = np.nan
        variant_ends = ends.get(variant, {})
        x = np.array([variant_ends.get(int(r), -1) for r in rounds], dtype=float)
        keep = x >= 0
        out[variant] = (x[keep], y[keep])
    return out


def min_span(y: np.ndarray) -> float:
    """Smallest y range worth showing for values ``y``: a tenth of the largest, at least 2.

    A steady clock then reads as a flat line at 1980 MHz on a 1880 to 2080
    axis instead of filling a 1979.6 to 1980.4 one, where rounding noise would
    look like throttling; a drop of 10% still fills the plot.
    """
    finite = np.abs(y[np.isfinite(y)])
    return max(2.0, 0.1 * float(finite.max())) if finite.size else 2.0


def value_at(x: np.ndarray, y: np.ndarray, iteration: int) -> float | None:
    """The value of the block holding measured iteration ``iteration`` (the first sample at or after it)."""
    if iteration < 0:
        return None
    pos = int(np.searchsorted(x, iteration, side="left"))
    if pos >= x.size or not np.isfinite(y[pos]):
        return None
    return float(y[pos])


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None
