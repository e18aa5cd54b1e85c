"""One variant's iterations in columns: what the session records and what the live views draw.

The conductor appends each ``iters`` batch to the variant's :class:`IterationStore`, which the
session holds as the variant's ``iterations``. :func:`jitlab.core.session.store.finalize` computes
the statistics from its columns, :func:`jitlab.core.session.store.encode` writes its records to the
file, and the app's views read its columns without copying them. A session loaded from a file holds
the plain records JSON gave; :func:`hold` fills a store from them once, :func:`of` reads them as one.

Columns grow by doubling (pyqtgraph's ``examples/scrollingPlots.py`` recipe), so appending a batch
is amortized O(1) per iteration. What the views ask of every frame (the measured iterations, the
steady ones, the warm-up before the first round) is kept up to date as batches arrive, never
recomputed over the whole history.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np

from jitlab.core import stats
from jitlab.core.protocol import IterBatch
from jitlab.core.session import iteration_records as R

_INITIAL = 256
#: Records are built this many at a time (a whole long run's records at once would be hundreds of MiB).
CHUNK = 1000

_ROWS = {"index": np.int64, "fwd": float, "bwd": float, "bwd_none": bool, "cpu": float, "cpu_none": bool,
         "cpu_key": bool, "warmup": bool, "round": np.int64, "round_none": bool, "recompile": bool,
         "steady": bool, "total": float}
_MEASURED = {"pos": np.int64, "fwd": float, "bwd": float}


class _Columns:
    """Arrays of one length that double when full; ``[key]`` reads the filled part."""

    def __init__(self, dtypes: Mapping[str, Any]) -> None:
        self.n = 0
        self.arrays = {key: np.empty(_INITIAL, dtype=dtype) for key, dtype in dtypes.items()}

    def room(self, k: int) -> slice:
        """The slice the next ``k`` rows go to (grown if needed); :attr:`n` moves on by ``k``."""
        need = self.n + k
        cap = len(next(iter(self.arrays.values())))
        if need > cap:
            while cap < need:
                cap *= 2
            for key, old in self.arrays.items():
                new = np.empty(cap, dtype=old.dtype)
                new[: self.n] = old[: self.n]
                self.arrays[key] = new
        sl = slice(self.n, need)
        self.n = need
        return sl

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key][: self.n]


class IterationStore:
    """The iterations of one variant, in arrival order, as columns.

    Read as a sequence (``len``, ``[k]``, slices, ``for``) it gives the records of the session file
    (``{"i", "fwd_ms", "bwd_ms", "cpu_ms", "warmup", "round"}``, and ``"recompile": true`` where a
    recompile slowed one), built on demand (:mod:`jitlab.core.session.iteration_records`). The column attributes are views of the filled part: valid until the next append.

    Attributes
    ----------
    excluded : set of int
        Iteration indices a recompile slowed: kept, drawn, and in no steady figure.
    """

    def __init__(self) -> None:
        self._rows = _Columns(_ROWS)
        self._measured = _Columns(_MEASURED)
        self.excluded: set[int] = set()
        #: Records the columns do not reproduce exactly (other keys, other types), by position.
        self._odd: dict[int, Any] = {}
        self._lead = 0
        self._leading = True  # no measured or round iteration yet: everything so far is leading warm-up
        self._backward = 0  # iterations with a backward time
        self._gaps = {"fwd": 0, "bwd": 0}  # measured iterations without a finite value of the phase
        self._last: IterBatch | None = None

    # ---- filling

    def add(self, batch: IterBatch) -> None:
        """Append a protocol batch, once: the batch appended last is not appended again.

        The conductor appends each batch as it arrives; the app's model, handed the same batch
        afterwards, then finds it stored (a model fed without a conductor appends it here).
        """
        if batch is self._last:
            return
        self.append(batch.start, batch.fwd_ms, batch.bwd_ms, batch.warmup, batch.round, batch.cpu_ms)
        self._last = batch

    def append(self, start: int, fwd: Sequence[float], bwd: Sequence[float | None], warmup: bool,
               round_: int | None = None, cpu: Sequence[float | None] | None = None) -> None:
        """Append consecutive iterations ``start, start+1, ...`` of schedule round ``round_``.

        Parameters
        ----------
        start : int
            Index of the first.
        fwd, bwd : sequence of float
            Forward and backward times in ms (``None`` for no backward).
        warmup : bool
            Whether they are unmeasured.
        round_ : int, optional
        cpu : sequence of float, optional
            Their CPU time in ms (``None`` where not recorded).
        """
        k = len(fwd)
        if k == 0:
            return
        bwd_v, bwd_none = R.optional(bwd, k)
        cpu_v, cpu_none = R.optional(cpu if cpu is not None and len(cpu) == k else [None] * k, k)
        self._put({"index": np.arange(start, start + k, dtype=np.int64), "fwd": np.asarray(fwd, dtype=float),
                   "bwd": bwd_v, "bwd_none": bwd_none, "cpu": cpu_v, "cpu_none": cpu_none, "cpu_key": True,
                   "warmup": bool(warmup), "round": -1 if round_ is None else int(round_),
                   "round_none": round_ is None, "recompile": False}, k)

    def extend_records(self, records: Iterable[Any]) -> None:
        """Append iteration records as a session file holds them."""
        cols, odd = R.columns_of(records, self._rows.n)
        k = len(cols["index"])
        if not k:
            return
        self._odd.update(odd)
        self._put({key: np.asarray(values, dtype=_ROWS[key]) for key, values in cols.items()}, k)
        # after the rows are in: a record's own flag stands as the file has it
        self.excluded.update(i for i, r in zip(cols["index"], cols["recompile"]) if r and i != R.NO_INDEX)

    @classmethod
    def from_records(cls, records: Iterable[Any]) -> "IterationStore":
        """A store of a session file's records."""
        store = cls()
        store.extend_records(records)
        return store

    def exclude(self, indices: Iterable[int]) -> None:
        """Keep iterations ``indices`` (a recompile's) out of the steady figures, as ``recompile``."""
        new = {int(i) for i in indices} - self.excluded
        if not new:
            return
        self.excluded |= new
        rows = self._rows
        hit = np.flatnonzero(np.isin(rows["index"], np.fromiter(new, dtype=np.int64, count=len(new))))
        if not hit.size:
            return  # not arrived yet: :meth:`_put` flags them when they do
        rows["recompile"][hit] = True
        rows["steady"][hit] = False
        for p in hit.tolist():
            if isinstance(self._odd.get(p), dict):
                self._odd[p]["recompile"] = True  # as the file's own record is marked

    def _put(self, cols: Mapping[str, Any], k: int) -> None:
        rows = self._rows
        n0 = rows.n
        sl = rows.room(k)
        for key, value in cols.items():
            rows.arrays[key][sl] = value
        index, warmup, bwd, fwd = rows["index"][sl], rows["warmup"][sl], rows["bwd"][sl], rows["fwd"][sl]
        if self.excluded:
            hit = np.isin(index, np.fromiter(self.excluded, dtype=np.int64, count=len(self.excluded)))
            rows["recompile"][sl] |= hit
            for p in np.flatnonzero(hit).tolist() if self._odd else ():
                if isinstance(self._odd.get(n0 + p), dict):
                    self._odd[n0 + p]["recompile"] = True  # as the file's own record is marked
        rows["steady"][sl] = ~warmup & ~rows["recompile"][sl]
        # ``bwd or 0.0``: no backward, or a zero one, adds nothing (and NaN stays NaN)
        rows["total"][sl] = fwd + np.where(rows["bwd_none"][sl] | (bwd == 0), 0.0, bwd)
        self._backward += int(np.count_nonzero(~np.isnan(bwd)))
        if self._leading:
            started = np.flatnonzero(~warmup | (~rows["round_none"][sl] & (rows["round"][sl] >= 0)))
            self._leading = not started.size
            self._lead = n0 + (int(started[0]) if started.size else k)
        pos = np.flatnonzero(~warmup)
        if pos.size:
            m = self._measured
            msl = m.room(pos.size)
            m.arrays["pos"][msl] = n0 + pos
            for phase in ("fwd", "bwd"):
                values = rows[phase][sl][pos]
                m.arrays[phase][msl] = values
                self._gaps[phase] += int(np.count_nonzero(~np.isfinite(values)))

    # ---- the columns (views of the filled part; do not keep them across appends)

    @property
    def n(self) -> int:
        """Number of iterations held."""
        return self._rows.n

    @property
    def index(self) -> np.ndarray:
        """Iteration index of each (``i``)."""
        return self._rows["index"]

    @property
    def fwd(self) -> np.ndarray:
        return self._rows["fwd"]

    @property
    def bwd(self) -> np.ndarray:
        """Backward time of each, NaN where there is none."""
        return self._rows["bwd"]

    @property
    def cpu(self) -> np.ndarray:
        """CPU time of each, NaN where the runner did not record it."""
        return self._rows["cpu"]

    @property
    def warmup(self) -> np.ndarray:
        return self._rows["warmup"]

    @property
    def rounds(self) -> np.ndarray:
        """Schedule round of each (-1 for none, e.g. warm-up)."""
        return self._rows["round"]

    @property
    def recompile(self) -> np.ndarray:
        """Whether a recompile slowed each."""
        return self._rows["recompile"]

    @property
    def steady(self) -> np.ndarray:
        """Whether each counts in the statistics: measured, and not slowed by a recompile."""
        return self._rows["steady"]

    @property
    def total(self) -> np.ndarray:
        """Forward plus backward of each (no backward counted as 0)."""
        return self._rows["total"]

    @property
    def measured_positions(self) -> np.ndarray:
        """Positions of the measured (non-warm-up) iterations, in order."""
        return self._measured["pos"]

    def measured_values(self, phase: str) -> np.ndarray:
        """``fwd`` or ``bwd`` of the measured iterations, in order (NaN kept): the timing plot's curve."""
        return self._measured[phase]

    def measured_gaps(self, phase: str) -> int:
        """How many measured iterations have no finite ``fwd`` or ``bwd`` value."""
        return self._gaps[phase]

    # ---- counts

    @property
    def measured_count(self) -> int:
        return self._measured.n

    @property
    def warmup_count(self) -> int:
        return self.n - self.measured_count

    @property
    def leading_warmup(self) -> int:
        """Number of warm-up iterations before the first round (or all of them, before any round)."""
        return self._lead

    @property
    def first_measured(self) -> int:
        """Position of the first measured iteration, or ``n`` if none yet."""
        return int(self._measured["pos"][0]) if self._measured.n else self.n

    @property
    def has_backward(self) -> bool:
        return self._backward > 0

    # ---- figures

    def _phase_all(self, name: str) -> np.ndarray:
        return {"fwd": self.fwd, "bwd": self.bwd, "total": self.total}[name]

    def measured(self, name: str) -> np.ndarray:
        """Values of ``fwd``, ``bwd`` or ``total`` of the measured iterations, in order (NaN kept)."""
        if name in self._gaps:
            return self.measured_values(name)
        return self._phase_all(name)[self.measured_positions]

    def phase(self, name: str, steady: bool = True) -> np.ndarray:
        """Values of ``fwd``, ``bwd`` or ``total`` (of the steady iterations by default), NaN removed."""
        values = self._phase_all(name)
        if steady:
            values = values[self.steady]
        return values[~np.isnan(values)]

    def value_at(self, x: int, name: str) -> float | None:
        """The value of one phase at plot position ``x``, or ``None``.

        ``x`` counts measured iterations from 0; the warm-up before the first round sits at
        negative positions (its last iteration at -1).
        """
        if x >= 0:
            pos = int(self.measured_positions[x]) if x < self.measured_count else -1
        else:
            pos = self.leading_warmup + x if -x <= self.leading_warmup else -1
        value = float(self._phase_all(name)[pos]) if pos >= 0 else math.nan
        return None if math.isnan(value) else value

    def summary(self) -> dict:
        """Per-phase summaries of the steady iterations, as the session's ``stats``."""
        keep = self.steady
        return {"fwd": stats.summarize_array(self.fwd[keep]),
                "bwd": stats.summarize_array(self.bwd[keep & ~self._rows["bwd_none"]]),
                "total": stats.summarize_array(self.total[keep])}

    def block_medians(self) -> dict[int, float]:
        """Median steady total time of each round's block, keyed by round."""
        keep = self.steady & ~self._rows["round_none"]
        return stats.block_medians_of(self.rounds[keep], self.total[keep])

    def steady_totals(self) -> np.ndarray:
        """Total time of each steady iteration, in order."""
        return self.total[self.steady]

    def steady_cpu(self) -> tuple[np.ndarray, np.ndarray]:
        """``(total, cpu)`` of the steady iterations that recorded their CPU time."""
        keep = self.steady & ~self._rows["cpu_none"]
        return self.total[keep], self.cpu[keep]

    # ---- records

    def records(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """The records of positions ``start`` to ``stop``, as the session file holds them."""
        start, stop, _ = slice(start, stop).indices(self.n)
        if stop <= start:
            return []
        sl = slice(start, stop)
        out = R.records_of({key: self._rows[key][sl] for key in R.ROW_KEYS})
        for p, it in self._odd.items():
            if start <= p < stop:
                out[p - start] = dict(it) if isinstance(it, dict) else it
        return out

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, key: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, key: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, key: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(key, slice):
            start, stop, step = key.indices(self.n)
            if step == 1:
                return self.records(start, stop)
            return [self[p] for p in range(start, stop, step)]
        p = key + self.n if key < 0 else key
        if not 0 <= p < self.n:
            raise IndexError("iteration position out of range")
        return self.records(p, p + 1)[0]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for start in range(0, self.n, CHUNK):
            yield from self.records(start, start + CHUNK)

    def __repr__(self) -> str:
        return f"<IterationStore of {self.n} iterations, {self.measured_count} measured>"


def of(variant: Mapping[str, Any]) -> IterationStore:
    """A variant's iterations as a store: the one it holds, or one filled from its records."""
    its = variant.get("iterations")
    if isinstance(its, IterationStore):
        return its
    return IterationStore.from_records(its or [])


def hold(variant: dict[str, Any]) -> IterationStore:
    """Make ``variant`` hold its iterations as a store (filled from its records the first time)."""
    store = of(variant)
    variant["iterations"] = store
    return store
