"""Text of numbers as the views show them (no Qt)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jitlab.core.explain import check_text
from jitlab.core.formatting import (DASH, HOST_DEPENDENT_MARK, UNRELIABLE_MARK, device_word,  # noqa: F401
                                    fmt_ms, fmt_ratio, fmt_share)


def fmt_phase(stat: dict | None) -> str:
    """``median (IQR)`` of one phase, e.g. ``7.58 (1.90)``."""
    if not stat:
        return DASH
    return f"{fmt_ms(stat['median'])} ({fmt_ms(stat['iqr'])})"


def fmt_speedup(record: dict[str, Any], name: str) -> str:
    """Speedup vs eager with its 95% CI, e.g. ``2.18×  [1.09–4.32]``."""
    if name == "eager":
        return "1.00×  (reference)" if record.get("iterations") else DASH
    sp = record.get("speedup_vs_eager")
    if sp is None:
        return DASH
    return _ratio_ci(sp, record.get("speedup_ci"))


def _ratio_ci(sp: float, ci) -> str:
    return f"{fmt_ratio(sp)}×  [{fmt_ratio(ci[0])}–{fmt_ratio(ci[1])}]" if ci else f"{fmt_ratio(sp)}×"


def speedup_cell(record: dict[str, Any], name: str) -> tuple[str, str]:
    """The end-to-end speedup as a cell shows it, and its state.

    Returns
    -------
    text : str
        ``2.18×  [1.09–4.32]``; with ``host-dependent`` after it where the
        step is launch-bound; ``0.01× — unreliable: busy machine`` (no CI: a
        narrow one would look trustworthy) where a busy machine spoiled the
        timings of the variant or of eager.
    state : str
        ``""``, ``"host-dependent"`` or ``"unreliable"``.
    """
    if name == "eager" or record.get("speedup_vs_eager") is None:
        return fmt_speedup(record, name), ""
    sp = record["speedup_vs_eager"]
    if record.get("speedup_unreliable"):
        return f"{fmt_ratio(sp)}× — {UNRELIABLE_MARK}", "unreliable"
    text = _ratio_ci(sp, record.get("speedup_ci"))
    if record.get("speedup_host_dependent"):
        return f"{text}  {HOST_DEPENDENT_MARK}", "host-dependent"
    return text, ""


def device_speedup_cell(record: dict[str, Any], name: str) -> tuple[str, str]:
    """The speedup on device time (on a CPU: on time inside operators) and its state (``""`` or
    ``"unreliable"``).

    Busy-machine marks follow the command line: GPU device time does not move
    with the host's load, operator time on a busy CPU does.
    """
    dev = record.get("device")
    if name == "eager":
        return ("1.00×  (reference)" if dev else DASH), ""
    sp = record.get("speedup_device")
    if not sp or sp.get("estimate") is None:
        return DASH, ""
    if record.get("speedup_unreliable") and (dev or {}).get("unit") != "device":
        return f"{fmt_ratio(sp['estimate'])}× — {UNRELIABLE_MARK}", "unreliable"
    return _ratio_ci(sp["estimate"], sp.get("ci")), ""


def host_word(unit: str | None) -> str:
    """``host`` on a GPU, ``overhead`` on a CPU (where there is no separate device to wait for)."""
    return "overhead" if unit == "cpu_ops" else "host"


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
