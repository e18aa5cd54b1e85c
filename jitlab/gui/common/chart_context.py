"""What an exported chart says about itself: title, module, target, device, torch
version and the speedups, as lines of text drawn above the chart (no Qt)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jitlab.core.session import iterations
from jitlab.core.variants import ordered
from jitlab.gui.common.formatting import device_text, fmt_speedup

WHAT = {"timing": "per-iteration timings", "distribution": "distribution of the steady iterations"}


def chart_header(session: dict[str, Any], which: str) -> list[str]:
    """Three lines: the title, the run's conditions, and each variant's speedup over eager."""
    settings = session.get("settings") or {}
    env = session.get("env") or {}
    module = Path(settings.get("file") or "module").name
    title = f"jitlab · {module} · {WHAT.get(which, which)}"
    device = env.get("device") or {}
    target = settings.get("target") or "default"
    measured = max((iterations.of(v).measured_count for v in (session.get("variants") or {}).values()), default=0)
    conditions = " · ".join(p for p in (
        f"target {target}",
        device_text(device) if device else (settings.get("device") or "device ?"),
        f"torch {env.get('torch') or '?'}",
        f"{settings.get('mode') or 'train'} mode",
        f"{measured} measured iterations" + (" (stopped)" if settings.get("stopped") else ""),
        (session.get("created") or "")[:16].replace("T", " "),
    ) if p)
    speedups = []
    variants = session.get("variants") or {}
    for name in ordered(variants):
        if name == "eager":
            continue
        rec = variants[name]
        if rec.get("speedup_vs_eager") is not None:
            speedups.append(f"{name} {fmt_speedup(rec, name).replace('  ', ' ')}")
        elif rec.get("status") not in ("ok", None):
            speedups.append(f"{name} {rec.get('status')}")
    line3 = ("speedup vs eager, 95% CI: " + " · ".join(speedups)) if speedups else "speedup vs eager: —"
    return [title, conditions, line3]
