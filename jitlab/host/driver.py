"""Run a session's runner processes with ``subprocess`` (the CLI's driver)."""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from jitlab.core import protocol as P
from jitlab.core.run.conductor import Conductor
from jitlab.core.run.watchdog import Watchdog
from jitlab.host import hangs, link, stop_signals
from jitlab.host.launch import runner_command, runner_env
from jitlab.host.link import STDERR_TAIL_LINES, STOP_GRACE_S, RunnerLink  # noqa: F401 - re-exported


@dataclass
class _Proc:
    variant: str
    popen: subprocess.Popen
    link: RunnerLink = field(default_factory=RunnerLink)
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


def kill(popen: subprocess.Popen) -> None:
    """Kill a runner and anything it started."""
    link.kill(popen.pid, popen.kill)


#: After a stop, the run is given up (runners killed) once this many more seconds have passed.
STOP_DEADLINE_S = STOP_GRACE_S + 2.0
#: This many stop signals kill the runners at once (the last block of each is lost).
IMPATIENT_SIGNALS = 3


class ProcessDriver:
    """Start one runner per variant and relay between them and the conductor.

    While :meth:`run` runs in the main thread, SIGINT, SIGTERM and SIGHUP
    stop the run politely and :meth:`run` returns the session with what was
    measured; a third such signal kills the runners at once.

    Parameters
    ----------
    conductor : Conductor
    python : str, optional
        Interpreter for the runners.
    on_stderr : callable, optional
        Called with ``(variant, line)`` for each line a runner writes to stderr.
    on_signal : callable, optional
        Called with the signal number of each stop signal received.
    """

    def __init__(self, conductor: Conductor, python: str | None = None,
                 on_stderr: Callable[[str, str], None] | None = None,
                 on_signal: Callable[[int], None] | None = None) -> None:
        self.conductor = conductor
        self.python = python
        self.on_stderr = on_stderr or (lambda v, line: None)
        self.on_signal = on_signal or (lambda signum: None)
        self.procs: dict[str, _Proc] = {}
        self.signals: list[int] = []
        self._signals_seen = 0
        self._kill_after: dict[str, float] = {}
        self._stop_deadline: float | None = None
        self._sel = selectors.DefaultSelector()
        self.watchdog = Watchdog(conductor)

    @property
    def never_ready(self) -> bool:
        """No runner ever said ``ready``: the interpreter is not one that can run jitlab's runner."""
        return bool(self.procs) and all(p.link.ready is None for p in self.procs.values())

    def run(self) -> dict[str, Any]:
        """Run to the end (or until stopped by a signal) and return the session."""
        previous = stop_signals.install(self._on_signal)
        try:
            for v in self.conductor.order:
                p = _Proc(v, start_runner(self.python))
                self.procs[v] = p
                self._sel.register(p.popen.stdout, selectors.EVENT_READ, (p, "out"))
                self._sel.register(p.popen.stderr, selectors.EVENT_READ, (p, "err"))
            self._send_all(self.conductor.start())
            while not self.conductor.finished:
                self._obey_signals()
                if self._stop_deadline is not None and time.monotonic() > self._stop_deadline:
                    break
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
            stop_signals.restore(previous)
        return self.conductor.session

    def stop(self) -> None:
        """Stop the run now, keeping what was measured (a timed block ends after its current iteration)."""
        for v in self.conductor.stop():
            self._terminate(v)
        if self._stop_deadline is None:
            self._stop_deadline = time.monotonic() + STOP_DEADLINE_S

    def _terminate(self, variant: str) -> None:
        p = self.procs.get(variant)
        if p and not p.killed and p.popen.poll() is None and variant not in self._kill_after:
            self._kill_after[variant] = time.monotonic() + link.stop(p.popen.pid)

    # ---- signals

    def _on_signal(self, signum: int, frame: Any) -> None:
        # Only note it: the loop acts on it between two steps, so no step is cut in half
        # (a KeyboardInterrupt could land inside the conductor and lose the session).
        self.signals.append(signum)

    def _obey_signals(self) -> None:
        if not self.signals:
            return
        for signum in self.signals[self._signals_seen:]:
            self.on_signal(signum)
        self._signals_seen = len(self.signals)
        if not self.conductor.stopping:
            self.stop()
        if len(self.signals) >= IMPATIENT_SIGNALS:
            for v in list(self.procs):
                self._kill(v)

    # ---- private

    def _pump(self, timeout: float) -> None:
        now = time.monotonic()
        for v, deadline in list(self._kill_after.items()):
            if now >= deadline:
                del self._kill_after[v]
                self._kill(v)
        for key, _ in self._sel.select(timeout):
            p, which = key.data
            self._read(p, which, key.fileobj)
        for v in self.conductor.check_timeouts():
            self._terminate(v)  # a step stuck in C code ignores it: killed after the grace period
        self._obey_conductor()
        self._watch_hangs()
        for p in self.procs.values():
            if not p.exited and self._has_exited(p):
                self._on_exited(p)

    def _watch_hangs(self) -> None:
        """Ask a runner that stopped making progress for its stack; then report it and kill it."""
        ask, stop = self.watchdog.check()
        for v in ask:
            hangs.request_stack(self.procs[v].popen.pid)
        for v in stop:
            self.watchdog.report(v, hangs.read_stack(self.procs[v].popen.pid))
            self._kill(v)

    def _read(self, p: _Proc, which: str, stream: Any) -> bool:
        """Read what one pipe has; returns whether anything came."""
        try:
            chunk = os.read(stream.fileno(), 1 << 16)
        except BlockingIOError:
            return False
        except (OSError, ValueError):
            chunk = b""
        if not chunk:
            try:
                self._sel.unregister(stream)
            except (KeyError, ValueError):
                pass
            if which == "out":
                p.stdout_open = False
                self._feed_events(p, p.link.end_stdout())
            else:
                p.stderr_open = False
                for text in p.link.end_stderr():
                    self.on_stderr(p.variant, text)
            return False
        if which == "out":
            self._feed_events(p, p.link.feed_stdout(chunk))
        else:
            for text in p.link.feed_stderr(chunk):
                self.on_stderr(p.variant, text)
        return True

    def _has_exited(self, p: _Proc) -> bool:
        """Known by the runner's pid, not by the end of its pipes: a child it started may hold them."""
        unreaped = link.exited_without_reaping(p.popen.pid)
        if unreaped is None:
            return p.popen.poll() is not None
        return unreaped

    def _on_exited(self, p: _Proc) -> None:
        p.exited = True
        # What it started ends with it (and lets go of the pipes, so the reading below is finite).
        link.kill_group(p.popen.pid)
        # Whatever it wrote before exiting is in the pipes: read it without waiting for their end.
        for which, stream in (("out", p.popen.stdout), ("err", p.popen.stderr)):
            if (p.stdout_open if which == "out" else p.stderr_open):
                os.set_blocking(stream.fileno(), False)
                while self._read(p, which, stream):
                    pass
        p.popen.wait()
        for which, stream in (("out", p.popen.stdout), ("err", p.popen.stderr)):
            if (p.stdout_open if which == "out" else p.stderr_open):
                try:
                    self._sel.unregister(stream)
                except (KeyError, ValueError):
                    pass
        self._feed_events(p, p.link.ended())
        p.stdout_open = p.stderr_open = False
        code = p.popen.returncode
        sig = -code if code is not None and code < 0 else None
        self._send_all(self.conductor.on_exit(p.variant, None if sig else code, sig, p.link.stderr_tail()))

    def _feed_events(self, p: _Proc, events: list) -> None:
        for kind, payload in events:
            if kind == "garbage":
                self._send_all(self.conductor.on_message(p.variant, link.garbage_error(payload)))
                self._stop_one(p.variant)
                return
            self._send_all(self.conductor.on_message(p.variant, payload))
        self._obey_conductor()

    def _obey_conductor(self) -> None:
        for v in self.conductor.take_kill_requests():
            self._stop_one(v)

    def _stop_one(self, variant: str) -> None:
        """A runner that misbehaves is stopped politely, then killed."""
        self._terminate(variant)

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
        With the runner's message if it reports an error, dies, or writes
        something that is not a protocol message.
    RunnerStartError
        If the interpreter cannot be started.
    """
    popen = start_runner(python)
    try:
        out, err = popen.communicate(P.encode(command) + P.encode({"cmd": P.CMD_FINISH}), timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(popen)
        popen.communicate()
        raise RuntimeError(f"the runner did not answer {command['cmd']!r} within {timeout:g} s") from None
    finally:
        link.kill_group(popen.pid)
    runner = RunnerLink()
    runner.feed_stderr(err)
    runner.end_stderr()
    for kind, msg in runner.feed_stdout(out) + runner.end_stdout():
        if kind == "garbage":
            raise RuntimeError(f"{link.MALFORMED}: {msg}")
        if msg.get("t") == expect:
            return msg
        if msg.get("t") == P.ERROR:
            raise RuntimeError(msg.get("message", "runner error"))
    tail = runner.stderr_tail().strip().splitlines()[-15:]
    raise RuntimeError(f"the runner ({runner_command(python)[0]}) gave no answer; exit code {popen.returncode}.\n"
                       + "\n".join(tail))
