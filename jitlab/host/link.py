"""The parent's end of one runner: bytes in, messages, garbage and exits out.

Both front ends drive runners through this one class: the CLI's
``subprocess`` driver (:mod:`jitlab.host.driver`) and the app's ``QProcess``
wrapper (:mod:`jitlab.gui.process.runner_process`). It does no I/O of its own except
the signals of the stop sequence, so the rules below hold identically in both:

* stdout is split into protocol lines; a line that is not a message, or one
  longer than :data:`MAX_MESSAGE_BYTES`, is *garbage*: the variant fails with
  "runner sent a malformed message: ..." and the runner is stopped;
* stderr is split into lines of at most :data:`MAX_STDERR_LINE` bytes and only
  the last :data:`STDERR_TAIL_LINES` are kept, so output without newlines
  costs linear time and bounded memory (160 MB of stderr without a newline
  took 247 s with the old ``pending + chunk`` buffer);
* a stop is SIGTERM (the runner sends what its current block measured), then,
  after :data:`STOP_GRACE_S`, SIGKILL to the runner's whole process group
  (:func:`stop`, :func:`kill`);
* when a runner ends, whatever is left of its process group is killed too, and
  its streams are read to their end (:meth:`RunnerLink.ended`).
"""

from __future__ import annotations

import collections
import os
import signal
import sys
from typing import Any, Callable, Iterator

from jitlab.core import protocol as P

#: Lines of a runner's stderr kept for its failure message.
STDERR_TAIL_LINES = 30
#: A stderr line longer than this is split (the tail keeps lines, not megabytes).
MAX_STDERR_LINE = 4096
#: A protocol line longer than this is refused. Introspection of a large
#: compiled model sends a few MB of graphs and code in one message.
MAX_MESSAGE_BYTES = 256 * 2**20
#: Seconds a stopped runner has to send its last block and exit before it is killed.
STOP_GRACE_S = 3.0

MALFORMED = "runner sent a malformed message"


class Lines:
    """Split a byte stream arriving in chunks into lines, in linear time.

    Parameters
    ----------
    max_line : int
        A line that grows past this many bytes is cut: with ``split`` it is
        yielded in pieces, otherwise :attr:`overflow` is set and the rest of
        the stream is dropped.
    split : bool
    """

    def __init__(self, max_line: int, split: bool) -> None:
        self.max_line = max_line
        self.split = split
        self.overflow = False
        self._parts: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """Add a chunk and yield every line it completes (blank lines skipped)."""
        if self.overflow:
            return
        start = 0
        while True:
            nl = chunk.find(b"\n", start)
            if nl < 0:
                break
            piece = chunk[start:nl]
            if self._size + len(piece) > self.max_line:
                yield from self._oversized(piece, complete=True)
                if self.overflow:
                    return
            else:
                line = b"".join(self._parts) + piece if self._parts else piece
                self._parts, self._size = [], 0
                if line.strip():
                    yield line
            start = nl + 1
        rest = chunk[start:]
        if rest:
            self._parts.append(rest)
            self._size += len(rest)
            if self._size > self.max_line:
                yield from self._oversized(b"", complete=False)

    def rest(self) -> bytes:
        """The unterminated trailing fragment (at the end of the stream)."""
        rest = b"".join(self._parts)
        self._parts, self._size = [], 0
        return rest

    def _oversized(self, piece: bytes, complete: bool) -> Iterator[bytes]:
        if not self.split:
            self.overflow = True
            self._parts, self._size = [], 0
            return
        data = b"".join(self._parts) + piece
        self._parts, self._size = [], 0
        # A finished line is yielded whole (in pieces); an unfinished one keeps its last piece pending.
        whole = len(data) if complete else len(data) - len(data) % self.max_line
        for i in range(0, whole, self.max_line):
            yield data[i:i + self.max_line]
        if whole < len(data):
            self._parts, self._size = [data[whole:]], len(data) - whole


class RunnerLink:
    """Decode one runner's stdout and stderr; remember how it ended.

    ``feed_stdout`` returns events, each ``("message", dict)`` or
    ``("garbage", text)``; after the first garbage nothing more is decoded
    (the runner is being stopped).
    """

    def __init__(self) -> None:
        self._out = Lines(MAX_MESSAGE_BYTES, split=False)
        self._err = Lines(MAX_STDERR_LINE, split=True)
        self._tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        self.garbage_seen = False
        self.ready: dict[str, Any] | None = None
        self.stderr_bytes = 0

    # ---- stdout

    def feed_stdout(self, chunk: bytes) -> list[tuple[str, Any]]:
        """Decode the complete lines in ``chunk``."""
        events: list[tuple[str, Any]] = []
        if self.garbage_seen:
            return events
        for line in self._out.feed(chunk):
            event = self._decode(line)
            if event is not None:
                events.append(event)
            if self.garbage_seen:
                return events
        if self._out.overflow:
            events.append(self._garbage(f"a line longer than {MAX_MESSAGE_BYTES // 2**20} MiB"))
        return events

    def end_stdout(self) -> list[tuple[str, Any]]:
        """The stream ended: decode an unterminated last line, if any."""
        rest = self._out.rest()
        if self.garbage_seen or not rest.strip():
            return []
        event = self._decode(rest)
        return [event] if event is not None else []

    def _decode(self, line: bytes) -> tuple[str, Any] | None:
        try:
            msg = P.decode(line)
        except P.ProtocolError as exc:
            if self.ready is None and not self.garbage_seen:
                # Before ``ready`` no user code has run: this is the interpreter's own start-up
                # output (a sitecustomize, a wrapper script). Kept with stderr, not fatal.
                self._tail.append("(runner start-up output) " + line[:MAX_STDERR_LINE].decode("utf-8", "replace"))
                return None
            return self._garbage(str(exc))
        if "t" not in msg or not isinstance(msg["t"], str):
            return self._garbage(f"no message type in {line[:200]!r}")
        if msg["t"] == P.READY and self.ready is None:
            self.ready = msg
        return "message", msg

    def _garbage(self, text: str) -> tuple[str, str]:
        self.garbage_seen = True
        return "garbage", text

    # ---- stderr

    def feed_stderr(self, chunk: bytes) -> list[str]:
        """Lines of stderr completed by ``chunk`` (decoded); the tail keeps the last ones."""
        self.stderr_bytes += len(chunk)
        lines = [line.decode("utf-8", errors="replace") for line in self._err.feed(chunk)]
        self._tail.extend(lines)
        return lines

    def end_stderr(self) -> list[str]:
        """The stream ended: its unterminated last line, if any."""
        rest = self._err.rest()
        if not rest.strip():
            return []
        text = rest.decode("utf-8", errors="replace")
        self._tail.append(text)
        return [text]

    def stderr_tail(self) -> str:
        return "\n".join(self._tail)

    def ended(self) -> list[tuple[str, Any]]:
        """Both streams have ended (the runner exited and what was left in its pipes was fed): end
        them, so that :meth:`stderr_tail` is final, and return the events of an unterminated last
        stdout line. Safe to call after either stream's own end."""
        self.end_stderr()
        return self.end_stdout()


def garbage_error(text: str, phase: str = P.PHASE_RUN) -> dict[str, Any]:
    """The ``error`` message a driver feeds its conductor for a malformed line."""
    return {"t": P.ERROR, "phase": phase, "kind": "protocol", "message": f"{MALFORMED}: {text}"}


# ---- signals (POSIX; elsewhere the callers fall back to their process API)


def _signal(pid: int, send: Callable[[], None]) -> bool:
    if not pid or sys.platform == "win32":
        return False
    try:
        send()
        return True
    except OSError:  # gone already (ProcessLookupError), or not ours to signal (PermissionError)
        return False


def terminate(pid: int) -> bool:
    """Ask a runner to stop (SIGTERM); returns whether the signal was sent."""
    return _signal(pid, lambda: os.kill(pid, signal.SIGTERM))


def kill_group(pid: int) -> bool:
    """SIGKILL the process group led by ``pid`` (the runner and all it started)."""
    return _signal(pid, lambda: os.killpg(pid, signal.SIGKILL))


def kill(pid: int, fallback: Callable[[], None]) -> None:
    """Kill a runner and everything it started; ``fallback`` (the process API's own kill) where its
    group cannot be signalled."""
    if not kill_group(pid):
        try:
            fallback()
        except ProcessLookupError:
            pass


def stop(pid: int) -> float:
    """The polite stop: SIGTERM, so that the runner sends what its current block measured and exits.

    Returns
    -------
    float
        Seconds after which the caller kills the runner (:func:`kill`) if it is still running:
        :data:`STOP_GRACE_S`, or 0 where the signal could not be sent.
    """
    return STOP_GRACE_S if terminate(pid) else 0.0


def exited_without_reaping(pid: int) -> bool | None:
    """Whether ``pid`` (a child) has exited, leaving it unreaped; ``None`` if unknown here.

    Unreaped, its pid still names its process group, so :func:`kill_group`
    cannot hit an unrelated process that reused the number.
    """
    if not hasattr(os, "waitid"):
        return None
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return None
    return info is not None and info.si_pid == pid
