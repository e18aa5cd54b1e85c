"""The cost of each source line, from the kernel table's ``origins``.

A runner gives every kernel row it can trace back the user's lines it came
from, each with a ``share`` of the row's time (see
:mod:`jitlab.runner.introspect.provenance`). Here the rows are summed per line
for ``jitlab show --what lines`` and the source pane's gutter, which render the
same :class:`LineTable`. No torch, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Said under every table: fused code has no time of its own per line.
SPLIT_DEFAULT = ("a kernel made of ops from several lines is split evenly among them; an op kind that several "
                 "lines call, by the number of calls on each line")


@dataclass
class LineCost:
    """What one source line was charged, per iteration."""

    file: str
    line: int
    fwd_us: float = 0.0
    bwd_us: float = 0.0
    kernels: list[str] = field(default_factory=list)

    @property
    def total_us(self) -> float:
        return self.fwd_us + self.bwd_us


@dataclass
class LineTable:
    """Every line one variant's kernels were traced back to."""

    variant: str
    file: str | None
    rows: list[LineCost]
    total_us: float
    unmapped_us: float
    unmapped: list[str]
    unit: str
    what: str
    source: str
    split: str

    def for_file(self, file: str | None) -> dict[int, LineCost]:
        """Rows of one file (the module's, by default), by line number."""
        want = _norm(file or self.file)
        return {r.line: r for r in self.rows if _norm(r.file) == want}


def _norm(path: str | None) -> str:
    if not path:
        return ""
    try:
        return str(Path(path).resolve())
    except (OSError, ValueError):
        return path


def same_file(a: str | None, b: str | None) -> bool:
    """Whether two paths name the same file (both resolved)."""
    return bool(a and b) and _norm(a) == _norm(b)


def has_lines(record: dict[str, Any]) -> bool:
    """Whether a variant record's kernel rows carry source lines."""
    k = record.get("kernels") or {}
    return isinstance(k, dict) and any(r.get("origins") for r in k.get("items") or [] if isinstance(r, dict))


def variants_with_lines(session: dict[str, Any]) -> list[str]:
    """Variants whose kernels were traced back to lines, in session order."""
    return [n for n, v in (session.get("variants") or {}).items() if has_lines(v)]


def line_table(session: dict[str, Any], variant: str) -> LineTable | None:
    """The per-line cost of ``variant``; ``None`` when its kernels carry no lines."""
    record = (session.get("variants") or {}).get(variant) or {}
    return record_table(record, variant, (session.get("settings") or {}).get("file"))


def record_table(record: dict[str, Any], variant: str, file: str | None = None) -> LineTable | None:
    """:func:`line_table` of one variant record; ``file`` is the module's file
    where the record does not name it."""
    if not has_lines(record):
        return None
    k = record["kernels"]
    about = k.get("lines") or {}
    file = about.get("file") or file
    costs: dict[tuple[str, int], LineCost] = {}
    total = unmapped_us = 0.0
    unmapped: list[str] = []
    for row in k.get("items") or []:
        us = float(row.get("device_time_us") or 0.0)
        total += us
        origins = row.get("origins") or []
        if not origins:
            unmapped_us += us
            if row.get("name") not in unmapped:
                unmapped.append(row.get("name"))
            continue
        # Shares may sum to less than 1: the part of a row no line made (jitlab's loss sum) stays untraced.
        rest = 1.0 - sum(float(o.get("share") or 0.0) for o in origins)
        if rest > 1e-6:
            unmapped_us += us * rest
            if row.get("name") not in unmapped:
                unmapped.append(row.get("name"))
        for o in origins:
            key = (str(o.get("file")), int(o.get("line") or 0))
            cost = costs.setdefault(key, LineCost(*key))
            part = us * float(o.get("share") or 0.0)
            if row.get("phase") == "bwd":
                cost.bwd_us += part
            else:
                cost.fwd_us += part
            if row["name"] not in cost.kernels:
                cost.kernels.append(row["name"])
    own = _norm(file)
    rows = sorted(costs.values(), key=lambda c: (_norm(c.file) != own, c.file, c.line))
    return LineTable(variant, file, rows, total, unmapped_us, unmapped, k.get("unit") or "kernel",
                     k.get("what") or "", about.get("source") or "recorded source lines",
                     about.get("split") or SPLIT_DEFAULT)


def kernel_lines(row: dict[str, Any], file: str | None) -> list[int]:
    """Lines of ``file`` a kernel row was traced back to."""
    want = _norm(file)
    return sorted({int(o["line"]) for o in row.get("origins") or [] if _norm(o.get("file")) == want})


def origins_text(row: dict[str, Any], file: str | None) -> str:
    """``10, 12`` (lines of ``file``) and ``linear.py:134`` (others): where a kernel row came from."""
    mine = kernel_lines(row, file)
    others = sorted({f"{Path(str(o.get('file'))).name}:{o.get('line')}" for o in row.get("origins") or []
                     if not same_file(o.get("file"), file)})
    return ", ".join([str(n) for n in mine] + others)


def format_us(us: float) -> str:
    """``850 ns``, ``12.3 us``, ``1.25 ms``: short enough for a gutter."""
    if us < 1.0:
        return f"{us * 1000:.0f} ns"
    if us < 1000.0:
        return f"{us:.1f} us" if us < 100 else f"{us:.0f} us"
    return f"{us / 1000:.2f} ms"


def gutter_labels(table: LineTable, file: str | None = None) -> dict[int, str]:
    """Line number -> the time shown beside it."""
    return {n: format_us(c.total_us) for n, c in table.for_file(file).items()}


def tooltips(table: LineTable, file: str | None = None) -> dict[int, str]:
    """Line number -> what its time is made of (forward, backward, the kernels)."""
    out = {}
    for n, c in table.for_file(file).items():
        names = ", ".join(c.kernels[:6]) + (f" and {len(c.kernels) - 6} more" if len(c.kernels) > 6 else "")
        out[n] = (f"line {n}: {format_us(c.total_us)} per iteration (forward {format_us(c.fwd_us)}, backward "
                  f"{format_us(c.bwd_us)}) from {names}")
    return out


def shares(table: LineTable, file: str | None = None) -> dict[int, float]:
    """Line number -> its fraction of the variant's total time (0..1), for bars."""
    if table.total_us <= 0:
        return {}
    return {n: c.total_us / table.total_us for n, c in table.for_file(file).items()}


def render(table: LineTable, source: list[str] | None = None) -> str:
    """The table as text: one row per line, its source beside it when known.

    Parameters
    ----------
    table : LineTable
    source : list of str, optional
        The lines of the module file (``source[0]`` is line 1).
    """
    own = _norm(table.file)
    head = [["line", "fwd", "bwd", "total", "share", "source", "kernels"]]
    body = []
    for c in table.rows:
        where = str(c.line) if _norm(c.file) == own else f"{Path(c.file).name}:{c.line}"
        text = ""
        if _norm(c.file) == own and source and 0 < c.line <= len(source):
            text = source[c.line - 1].strip()
        share = f"{100 * c.total_us / table.total_us:.0f}%" if table.total_us > 0 else "-"
        body.append([where, format_us(c.fwd_us), format_us(c.bwd_us) if c.bwd_us else "-", format_us(c.total_us),
                     share, _fit(text, 40), _fit(", ".join(c.kernels), 60)])
    rows = head + body
    widths = [max(len(r[i]) for r in rows) for i in range(len(head[0]))]
    right = {0, 1, 2, 3, 4}
    out = []
    for r in rows:
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
    what = table.what or f"{table.unit} time per iteration"
    foot = [f"time: {what}; lines from {table.source}",
            f"shared kernels: {table.split}"]
    if table.unmapped:
        names = ", ".join(table.unmapped[:4]) + (", ..." if len(table.unmapped) > 4 else "")
        foot.append(f"not traced to a line: {format_us(table.unmapped_us)} of {format_us(table.total_us)} "
                    f"({len(table.unmapped)} row(s): {names})")
    return "\n".join(out + foot)


def read_source(file: str | None) -> list[str] | None:
    """The module file's lines, or ``None`` where it cannot be read (a session from elsewhere)."""
    if not file:
        return None
    try:
        return Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
    except (OSError, ValueError):
        return None


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
