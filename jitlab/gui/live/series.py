"""Growing numpy buffers of one variant's iterations (no Qt).

Incoming batches are appended to preallocated arrays that double when full
(pyqtgraph's ``examples/scrollingPlots.py`` recipe); views read ``[:n]``
slices on their redraw timer. ``PlotDataItem.appendData`` is never used.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from jitlab.core import stats

_INITIAL = 256


class _Filled:
    """The filled part (``[:n]``) of one of a series' buffers, read as an attribute."""

    def __init__(self, buffer: str) -> None:
        self.buffer = buffer

    def __get__(self, series: "VariantSeries | None", owner: type | None = None) -> np.ndarray:
        if series is None:
            raise AttributeError(self.buffer)
        return getattr(series, self.buffer)[: series.n]


class VariantSeries:
    """Iteration timings of one variant, in arrival order.

    Attributes
    ----------
    n : int
        Number of iterations held.
    """

    def __init__(self) -> None:
        self.n = 0
        self._index = np.empty(_INITIAL, dtype=np.int64)
        self._fwd = np.empty(_INITIAL, dtype=float)
        self._bwd = np.empty(_INITIAL, dtype=float)
        self._warmup = np.empty(_INITIAL, dtype=bool)
        self._round = np.empty(_INITIAL, dtype=np.int64)
        self._cpu = np.empty(_INITIAL, dtype=float)
        #: Iteration indices a recompile slowed: plotted, never in the steady figures (as in the session).
        self.excluded: set[int] = set()

    # ---- filling

    def exclude(self, indices: Iterable[int]) -> None:
        """Keep iterations ``indices`` (those of a recompile) out of the steady figures."""
        self.excluded.update(int(i) for i in indices)

    def _steady_mask(self) -> np.ndarray:
        keep = ~self.warmup
        if self.excluded:
            keep &= ~np.isin(self.index, list(self.excluded))
        return keep

    def append(self, start: int, fwd: Sequence[float], bwd: Sequence[float | None], warmup: bool,
               round_: int | None = None, cpu: Sequence[float | None] | None = None) -> None:
        """Add consecutive iterations ``start, start+1, ...`` (of schedule round ``round_``; ``cpu``: their CPU
        time, NaN where absent)."""
        k = len(fwd)
        if k == 0:
            return
        self._reserve(self.n + k)
        sl = slice(self.n, self.n + k)
        self._index[sl] = np.arange(start, start + k)
        self._fwd[sl] = np.asarray(fwd, dtype=float)
        self._bwd[sl] = np.asarray([np.nan if b is None else b for b in bwd], dtype=float)
        self._warmup[sl] = bool(warmup)
        self._round[sl] = -1 if round_ is None else int(round_)
        self._cpu[sl] = _floats(cpu) if cpu is not None and len(cpu) == k else np.nan
        self.n += k

    def extend_records(self, iterations: Iterable[dict]) -> None:
        """Add iteration records as stored in a session (``i``, ``fwd_ms``, ...)."""
        its = list(iterations)
        if not its:
            return
        self._reserve(self.n + len(its))
        sl = slice(self.n, self.n + len(its))
        self._index[sl] = [int(it["i"]) for it in its]
        self._fwd[sl] = [float(it["fwd_ms"]) for it in its]
        self._bwd[sl] = [np.nan if it.get("bwd_ms") is None else float(it["bwd_ms"]) for it in its]
        self._warmup[sl] = [bool(it.get("warmup")) for it in its]
        self._round[sl] = [-1 if it.get("round") is None else int(it["round"]) for it in its]
        self._cpu[sl] = _floats([it.get("cpu_ms") for it in its])
        self.exclude(int(it["i"]) for it in its if it.get("recompile"))
        self.n += len(its)

    def _reserve(self, size: int) -> None:
        cap = self._fwd.size
        if size <= cap:
            return
        while cap < size:
            cap *= 2
        for name in ("_index", "_fwd", "_bwd", "_warmup", "_round", "_cpu"):
            old = getattr(self, name)
            new = np.empty(cap, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    # ---- reading (views of the filled part; do not keep them across appends)

    index = _Filled("_index")
    fwd = _Filled("_fwd")
    bwd = _Filled("_bwd")
    warmup = _Filled("_warmup")
    #: CPU time of each iteration (NaN where the runner did not record it).
    cpu = _Filled("_cpu")
    #: Schedule round of each iteration (-1 for none, e.g. warm-up).
    rounds = _Filled("_round")

    @property
    def total(self) -> np.ndarray:
        """Forward plus backward (backward counted as 0 where absent)."""
        return self.fwd + np.nan_to_num(self.bwd, nan=0.0)

    @property
    def has_backward(self) -> bool:
        return bool(self.n) and not np.all(np.isnan(self.bwd))

    @property
    def warmup_count(self) -> int:
        return int(self.warmup.sum())

    @property
    def leading_warmup(self) -> int:
        """Number of warm-up iterations before the first round (or all of them, before any round)."""
        started = np.flatnonzero(~self.warmup | (self.rounds >= 0))
        return int(started[0]) if started.size else self.n

    def measured(self, name: str) -> np.ndarray:
        """Values of ``fwd``, ``bwd`` or ``total`` of the measured iterations, in order (NaN kept)."""
        values = {"fwd": self.fwd, "bwd": self.bwd, "total": self.total}[name]
        return values[~self.warmup]

    @property
    def first_measured(self) -> int:
        """Position of the first measured (non-warm-up) iteration, or ``n`` if none yet."""
        pos = np.flatnonzero(~self.warmup)
        return int(pos[0]) if pos.size else self.n

    @property
    def measured_count(self) -> int:
        return self.n - self.warmup_count

    def phase(self, name: str, steady: bool = True) -> np.ndarray:
        """Values of ``fwd``, ``bwd`` or ``total`` (steady-state only by default), NaNs removed."""
        values = {"fwd": self.fwd, "bwd": self.bwd, "total": self.total}[name]
        if steady:
            values = values[self._steady_mask()]
        return values[~np.isnan(values)]

    def value_at(self, x: int, name: str) -> float | None:
        """The value of one phase at plot position ``x``, or ``None``.

        ``x`` counts measured iterations from 0; the warm-up before the first
        round sits at negative positions (its last iteration at -1).
        """
        if x >= 0:
            values = self.measured(name)
            value = float(values[x]) if x < values.size else float("nan")
        else:
            lead = self.leading_warmup
            pos = lead + x
            values = {"fwd": self.fwd, "bwd": self.bwd, "total": self.total}[name]
            value = float(values[pos]) if 0 <= pos < lead else float("nan")
        return None if np.isnan(value) else value

    def block_medians(self) -> dict[int, float]:
        """Median steady total time of each round's block, as :func:`jitlab.core.stats.block_medians`."""
        keep = self._steady_mask() & (self.rounds >= 0)
        return stats.block_medians_of(self.rounds[keep], self.total[keep])

    def summary(self) -> dict:
        """Per-phase summaries of the steady iterations, as :func:`jitlab.core.stats.phase_stats` gives."""
        return {p: stats.summarize_array(self.phase(p)) for p in stats.PHASES}


def _floats(values: Sequence[float | None]) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)
