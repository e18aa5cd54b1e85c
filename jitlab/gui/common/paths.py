"""Where the app keeps its preferences (QSettings) and its auto-saved runs.

``JITLAB_CONFIG_DIR`` and ``JITLAB_DATA_DIR`` override both places (tests use
them to isolate each run); otherwise Qt's standard locations are used.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, QStandardPaths

ORGANIZATION = "jitlab"
APPLICATION = "jitlab"
CONFIG_ENV = "JITLAB_CONFIG_DIR"
DATA_ENV = "JITLAB_DATA_DIR"
MAX_RECENT = 10


def set_application_names() -> None:
    """Name the organisation and application (QSettings and QStandardPaths use them)."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)


def data_dir() -> Path:
    """The user's data folder for jitlab (``QStandardPaths.AppDataLocation``)."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override)
    loc = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(loc or Path.home() / ".local" / "share" / APPLICATION)


def sessions_dir() -> Path:
    """Folder of the automatically saved runs."""
    return data_dir() / "sessions"


def autosave_path(file: str | None, when: datetime | None = None) -> Path:
    """A fresh, not yet existing path for an auto-saved session."""
    when = when or datetime.now()
    stem = Path(file).stem if file else "session"
    base = sessions_dir() / f"{when:%Y%m%d-%H%M%S}-{stem}"
    path = base.with_suffix(".json")
    k = 2
    while path.exists():
        path = Path(f"{base}-{k}.json")
        k += 1
    return path


class Preferences:
    """Typed access to the persisted preferences.

    Parameters
    ----------
    path : str or Path, optional
        An INI file to use instead of the default location.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        override = os.environ.get(CONFIG_ENV)
        if path is None and override:
            path = Path(override) / "jitlab.ini"
        if path is not None:
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self.qsettings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                       ORGANIZATION, APPLICATION)

    # ---- plain values

    def get(self, key: str, default: Any = None, kind: type | None = None) -> Any:
        value = self.qsettings.value(key, default)
        if value is None or kind is None:
            return value
        try:
            if kind is bool:
                return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            if kind is list:
                return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)] if value else []
            return kind(value)
        except (TypeError, ValueError):
            return default

    def set(self, key: str, value: Any) -> None:
        self.qsettings.setValue(key, value)

    def get_bytes(self, key: str) -> QByteArray | None:
        value = self.qsettings.value(key)
        return value if isinstance(value, QByteArray) else None

    def sync(self) -> None:
        self.qsettings.sync()

    # ---- recent files

    def recent_files(self) -> list[str]:
        return [p for p in self.get("recent", [], list) if p]

    def add_recent(self, path: str | os.PathLike) -> list[str]:
        """Put ``path`` first in the recent list and return the list."""
        p = str(Path(path).resolve())
        files = [p] + [f for f in self.recent_files() if f != p]
        files = files[:MAX_RECENT]
        self.set("recent", files)
        return files

    def clear_recent(self) -> None:
        self.set("recent", [])
