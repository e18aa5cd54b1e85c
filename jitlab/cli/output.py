"""Where ``jitlab run`` writes its session, checked before anything is measured.

A run can take an hour; a path that cannot be written must be refused at
once (exit 2), not discovered after the last variant. If the final write
still fails (the disk filled up meanwhile, the folder went away), the
session goes to a fallback location and the user is told where.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from jitlab.core.session import store as S

#: Bytes written (and synced) to a probe file: enough for a full disk to say so.
PROBE_BYTES = 4096


class OutputError(OSError):
    """The session file cannot be written where asked (the message says why)."""


def check_writable(path: Path) -> None:
    """Check that a session can be written to ``path`` (creating its folders).

    Raises
    ------
    OutputError
        Naming the path and what is wrong with it.
    """
    if path.is_dir():
        raise OutputError(f"--out {path}: is a directory; give a file name such as {path / 'session.json'}")
    if path.exists() and not path.is_file():
        raise OutputError(f"--out {path}: is not a regular file")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"--out {path}: {ancestor} is not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"--out {path}: cannot write in {path.parent} ({exc.strerror or exc})") from None
    try:
        os.write(fd, b" " * PROBE_BYTES)
        os.fsync(fd)
    except OSError as exc:
        raise OutputError(f"--out {path}: cannot write in {path.parent} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
        Path(probe).unlink(missing_ok=True)


def save_new(session: dict[str, Any], path: Path) -> Path:
    """Write ``session`` to ``path``, or to ``path-2``, ``path-3`` ... : never over an existing file.

    Two runs started in the same second get the same default name; each
    claims its own file atomically (a hard link that fails if the name exists).
    """
    k = 1
    while True:
        candidate = path if k == 1 else path.with_name(f"{path.stem}-{k}{path.suffix}")
        try:
            return S.save(session, candidate, overwrite=False)
        except FileExistsError:
            k += 1


def fallback_folders() -> list[Path]:
    """Where a session goes when its own path fails: the current folder, home, the temporary folder."""
    return [Path.cwd(), Path.home(), Path(tempfile.gettempdir())]


def write_session(session: dict[str, Any], out: Path, exclusive: bool, stem: str) -> tuple[Path | None, str]:
    """Write the session to ``out`` or, failing that, to a fallback.

    Returns
    -------
    (path, failure)
        Where it was written (``None`` if nowhere) and why ``out`` failed
        (empty when it did not).
    """
    try:
        return (save_new(session, out) if exclusive else S.save(session, out)), ""
    except (OSError, ValueError, TypeError) as exc:
        failure = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    from datetime import datetime

    name = f"jitlab-session-{stem}-{datetime.now():%Y%m%d-%H%M%S}.json"
    for folder in fallback_folders():
        if folder.resolve() == out.parent.resolve() and not exclusive:
            continue
        try:
            return save_new(session, folder / name), failure
        except (OSError, ValueError, TypeError):
            continue
    return None, failure
