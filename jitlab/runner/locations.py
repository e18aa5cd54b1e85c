"""Where in the user's code an exception points: the one finder of the loader and the error messages."""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path

#: A location as Python and TorchScript write it into a message: ``File "/x/layer.py", line 12``.
_FILE_LINE = re.compile(r'File "([^"]+)", line (\d+)')


def user_location(exc: BaseException, user_file: Path) -> tuple[str, int] | None:
    """The user's file and line for an exception, or ``None``.

    In order: a location in the user's file that the message names (TorchScript's compile errors
    carry it in their text, not in their traceback); the innermost traceback frame in the file;
    the innermost one in its folder (a sibling module it imports), not in an installed package
    below it; the first location the message names.
    """
    user = str(user_file)
    hits = [(f, int(n)) for f, n in _FILE_LINE.findall(str(exc))]
    for f, n in hits:
        if f == user:
            return f, n
    frames = traceback.extract_tb(exc.__traceback__)
    for fr in reversed(frames):
        if fr.filename == user:
            return fr.filename, fr.lineno or 0
    folder = str(user_file.parent) + os.sep
    for fr in reversed(frames):
        if fr.filename.startswith(folder) and "site-packages" not in fr.filename:
            return fr.filename, fr.lineno or 0
    return hits[0] if hits else None
