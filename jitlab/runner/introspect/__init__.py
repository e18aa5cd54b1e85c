"""What the compilers made of the module, and what ran on the device.

``collect(runner)`` is called once, after the timed iterations, and returns
``{"graphs": ..., "kernels": ..., "notes": [...]}`` for the session.
"""

from __future__ import annotations

from typing import Any


def collect(runner: Any) -> dict[str, Any]:
    graphs: dict[str, Any] | None = None
    notes: list[str] = []
    fn = runner.fn
    if runner.variant in ("script", "trace"):
        graphs = {"graph": str(fn.graph), "code": fn.code}
    return {"graphs": graphs, "kernels": None, "notes": notes}
