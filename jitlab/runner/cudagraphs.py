"""CUDA-graph decisions of a compile variant: which graphs ran as CUDA graphs,
and every skip with Inductor's reason.

Inductor announces a skip through ``log_cudagraph_skip_and_bump_counter``
(a log line at an artifact logger that is off by default, and a counter
without the reason). Each module that calls it imported it by name, so the
recorder wraps it in every one of them; the compile id current at the call
tells which graph the skip is about. Torch's reasons name the input where it
knows it (``cpu device (primals_1)``, ``mutated inputs ... Found from: <the
user's line>``); they are kept word for word.
"""

from __future__ import annotations

import importlib
from typing import Any

import torch

from jitlab.core.variants import compile_mode, uses_cudagraphs

_CALLERS = ("torch._inductor.cudagraph_utils", "torch._inductor.output_code", "torch._inductor.compile_fx",
            "torch._inductor.cudagraph_trees")
_NAME = "log_cudagraph_skip_and_bump_counter"


def _records() -> list[Any]:
    from torch._dynamo.utils import get_compilation_metrics

    return list(get_compilation_metrics())


def _current_compile_id() -> str | None:
    try:
        from torch._guards import CompileContext

        cid = CompileContext.current_compile_id()
        return None if cid is None else str(cid)
    except Exception:  # noqa: BLE001 - older torch: the skip is kept without its graph
        return None


class Recorder:
    """Records skip reasons from the moment it is created (before the variant compiles)."""

    def __init__(self, variant: str, device: torch.device) -> None:
        self.variant = variant
        self.device = device
        self.skips: list[dict[str, Any]] = []
        self.hooked: list[str] = []
        #: The compilation records of the measured run, fixed by :meth:`freeze` before introspection
        #: (whose ``torch._dynamo.explain`` traces the module again and adds records of its own).
        self.frozen: list[Any] | None = None
        self.active = uses_cudagraphs(variant)
        if self.active:
            self._install()

    def _install(self) -> None:
        for name in _CALLERS:
            try:
                mod = importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a module this torch does not have
                continue
            original = getattr(mod, _NAME, None)
            if not callable(original) or getattr(original, "_jitlab_recording", False):
                continue
            setattr(mod, _NAME, self._wrap(original))
            self.hooked.append(name)

    def _wrap(self, original: Any) -> Any:
        def record(msg: str, *args: Any, **kwargs: Any) -> Any:
            text = str(msg).removeprefix("skipping cudagraphs due to ").strip()
            entry = {"compile_id": _current_compile_id(), "reason": text}
            if entry not in self.skips:
                self.skips.append(entry)
            return original(msg, *args, **kwargs)
        record._jitlab_recording = True  # type: ignore[attr-defined]
        return record

    def freeze(self) -> None:
        """Keep only the compilations made so far in the report."""
        if self.active and self.frozen is None:
            try:
                self.frozen = list(_records())
            except Exception:  # noqa: BLE001 - report() says the records are unavailable
                self.frozen = None

    def report(self) -> dict[str, Any] | None:
        """``{mode, device, graphs: [{compile_id, phase, used, reason}], skips, recorded, notes}``."""
        if not self.active:
            return None
        notes: list[str] = []
        on_cuda = self.device.type == "cuda"
        graphs = []
        try:
            records = self.frozen if self.frozen is not None else _records()
        except Exception as exc:  # noqa: BLE001
            records = []
            notes.append(f"compiled graphs not listed: not available on torch {torch.__version__} ({exc})")
        for m in records:
            if getattr(m, "is_runtime", False) or getattr(m, "graph_op_count", None) == 0:
                continue  # a runtime record, or a frame with no graph for Inductor (nothing to capture)
            cid = str(getattr(m, "compile_id", "") or "")
            phase = "bwd" if getattr(m, "is_forward", True) is False else "fwd"
            reasons = [s["reason"] for s in self.skips if s["compile_id"] == cid]
            field = getattr(m, "cudagraph_skip_reason", None)
            if field:
                reasons.append(str(field).removeprefix("skipping cudagraphs due to ").strip())
            if not on_cuda:
                reasons.insert(0, f"the device is {self.device.type.upper()}")
            reasons = list(dict.fromkeys(reasons))
            graphs.append({"compile_id": cid, "phase": phase, "used": on_cuda and not reasons,
                           "reason": "; ".join(reasons) or None})
        if not self.hooked:
            notes.append(f"CUDA-graph skip reasons not available on torch {torch.__version__} (no {_NAME})")
        recorded = _recorded_graphs(self.device) if on_cuda else 0
        if on_cuda and recorded is None:
            notes.append("the number of recorded CUDA graphs is not known: the CUDA-graph tree was already "
                         f"released or could not be read on torch {torch.__version__}")
        return {"mode": compile_mode(self.variant), "device": self.device.type, "graphs": graphs,
                "skips": list(self.skips), "recorded": recorded, "notes": notes}


def _recorded_graphs(device: torch.device) -> int | None:
    """CUDA graphs the CUDA-graph tree recorded on ``device``, or ``None`` when it cannot be read."""
    try:
        from torch._inductor import cudagraph_trees as trees

        manager = trees.get_container(device.index or 0).tree_manager
        if manager is None:  # released (Dynamo was reset) or never built: not the same as none recorded
            return None
        seen, stack = 0, [n for nodes in manager.roots.values() for n in nodes]
        while stack:
            node = stack.pop()
            seen += 1
            stack.extend(c for kids in getattr(node, "children", {}).values() for c in kids)
        return seen
    except Exception:  # noqa: BLE001 - private structure that moves between releases
        return None
