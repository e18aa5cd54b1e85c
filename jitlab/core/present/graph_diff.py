"""A line diff of the same text (a graph, an optimized plan, generated code)
from two runs, aligned for side-by-side display (no Qt).

Value numbers (``%123``, ``%h.1``) and source comments (``# gated.py:23:12``) shift with
any edit above them; with ``normalize=True`` lines are compared without
them, so only lines whose operations changed are marked, while the rows
still show the original text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

#: Kinds of a row: unchanged, changed on both sides, only before, only after.
EQUAL, CHANGED, REMOVED, ADDED = "equal", "changed", "removed", "added"

_NUMBERED = re.compile(r"%\d+(?![\w.])")
_SUFFIX = re.compile(r"%([A-Za-z_]\w*?)\.\d+\b")
_SOURCE_COMMENT = re.compile(r"\s*#\s*(?:File:\s*)?\S+\.py:\d+(?::\d+)?.*$|\s*# <string>:\d+:\d+\s*$")
_DEBUG_NUMBER = re.compile(r"\b(prim::\w+?)_\d+\b")


@dataclass
class DiffRow:
    """One aligned row: ``left``/``right`` text (``None`` where that side has no line)
    and 1-based line numbers."""

    kind: str
    left: str | None
    right: str | None
    left_no: int | None
    right_no: int | None


def normalize_line(line: str) -> str:
    """A line without value numbers (``%17`` → ``%_``, ``%h.1`` → ``%h``), source comments
    and subgraph numbers."""
    line = _SOURCE_COMMENT.sub("", line)
    line = _SUFFIX.sub(r"%\1", line)
    line = _NUMBERED.sub("%_", line)
    return _DEBUG_NUMBER.sub(r"\1_#", line).rstrip()


def diff_rows(before: str | None, after: str | None, normalize: bool = False) -> list[DiffRow]:
    """Aligned rows of ``before`` (left) against ``after`` (right)."""
    a = (before or "").split("\n")
    b = (after or "").split("\n")
    ka = [normalize_line(x) for x in a] if normalize else a
    kb = [normalize_line(x) for x in b] if normalize else b
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [DiffRow(EQUAL, a[i], b[j], i + 1, j + 1) for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        left, right = list(range(i1, i2)), list(range(j1, j2))
        for k in range(max(len(left), len(right))):
            i = left[k] if k < len(left) else None
            j = right[k] if k < len(right) else None
            kind = CHANGED if i is not None and j is not None else REMOVED if j is None else ADDED
            rows.append(DiffRow(kind, a[i] if i is not None else None, b[j] if j is not None else None,
                                i + 1 if i is not None else None, j + 1 if j is not None else None))
    return rows


def diff_stats(rows: list[DiffRow]) -> dict[str, int]:
    """How many rows of each kind."""
    out = {EQUAL: 0, CHANGED: 0, REMOVED: 0, ADDED: 0}
    for r in rows:
        out[r.kind] += 1
    return out


def unified(before: str | None, after: str | None, names: tuple[str, str] = ("previous", "current")) -> str:
    """A unified diff (for copying into a bug report)."""
    return "\n".join(difflib.unified_diff((before or "").split("\n"), (after or "").split("\n"),
                                          names[0], names[1], lineterm=""))
