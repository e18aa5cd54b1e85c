"""Turn exceptions from the user's code or the compilers into error messages
that point at the user's file and line."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import torch

from jitlab.runner.locations import user_location

_OOM_TEXT = ("out of memory", "can't allocate memory", "not enough memory", "DefaultCPUAllocator")


def is_oom(exc: BaseException) -> bool:
    if isinstance(exc, (MemoryError, torch.cuda.OutOfMemoryError)):
        return True
    return isinstance(exc, RuntimeError) and any(t in str(exc) for t in _OOM_TEXT)


def memory_figures(device: torch.device) -> dict[str, Any]:
    """Memory in use and available, for an out-of-memory message."""
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        return {
            "allocated_bytes": torch.cuda.memory_allocated(device),
            "reserved_bytes": torch.cuda.memory_reserved(device),
            "peak_allocated_bytes": torch.cuda.max_memory_allocated(device),
            "free_bytes": free,
            "total_bytes": total,
        }
    import psutil

    vm = psutil.virtual_memory()
    return {"process_rss_bytes": psutil.Process().memory_info().rss, "free_bytes": vm.available, "total_bytes": vm.total}


def _gib(n: int | None) -> str:
    return "?" if n is None else f"{n / 2**30:.2f} GiB"


def error_message(exc: BaseException, phase: str, user_file: Path, device: torch.device,
                  what: str) -> dict[str, Any]:
    """The ``error`` protocol message for an exception in ``phase``."""
    loc = user_location(exc, user_file)
    text = str(exc).strip() or type(exc).__name__
    msg: dict[str, Any] = {
        "t": "error", "phase": phase, "kind": "exception",
        "traceback": "".join(traceback.format_exception(exc)),
        "location": {"file": loc[0], "line": loc[1]} if loc else None,
    }
    where = f" at {loc[0]}, line {loc[1]}" if loc else ""
    if is_oom(exc):
        figures = memory_figures(device)
        msg["kind"] = "oom"
        msg["memory"] = figures
        lines = text.splitlines()
        first = next((ln.strip() for ln in lines if any(t in ln for t in _OOM_TEXT)), lines[0])
        if device.type == "cuda":
            detail = (f"{_gib(figures['allocated_bytes'])} allocated by tensors, {_gib(figures['reserved_bytes'])} "
                      f"reserved, peak {_gib(figures['peak_allocated_bytes'])}, {_gib(figures['free_bytes'])} free "
                      f"of {_gib(figures['total_bytes'])}")
        else:
            detail = (f"process resident {_gib(figures['process_rss_bytes'])}, {_gib(figures['free_bytes'])} "
                      f"available of {_gib(figures['total_bytes'])}")
        msg["message"] = f"out of memory while {what}{where}: {first}\nmemory: {detail}"
    else:
        msg["message"] = f"{type(exc).__name__} while {what}{where}: {text}"
    return msg
