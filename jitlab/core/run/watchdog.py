"""The no-progress watchdog: a runner that says nothing for too long is hung.

Separate from the work budget (``timeout``, seconds of work a variant may
take): the watchdog fires when a working runner has sent no message at all
(no iteration, no status) for ``stall_timeout`` seconds. It is sans-IO like
the conductor it watches: :meth:`Watchdog.check` says which runners to ask for
their Python stack (the driver sends ``SIGUSR1``, which the runner's
``faulthandler`` answers) and which to stop once the stack had time to arrive;
:meth:`Watchdog.report` records the hang with the phase, the iteration and the
stack, so the user sees the line their module was stuck on.
"""

from __future__ import annotations

import re
from typing import Any

from jitlab.core.session import iterations
from jitlab.core.session import store as S
from jitlab.core.session.types import Location, error_record
from jitlab.core.variants import is_compile

#: A stalled runner has this long to write its stack before it is stopped.
STACK_WAIT_S = 0.5
#: torch.compile's first call compiles; while it builds, the limit is this many times longer.
COMPILE_BUILD_FACTOR = 5
#: Loading imports torch and the user's module (transformers takes tens of seconds): this many times longer.
LOADING_FACTOR = 3
#: Lines of a stack kept in the error.
MAX_STACK_LINES = 60

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<fn>.+)$')
_DONE = ("done", "dead")


class Watchdog:
    """Watch the runners of one conductor for a lack of progress.

    Parameters
    ----------
    conductor : Conductor
        Its ``last_heard``, ``last_status``, ``state`` and busy times are read.
    limit : float, optional
        Seconds without any message after which a working runner is hung
        (default: the session's ``stall_timeout`` setting; 0 or None: off).
    """

    def __init__(self, conductor, limit: float | None = None) -> None:
        self.conductor = conductor
        self.limit = float(limit if limit is not None else conductor.settings.get("stall_timeout") or 0)
        self.signalled: dict[str, float] = {}

    def limit_for(self, variant: str) -> float:
        state = self.conductor.state.get(variant)
        if is_compile(variant) and state == "building":
            return self.limit * COMPILE_BUILD_FACTOR
        if state == "loading":
            return self.limit * LOADING_FACTOR
        return self.limit

    def idle_s(self, variant: str, now: float | None = None) -> float | None:
        """Seconds since ``variant``'s runner, while working, last said anything (None when not working)."""
        c = self.conductor
        if c.state.get(variant) in _DONE or c._busy_since.get(variant) is None:
            return None
        now = c.clock() if now is None else now
        return now - c.last_heard.get(variant, now)

    def check(self) -> tuple[list[str], list[str]]:
        """``(ask, stop)``: runners to ask for their stack now, and runners to stop now.

        A runner that spoke again after being asked is forgiven.
        """
        if not self.limit or self.conductor.stopping:
            return [], []
        now = self.conductor.clock()
        ask, stop = [], []
        for v in self.conductor.order:
            idle = self.idle_s(v, now)
            if v in self.signalled:
                if idle is None or idle < self.limit_for(v):
                    del self.signalled[v]
                elif now - self.signalled[v] >= STACK_WAIT_S:
                    stop.append(v)
                continue
            if idle is not None and idle >= self.limit_for(v):
                self.signalled[v] = now
                ask.append(v)
                self.conductor.listener("status", v, {"phase": "stalled",
                                                      "text": f"no progress for {idle:.0f} s"})
        return ask, stop

    def report(self, variant: str, stack: str = "") -> None:
        """Record ``variant`` as hung (status ``timeout``, kind ``hang``); the driver then stops it."""
        c = self.conductor
        self.signalled.pop(variant, None)
        rec = c.session["variants"][variant]
        if rec["status"] in S.FINAL_STATUSES:
            return
        idle = self.idle_s(variant) or self.limit_for(variant)
        where = describe_position(c.state.get(variant), c.last_status.get(variant) or {}, rec)
        frames = parse_stack(stack)
        user_file = c.settings.get("file")
        location: Location | None = next((Location(file=f, line=n) for f, n, _fn in frames
                                          if user_file and f == user_file), None)
        if location is None and frames:
            location = Location(file=frames[0][0], line=frames[0][1])
        message = (f"hung: no progress for {idle:.0f} s {where}; the runner was stopped "
                   f"(the no-progress limit is {self.limit_for(variant):g} s: --stall-timeout)")
        if location:
            message += f"\nstuck at {location['file']}, line {location['line']}"
        text = clean_stack(stack)
        rec["status"] = S.STATUS_TIMEOUT
        rec["error"] = error_record(
            message, c._phase_of(c.state.get(variant)), kind="hang",
            traceback=("Python stack of the runner when it was stopped (most recent call first):\n" + text)
            if text else "the runner wrote no Python stack (it may be stuck outside Python)",
            location=location)
        c._busy_since[variant] = None


def describe_position(state: str | None, status: dict[str, Any], rec: dict[str, Any]) -> str:
    """Where a runner was: ``"in warm-up iteration 1 of 5 (first call)"``, ``"while loading ..."``."""
    phase = status.get("phase") or state or ""
    text = status.get("text") or ""
    measured = iterations.of(rec).measured_count
    if phase == "warmup" and status.get("i"):
        return f"in warm-up iteration {status['i']} of {status.get('n') or '?'}" + (f" ({text})" if text else "")
    if phase in ("measuring", "running") or state == "running":
        return f"in measured iteration {measured + 1}" + (f" (round {status['round']})" if status.get("round") else "")
    if phase == "introspecting" or state == "introspecting":
        return "while recording graphs and kernels"
    if phase == "building" or state == "building":
        return f"while building ({text})" if text else "while building"
    if phase == "loading" or state == "loading":
        return f"while loading ({text})" if text else "while loading"
    return f"while {phase}" if phase else "while working"


def parse_stack(text: str) -> list[tuple[str, int, str]]:
    """``(file, line, function)`` frames of the main thread of a ``faulthandler`` dump (innermost first).

    The signal that asks for the dump may land on any thread (the runner's
    lifeline thread, for one), so the main thread is found by its frames:
    the one that runs the runner's command loop (``jitlab/runner/main.py``),
    else the first thread listed.
    """
    threads: list[list[tuple[str, int, str]]] = []
    for line in text.splitlines():
        if line.startswith(("Thread ", "Current thread ")):
            threads.append([])
            continue
        m = _FRAME.match(line)
        if m:
            if not threads:
                threads.append([])
            threads[-1].append((m["file"], int(m["line"]), m["fn"].strip()))
    for frames in threads:
        if any(f.replace("\\", "/").endswith("jitlab/runner/main.py") for f, _n, _fn in frames):
            return frames
    return threads[0] if threads else []


def clean_stack(text: str) -> str:
    """The dump without jitlab's own waiting frames after the user's, capped in length."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) > MAX_STACK_LINES:
        lines = lines[:MAX_STACK_LINES] + [f"  ... ({len(lines) - MAX_STACK_LINES} more lines)"]
    return "\n".join(lines)


#: A working runner silent this long is shown as such on the progress line.
SILENT_NOTE_S = 10.0


def state_text(conductor, variant: str, now: float | None = None) -> str:
    """What ``variant`` is doing now, for a progress line: its final status, or its real phase."""
    c = conductor
    rec = c.session["variants"][variant]
    measured = iterations.of(rec).measured_count
    iters = c.goal(variant) if hasattr(c, "goal") else c.settings.get("iters")
    if rec["status"] in S.FINAL_STATUSES:
        return rec["status"] + (f" {measured}/{iters}" if measured else "")
    state = c.state.get(variant)
    status = c.last_status.get(variant) or {}
    text = status.get("text") or ""
    if state == "loading":
        out = f"loading ({text})" if text else "loading"
    elif state == "loaded":
        out = "loaded, waiting to build"
    elif state == "building":
        out = describe_position(state, status, rec).replace("while ", "", 1)
    elif state == "built":
        out = f"measured {measured}/{iters}, waiting for its turn" if measured else "built, waiting for its turn"
    elif state == "running":
        out = f"measuring {measured}/{iters}"
    elif state == "introspecting":
        out = "recording graphs and kernels"
    elif state == "finishing":
        out = "finishing"
    else:
        out = state or "waiting"
    idle = Watchdog(c, 0).idle_s(variant, now) if state not in _DONE else None
    limit = Watchdog(c).limit_for(variant)
    if idle is not None and limit and idle >= limit:
        out += f", no progress for {idle:.0f} s: hung"
    elif idle is not None and idle >= SILENT_NOTE_S:
        out += f", silent for {idle:.0f} s"
    return out
