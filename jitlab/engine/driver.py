"""Run a session's runner processes with ``subprocess`` (the CLI's driver)."""

from __future__ import annotations

import collections
import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from jitlab.core import protocol as P
from jitlab.core.conductor import Conductor
from jitlab.core.watchdog import Watchdog
from jitlab.engine import hangs
from jitlab.engine.launch import runner_command, runner_env

STDERR_TAIL_LINES = 30


@dataclass
class _Proc:
    variant: str
    popen: subprocess.Popen
    lines: P.LineBuffer = field(default_factory=P.LineBuffer)
    err_lines: P.LineBuffer = field(default_factory=P.LineBuffer)
    stderr_tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=STDERR_TAIL_LINES))
    stdout_open: bool = True
    stderr_open: bool = True
    killed: bool = False
    exited: bool = False


class RunnerStartError(RuntimeError):
    """The runner interpreter could not be started at all."""


def start_runner(python: str | None = None) -> subprocess.Popen:
    """A runner process with pipes on all three streams, in its own process group."""
    cmd = runner_command(python)
    try:
        return subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=runner_env(), bufsize=0, start_new_session=True,
        )
    except OSError as exc:
        raise RunnerStartError(
            f"cannot start the runner interpreter {cmd[0]}: {exc.strerror or exc}; "
            "pass --python or set JITLAB_PYTHON to a Python that has torch"
        ) from None


#: Seconds a stopped runner has to send its last block and exit before it is killed.
STOP_GRACE_S = 3.0


def terminate(pid: int) -> None:
    """Ask a runner to stop (SIGTERM): it sends what its current block measured, then exits."""
    try:
        os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def kill(popen: subprocess.Popen) -> None:
    """Kill a runner and anything it started."""
    try:
        os.killpg(popen.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            popen.kill()
        except ProcessLookupError:
            pass


class ProcessDriver:
    """Start one runner per variant and relay between them and the conductor.

    Parameters
    ----------
    conductor : Conductor
    python : str, optional
        Interpreter for the runners.
    on_stderr : callable, optional
        Called with ``(variant, line)`` for each line a runner writes to stderr.
    """

    def __init__(self, conductor: Conductor, python: str | None = None,
                 on_stderr: Callable[[str, str], None] | None = None) -> None:
        self.conductor = conductor
        self.python = python
        self.on_stderr = on_stderr or (lambda v, line: None)
        self.procs: dict[str, _Proc] = {}
        self._kill_after: dict[str, float] = {}
        self._sel = selectors.DefaultSelector()
        self.watchdog = Watchdog(conductor)

    def run(self) -> dict[str, Any]:
        """Run to the end (or until interrupted) and return the session."""
        for v in self.conductor.order:
            p = _Proc(v, start_runner(self.python))
            self.procs[v] = p
            self._sel.register(p.popen.stdout, selectors.EVENT_READ, (p, "out"))
            self._sel.register(p.popen.stderr, selectors.EVENT_READ, (p, "err"))
        try:
            self._send_all(self.conductor.start())
            while not self.conductor.finished:
                self._pump(0.05)
        except KeyboardInterrupt:
            self.stop()
            deadline = time.monotonic() + 5
            while not self.conductor.finished and time.monotonic() < deadline:
                self._pump(0.05)
        finally:
            for p in self.procs.values():
                if p.popen.poll() is None:
                    kill(p.popen)
                p.popen.wait()
                for stream in (p.popen.stdin, p.popen.stdout, p.popen.stderr):
                    try:
                        stream.close()
                    except OSError:
                        pass
            self._sel.close()
        return self.conductor.session

    def stop(self) -> None:
        """Stop the run now, keeping what was measured (a timed block ends after its current iteration)."""
        for v in self.conductor.stop():
            self._terminate(v)

    def _terminate(self, variant: str) -> None:
        p = self.procs.get(variant)
        if p and not p.killed and p.popen.poll() is None and variant not in self._kill_after:
            terminate(p.popen.pid)
            self._kill_after[variant] = time.monotonic() + STOP_GRACE_S

    # ---- private

    def _pump(self, timeout: float) -> None:
        now = time.monotonic()
        for v, deadline in list(self._kill_after.items()):
            if now >= deadline:
                del self._kill_after[v]
                self._kill(v)
        for key, _ in self._sel.select(timeout):
            p, which = key.data
            try:
                chunk = os.read(key.fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._sel.unregister(key.fileobj)
                if which == "out":
                    p.stdout_open = False
                else:
                    p.stderr_open = False
                continue
            if which == "out":
                self._on_stdout(p, chunk)
            else:
                for line in p.err_lines.feed(chunk):
                    text = line.decode("utf-8", errors="replace")
                    p.stderr_tail.append(text)
                    self.on_stderr(p.variant, text)
        for v in self.conductor.check_timeouts():
            self._terminate(v)  # a step stuck in C code ignores it: killed after the grace period
        self._watch_hangs()
        for p in self.procs.values():
            if not p.exited and not p.stdout_open and p.popen.poll() is not None:
                p.exited = True
                if p.stderr_open:  # drain what is left of stderr for the message
                    self._drain_stderr(p)
                code = p.popen.returncode
                sig = -code if code is not None and code < 0 else None
                self._send_all(self.conductor.on_exit(p.variant, None if sig else code, sig, "\n".join(p.stderr_tail)))

    def _watch_hangs(self) -> None:
        """Ask a runner that stopped making progress for its stack; then report it and kill it."""
        ask, stop = self.watchdog.check()
        for v in ask:
            hangs.request_stack(self.procs[v].popen.pid)
        for v in stop:
            self.watchdog.report(v, hangs.read_stack(self.procs[v].popen.pid))
            self._kill(v)

    def _drain_stderr(self, p: _Proc) -> None:
        try:
            rest = p.popen.stderr.read() or b""
        except (OSError, ValueError):
            rest = b""
        for line in p.err_lines.feed(rest + b"\n"):
            p.stderr_tail.append(line.decode("utf-8", errors="replace"))
        try:
            self._sel.unregister(p.popen.stderr)
        except (KeyError, ValueError):
            pass
        p.stderr_open = False

    def _on_stdout(self, p: _Proc, chunk: bytes) -> None:
        for line in p.lines.feed(chunk):
            try:
                msg = P.decode(line)
            except P.ProtocolError as exc:
                self._send_all(self.conductor.on_message(p.variant, {
                    "t": P.ERROR, "phase": "run", "kind": "protocol",
                    "message": f"the runner wrote something that is not a protocol message: {exc}",
                }))
                self._kill(p.variant)
                return
            self._send_all(self.conductor.on_message(p.variant, msg))

    def _send_all(self, commands: list) -> None:
        for variant, cmd in commands:
            p = self.procs[variant]
            try:
                p.popen.stdin.write(P.encode(cmd))
                p.popen.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # its exit is reported through on_exit

    def _kill(self, variant: str) -> None:
        p = self.procs.get(variant)
        if p and not p.killed:
            p.killed = True
            kill(p.popen)


def ask_runner(command: dict[str, Any], expect: str, python: str | None = None, timeout: float = 120.0) -> dict:
    """Start a runner, send one command, and return the reply of type ``expect``.

    Raises
    ------
    RuntimeError
        With the runner's message if it reports an error or dies.
    """
    popen = start_runner(python)
    try:
        out, err = popen.communicate(P.encode(command) + P.encode({"cmd": P.CMD_FINISH}), timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(popen)
        popen.communicate()
        raise RuntimeError(f"the runner did not answer {command['cmd']!r} within {timeout:g} s") from None
    for line in out.splitlines():
        if not line.strip():
            continue
        msg = P.decode(line)
        if msg.get("t") == expect:
            return msg
        if msg.get("t") == P.ERROR:
            raise RuntimeError(msg.get("message", "runner error"))
    tail = err.decode("utf-8", errors="replace").strip().splitlines()[-15:]
    raise RuntimeError(f"the runner ({runner_command(python)[0]}) gave no answer; exit code {popen.returncode}.\n"
                       + "\n".join(tail))
