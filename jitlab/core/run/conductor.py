"""The run's scheduler: which runner does what, when. Knows no processes.

The conductor is sans-IO. A driver (the CLI's subprocess loop or the app's
``QProcess`` controller) starts one runner per variant, feeds every message
and exit to the conductor, and sends the commands the conductor returns.
Both front ends therefore schedule identically.

Schedules
---------
``interleaved`` (default)
    Load all runners in parallel; build and warm them up one at a time; then
    run *rounds*: each round gives every variant a block of ``k`` iterations,
    in a freshly shuffled order, one runner executing at a time. Drift that
    affects a whole round cancels out of the per-round speedup ratios.
``sequential``
    Each variant is built, measured to completion and finished before the
    next is built (also the fallback when variants cannot share the device's
    memory).
"""

from __future__ import annotations

import math
import random
import signal as _signal
import time
from typing import Any, Callable

from jitlab.core import message_check
from jitlab.core import protocol as P
from jitlab.core.session import iterations
from jitlab.core.session import store as S
from jitlab.core import stats
from jitlab.core.session.types import error_from_message, error_record
from jitlab.core.variants import uses_cudagraphs

Command = tuple[str, dict[str, Any]]

#: A block aims at this many milliseconds of work (the issue's 50-200 ms band).
TARGET_BLOCK_MS = 100.0
#: Blocks are small enough that the measured iterations span this many rounds.
MIN_ROUNDS = 10
#: The precision stop is considered only after this many rounds.
MIN_ROUNDS_FOR_PRECISION = 5
#: Blocks of iterations shorter than this start with unmeasured iterations ...
RESUME_SPAN_MS = 10.0
#: ... at most this many.
RESUME_MAX = 5
#: Extra room asked of the device before variants share its memory.
MEMORY_HEADROOM = 1.25
#: A sampled block (device time under the profiler) spans about this many milliseconds ...
SAMPLE_SPAN_MS = 20.0
#: ... and at most this many iterations.
SAMPLE_MAX_ITERS = 5
#: Sampled rounds after the timed rounds (each gives every variant one sampled block).
SAMPLED_ROUNDS = 10

# Runner states
LOADING, LOADED, BUILDING, BUILT, RUNNING, SAMPLING, INTROSPECTING, FINISHING, DONE, DEAD = (
    "loading", "loaded", "building", "built", "running", "sampling", "introspecting", "finishing", "done", "dead",
)
_EXECUTING = (BUILDING, RUNNING, SAMPLING, INTROSPECTING)


class Conductor:
    """Drive the runners of one session.

    Parameters
    ----------
    session : dict
        A session from :func:`jitlab.core.session.store.new_session`; the conductor
        fills it in place.
    listener : callable, optional
        Called as ``listener(event, variant, payload)`` for progress events:
        ``"status"``, ``"iters"``, ``"block"``, ``"variant_done"``, ``"round"``,
        ``"finished"``.
    clock : callable
        Monotonic seconds; injectable for tests.
    """

    def __init__(
        self,
        session: dict[str, Any],
        listener: Callable[[str, str | None, dict], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.settings = session["settings"]
        self.order: list[str] = list(self.settings["variants"])
        self.listener = listener or (lambda *a: None)
        self.clock = clock
        self.rng = rng or random.Random(self.settings.get("schedule_seed"))
        #: Each variant's iterations, held by the session as its ``iterations``.
        self.iterations = {v: iterations.hold(session["variants"][v]) for v in self.order}
        self.state: dict[str, str] = {v: LOADING for v in self.order}
        self.measured: dict[str, int] = {v: 0 for v in self.order}
        self.est_iter_ms: dict[str, float] = {}
        self.fatal_error: dict | None = None
        self.stopping = False
        self.block: int | None = None
        self.round = 0
        self._round_queue: list[str] = []
        self._busy_since: dict[str, float | None] = {v: None for v in self.order}
        self._used_s: dict[str, float] = {v: 0.0 for v in self.order}
        self._measure_started: float | None = None
        self._finished_emitted = False
        self._finish_queue: list[str] = []
        self._seq_round: dict[str, int] = {}
        self._seq_started: dict[str, float] = {}
        self._sample_queue: list[str] = []
        self._sample_round = 0
        self._seq_sampled: dict[str, int] = {}
        self._sampled_rounds: dict[str, int] = {v: 0 for v in self.order}
        self._no_samples: set[str] = set()
        self._kill_requests: list[str] = []
        self._malformed: set[str] = set()
        #: For the no-progress watchdog (:mod:`jitlab.core.run.watchdog`): when each runner last spoke or was
        #: given work, its last status message, and its process id (from its ``ready`` message).
        self.last_heard: dict[str, float] = {}
        self.last_status: dict[str, dict] = {}
        self.pids: dict[str, int] = {}
        #: Measured iterations of variants whose diagnostic run was capped (see :func:`diagnostic_cap`).
        self.iter_caps: dict[str, int] = {}

    # ---- public API

    @property
    def interleaved(self) -> bool:
        return self.session["schedule"]["kind"] == "interleaved"

    @property
    def finished(self) -> bool:
        return all(s in (DONE, DEAD) for s in self.state.values())

    def load_command(self, variant: str) -> dict[str, Any]:
        """The ``load`` command that configures the runner of ``variant``."""
        keys = ("file", "target", "device", "mode", "warmup", "seed", "threads", "matmul_precision",
                "cpu_fusion", "introspect", "trace_out", "iters", "pin_cpus", "pin_core",
                "compile_dynamic", "compile_fullgraph", "compile_cache")
        cfg = {k: self.settings.get(k) for k in keys}
        cfg["variant"] = variant
        return {"cmd": P.CMD_LOAD, **cfg}

    def start(self) -> list[Command]:
        """Commands to send once the runners are started: load them all."""
        now = self.clock()
        for v in self.order:
            self._busy_since[v] = now
            self.last_heard[v] = now
            self._variant(v)["status"] = S.STATUS_RUNNING
            self.listener("status", v, {"phase": "loading", "text": "starting runner"})
        return [(v, self.load_command(v)) for v in self.order]

    def on_message(self, variant: str, msg: dict[str, Any]) -> list[Command]:
        """Take one message from ``variant``'s runner; return commands to send.

        A message of the wrong shape fails that variant only ("runner sent a
        malformed message: ..."); its runner is then named by
        :meth:`take_kill_requests` and nothing more from it is taken.
        """
        if variant not in self.state or variant in self._malformed:
            return []
        self.last_heard[variant] = self.clock()
        wrong = message_check.problem(msg)
        kind = msg.get("t") if isinstance(msg, dict) else None
        handler = getattr(self, f"_on_{kind}", None)
        if wrong is None and handler is None:
            return []
        if wrong is None and handler is not None:
            try:
                handler(variant, msg)
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
                wrong = f"a {kind!r} message that cannot be used ({type(exc).__name__}: {exc})"
        if wrong is not None:
            self._fail_malformed(variant, f"{MALFORMED}: {wrong}", "protocol")
        return self._advance()

    def take_kill_requests(self) -> list[str]:
        """Variants whose runner must be stopped (it sent a malformed message); each named once."""
        out, self._kill_requests = self._kill_requests, []
        return out

    def abandon(self, reason: str) -> None:
        """End the run where it stands (the scheduler failed, or the app is closing).

        Every variant that is not final becomes ``stopped`` with what it
        measured, or ``failed`` with ``reason`` if it measured nothing, so no
        saved session keeps ``running``.
        """
        self.stopping = True
        for name, state in self.state.items():
            v = self._variant(name)
            if v["status"] not in S.FINAL_STATUSES:
                measured = self.iterations[name].measured_count > 0
                v["status"] = S.STATUS_STOPPED if measured else S.STATUS_FAILED
                if not measured:
                    v["error"] = error_record(reason, self._phase_of(state), kind="stopped")
            self.state[name] = DEAD if state != DONE else DONE
        self._emit_finished()

    def on_exit(self, variant: str, code: int | None, sig: int | None, stderr_tail: str = "") -> list[Command]:
        """Take the exit of ``variant``'s runner; return commands to send."""
        state = self.state.get(variant)
        if state in (DONE, DEAD):
            self.state[variant] = DONE if state == DONE else DEAD
            return self._advance()
        v = self._variant(variant)
        self._charge(variant)
        if state == INTROSPECTING and self.measured[variant] and v["status"] not in S.FINAL_STATUSES:
            # Every iteration was measured before introspection began: the timings stand.
            self._introspection_failed(variant, describe_exit(code, sig)
                                       + (f"\n{stderr_tail.strip()}" if stderr_tail.strip() else ""))
            return self._advance()
        if v["status"] not in S.FINAL_STATUSES:
            if self.stopping:
                v["status"] = S.STATUS_STOPPED if self.iterations[variant].n else S.STATUS_FAILED
                if v["status"] == S.STATUS_FAILED:
                    v["error"] = error_record("stopped before any iteration was measured", self._phase_of(state))
            else:
                v["status"] = S.STATUS_FAILED
                v["error"] = error_record(
                    describe_exit(code, sig) + (f"\n{stderr_tail.strip()}" if stderr_tail.strip() else ""),
                    self._phase_of(state), kind="crash")
        self.state[variant] = DEAD
        self.listener("variant_done", variant, {"status": v["status"]})
        return self._advance()

    def check_timeouts(self) -> list[str]:
        """Variants whose runner has used up ``timeout`` seconds of work.

        They are marked ``timeout``; the driver must kill their processes.
        """
        limit = self.settings.get("timeout")
        if not limit:
            return []
        now = self.clock()
        expired = []
        for v, since in self._busy_since.items():
            if since is None or self.state[v] in (DONE, DEAD):
                continue
            if self._used_s[v] + (now - since) > limit:
                rec = self._variant(v)
                rec["status"] = S.STATUS_TIMEOUT
                rec["error"] = error_record(
                    f"timed out after {limit:g} s of work ({self._phase_of(self.state[v])} phase); "
                    "the runner was killed", self._phase_of(self.state[v]), kind="timeout")
                self._busy_since[v] = None
                expired.append(v)
        return expired

    def stop(self) -> list[str]:
        """Stop the run: no further work; returns the variants to kill."""
        self.stopping = True
        self.session["settings"]["stopped"] = True
        return [v for v, s in self.state.items() if s not in (DONE, DEAD)]

    # ---- message handlers

    def _on_ready(self, variant: str, msg: dict) -> None:
        if msg.get("pid"):
            self.pids[variant] = int(msg["pid"])
        if not self.session["env"]:
            self.session["env"] = msg.get("env", {})

    def _on_status(self, variant: str, msg: dict) -> None:
        self.last_status[variant] = msg
        self.listener("status", variant, msg)

    def _on_loaded(self, variant: str, msg: dict) -> None:
        self._charge(variant)
        v = self._variant(variant)
        if msg.get("env"):
            self.session["env"] = msg["env"]
        if msg.get("target") and not self.settings.get("target"):
            self.settings["target"] = msg["target"]  # the one the file's default resolved to
        v["notes"].extend(msg.get("notes", []))
        v["warnings"].extend(msg.get("warnings", []))
        if msg.get("not_applicable"):
            v["status"] = S.STATUS_NOT_APPLICABLE
            v["error"] = None
            v["notes"].append(msg["not_applicable"])
            self.state[variant] = FINISHING
            self._finish_queue.append(variant)
            return
        self.state[variant] = LOADED
        self.listener("status", variant, {"phase": "loaded", "text": "loaded, waiting"})

    def _on_iters(self, variant: str, msg: dict) -> None:
        dev = self.session["env"].get("device")
        kind = dev.get("kind") if isinstance(dev, dict) else None
        # GPU events can read 0.0 ms for a step that launched no kernel; a CPU clock cannot.
        zero_ok = str(kind or self.settings.get("device") or "").startswith("cuda")
        impossible = message_check.impossible_time(msg, zero_ok=zero_ok)
        if impossible:
            self._fail_malformed(variant, f"impossible timing: {impossible}", "timing")
            return
        batch = P.IterBatch.from_message(msg)
        self.iterations[variant].add(batch)
        if not batch.warmup:
            self.measured[variant] += len(batch)
        self.listener("iters", variant, {"batch": batch})

    def _on_built(self, variant: str, msg: dict) -> None:
        self._charge(variant)
        v = self._variant(variant)
        for key in ("build_ms", "first_call_ms", "check", "peak_memory_bytes", "compile_time", "cudagraphs"):
            if key in msg:
                v[key] = msg[key]
        v["warnings"].extend(msg.get("warnings", []))
        v["notes"].extend(msg.get("notes", []))
        self.est_iter_ms[variant] = float(msg.get("est_iter_ms") or 1.0)
        self._cap_diagnostic(variant)
        self.state[variant] = BUILT
        if self.interleaved and msg.get("device_free_bytes") is not None and msg.get("peak_memory_bytes"):
            others = sum(1 for s in self.state.values() if s == LOADED)
            need = msg["peak_memory_bytes"] * others * MEMORY_HEADROOM
            if others and need > msg["device_free_bytes"]:
                self._switch_to_sequential(
                    f"sequential schedule: {variant} needs {msg['peak_memory_bytes'] / 2**20:.0f} MiB and only "
                    f"{msg['device_free_bytes'] / 2**20:.0f} MiB of device memory are free, so the variants "
                    "cannot all stay resident for interleaved rounds"
                )
        self.listener("status", variant, {"phase": "built", "text": "built and warmed up"})

    def _on_block(self, variant: str, msg: dict) -> None:
        self._charge(variant)
        self.state[variant] = BUILT
        sample = msg.get("sample")
        if sample:
            self.session["samples"].append({"round": msg.get("round"), "variant": variant, **sample})
        if msg.get("peak_memory_bytes") is not None:
            self._variant(variant)["peak_memory_bytes"] = msg["peak_memory_bytes"]
        self.listener("block", variant, msg)

    def _on_sampled(self, variant: str, msg: dict) -> None:
        self._charge(variant)
        self.state[variant] = BUILT
        v = self._variant(variant)
        if msg.get("unavailable"):
            self._no_samples.add(variant)
            v["notes"].append(f"no device time: {msg['unavailable']}")
            return
        rows = device_rows(msg)
        v["device_samples"].extend(rows)
        v["device_unit"] = msg.get("unit")
        self._sampled_rounds[variant] += 1
        self.listener("sampled", variant, {"rows": rows})

    def _on_introspected(self, variant: str, msg: dict) -> None:
        self._charge(variant)
        v = self._variant(variant)
        v["graphs"] = msg.get("graphs")
        v["kernels"] = msg.get("kernels")
        v["notes"].extend(msg.get("notes", []))
        self.state[variant] = FINISHING
        self._finish_queue.append(variant)

    def _on_recompiled(self, variant: str, msg: dict) -> None:
        """A recompile at iteration ``i``: recorded, and its iterations kept out of the statistics."""
        v = self._variant(variant)
        entry = {k: msg.get(k) for k in ("i", "warmup", "compile_id", "function", "file", "line", "reason",
                                         "guard", "subject", "seconds")}
        # Under CUDA graphs the new graph is warmed up, then recorded, on the two calls after it compiles.
        dev = self.session["env"].get("device")
        kind = str((dev.get("kind") if isinstance(dev, dict) else None) or self.settings.get("device") or "")
        span = 3 if uses_cudagraphs(variant) and kind.startswith("cuda") else 1
        excluded = list(range(int(msg["i"]), int(msg["i"]) + span))
        entry["excluded"] = excluded
        v["recompiles"].append(entry)
        self.iterations[variant].exclude(excluded)
        where = "warm-up " if msg.get("warmup") else ""
        kept = (f"iteration {msg['i']}" if span == 1 else f"iterations {msg['i']}-{msg['i'] + span - 1}")
        v["notes"].append(f"{where}iteration {msg['i']}: Dynamo recompiled ({msg.get('reason') or 'reason unknown'})"
                          + ("" if msg.get("warmup") else f"; {kept} kept out of the steady statistics"))
        self.listener("recompiled", variant, entry)

    def _on_bye(self, variant: str, msg: dict) -> None:
        v = self._variant(variant)
        if msg.get("cudagraphs") is not None:
            v["cudagraphs"] = msg["cudagraphs"]
        if msg.get("peak_memory_bytes") is not None:
            v["peak_memory_bytes"] = msg["peak_memory_bytes"]
        v["warnings"].extend(w for w in msg.get("warnings", []) if w not in v["warnings"])
        if v["status"] not in S.FINAL_STATUSES:
            v["status"] = S.STATUS_STOPPED if self.stopping else S.STATUS_OK
        self.state[variant] = DONE
        self._busy_since[variant] = None
        self.listener("variant_done", variant, {"status": v["status"]})

    def _on_error(self, variant: str, msg: dict) -> None:
        state = self.state.get(variant)
        self._charge(variant)
        v = self._variant(variant)
        if v["status"] == S.STATUS_TIMEOUT:  # interrupted because it timed out: that is the story
            self.state[variant] = DEAD
            return
        if state == INTROSPECTING and self.measured[variant] and msg.get("kind") != "protocol":
            self._introspection_failed(variant, str(msg.get("message") or "an error"))
            return
        v["status"] = S.STATUS_FAILED
        v["error"] = error_from_message(msg)
        if msg.get("fatal") and self.fatal_error is None:
            self.fatal_error = v["error"]
        self.state[variant] = DEAD  # the runner exits after reporting an error
        self.listener("variant_done", variant, {"status": v["status"]})

    def _fail_malformed(self, variant: str, message: str, kind: str) -> None:
        self._charge(variant)
        v = self._variant(variant)
        self._malformed.add(variant)
        self._kill_requests.append(variant)
        if v["status"] != S.STATUS_TIMEOUT:
            v["status"] = S.STATUS_FAILED
            v["error"] = error_record(message, self._phase_of(self.state.get(variant)), kind=kind)
        self.state[variant] = DEAD
        self.listener("variant_done", variant, {"status": v["status"]})

    def _introspection_failed(self, variant: str, why: str) -> None:
        """Introspection died after the measurements: the variant keeps them and says what was lost."""
        v = self._variant(variant)
        v["status"] = S.STATUS_STOPPED if self.stopping else S.STATUS_OK
        v["error"] = None
        v["notes"].append(f"introspection failed (graphs and kernels are missing; the timings are complete): "
                          f"{why.strip()}")
        self._busy_since[variant] = None
        self.state[variant] = DEAD
        self.listener("variant_done", variant, {"status": v["status"]})

    # ---- scheduling

    def _advance(self) -> list[Command]:
        cmds = self._drain_finishes()
        if self.stopping:
            return cmds + self._emit_finished()
        if any(s in _EXECUTING or s == LOADING for s in self.state.values()):
            return cmds
        nxt = self._next_interleaved() if self.interleaved else self._next_sequential()
        cmds += self._drain_finishes()
        if nxt:
            cmds.append(nxt)
        return cmds + self._emit_finished()

    def _drain_finishes(self) -> list[Command]:
        cmds: list[Command] = []
        while self._finish_queue:
            v = self._finish_queue.pop(0)
            cmds.append((v, {"cmd": P.CMD_FINISH}))
            self._busy_since[v] = None
        return cmds

    def _emit_finished(self) -> list[Command]:
        if self.finished and not self._finished_emitted:
            self._finished_emitted = True
            S.finalize(self.session)
            self.listener("finished", None, {})
        return []

    def _send(self, variant: str, state: str, cmd: dict[str, Any]) -> Command:
        self.state[variant] = state
        self._busy_since[variant] = self.last_heard[variant] = self.clock()
        phase = {BUILDING: "building", RUNNING: "measuring", SAMPLING: "sampling",
                 INTROSPECTING: "introspecting"}[state]
        self.last_status[variant] = {"phase": phase, "round": cmd.get("round")}
        self.listener("status", variant, {"phase": phase, "round": cmd.get("round"), "n": cmd.get("n")})
        return variant, cmd

    def _alive(self, state: str) -> list[str]:
        return [v for v in self.order if self.state[v] == state]

    def _next_interleaved(self) -> Command | None:
        loaded = self._alive(LOADED)
        if loaded:
            return self._send(loaded[0], BUILDING, {"cmd": P.CMD_BUILD})
        if not self.interleaved:  # the memory check switched the schedule
            return self._next_sequential()
        built = self._alive(BUILT)
        if not built:
            return None
        if self.block is None:
            self.block = self._choose_block(built)
            self.session["schedule"]["block"] = self.block
            self._measure_started = self.clock()
        needing = [v for v in built if self.measured[v] < self.goal(v)]
        if needing and not self._round_queue and not self._sample_round and not self._out_of_rounds(built):
            self.round += 1
            self._round_queue = list(needing)
            self.rng.shuffle(self._round_queue)
            self.session["schedule"]["rounds"].append(list(self._round_queue))
            self.listener("round", None, {"round": self.round, "order": list(self._round_queue)})
        while self._round_queue:
            v = self._round_queue.pop(0)
            if self.state[v] == BUILT:
                n = min(self.block, self.goal(v) - self.measured[v])
                return self._send(v, RUNNING, {"cmd": P.CMD_RUN, "n": n, "round": self.round,
                                               "resume": self._resume_iters(v)})
        return self._next_sample(built) or self._introspect_next(built)

    def _sampling(self, variant: str) -> bool:
        return bool(self.settings.get("device_time", True)) and variant not in self._no_samples

    def _next_sample(self, variants: list[str]) -> Command | None:
        """The next sampled block, once every timed block has run.

        Sampled blocks come after the timed rounds, in rounds of their own
        (each variant once per round, in a shuffled order): the profiler
        leaves something behind in the process, and on an H200 the timed
        blocks that followed a sampled one ran two thirds slower
        (``benchmarks/sampling_cost.py``). Kernel
        durations do not move with the host's state, so sampling them after
        the timed rounds costs the device-time figures nothing.
        """
        while True:
            while self._sample_queue:
                v = self._sample_queue.pop(0)
                if self.state[v] == BUILT and self._sampling(v):
                    return self._send(v, SAMPLING, self._sample_command(v, self._sample_round))
            eligible = [v for v in variants if self.state[v] == BUILT and self._sampling(v)]
            if not eligible or self._sample_round >= SAMPLED_ROUNDS:
                return None
            self._sample_round += 1
            self._sample_queue = list(eligible)
            self.rng.shuffle(self._sample_queue)

    def _sample_command(self, variant: str, round_: int) -> dict[str, Any]:
        est = self.est_iter_ms.get(variant, 1.0)
        n = max(1, min(SAMPLE_MAX_ITERS, math.ceil(SAMPLE_SPAN_MS / max(est, 1e-3))))
        return {"cmd": P.CMD_SAMPLE, "n": n, "round": round_}

    def _resume_iters(self, variant: str) -> int:
        """Unmeasured iterations at the start of a block, after a switch of runner.

        A process that has just been waiting runs its first short iterations
        slower (cold caches, clocks, the allocator): on an H100 a 0.27 ms step
        took 0.69 ms as a block's first iteration. They are kept, flagged as
        warm-up, and left out of the statistics.
        """
        est = self.est_iter_ms.get(variant, 1.0)
        if est >= RESUME_SPAN_MS:
            return 0
        return min(RESUME_MAX, max(1, math.ceil(RESUME_SPAN_MS / max(est, 1e-3))))

    def _out_of_rounds(self, built: list[str]) -> bool:
        """After a complete round: has the budget or the precision target been reached?"""
        if self.round == 0:
            return False
        budget = self.settings.get("budget")
        if budget and self._measure_started is not None and self.clock() - self._measure_started >= budget:
            self._note_once("stopped at the time budget of %g s" % budget)
            return True
        precision = self.settings.get("precision")
        if precision and self.round >= MIN_ROUNDS_FOR_PRECISION:
            S.finalize(self.session)
            widths = [
                stats.relative_half_width({"estimate": rec["speedup_vs_eager"], "ci": rec["speedup_ci"]})
                for name, rec in self.session["variants"].items()
                if name != "eager" and name in built and rec["speedup_vs_eager"]
            ]
            if widths and all(w is not None and w <= precision for w in widths):
                self._note_once(f"stopped early after {self.round} rounds: every speedup known to +/-{precision:.0%}")
                return True
        return False

    def _note_once(self, note: str) -> None:
        notes = self.session["schedule"]["notes"]
        if note not in notes:
            notes.append(note)

    def _introspect_next(self, built: list[str]) -> Command | None:
        for v in self.order:
            if self.state[v] == BUILT:
                if self.settings.get("introspect", True):
                    return self._send(v, INTROSPECTING, {"cmd": P.CMD_INTROSPECT})
                self.state[v] = FINISHING
                self._finish_queue.append(v)
        return None

    def _next_sequential(self) -> Command | None:
        for v in self.order:
            state = self.state[v]
            if state in (DONE, DEAD, FINISHING):
                continue
            if state == LOADED:
                return self._send(v, BUILDING, {"cmd": P.CMD_BUILD})
            if state == BUILT:
                block = self._choose_block([v])
                self.session["schedule"]["block"] = max(self.session["schedule"]["block"] or 0, block)
                if self.measured[v] < self.goal(v) and not self._budget_spent(v):
                    r = self._seq_round[v] = self._seq_round.get(v, 0) + 1
                    n = min(block, self.goal(v) - self.measured[v])
                    return self._send(v, RUNNING, {"cmd": P.CMD_RUN, "n": n, "round": r})
                done = self._seq_sampled.get(v, 0)
                if self._sampling(v) and done < SAMPLED_ROUNDS:  # after its timed blocks, as when interleaved
                    self._seq_sampled[v] = done + 1
                    return self._send(v, SAMPLING, self._sample_command(v, done + 1))
                if self.settings.get("introspect", True):
                    return self._send(v, INTROSPECTING, {"cmd": P.CMD_INTROSPECT})
                self.state[v] = FINISHING
                self._finish_queue.append(v)
                return None
            return None
        return None

    def _budget_spent(self, variant: str) -> bool:
        budget = self.settings.get("budget")
        if not budget:
            return False
        share = budget / max(1, len(self.order))
        start = self._seq_started.setdefault(variant, self.clock())
        return self.clock() - start >= share

    def _choose_block(self, variants: list[str]) -> int:
        slowest = max((self.est_iter_ms.get(v, 1.0) for v in variants), default=1.0)
        by_time = max(1, int(TARGET_BLOCK_MS // max(slowest, 1e-3)))
        by_rounds = max(1, math.ceil(self.settings["iters"] / MIN_ROUNDS))
        if self.settings.get("block"):
            return int(self.settings["block"])
        return max(1, min(by_time, by_rounds))

    def goal(self, variant: str) -> int:
        """Measured iterations ``variant`` is to run (``iters``, or fewer for a capped diagnostic run)."""
        return min(int(self.settings["iters"]), self.iter_caps.get(variant, int(self.settings["iters"])))

    def _cap_diagnostic(self, variant: str) -> None:
        """``--cpu-fusion`` runs NNC's IR interpreter: estimate the run from the warm-up and cap it, saying so."""
        cap = diagnostic_cap(self.settings, variant, self.est_iter_ms[variant])
        if cap is None:
            return
        self.iter_caps[variant] = cap
        est_s = self.est_iter_ms[variant] / 1000.0
        note = (f"diagnostic CPU fusion: {variant} takes about {est_s:.1f} s per iteration through NNC's "
                f"interpreter, so {self.settings['iters']} iterations would take about "
                f"{est_s * self.settings['iters'] / 60:.0f} min; measuring {cap} instead (about "
                f"{est_s * cap:.0f} s) — these timings only show what fuses")
        self._variant(variant)["warnings"].append(note)
        self.listener("status", variant, {"phase": "built", "text": f"capped at {cap} iterations (diagnostic)"})

    def _switch_to_sequential(self, note: str) -> None:
        self.session["schedule"]["kind"] = "sequential"
        self.session["schedule"]["notes"].append(note)

    # ---- helpers

    def _variant(self, name: str) -> dict[str, Any]:
        return self.session["variants"][name]

    def _charge(self, variant: str) -> None:
        since = self._busy_since.get(variant)
        if since is not None:
            self._used_s[variant] += self.clock() - since
        self._busy_since[variant] = None

    @staticmethod
    def _phase_of(state: str | None) -> str:
        return {LOADING: P.PHASE_LOAD, LOADED: P.PHASE_LOAD, BUILDING: P.PHASE_BUILD}.get(state or "", P.PHASE_RUN)


def device_rows(msg: dict[str, Any]) -> list[dict[str, Any]]:
    """The iterations of a ``sampled`` message as session rows.

    Raises
    ------
    ProtocolError
        If its columns are not lists of ``n`` numbers (or nulls).
    """
    n = msg.get("n")
    if not isinstance(n, int) or n < 1:
        raise P.ProtocolError(f"sampled message with n={n!r}")
    cols = {}
    for key in ("fwd_busy", "bwd_busy", "fwd_launches", "bwd_launches"):
        col = msg.get(key)
        if not isinstance(col, list) or len(col) != n:
            raise P.ProtocolError(f"sampled message whose {key!r} is not a list of {n} values")
        for x in col:
            if x is not None and (isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x)
                                  or x < 0):
                raise P.ProtocolError(f"sampled message with {key!r} value {x!r}")
        cols[key] = col
    return [{"round": msg.get("round"), "fwd_ms": cols["fwd_busy"][k], "bwd_ms": cols["bwd_busy"][k],
             "fwd_launches": cols["fwd_launches"][k], "bwd_launches": cols["bwd_launches"][k]} for k in range(n)]

MALFORMED = "runner sent a malformed message"


#: A ``--cpu-fusion`` variant's measured iterations are capped to about this many seconds ...
DIAGNOSTIC_BUDGET_S = 60.0
#: ... but never fewer than this many iterations.
DIAGNOSTIC_MIN_ITERS = 3


def diagnostic_cap(settings: dict[str, Any], variant: str, est_iter_ms: float) -> int | None:
    """Iterations to measure for a slow diagnostic (``--cpu-fusion``) variant, or None to run them all."""
    if not settings.get("cpu_fusion") or variant not in ("script", "trace"):
        return None
    iters = int(settings["iters"])
    if est_iter_ms * iters <= DIAGNOSTIC_BUDGET_S * 1000.0:
        return None
    return max(DIAGNOSTIC_MIN_ITERS, min(iters, int(DIAGNOSTIC_BUDGET_S * 1000.0 // max(est_iter_ms, 1e-3))))


def describe_exit(code: int | None, sig: int | None) -> str:
    """Human text for a runner that ended without saying goodbye."""
    if sig:
        try:
            name = _signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"runner exited with signal {sig} ({name})"
    if code is None:
        return "the runner process could not be started"
    return f"runner exited with code {code}"
