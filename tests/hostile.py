"""Hostile module files, written by each test into its own folder.

``module(tmp_path, hook=..., load=...)`` writes a module whose forward calls
``hook`` with its call count in the variant named by ``$HOSTILE_VARIANT``
(default ``script``) and whose ``target()`` first runs ``load``.
"""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

TEMPLATE = '''\
import gc, json, os, signal, subprocess, sys, time
import torch
import torch.nn as nn


def _mine() -> bool:
    return os.environ.get("JITLAB_VARIANT") == os.environ.get("HOSTILE_VARIANT", "script")


def _channel():
    from jitlab.runner.channel import Channel
    return next(o for o in gc.get_objects() if isinstance(o, Channel))


@torch.jit.ignore
def _hook(n: int) -> None:
    if not _mine():
        return
{hook}


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        _hook(self.calls)
        return self.lin(x)


def target():
{load}
    return M(), torch.randn(2, 8)
'''


def module(folder: Path, hook: str = "pass", load: str = "pass", name: str = "hostile.py") -> Path:
    """Write a hostile module into ``folder`` and return its path."""
    path = folder / name
    path.write_text(TEMPLATE.format(hook=textwrap.indent(textwrap.dedent(hook).strip(), "    "),
                                    load=textwrap.indent(textwrap.dedent(load).strip(), "    ")))
    return path


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live (not zombie) process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids: list[int], timeout: float = 20.0) -> list[int]:
    """Wait until none of ``pids`` is alive; returns those still alive at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.2)
    return [p for p in pids if alive(p)]


def describe(pids: list[int]) -> str:
    """What each of ``pids`` is (command line, state, parent), to say which process was left behind."""
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open(f"/proc/{pid}/status") as fh:
                status = {k: v.strip() for k, _, v in (line.partition(":") for line in fh)}
            out.append(f"{pid} [{status.get('State')}, ppid {status.get('PPid')}, "
                       f"signals caught {status.get('SigCgt')}, blocked {status.get('SigBlk')}] {cmd[:200]}")
        except OSError as exc:
            out.append(f"{pid} ({exc})")
    return "; ".join(out)


def wait_file(path: Path, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            time.sleep(0.05)
            return path.read_text()
        time.sleep(0.1)
    raise AssertionError(f"{path} never appeared")


def kill_all(pids: list[int]) -> None:
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
