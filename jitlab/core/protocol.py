"""The wire protocol between the parent (CLI or app) and a runner process.

Every message is one JSON object on one line. The runner writes its messages
to the protocol channel (its original stdout; the user's own prints are sent
to stderr), and reads commands from stdin. The field ``t`` names the message
type, the field ``cmd`` names a command.

Runner lifecycle, driven by the parent::

    (start)            -> ready      {pid, env}
    probe {file}       -> targets    {file, targets, modules}
    devices            -> devices    {devices}
    load {config}      -> loaded     {target, script_module, ...}
    build              -> built      {build_ms, first_call_ms, est_iter_ms, check, ...;
                                      compile variants: compile_time, cudagraphs, compile_cache}
                          (iters messages for the warm-up stream first)
    run {n, round, resume}
                       -> block      {round, n, elapsed_ms, sample}
                          (iters messages stream first: ``resume`` unmeasured
                          iterations flagged as warm-up, then ``n`` measured)
    sample {n, round}  -> sampled    {round, n, unit, fwd_busy, bwd_busy,
                                      fwd_launches, bwd_launches}
                          (``n`` iterations under the profiler, apart from the
                          timed blocks: device-busy time per phase, or
                          ``unavailable`` with the reason)
    introspect         -> introspected {graphs, kernels}
    finish             -> bye        {peak_memory_bytes, warnings}

A runner started only to save the module for deployment (``jitlab run
--save``, File > Save variant...) gets ``load`` with variant ``save``, then::

    save {folder, kinds}
                       -> saved      {folder, results, example}
                          (results: one per kind, script, trace, export:
                          kind, ok, file, error, location, check; see
                          jitlab.runner.save)

A compile variant sends ``recompiled`` {i, warmup, compile_id, function,
file, line, reason, guard, subject, seconds} after the step in which Dynamo
compiled again, during warm-up or a timed block.

At any point the runner may send ``status`` (progress text) or ``error``
(``message``, ``phase``, ``traceback``, optional ``location``, ``kind``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

# ---- message types (runner -> parent)
READY = "ready"
TARGETS = "targets"
DEVICES = "devices"
STATUS = "status"
LOADED = "loaded"
BUILT = "built"
ITERS = "iters"
BLOCK = "block"
INTROSPECTED = "introspected"
SAMPLED = "sampled"
SAVED = "saved"
#: A compile variant compiled again after its first call (iteration, failed guard in plain words).
RECOMPILED = "recompiled"
BYE = "bye"
ERROR = "error"

# ---- commands (parent -> runner)
CMD_PROBE = "probe"
CMD_DEVICES = "devices"
CMD_LOAD = "load"
CMD_BUILD = "build"
CMD_RUN = "run"
CMD_INTROSPECT = "introspect"
CMD_SAMPLE = "sample"
CMD_FINISH = "finish"
CMD_SAVE = "save"
#: The variant name of a runner that saves the module instead of timing it.
SAVE_VARIANT = "save"

# Error phases as recorded in the session.
PHASE_LOAD = "load"
PHASE_BUILD = "build"
PHASE_RUN = "run"
PHASE_CHECK = "check"


class ProtocolError(ValueError):
    """A line from a runner that is not a protocol message."""


def encode(message: dict[str, Any]) -> bytes:
    """Serialise one message or command to a newline-terminated JSON line."""
    return (json.dumps(message, separators=(",", ":"), allow_nan=True) + "\n").encode()


def decode(line: bytes | str) -> dict[str, Any]:
    """Parse one line into a message.

    Raises
    ------
    ProtocolError
        If the line is not a JSON object with a ``t`` or ``cmd`` field.
    """
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    text = line.strip()
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not a protocol message: {text[:200]!r}") from exc
    if not isinstance(obj, dict) or not ("t" in obj or "cmd" in obj):
        raise ProtocolError(f"not a protocol message: {text[:200]!r}")
    return obj


class LineBuffer:
    """Split a byte stream that arrives in arbitrary chunks into lines."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """Add a chunk and yield every complete line it finishes."""
        data = self._pending + chunk
        *lines, self._pending = data.split(b"\n")
        for line in lines:
            if line.strip():
                yield line

    def rest(self) -> bytes:
        """Return an unterminated trailing fragment (at end of stream)."""
        rest, self._pending = self._pending, b""
        return rest


@dataclass
class IterBatch:
    """Columns of consecutive iterations, the payload of an ``iters`` message.

    Columns instead of one object per iteration keep the stream small enough
    for tens of thousands of iterations per second.
    """

    start: int
    fwd_ms: list[float] = field(default_factory=list)
    bwd_ms: list[float | None] = field(default_factory=list)
    warmup: bool = False
    round: int | None = None
    #: CPU time of the iteration (the runner thread's on a CPU, the process's
    #: on a GPU), beside its wall time it tells a preempted iteration.
    cpu_ms: list[float | None] = field(default_factory=list)

    def to_message(self) -> dict[str, Any]:
        return {
            "t": ITERS,
            "i0": self.start,
            "fwd": self.fwd_ms,
            "bwd": self.bwd_ms,
            "cpu": self.cpu_ms,
            "warmup": self.warmup,
            "round": self.round,
        }

    @classmethod
    def from_message(cls, msg: dict[str, Any]) -> "IterBatch":
        fwd = [float(x) for x in msg["fwd"]]
        bwd = [None if x is None else float(x) for x in msg["bwd"]]
        cpu = [None if x is None else float(x) for x in msg.get("cpu") or [None] * len(fwd)]
        if len(fwd) != len(bwd) or len(cpu) != len(fwd):
            raise ProtocolError("iters message with columns of different length")
        return cls(int(msg["i0"]), fwd, bwd, bool(msg.get("warmup")), msg.get("round"), cpu)

    def __len__(self) -> int:
        return len(self.fwd_ms)
