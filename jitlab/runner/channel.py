"""The runner's protocol channel.

The runner's original stdout becomes the private protocol channel, and file
descriptor 1 is pointed at stderr, so that prints from the user's module (or
from C++ code) can never corrupt the message stream.

Likewise the original stdin becomes the private command channel and
``/dev/null`` takes file descriptor 0: user code that reads stdin
(``input()``, ``sys.stdin.readline()``, ``breakpoint()``) sees an empty
stream instead of eating the parent's commands and waiting for the next one.
Both private descriptors are non-inheritable, so the user's child processes
hold neither.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Iterator

from jitlab.core import protocol as P


class Channel:
    """Send messages to the parent and read its commands."""

    def __init__(self) -> None:
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
        self._out = os.fdopen(fd, "wb", buffering=0)
        sys.stdout = sys.stderr
        cmd_fd = os.dup(0)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        self._in = os.fdopen(cmd_fd, "rb")
        sys.stdin = open(os.devnull, encoding="utf-8")

    def send(self, message: dict[str, Any]) -> None:
        # An unbuffered write blocked on a full pipe returns after the bytes that fitted when a
        # signal's handler runs (a SIGTERM stop): the rest must follow, or the parent reads half
        # a line and fails the variant with a malformed message.
        data = memoryview(P.encode(message))
        try:
            while data:
                written = self._out.write(data)
                data = data[written or 0:]
        except BrokenPipeError:
            os._exit(0)  # the parent is gone; nobody to report to

    def status(self, phase: str, text: str = "", **extra: Any) -> None:
        self.send({"t": P.STATUS, "phase": phase, "text": text, "time": time.time(), **extra})

    def commands(self) -> Iterator[dict[str, Any]]:
        for line in self._in:
            if line.strip():
                yield P.decode(line)
