"""Dynamo's failed guards in plain words.

Dynamo explains a recompile with the guard that failed, written as Python over
its sources: ``L['self'].scale == 1`` (torch 2.11),
``s.scale == 1  # return x * s.scale  # layer.py:9 in forward`` (2.13, with
the user's own names), ``tensor 'L['x']' size mismatch at index 0. expected 4,
actual 8``. :func:`describe` turns the first failure into a sentence such as
"`self.scale` changed from 1 to 2"; the runner supplies the new value, which
it reads from the live module (see :mod:`jitlab.runner.recompiles`).
"""

from __future__ import annotations

import re
from typing import Any, Callable

_COMPILE_ID = re.compile(r"^\s*\[?\d+/\d+\]?:\s*")
#: ``L['x']`` / ``G['x']`` roots, ``._modules['lin']`` and friends as plain attributes.
_ROOT = re.compile(r"\b[LG]\['([^']+)'\]")
_CONTAINER = re.compile(r"\.(?:_modules|_parameters|_buffers|__dict__)\['([^']+)'\]")
_SUBJECT = r"([A-Za-z_][\w.]*(?:\[[^\]]+\][\w.]*)*)"
_EQ = re.compile(rf"^{_SUBJECT}\s*==\s*(.+)$")
_NE = re.compile(rf"^{_SUBJECT}\s*!=\s*(.+)$")
_LEN = re.compile(rf"^len\({_SUBJECT}\)\s*==\s*(\d+)$")
_OBJ_ID = re.compile(rf"^(?:___check_obj_id|id)\(\s*{_SUBJECT}\s*(?:,\s*\d+)?\)(?:\s*==\s*\d+)?$")
_TYPE_ID = re.compile(rf"^(?:___check_type_id\(\s*{_SUBJECT}\s*,\s*\d+\)|id\(type\({_SUBJECT}\)\)\s*==\s*\d+)$")
_TENSOR = re.compile(r"^tensor '(.+?)' (.+)$")
_SIZE = re.compile(r"(size|stride) mismatch at index (\d+)\. expected (\S+), actual (\S+)")
_BOOL = re.compile(rf"^(not\s+)?{_SUBJECT}$")


def first_failure(reason: str | None) -> str:
    """The first failed guard of a recompile reason, without compile id, comment, hint or stack."""
    if not reason:
        return ""
    line = next((ln for ln in str(reason).splitlines() if ln.strip()), "")
    line = _COMPILE_ID.sub("", line)
    line = re.split(r"\s+#\s", line, maxsplit=1)[0]  # 2.13 appends "# source line  # file:line"
    line = line.split(" (HINT:", 1)[0]
    return line.strip()


def plain_subject(expr: str, self_name: str | None = None) -> str:
    """``L['self']._modules['lin'].bias`` -> ``self.lin.bias``; the forward's own name for ``self`` too."""
    text = _ROOT.sub(r"\1", expr)
    text = _CONTAINER.sub(r".\1", text)
    if self_name and self_name != "self":
        text = re.sub(rf"^{re.escape(self_name)}\b", "self", text)
    return text.strip()


def describe(reason: str | None, read: Callable[[str], Any] | None = None,
             self_name: str | None = None) -> dict[str, Any]:
    """A failed guard as ``{text, subject, kind, expected, now, guard}``.

    Parameters
    ----------
    reason : str
        Dynamo's recompile reason (``CompilationMetrics.recompile_reason``).
    read : callable, optional
        ``read(subject)`` -> the subject's value now (raises when it cannot be read).
    self_name : str, optional
        The name the module's ``forward`` gives its ``self`` (2.13 reasons use it).
    """
    guard = first_failure(reason)
    out: dict[str, Any] = {"text": None, "subject": None, "kind": "other", "expected": None, "now": None,
                           "guard": guard}
    if not guard:
        out["text"] = "reason not recorded by this torch"
        return out

    plain = plain_subject(guard, self_name)

    def now(subject: str) -> Any:
        if read is None:
            return None
        try:
            return read(subject)
        except Exception:  # noqa: BLE001 - a value that cannot be read is left out of the sentence
            return None

    m = _TENSOR.match(plain)
    if m:
        name = m.group(1).strip("'")
        rest = m.group(2)
        size = _SIZE.search(rest)
        out.update(subject=name, kind="tensor")
        if size:
            what, index, expected, actual = size.groups()
            out.update(kind=what, expected=expected, now=actual)
            out["text"] = f"`{name}` changed {what}: dimension {index} was {expected}, now {actual}"
        else:
            out["text"] = f"`{name}`: {rest}"
        return out
    m = _LEN.match(plain)
    if m:
        value = now(m.group(1))
        return _was(out, "length", m.group(1), m.group(2), len(value) if hasattr(value, "__len__") else None)
    m = _TYPE_ID.match(plain)
    if m:
        name = m.group(1) or m.group(2)
        value = now(name)
        out.update(subject=name, kind="type", now=None if value is None else type(value).__name__)
        out["text"] = f"`{name}` changed type" + (f" (now {type(value).__name__})" if value is not None else "")
        return out
    m = _OBJ_ID.match(plain)
    if m:
        name = m.group(1)
        out.update(subject=name, kind="identity")
        out["text"] = f"`{name}` is a different object than at compile time"
        return out
    for pattern, negated in ((_EQ, False), (_NE, True)):
        m = pattern.match(plain)
        if m:
            name, expected = m.group(1), m.group(2).strip()
            _was(out, "value", name, expected, _short(now(name)))
            if negated:  # the guard held that it was not ``expected``: it now is
                out["text"] = f"`{name}` became {expected}"
            return out
    m = _BOOL.match(plain)
    if m:
        name = m.group(2)
        out.update(subject=name, kind="truth")
        out["text"] = f"`{name}` became {'true' if m.group(1) else 'false'}"
        return out
    out["text"] = plain
    return out


def _was(out: dict[str, Any], kind: str, name: str, expected: str, current: Any) -> dict[str, Any]:
    """``out`` for a guard that held ``name``'s ``kind`` (``value`` or ``length``) at ``expected``;
    ``current`` is what it is now (``None``: it could not be read)."""
    out.update(subject=name, kind=kind, expected=expected, now=current)
    what = "" if kind == "value" else f"{kind} "
    if current is not None:
        out["text"] = f"`{name}` changed {what}from {expected} to {current}"
    else:
        out["text"] = f"`{name}` no longer has {what}{expected}" if what else f"`{name}` is no longer {expected}"
    return out


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
