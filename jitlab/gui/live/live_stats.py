"""Speedups with their confidence intervals while a run is still going.

The conductor computes the session's derived figures at the end of the run.
For the table to show speedups during the run, they are recomputed about once
a second from the model's iteration columns with the same statistics
(:mod:`jitlab.core.stats`): a few milliseconds, so on the GUI thread, with no
Python thread competing with it for the interpreter lock. Device-busy time and
the speedups on it come from the sampled rows so far, derived as the final
session derives them (:mod:`jitlab.core.present.live_breakdown`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from jitlab.core import stats
from jitlab.core.session.iterations import IterationStore
from jitlab.core.present.live_breakdown import live_device, live_reliability

#: Period of the live recomputation.
PERIOD_MS = 1000
#: The computed figures go out this long after: a zero-delay timer would still fire in the same turn
#: of the event loop (Qt runs the timers that fall due while it runs the others).
FLUSH_DELAY_MS = 1
#: Unpaired (sequential-schedule) bootstraps use at most this many iterations per variant while live.
LIVE_SAMPLE = 2000


def live_speedups(series: dict[str, IterationStore], interleaved: bool) -> dict[str, dict[str, Any]]:
    """``{variant: {"speedup_vs_eager", "speedup_ci", "speedup_method"}}`` from the iteration columns.

    Interleaved runs use the paired per-round ratios, as the final session does;
    otherwise the ratio of medians, its CI on a subsample (the final figures
    use every iteration).
    """
    base = series.get("eager")
    if base is None or base.measured_count == 0:
        return {}
    out: dict[str, dict[str, Any]] = {}
    base_blocks = base.block_medians() if interleaved else {}
    for name, s in series.items():
        if name == "eager" or s.measured_count == 0:
            continue
        sp = stats.speedup_over(base_blocks, s.block_medians() if interleaved else {}, interleaved,
                                lambda: (_sample(base.phase("total")), _sample(s.phase("total"))))
        if sp is not None:
            out[name] = {"speedup_vs_eager": sp["estimate"], "speedup_ci": sp["ci"], "speedup_method": sp["method"]}
    return out


def _sample(values: np.ndarray) -> np.ndarray:
    if values.size <= LIVE_SAMPLE:
        return values
    return values[np.linspace(0, values.size - 1, LIVE_SAMPLE).astype(int)]


class LiveStats(QObject):
    """Recompute the running session's speedups periodically.

    Parameters
    ----------
    series : callable
        Returns the model's ``{variant: IterationStore}``.
    device : callable, optional
        Returns ``(rows, units)``: the model's sampled rows and their units by variant.
    blocks : callable, optional
        Returns the block readings so far (the model's ``samples``): with the
        iterations' CPU time they tell a busy machine during the run.
    """

    sig_updated = Signal(object)
    """``{variant: {"speedup_vs_eager", "speedup_ci", "speedup_method", "device", "speedup_device",
    "speedup_host_dependent", "reliability", "speedup_unreliable"}}`` (the device keys where the variant has
    sampled rows)."""

    def __init__(self, series, parent: QObject | None = None, device=None, blocks=None) -> None:
        super().__init__(parent)
        self._series = series
        self._device = device
        self._blocks = blocks
        self.session: dict[str, Any] | None = None
        self._last_count = -1
        self._timer = QTimer(self)
        self._timer.setInterval(PERIOD_MS)
        self._timer.timeout.connect(self._tick)

    def start(self, session: dict[str, Any]) -> None:
        self.session = session
        self._last_count = -1
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.session = None

    def update(self) -> None:
        """Recompute now (if iterations arrived since the last time) and emit the figures at once."""
        out = self._compute()
        if out is not None:
            self.sig_updated.emit(out)

    def _tick(self) -> None:
        # The figures go out on the next turn of the event loop: computing them (20-30 ms) and
        # the views taking them (the table, the banner: 30-40 ms) are then two short stalls, not one.
        out = self._compute()
        if out is not None:
            QTimer.singleShot(FLUSH_DELAY_MS, self, partial(self._flush, out))

    def _flush(self, out: dict[str, dict[str, Any]]) -> None:
        if self.session is not None:  # not stopped meanwhile
            self.sig_updated.emit(out)

    def _compute(self) -> dict[str, dict[str, Any]] | None:
        """The live figures, or ``None`` without a session or with nothing new since the last time."""
        if self.session is None:
            return None
        series = self._series()
        rows, units = self._device() if self._device is not None else ({}, {})
        samples = self._blocks() if self._blocks is not None else []
        count = sum(s.n for s in series.values()) + sum(len(r) for r in rows.values()) + len(samples)
        if count == self._last_count:
            return None
        self._last_count = count
        interleaved = self.session.get("schedule", {}).get("kind") == "interleaved"
        out = live_speedups(series, interleaved)
        if rows:
            dev = live_device(lambda n: series[n].summary(), {n: r for n, r in rows.items() if n in series},
                              units, interleaved)
            for name, extra in dev.items():
                out[name] = {**out.get(name, {}), **extra}
        if self._blocks is not None:
            for name, extra in live_reliability(series, samples, self.session.get("env") or {}).items():
                out[name] = {**out.get(name, {}), **extra}
        return out
