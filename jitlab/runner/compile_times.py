"""Where a compile variant's first call went: Dynamo, AOTAutograd, Inductor,
autotuning, and the FX graph and AOTAutograd caches.

Read from Dynamo's per-compilation records (``CompilationMetrics``, one per
frame and one per lazily compiled backward graph, plus runtime records for
autotuning and CUDA-graph recording) that appeared during the first call. The
durations nest (a frame's Dynamo time contains its AOTAutograd time, which
contains Inductor's, which contains compile-time autotuning), so each part is
the difference of two levels and the parts never count a millisecond twice.
What the first call spent outside every record (running the graphs once,
guards, Python) is ``other``, so that the parts add up to the measured call.
"""

from __future__ import annotations

from typing import Any

import torch

#: Part keys in display order, with their labels.
PARTS = (
    ("dynamo", "Dynamo tracing"),
    ("aot_autograd", "AOTAutograd"),
    ("inductor", "Inductor codegen + compile"),
    ("autotuning", "autotuning"),
    ("cudagraphs", "CUDA graph recording"),
    ("other", "other (running the call, guards, Python)"),
)
_CACHE_COUNTERS = {
    "fx_graph": ("inductor", "fxgraph_cache_hit", "fxgraph_cache_miss", "fxgraph_cache_bypass"),
    "aot_autograd": ("aot_autograd", "autograd_cache_hit", "autograd_cache_miss", "autograd_cache_bypass"),
}


def _records() -> list[Any]:
    from torch._dynamo.utils import get_compilation_metrics

    return list(get_compilation_metrics())


def _counters() -> dict[str, dict[str, int]]:
    from torch._dynamo.utils import counters

    return {group: dict(counters.get(group, {})) for group in ("inductor", "aot_autograd")}


class FirstCall:
    """Snapshot before the first call; :meth:`breakdown` after it."""

    def __init__(self) -> None:
        self.error: str | None = None
        try:
            self._seen = {id(m) for m in _records()}
            self._counters = _counters()
        except Exception as exc:  # noqa: BLE001 - an older torch without the records: said in the result
            self.error = f"{type(exc).__name__}: {exc}"
            self._seen, self._counters = set(), {}

    def breakdown(self, first_call_ms: float, cache: dict[str, Any]) -> dict[str, Any]:
        """The parts of ``first_call_ms`` (JSON-ready) for the session's ``compile_time``."""
        out: dict[str, Any] = {"first_call_ms": first_call_ms, "cache": cache.get("cache"),
                               # a cold cache's folder, removed when the runner ends
                               "cache_dir": cache.get("dir") if cache.get("cache") == "cold" else None,
                               "parts": [], "caches": {}, "frames": 0, "notes": [],
                               "torch": torch.__version__}
        if self.error:
            out["notes"].append(f"compile-time parts not available on torch {torch.__version__} ({self.error})")
            out["parts"] = [_part("other", first_call_ms)]
            return out
        new = [m for m in _records() if id(m) not in self._seen]
        ms = dict.fromkeys(k for k, _ in PARTS if k != "other")
        ms = {k: 0.0 for k in ms}
        missing: set[str] = set()
        for m in new:
            _add(m, ms, missing, out)
        named = sum(ms.values())
        other = first_call_ms - named
        if other < 0:
            out["notes"].append(f"the compile records add up to {named:.0f} ms, {-other:.0f} ms more than the "
                                "measured first call (records that overlap in time)")
            other = 0.0
        ms["other"] = other
        out["parts"] = [_part(k, ms[k]) for k, _ in PARTS if ms[k] > 0 or k in ("dynamo", "aot_autograd",
                                                                                "inductor", "other")]
        out["named_ms"] = named
        out["caches"] = self._cache_counts(new)
        if missing:
            out["notes"].append(f"not recorded by torch {torch.__version__}: {', '.join(sorted(missing))} "
                                "(counted as other)")
        if not new:
            out["notes"].append("Dynamo recorded no compilation during the first call")
        return out

    def _cache_counts(self, records: list[Any]) -> dict[str, Any]:
        now = _counters()
        caches: dict[str, Any] = {}
        for name, (group, hit, miss, bypass) in _CACHE_COUNTERS.items():
            before, after = self._counters.get(group, {}), now.get(group, {})
            caches[name] = {k: int(after.get(key, 0)) - int(before.get(key, 0))
                            for k, key in (("hit", hit), ("miss", miss), ("bypass", bypass))}
        return caches


def _part(key: str, ms: float) -> dict[str, Any]:
    return {"key": key, "label": dict(PARTS)[key], "ms": round(ms, 3)}


def _us(m: Any, name: str) -> float | None:
    value = getattr(m, name, None)
    return float(value) if isinstance(value, (int, float)) else None


def _add(m: Any, ms: dict[str, float], missing: set[str], out: dict[str, Any]) -> None:
    """Add one compilation record's levels to the parts (milliseconds)."""
    if getattr(m, "is_runtime", False):
        ms["autotuning"] += (_us(m, "runtime_triton_autotune_time_us") or 0.0) / 1000.0
        ms["cudagraphs"] += (_us(m, "runtime_cudagraphify_time_us") or 0.0) / 1000.0
        return
    inductor = _us(m, "inductor_cumulative_compile_time_us")
    if inductor is None and _us(m, "inductor_compile_time_s") is not None:
        inductor = _us(m, "inductor_compile_time_s") * 1e6
    autotune = _us(m, "compile_time_autotune_time_us") or 0.0
    if getattr(m, "is_forward", True) is False:  # a backward graph, compiled at the first backward
        total = _us(m, "backward_cumulative_compile_time_us") or _us(m, "duration_us")
        if total is None:
            missing.add("backward compile time")
            return
        inductor = inductor if inductor is not None else total
        ms["aot_autograd"] += max(0.0, total - inductor) / 1000.0
    else:
        out["frames"] += 1
        dynamo = _us(m, "dynamo_cumulative_compile_time_us")
        if dynamo is None and _us(m, "entire_frame_compile_time_s") is not None:
            dynamo = _us(m, "entire_frame_compile_time_s") * 1e6
        aot = _us(m, "aot_autograd_cumulative_compile_time_us")
        if aot is None and _us(m, "backend_compile_time_s") is not None:
            aot = _us(m, "backend_compile_time_s") * 1e6
        if dynamo is None:
            missing.add("Dynamo time")
            return
        aot = aot if aot is not None else 0.0
        inductor = inductor if inductor is not None else 0.0
        ms["dynamo"] += max(0.0, dynamo - aot) / 1000.0
        ms["aot_autograd"] += max(0.0, aot - inductor) / 1000.0
    ms["inductor"] += max(0.0, inductor - autotune) / 1000.0
    ms["autotuning"] += autotune / 1000.0
