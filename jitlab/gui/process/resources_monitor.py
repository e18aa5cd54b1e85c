"""CPU and resident memory of the runner processes, sampled with psutil."""

from __future__ import annotations

from typing import Callable

import psutil
from PySide6.QtCore import QObject, QTimer, Signal

#: Sampling period; text that changes faster than this cannot be read.
SAMPLE_MS = 1000


class ResourceMonitor(QObject):
    """Poll the runners' CPU % and RSS (each with its child processes).

    Parameters
    ----------
    pids : callable
        Returns ``{variant: pid}`` of the runners to sample now.
    parent : QObject, optional
    """

    sig_sampled = Signal(object)
    """``{variant: {"cpu_percent": float, "rss_bytes": int, "processes": int}}``."""

    def __init__(self, pids: Callable[[], dict[str, int]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pids = pids
        self._procs: dict[int, psutil.Process] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(SAMPLE_MS)
        self._timer.timeout.connect(self.sample)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._procs.clear()

    def sample(self) -> dict[str, dict]:
        """Take one sample now and emit it."""
        out: dict[str, dict] = {}
        seen: set[int] = set()
        for variant, pid in self._pids().items():
            cpu, rss, count = 0.0, 0, 0
            for proc in self._family(pid):
                seen.add(proc.pid)
                try:
                    with proc.oneshot():
                        cpu += proc.cpu_percent(interval=None)
                        rss += proc.memory_info().rss
                    count += 1
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
            if count:
                out[variant] = {"cpu_percent": cpu, "rss_bytes": rss, "processes": count}
        for pid in list(self._procs):
            if pid not in seen:
                del self._procs[pid]
        self.sig_sampled.emit(out)
        return out

    def _family(self, pid: int) -> list[psutil.Process]:
        root = self._proc(pid)
        if root is None:
            return []
        try:
            children = root.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            children = []
        return [root] + [p for p in (self._proc(c.pid) for c in children) if p is not None]

    def _proc(self, pid: int) -> psutil.Process | None:
        # Keep Process objects: cpu_percent(None) measures since the previous call on the same object.
        proc = self._procs.get(pid)
        if proc is None:
            try:
                proc = self._procs[pid] = psutil.Process(pid)
                proc.cpu_percent(interval=None)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                return None
        return proc
