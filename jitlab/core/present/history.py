"""What the Runs list says of one saved session: when, what, where, and its best speedup.

The folder the entries come from is :mod:`jitlab.core.session.saved`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jitlab.core.present.numbers import TYPESET, Style
from jitlab.core.variants import ordered


@dataclass
class RunEntry:
    """What the Runs list shows of one saved session.

    Attributes
    ----------
    path : Path
    created : datetime or None
        When the run started (local time); ``None`` if unreadable.
    file, target, device : str
    variants : list of str
    statuses : dict
        Variant → status.
    speedups : dict
        Variant → speedup vs eager (variants that have one).
    error : str
        Why the file could not be read ("" if it could).
    """

    path: Path
    created: datetime | None = None
    file: str = ""
    target: str = ""
    device: str = ""
    mode: str = ""
    variants: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    speedups: dict[str, float] = field(default_factory=dict)
    error: str = ""

    def headline_text(self, style: Style = TYPESET) -> str:
        """The best speedup vs eager, e.g. ``script 2.13×`` (a dash if none)."""
        if not self.speedups:
            return style.dash
        name, value = max(self.speedups.items(), key=lambda kv: kv[1])
        return f"{name} {value:.2f}{style.times}"

    @property
    def headline(self) -> str:
        """:meth:`headline_text` in the window's typography."""
        return self.headline_text()

    @property
    def date_text(self) -> str:
        """When the run started, to the second (a dash if unknown)."""
        return self.created.strftime("%Y-%m-%d %H:%M:%S") if self.created else TYPESET.dash

    @property
    def variants_text(self) -> str:
        return ", ".join(v if self.statuses.get(v) in ("ok", None) else f"{v} ({self.statuses[v]})"
                         for v in self.variants)


def entry_from_session(session: dict[str, Any], path: str | os.PathLike) -> RunEntry:
    """The Runs-list entry of a loaded session."""
    settings = session.get("settings") or {}
    env = session.get("env") or {}
    device = (env.get("device") or {})
    variants = ordered((session.get("variants") or {}).keys())
    recs = session.get("variants") or {}
    speedups = {v: float(recs[v]["speedup_vs_eager"]) for v in variants
                if isinstance(recs[v].get("speedup_vs_eager"), (int, float))}
    dev = device.get("name") or ""
    ident = device.get("id") or settings.get("device") or ""
    return RunEntry(
        path=Path(path), created=_parse_time(session.get("created")),
        file=Path(settings["file"]).name if settings.get("file") else "(bundled example)",
        target=settings.get("target") or "default", device=f"{ident} ({dev})" if dev and ident != dev else ident or dev,
        mode=settings.get("mode") or "", variants=variants,
        statuses={v: recs[v].get("status", "") for v in variants}, speedups=speedups,
    )


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).astimezone()
    except ValueError:
        return None
