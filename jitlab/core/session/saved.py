"""The sessions saved in a folder (the app saves each run's there), newest first.

Reading a session means parsing its JSON, so entries are cached by path,
size and modification time; a folder of a few hundred runs rescans quickly.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from jitlab.core.present.history import RunEntry, entry_from_session
from jitlab.core.session.store import SessionError, load


def read_entry(path: str | os.PathLike) -> RunEntry:
    """The entry of one session file (an unreadable file gives an entry with ``error``)."""
    p = Path(path)
    try:
        return entry_from_session(load(p), p)
    except (SessionError, OSError, ValueError, KeyError, TypeError) as exc:
        mtime = datetime.fromtimestamp(p.stat().st_mtime) if p.exists() else None
        return RunEntry(path=p, created=mtime, file=p.name, error=str(exc) or type(exc).__name__)


class RunHistory:
    """The session files of a folder, newest first, with a parse cache.

    Parameters
    ----------
    folder : str or Path
        The app's is :func:`jitlab.gui.common.paths.sessions_dir`.
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self._cache: dict[Path, tuple[tuple[int, float], RunEntry]] = {}

    def scan(self) -> list[RunEntry]:
        """Every ``*.json`` session in the folder, newest first."""
        entries = []
        seen = set()
        paths = sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []
        for p in paths:
            try:
                st = p.stat()
            except OSError:
                continue
            key = (st.st_size, st.st_mtime)
            seen.add(p)
            cached = self._cache.get(p)
            if cached is None or cached[0] != key:
                cached = (key, read_entry(p))
                self._cache[p] = cached
            entries.append(cached[1])
        for p in list(self._cache):
            if p not in seen:
                del self._cache[p]
        entries.sort(key=lambda e: (e.created.timestamp() if e.created else 0.0, str(e.path)), reverse=True)
        return entries

    def remember(self, path: str | os.PathLike, session: dict[str, Any]) -> None:
        """Take the entry of a session this process has just saved from memory, not from the file.

        Re-reading a long run's session (tens of MB of iterations) took ~100 ms in the GUI thread
        right after every run.
        """
        p = Path(path)
        try:
            st = p.stat()
        except OSError:
            return
        try:
            entry = entry_from_session(session, p)
        except (KeyError, TypeError, ValueError, AttributeError):
            return  # read from the file at the next scan, which reports what is wrong with it
        self._cache[p] = ((st.st_size, st.st_mtime), entry)

    def delete(self, path: str | os.PathLike) -> None:
        """Delete one saved run (and forget it)."""
        p = Path(path)
        p.unlink(missing_ok=True)
        self._cache.pop(p, None)

    def previous_of(self, session: dict[str, Any]) -> RunEntry | None:
        """The newest saved run of the same file and target that is older than ``session``
        (one on the same device if there is one)."""
        me = entry_from_session(session, "")
        older = [e for e in self.scan() if not e.error and e.file == me.file and e.target == me.target
                 and e.created and me.created and e.created < me.created]
        return next((e for e in older if e.device == me.device), older[0] if older else None)
