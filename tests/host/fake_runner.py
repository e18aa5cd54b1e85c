"""A stand-in for ``python -m jitlab.runner`` that speaks the runner protocol without torch.

The parent's side of a runner (:mod:`jitlab.host.link`, the CLI's driver, the
app's runner process, pool and controller) only sees bytes on pipes, an exit
code and signals. This script gives it all of them in a few milliseconds, on
a script of faults, so those parts are tested in real processes without the
second or two that importing torch costs.

It is the runner *interpreter*: every front end starts a runner as
``PYTHON -X utf8 -m jitlab.runner`` and takes ``PYTHON`` as a parameter
(``--python``, ``RunnerPool(python=...)``, ``ProcessDriver(python=...)``).
:func:`interpreter` writes a small executable that runs this script with its
options; given as ``PYTHON``, it receives jitlab's runner arguments after
``--`` and checks them, so a change of the launch command fails here too.

Options
-------
``--ready-after S``
    Wait ``S`` seconds before ``ready`` (the time a real runner spends importing torch).
``--ms VARIANT=MS``
    Forward time of each of ``VARIANT``'s iterations (default 1 ms); the
    backward takes half of it in train mode and is absent in infer mode.
``--sleep``
    Really spend each iteration's time, so that a block lasts as long as it says.
``--fault VARIANT:WHERE:WHAT``
    ``VARIANT`` (``*``: any, the only choice before ``load``) does ``WHAT`` at
    ``WHERE``: ``start`` (before ``ready``), ``load``, ``build``, or
    ``blockN`` (its ``N``-th timed block, once half of its iterations are
    measured, so the block's held iterations go with it). ``WHAT`` is
    ``exit=K`` (exit with code ``K``), ``signal=NAME`` (die by that signal),
    ``garbage`` (write a line that is not a message, then carry on),
    ``error`` (report an error and exit, as the runner does when a step
    raises) or ``hang`` (make no progress; a SIGTERM still ends it, as it
    ends a real runner).

SIGTERM behaves as in the real runner (:mod:`jitlab.runner.stopping`): inside
a timed block the iterations measured so far are sent and the process exits;
anywhere else it exits at once.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import time
from pathlib import Path

#: The arguments every front end starts a runner with (:func:`jitlab.host.launch.runner_command`).
RUNNER_ARGS = ["-X", "utf8", "-m", "jitlab.runner"]
#: What a ``garbage`` fault writes.
GARBAGE = "this line is not a protocol message"

_stop_requested = False
_in_block = False


def interpreter(path: Path, *options: str) -> str:
    """Write an executable at ``path`` that runs this script with ``options``; return its path.

    Parameters
    ----------
    path : Path
        Where to write it (a test's temporary folder).
    *options : str
        Options of this script (see the module's docstring).

    Returns
    -------
    str
        ``path``, to pass where jitlab takes the runner's Python interpreter.
    """
    # -I: nothing of the parent's PYTHONPATH or site packages, so the fake never imports jitlab or torch.
    words = [sys.executable, "-I", str(Path(__file__).resolve()), *options, "--"]
    path.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(w) for w in words) + ' "$@"\n')
    path.chmod(0o755)
    return str(path)


def _send(message: dict) -> None:
    sys.stdout.buffer.write((json.dumps(message, separators=(",", ":")) + "\n").encode())
    sys.stdout.buffer.flush()


def _write_line(text: str) -> None:
    sys.stdout.buffer.write(text.encode() + b"\n")
    sys.stdout.buffer.flush()


def _on_term(signum, frame) -> None:
    """SIGTERM, as :mod:`jitlab.runner.stopping` takes it: a block ends after its iteration, else exit now."""
    global _stop_requested
    _stop_requested = True
    if not _in_block:
        os._exit(0)


class Fake:
    """The fake runner's state: its options, the variant it was loaded as, and its iteration count."""

    def __init__(self, argv: list[str]) -> None:
        parser = argparse.ArgumentParser(prog="fake_runner")
        parser.add_argument("--ready-after", type=float, default=0.0)
        # rsplit: a variant's name may hold a colon itself (compile:max-autotune)
        parser.add_argument("--ms", action="append", default=[], type=lambda v: v.rsplit("=", 1))
        parser.add_argument("--sleep", action="store_true")
        parser.add_argument("--fault", action="append", default=[], type=lambda v: tuple(v.rsplit(":", 2)))
        options = parser.parse_args(argv)
        self.ready_after: float = options.ready_after
        self.ms = {name: float(ms) for name, ms in options.ms}
        self.sleep: bool = options.sleep
        self.faults: list[tuple[str, str, str]] = options.fault
        self.variant: str | None = None
        self.train = True
        self.warmup = 1
        self.i = 0
        self.blocks = 0

    # ---- faults

    def fault_at(self, where: str) -> str | None:
        """What this runner is scripted to do at ``where``, if anything."""
        for variant, at, what in self.faults:
            if at == where and variant in ("*", self.variant):
                return what
        return None

    def act(self, what: str, where: str, held: list[dict] | None = None) -> None:
        """Carry out the fault ``what`` at ``where``; ``held``: the iterations of the block it interrupts."""
        kind, _, arg = what.partition("=")
        if kind == "exit":
            os._exit(int(arg))
        elif kind == "signal":
            signum = getattr(signal, "SIG" + arg)
            if signum != signal.SIGKILL:  # SIGTERM too: this is a death, not a polite stop
                signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        elif kind == "garbage":
            _write_line(GARBAGE)
        elif kind == "error":
            self.flush(held or [])  # the runner sends what a block measured before the step that raised
            _send({"t": "error", "phase": where if where in ("load", "build") else "run", "kind": "exception",
                   "message": f"fake runner: scripted error ({self.variant})"})
            os._exit(0)
        elif kind == "hang":
            while not _stop_requested:
                time.sleep(0.01)
            self.flush(held or [])
            os._exit(0)
        else:
            raise SystemExit(f"fake runner: unknown fault {what}")

    # ---- iterations

    def iteration(self) -> tuple[float, float | None]:
        """One iteration's forward and backward time (really spent with ``--sleep``)."""
        fwd = self.ms.get(self.variant or "", 1.0)
        bwd = fwd / 2 if self.train else None
        if self.sleep:
            time.sleep((fwd + (bwd or 0.0)) / 1000.0)
        return fwd, bwd

    def batch(self, n: int, warmup: bool, round_: int | None) -> dict:
        """An ``iters`` message of ``n`` iterations, timed now."""
        start = self.i
        times = [self.iteration() for _ in range(n)]
        self.i += n
        return self.message(start, times, warmup, round_)

    @staticmethod
    def message(i0: int, times: list[tuple[float, float | None]], warmup: bool, round_: int | None) -> dict:
        """The ``iters`` message of consecutive iterations ``i0, i0 + 1, ...``."""
        return {"t": "iters", "i0": i0, "fwd": [f for f, _ in times], "bwd": [b for _, b in times],
                "cpu": [f + (b or 0.0) for f, b in times], "warmup": warmup, "round": round_}

    @staticmethod
    def flush(held: list[dict]) -> None:
        """Send the messages a block held."""
        for msg in held:
            _send(msg)

    # ---- commands

    def load(self, cmd: dict) -> None:
        self.variant = cmd.get("variant")
        self.train = cmd.get("mode", "train") == "train"
        self.warmup = int(cmd.get("warmup") or 1)
        if what := self.fault_at("load"):
            self.act(what, "load")
        _send({"t": "loaded", "target": cmd.get("target") or "default", "notes": [], "warnings": []})

    def build(self, cmd: dict) -> None:
        if what := self.fault_at("build"):
            self.act(what, "build")
        _send(self.batch(self.warmup, True, None))
        total = self.ms.get(self.variant or "", 1.0) * (1.5 if self.train else 1.0)
        _send({"t": "built", "build_ms": 0.1, "first_call_ms": total, "est_iter_ms": total, "check": None,
               "warnings": [], "notes": []})

    def run(self, cmd: dict) -> None:
        global _in_block
        n, round_, resume = int(cmd["n"]), cmd.get("round"), int(cmd.get("resume") or 0)
        self.blocks += 1
        where = f"block{self.blocks}"
        what = self.fault_at(where)
        t0 = time.perf_counter()
        _in_block = True
        # Held until the block ends, as the real runner holds them: nothing is written while it is timed.
        held = [self.batch(resume, True, round_)] if resume else []
        start, times = self.i, []
        while len(times) < n and not _stop_requested:
            if what and len(times) >= n // 2:
                self.act(what, where, held + ([self.message(start, times, False, round_)] if times else []))
                what = None
            times.append(self.iteration())
            self.i += 1
        self.flush(held + ([self.message(start, times, False, round_)] if times else []))
        _in_block = False
        if _stop_requested:
            os._exit(0)
        _send({"t": "block", "round": round_, "n": n, "elapsed_ms": (time.perf_counter() - t0) * 1000.0})

    def serve(self) -> int:
        """Answer commands until ``finish`` or the end of stdin."""
        for line in sys.stdin.buffer:
            if not line.strip():
                continue
            cmd = json.loads(line)
            name = cmd.get("cmd")
            if name == "devices":
                _send({"t": "devices", "devices": [{"id": "cpu", "kind": "cpu", "name": "fake CPU"}]})
            elif name == "probe":
                _send({"t": "targets", "file": cmd.get("file"), "targets": [{"name": "default"}], "modules": []})
            elif name == "load":
                self.load(cmd)
            elif name == "build":
                self.build(cmd)
            elif name == "run":
                self.run(cmd)
            elif name == "sample":
                _send({"t": "sampled", "round": cmd.get("round"), "n": int(cmd.get("n") or 1),
                       "unavailable": "the fake runner has no profiler"})
            elif name == "introspect":
                _send({"t": "introspected", "graphs": None, "kernels": None, "notes": []})
            elif name == "finish":
                _send({"t": "bye", "warnings": []})
                return 0
            else:
                _send({"t": "error", "phase": "load", "message": f"unknown command {name!r}", "fatal": True})
                return 3
        return 0


def main(argv: list[str]) -> int:
    split = argv.index("--") if "--" in argv else len(argv)
    options, runner_args = argv[:split], argv[split + 1:]
    if runner_args != RUNNER_ARGS:
        print(f"fake runner: started as {runner_args}, not as a runner ({RUNNER_ARGS})", file=sys.stderr)
        return 2
    fake = Fake(options)
    signal.signal(signal.SIGTERM, _on_term)
    if what := fake.fault_at("start"):
        fake.act(what, "start")
    time.sleep(fake.ready_after)
    _send({"t": "ready", "pid": os.getpid(), "env": {"python": sys.version.split()[0], "platform": "fake"}})
    return fake.serve()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
