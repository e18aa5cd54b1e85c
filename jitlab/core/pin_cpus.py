"""The ``--pin-cpus`` grammar, read once: by the settings check in the parent and by the runner that pins.

``auto`` (one idle core for every GPU runner, chosen by the parent), ``none`` (also ``off``, ``no``),
or a core list such as ``2,3`` or ``0-3``. Whether the cores exist is for the runner to check: only
it knows what it may use.
"""

from __future__ import annotations

from typing import Any, Literal

AUTO: Literal["auto"] = "auto"
NONE: Literal["none"] = "none"


class PinSpecError(ValueError):
    """Text that is not a ``--pin-cpus`` value (the message says what is)."""


def normalize(spec: Any) -> str:
    """``auto``, ``none`` or the core list as given (lower case, trimmed).

    Raises
    ------
    PinSpecError
    """
    text = str(spec or NONE).strip().lower()
    if text in ("off", "no"):
        return NONE
    if text not in (AUTO, NONE):
        cores(text, spec)
    return text


def parse(spec: Any) -> Literal["auto", "none"] | list[int]:
    """``"auto"``, ``"none"``, or the sorted cores of a list.

    Raises
    ------
    PinSpecError
    """
    text = normalize(spec)
    if text == AUTO:
        return AUTO
    if text == NONE:
        return NONE
    return cores(text, spec)


def cores(text: str, spec: Any = None) -> list[int]:
    """The cores of a list such as ``2,3`` or ``0-3``, sorted, each once."""
    out: set[int] = set()
    for part in text.split(","):
        bounds = part.strip().split("-", 1)
        if (not part.strip() or not all(b.strip().isdigit() for b in bounds)
                or int(bounds[0]) > int(bounds[-1])):
            raise PinSpecError(f"--pin-cpus {spec if spec is not None else text!r}: use auto, none, or a core "
                               "list such as 2,3 or 0-3")
        out.update(range(int(bounds[0]), int(bounds[-1]) + 1))
    return sorted(out)
