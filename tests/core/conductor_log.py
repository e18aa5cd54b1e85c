"""A real run's conversation with its conductor, recorded and replayed.

:func:`record` runs ``jitlab run`` in this process and logs every call into the conductor (the
runners' messages and exits, with the clock readings each call made, and the schedule's random
state); :func:`replay` feeds the log to a fresh conductor, which then decides and records exactly
what the run's did. ``python -m tests.core.conductor_log OUT LOG jitlab-run-args...`` records one.
"""

from __future__ import annotations

import copy
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from jitlab.core.run import conductor as C
from jitlab.core.session import store as S

#: The conductor's methods a driver calls.
CALLS = ("start", "on_message", "on_exit", "check_timeouts", "stop", "take_kill_requests", "abandon")


def record(argv: list[str], log_path: Path) -> int:
    """Run ``jitlab run ARGV`` and write the log of its conductor's calls to ``log_path``."""
    from jitlab.cli import main

    log: list[dict[str, Any]] = []
    reading: list[list[float] | None] = [None]
    init, methods = C.Conductor.__init__, {name: getattr(C.Conductor, name) for name in CALLS}

    def logged_init(self, session, listener=None, clock=time.monotonic, rng=None):
        init(self, session, listener, clock, rng)
        log.append({"call": "init", "session": json.loads(S.encode(session)), "rng": self.rng.getstate()})

        def read_clock():
            t = clock()
            if reading[0] is not None:
                reading[0].append(t)
            return t
        self.clock = read_clock

    def logged(name):
        def call(self, *args):
            entry = {"call": name, "args": copy.deepcopy(list(args)), "clock": []}
            outer, reading[0] = reading[0], entry["clock"]
            try:
                return methods[name](self, *args)
            finally:
                reading[0] = outer
                if outer is None:  # a call from the driver, not one method calling another
                    log.append(entry)
        return call

    C.Conductor.__init__ = logged_init
    for name in CALLS:
        setattr(C.Conductor, name, logged(name))
    try:
        rc = main(["run", *argv])
    finally:
        C.Conductor.__init__ = init
        for name, method in methods.items():
            setattr(C.Conductor, name, method)
    log_path.write_text(json.dumps(log, separators=(",", ":")) + "\n", encoding="utf-8")
    return rc


def replay(log: list[dict[str, Any]]) -> dict[str, Any]:
    """The finalized session a fresh conductor records from the calls in ``log``."""
    head = log[0]
    session = copy.deepcopy(head["session"])
    readings: list[float] = []
    state = head["rng"]
    rng = random.Random()
    rng.setstate((state[0], tuple(state[1]), state[2]))
    conductor = C.Conductor(session, clock=lambda: readings.pop(0) if readings else 0.0, rng=rng)
    for entry in log[1:]:
        readings[:] = entry["clock"]
        getattr(conductor, entry["call"])(*copy.deepcopy(entry["args"]))
    return S.finalize(session)


if __name__ == "__main__":
    sys.exit(record(sys.argv[3:] + ["--out", sys.argv[1]], Path(sys.argv[2])))
