"""Iteration records as a session file holds them, to and from the columns of an
:class:`~jitlab.core.session.iterations.IterationStore`.

A record the columns reproduce exactly (the keys in the order the conductor writes them, values of
the types it writes) becomes a row and nothing else; any other record (a hand-written file, an
older or newer writer) is also kept as it is, so that it is written back unchanged, and its row
holds its values as the statistics have always read records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

#: ``index`` of a record without an ``i`` (hand-made files): no recompile entry names it.
NO_INDEX = -(2**63)
_INT64 = (-(2**63), 2**63)

# The keys of a record, in the order the conductor has always written them (``recompile`` last, set
# by :func:`jitlab.core.session.store.mark_recompiles`); files older than the CPU time lack ``cpu_ms``.
_CPU_KEYS = ("i", "fwd_ms", "bwd_ms", "cpu_ms", "warmup", "round")
_OLD_KEYS = ("i", "fwd_ms", "bwd_ms", "warmup", "round")
#: Key order of a record that the columns reproduce exactly -> (has ``cpu_ms``, has ``recompile``).
_LAYOUTS = {_CPU_KEYS: (True, False), _CPU_KEYS + ("recompile",): (True, True),
            _OLD_KEYS: (False, False), _OLD_KEYS + ("recompile",): (False, True)}
#: The columns a record fills, in the order of :func:`_exact`'s and :func:`_lenient`'s tuples.
ROW_KEYS = ("index", "fwd", "bwd", "bwd_none", "cpu", "cpu_none", "cpu_key", "warmup", "round", "round_none",
            "recompile")


def columns_of(records: Iterable[Any], start: int) -> tuple[dict[str, list], dict[int, Any]]:
    """``(columns, odd)``: the values of ``records`` by column (:data:`ROW_KEYS`), and the records
    the columns do not reproduce, by position (counted from ``start``)."""
    cols: dict[str, list] = {key: [] for key in ROW_KEYS}
    odd: dict[int, Any] = {}
    for p, it in enumerate(records):
        row = _exact(it)
        if row is None:
            odd[start + p] = it
            row = _lenient(it)
        for key, value in zip(ROW_KEYS, row):
            cols[key].append(value)
    return cols, odd


def records_of(cols: Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
    """The records of rows given by column (:data:`ROW_KEYS`, equal lengths)."""
    bwd = _with_none(cols["bwd"], cols["bwd_none"])
    cpu = _with_none(cols["cpu"], cols["cpu_none"])
    rnd = _with_none(cols["round"], cols["round_none"])
    out = [{"i": i, "fwd_ms": f, "bwd_ms": b, "cpu_ms": c, "warmup": w, "round": r}
           for i, f, b, c, w, r in zip(cols["index"].tolist(), cols["fwd"].tolist(), bwd, cpu,
                                       cols["warmup"].tolist(), rnd)]
    for k in np.flatnonzero(~cols["cpu_key"]).tolist():
        it = out[k]
        out[k] = {"i": it["i"], "fwd_ms": it["fwd_ms"], "bwd_ms": it["bwd_ms"], "warmup": it["warmup"],
                  "round": it["round"]}
    for k in np.flatnonzero(cols["recompile"]).tolist():
        out[k]["recompile"] = True
    return out


def optional(values: Sequence[float | None], k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(values, none)``: the values as floats (NaN for ``None``) and where they were ``None``."""
    none = np.fromiter((v is None for v in values), dtype=bool, count=k)
    if none.all():
        return np.full(k, np.nan), none
    if not none.any():
        return np.asarray(values, dtype=float), none
    return np.array([np.nan if v is None else v for v in values], dtype=float), none


def _with_none(values: np.ndarray, none: np.ndarray) -> list:
    out = values.tolist()
    if none.all():
        return [None] * len(out)
    for k in np.flatnonzero(none).tolist():
        out[k] = None
    return out


def _exact(it: Any) -> tuple | None:
    """The columns' values of a record they reproduce exactly, or ``None``."""
    if type(it) is not dict:
        return None
    layout = _LAYOUTS.get(tuple(it))
    if layout is None:
        return None
    has_cpu, has_recompile = layout
    i, fwd, bwd, warmup, round_ = it["i"], it["fwd_ms"], it["bwd_ms"], it["warmup"], it["round"]
    cpu = it["cpu_ms"] if has_cpu else None
    if (type(i) is not int or not _INT64[0] <= i < _INT64[1] or i == NO_INDEX or type(fwd) is not float
            or (bwd is not None and type(bwd) is not float) or (cpu is not None and type(cpu) is not float)
            or type(warmup) is not bool or (round_ is not None and (type(round_) is not int
                                                                    or not _INT64[0] <= round_ < _INT64[1]))
            or (has_recompile and it["recompile"] is not True)):
        return None
    return (i, fwd, math.nan if bwd is None else bwd, bwd is None, math.nan if cpu is None else cpu, cpu is None,
            has_cpu, warmup, -1 if round_ is None else round_, round_ is None, has_recompile)


def _lenient(it: Any) -> tuple:
    """The columns' values of any other record, read as the statistics always read records."""
    rec: Mapping[str, Any] = it if isinstance(it, Mapping) else {}
    i, round_ = rec.get("i"), _integer(rec.get("round"))
    bwd, cpu = _number(rec.get("bwd_ms")), _number(rec.get("cpu_ms"))
    return (i if type(i) is int and _INT64[0] <= i < _INT64[1] else NO_INDEX,
            _number(rec.get("fwd_ms"), math.nan), math.nan if bwd is None else bwd, bwd is None,
            math.nan if cpu is None else cpu, cpu is None, "cpu_ms" in rec,
            bool(rec.get("warmup")), -1 if round_ is None else round_, round_ is None, bool(rec.get("recompile")))


def _number(x: Any, default: float | None = None) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return default
    return float(x)


def _integer(x: Any) -> int | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        return None
    r = int(x)
    return r if _INT64[0] <= r < _INT64[1] else None
