"""Text of numbers as the views show them (no Qt): :mod:`jitlab.core.present.numbers` in the window's style."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jitlab.core.present import numbers as _core
from jitlab.core.present.explain import check_text
from jitlab.core.present.numbers import (DASH, HOST_DEPENDENT_MARK, TYPESET, UNRELIABLE_MARK, device_word,  # noqa: F401
                                    fmt_ms, fmt_ratio, fmt_share, host_word, phase_text, speedup_text)


def fmt_phase(stat: dict | None) -> str:
    """``median (IQR)`` of one phase, e.g. ``7.58 (1.90)``."""
    return phase_text(stat, TYPESET)


def fmt_speedup(record: dict[str, Any], name: str) -> str:
    """Speedup vs eager with its 95% CI, e.g. ``2.18×  [1.09–4.32]`` (no marks: for legends and titles)."""
    return speedup_text(record, name, TYPESET)


def speedup_cell(record: dict[str, Any], name: str, total: dict | None = None) -> tuple[str, str]:
    """The end-to-end speedup as a cell shows it, and its state (see :func:`jitlab.core.present.numbers.speedup_cell`)."""
    return _core.speedup_cell(record, name, TYPESET, total)


def device_speedup_cell(record: dict[str, Any], name: str) -> tuple[str, str]:
    """The speedup on device time and its state (see :func:`jitlab.core.present.numbers.device_speedup_cell`)."""
    return _core.device_speedup_cell(record, name, TYPESET)


def fmt_check(record: dict[str, Any], name: str) -> str:
    """Correctness check against eager's output, in words (``matches (rel. err. 2.4e-07)``, under "check vs eager")."""
    return check_text(record.get("check"), name, record.get("status") or "", short=True) or DASH


def fmt_bytes(n: int | float | None) -> str:
    if n is None:
        return DASH
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit in ("B", "KiB") or n >= 100 else f"{n:.1f} {unit}"
        n /= 1024
    return DASH


def first_line(text: str | None, limit: int = 240) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def location_text(error: dict[str, Any] | None) -> str:
    """``file.py, line 12`` of an error's location, or empty."""
    loc = (error or {}).get("location") or {}
    if not loc.get("file"):
        return ""
    return f"{Path(loc['file']).name}, line {loc.get('line')}"


def device_text(device: dict[str, Any]) -> str:
    """``cuda:0 — NVIDIA H100 (80 GiB)`` for a device reported by a runner."""
    ident = device.get("id", "?")
    name = device.get("name") or ""
    mem = device.get("memory_bytes")
    label = "CPU" if ident == "cpu" else ident
    extra = f" ({fmt_bytes(mem)})" if mem else ""
    return f"{label} — {name}{extra}" if name else f"{label}{extra}"
