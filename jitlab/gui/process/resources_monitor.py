"""CPU and resident memory of the runner processes, sampled with psutil."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import psutil
from PySide6.QtCore import QObject, QTimer, Signal

#: Sampling period; text that changes faster than this cannot be read.
SAMPLE_MS = 1000
#: The first sample comes this long after :meth:`ResourceMonitor.start`: half a period out of step
#: with the live statistics (:data:`jitlab.gui.live.live_stats.PERIOD_MS`, started with the run), so
#: the two never take the GUI thread in the same turn of the event loop.
PHASE_MS = SAMPLE_MS // 2


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
        self._phase = QTimer(self)
        self._phase.setSingleShot(True)
        self._phase.setInterval(PHASE_MS)
        self._phase.timeout.connect(self._begin)

    def start(self) -> None:
        self._phase.start()

    def stop(self) -> None:
        self._phase.stop()
        self._timer.stop()
        self._procs.clear()

    def _begin(self) -> None:
        self.sample()
        self._timer.start()

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
        return [root] + [p for p in (self._proc(c) for c in descendants(pid)) if p is not None]

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


def descendants(pid: int) -> list[int]:
    """Pids of every process below ``pid``.

    Linux lists each thread's children in ``/proc/<pid>/task/<tid>/children``: a few small reads,
    where :meth:`psutil.Process.children` reads the status of every process on the machine (5-10 ms
    a second in the GUI thread, more on a machine running many). Elsewhere, or on a kernel without
    those files, psutil's way.
    """
    if not Path(f"/proc/{pid}/task").is_dir():
        return _psutil_descendants(pid)
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        kids = _proc_children(parent)
        if kids is None:
            return _psutil_descendants(pid)
        new = [k for k in kids if k not in found and k != pid]
        found += new
        todo += new
    return found


def _proc_children(pid: int) -> list[int] | None:
    """Children of ``pid`` from ``/proc`` (``[]`` when it is gone; ``None``: this kernel has no such files)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    kids: list[int] = []
    for task in tasks:
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except FileNotFoundError:
            if task.exists():
                return None  # the task is there but not the file: CONFIG_PROC_CHILDREN is off
        except (OSError, ValueError):
            continue
    return kids


def _psutil_descendants(pid: int) -> list[int]:
    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []
