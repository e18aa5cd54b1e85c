"""Size bounds and failure handling shared by the introspection modules.

Introspection reads private compiler APIs that change between torch
releases. Every step runs inside :class:`attempt`, which turns a failure into
a note instead of failing the variant, and every text it records goes
through :func:`clip`, so one huge graph cannot blow up the session file or
the protocol line that carries it.
"""

from __future__ import annotations

import math
from typing import Any

#: Characters kept of one text field (a graph, a code listing, a subgraph): real models' graphs are kept
#: whole (a traced LSTM's optimized forward is 1.4 million characters); this only bounds a runaway text.
TEXT_LIMIT = 20_000_000
#: Fusion groups described per variant (each may compile a kernel again).
GROUP_LIMIT = 64
#: Rows kept in a kernel list (the longest-running first).
KERNEL_LIMIT = 300
#: Dynamo graphs kept as text.
FX_GRAPH_LIMIT = 32
#: Characters kept of one failure message in a note.
MESSAGE_LIMIT = 300


def describe(exc: BaseException) -> str:
    """``Type: first line of the message``, bounded, for a note."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if len(first) > MESSAGE_LIMIT:
        first = first[:MESSAGE_LIMIT] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class attempt:
    """Run a block; on an exception, record a note and carry on.

    Parameters
    ----------
    notes : list of str
        Where the note goes.
    what : str
        What the block records, for the note ("the optimized graph").

    Examples
    --------
    >>> notes = []
    >>> with attempt(notes, "the answer"):
    ...     raise RuntimeError("no luck")
    >>> notes
    ['the answer was not recorded (RuntimeError: no luck)']
    """

    def __init__(self, notes: list[str], what: str) -> None:
        self.notes = notes
        self.what = what
        self.failed = False

    def __enter__(self) -> "attempt":
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        self.failed = True
        self.notes.append(f"{self.what} was not recorded ({describe(exc)})")
        return True


def clip(text: Any, what: str, notes: list[str], limit: int = TEXT_LIMIT) -> str | None:
    """``text`` as a string of at most about ``limit`` characters.

    A longer text is cut, marked at the cut, and a note says so.
    """
    if text is None:
        return None
    text = str(text)
    if len(text) <= limit:
        return text
    notes.append(f"{what} is {len(text):,} characters long; only the first {limit:,} were kept")
    return text[:limit] + f"\n... [{len(text) - limit:,} more characters not kept]\n"


def jsonable(obj: Any) -> Any:
    """A copy of ``obj`` made only of JSON types (str, int, float, bool, None,
    list, dict with str keys); anything else becomes its ``str``."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    return str(obj)
