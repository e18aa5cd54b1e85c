"""Text from a session or from user code, made safe to print on a terminal.

A session file (or an exception message from the user's module) can hold
terminal escape sequences: a window title, a screen clear, an OSC 52 write to
the clipboard. Every control character except newline and tab is shown as
a visible escape (``\\x1b``) instead of being sent to the terminal.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_AND_NEWLINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def clean(text: object, keep_newlines: bool = True) -> str:
    """``text`` with control characters made visible (newlines and tabs kept unless told)."""
    s = str(text)
    if keep_newlines:
        return _CONTROL.sub(_escape, s)
    return _CONTROL_AND_NEWLINES.sub(_escape, s)
