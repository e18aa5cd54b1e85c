"""The runner process: obeys the parent's commands for one variant.

See :mod:`jitlab.core.protocol` for the message sequence.
"""

from __future__ import annotations

import copy
import os
import random
import statistics
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import torch

from jitlab.core import protocol as P
from jitlab.core import stats
from jitlab.runner import affinity
from jitlab.runner import contention
from jitlab.runner import env as E
from jitlab.runner import loader
from jitlab.runner import randomness, retrace
from jitlab.runner import stopping
from jitlab.runner.channel import Channel
from jitlab.runner.check import compare, non_tensor_count
from jitlab.runner.errors import error_message
from jitlab.runner.harness import Harness, flatten_tensors, train_inputs
from jitlab.core.variants import is_compile, uses_cudagraphs
from jitlab.runner import compile_modes
from jitlab.runner.variants import build, captured_warnings

NOT_APPLICABLE_EAGER = (
    "eager: not applicable: the module is already a torch.jit.ScriptModule (its class uses "
    "@torch.jit.script_method), so it is its own scripted variant and no eager version exists"
)


#: Warm-up continues until the last two iterations are within this factor of the median ...
SETTLE_RATIO = 1.5
#: ... for at most this many extra iterations or seconds.
SETTLE_MAX_ITERS = 50
SETTLE_SECONDS = 30.0

BUILD_WHAT = {
    "eager": "preparing the eager module", "script": "scripting the module (torch.jit.script)",
    "trace": "tracing the module (torch.jit.trace)", "compile": "wrapping the module (torch.compile)",
}


def build_what(variant: str) -> str:
    """What building ``variant`` does, for an error message."""
    if is_compile(variant) and variant != "compile":
        return f"wrapping the module (torch.compile, mode={variant.split(':', 1)[1]!r})"
    return BUILD_WHAT.get(variant, "building")


class PhaseError(Exception):
    """An exception raised in a known phase of the variant's work."""

    def __init__(self, phase: str, what: str, exc: BaseException) -> None:
        super().__init__(str(exc))
        self.phase, self.what, self.exc = phase, what, exc


@contextmanager
def phase(name: str, what: str) -> Iterator[None]:
    """Label exceptions raised inside the block with the phase they belong to."""
    try:
        yield
    except PhaseError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise PhaseError(name, what, exc) from exc


class Runner:
    """State of one variant in one process."""

    def __init__(self, channel: Channel) -> None:
        self.ch = channel
        self.cfg: dict[str, Any] = {}
        self.device = torch.device("cpu")
        self.path: Path | None = None
        self.variant = ""
        self.warnings: list[str] = []
        self.harness: Harness | None = None
        self.target: loader.Target | None = None
        self.reference_module: torch.nn.Module | None = None
        self.fn: Any = None
        self.pin_cpus: list[int] | None = None  # applied after the first call (see _pin)
        #: Compile variants: the Inductor cache in use, the CUDA-graph recorder and the recompile watch.
        self.compile_cache: dict[str, Any] | None = None
        self.cudagraphs: Any = None
        self.watch: Any = None

    # ---- commands

    def probe(self, cmd: dict) -> None:
        path = Path(cmd["file"]).resolve()
        module = loader.import_file(path)
        self.ch.send({
            "t": P.TARGETS, "file": str(path),
            "targets": loader.describe_targets(module),
            "modules": loader.module_classes(module),
            "devices": E.list_devices(),
        })

    def devices(self, cmd: dict) -> None:
        self.ch.send({"t": P.DEVICES, "devices": E.list_devices(), "env": E.basic_env()})

    def load(self, cfg: dict) -> None:
        self.cfg = cfg
        self.variant = cfg["variant"]
        # Lets a module (or a test) know which variant its process serves.
        os.environ["JITLAB_VARIANT"] = self.variant
        self.path = Path(cfg["file"]).resolve()
        self.device = E.parse_device(cfg.get("device"))
        E.make_current(self.device)
        self._same_conditions(cfg)
        notes = list(E.sample_notes(self.device))
        if is_compile(self.variant):
            # Before anything compiles: Inductor reads its cache location when it first needs it.
            self.compile_cache = compile_modes.prepare_cache(cfg)
            notes.extend(compile_modes.device_notes(self.variant, self.device))
        if cfg.get("cpu_fusion") and self.device.type == "cpu" and self.variant in ("script", "trace"):
            torch._C._jit_override_can_fuse_on_cpu(True)
            torch._C._jit_set_te_must_use_llvm_cpu(False)
            notes.append("diagnostic CPU fusion: NNC fuses on CPU through its IR interpreter (no LLVM in this "
                         "build), so these timings are slower than real and only show what would fuse")
        self.ch.status("loading", f"importing {self.path.name}")
        module = loader.import_file(self.path)
        self.ch.status("loading", "calling the target")
        torch.manual_seed(cfg.get("seed") or 0)
        target = loader.call_target(module, self.path, cfg.get("target"), self.device)
        self.target = target
        env = E.full_env(self.device)
        if not hasattr(os, "sched_setaffinity"):
            if str(cfg.get("pin_cpus") or "none") not in ("auto", "none"):
                notes.append("--pin-cpus was ignored: pinning runners to CPU cores works on Linux only")
        else:
            self.pin_cpus = affinity.choose(str(cfg.get("pin_cpus") or "none"), self.device.type, cfg.get("pin_core"))
            if self.pin_cpus is not None:
                env["cpu_affinity"] = self.pin_cpus
                if self.device.type == "cpu" and torch.get_num_threads() > len(self.pin_cpus):
                    torch.set_num_threads(len(self.pin_cpus))
                    env["threads"] = len(self.pin_cpus)
        base = {"t": P.LOADED, "env": env, "target": target.name, "script_module": target.is_script_module,
                "notes": notes}
        if target.is_script_module and self.variant == "eager":
            self.ch.send({**base, "not_applicable": NOT_APPLICABLE_EAGER})
            return
        train = cfg.get("mode", "train") == "train"
        target.module.train(train)
        if train:
            target.inputs, extra = train_inputs(target.module, target.inputs)
            notes.extend(extra)
        if self.variant not in ("eager", P.SAVE_VARIANT):  # a saving runner checks against the module itself
            self.reference_module = copy.deepcopy(target.module)
        self.ch.send(base)

    def build(self, cmd: dict) -> None:
        t = self.target
        assert t is not None
        train = self.cfg.get("mode", "train") == "train"
        seed = self.cfg.get("seed") or 0
        notes: list[str] = []
        self.ch.status("building", f"building the {self.variant} variant")
        second = self.reference_module if self.variant == "trace" else None  # eager, for a second input
        random = randomness.prepare(self.variant, self.reference_module, t.inputs, seed, notes)
        reference = self._reference_output(seed, notes)
        compiling = is_compile(self.variant)
        if compiling:
            from jitlab.runner import cudagraphs
            from jitlab.runner.introspect import provenance

            provenance.enable_inductor(notes)  # before the first call compiles
            self.cudagraphs = cudagraphs.Recorder(self.variant, self.device)
        with captured_warnings(self.warnings), phase(P.PHASE_BUILD, build_what(self.variant)):
            self.fn, build_ms = build(self.variant, t.module, t.inputs, train, self.cfg)
        leaves = list(t.module.parameters()) + [x for x in t.inputs if x.requires_grad]
        self.harness = h = Harness(self.fn, t.inputs, train, self.device, leaves)
        warmup = max(1, int(self.cfg.get("warmup") or 3))
        first = "compiling (first call)" if compiling else "first call"
        self.ch.status("warmup", first, i=1, n=warmup)
        compile_msg: dict[str, Any] = {}
        with captured_warnings(self.warnings), phase(P.PHASE_RUN, "running the warm-up iterations"):
            if compiling:
                compile_msg = self._compile_first_call(h, t, notes)
                results = compile_msg.pop("_results")
            else:
                results = h.run(1, True, None, self.ch.send)
            self._pin()
            if warmup > 2:
                self.ch.status("warmup", "profiling runs", i=2, n=warmup)
                results += h.run(warmup - 2, True, None, self.ch.send)
            results += self._settle(h, warmup, results)
            torch.manual_seed(seed)
            results += h.run(1, True, None, self.ch.send)
        if h.no_backward:
            complex_out = [t for t in flatten_tensors(h.last_output) if t.is_complex() and t.requires_grad]
            notes.append("the output is complex: only real floating outputs are summed into the loss, so no "
                         "backward is timed" if complex_out else
                         "no output requires grad, so there is no backward to time")
        check = None
        if reference is not None:
            with phase(P.PHASE_CHECK, "comparing outputs with eager"):
                check = compare(reference, h.last_output)
            if check is None:
                notes.append("outputs not checked: the forward returned no tensor "
                             f"({type(h.last_output).__name__}), so there is nothing to compare with eager")
            elif non_tensor_count(h.last_output):
                notes.append(f"the output check compared {check['compared']}")
        elif t.is_script_module:
            notes.append("no eager reference for a ScriptModule class: outputs were not checked")
        if second is not None:
            check = retrace.apply(check, second, self.fn, t.inputs, seed, self.warnings)
            del second
        check = randomness.mark(check, random)
        totals = [f + (b or 0.0) for f, b in results]
        msg = {
            "t": P.BUILT, "build_ms": build_ms, "first_call_ms": totals[0],
            "est_iter_ms": stats.typical_iter_ms(totals), "check": check, "warnings": list(self.warnings), "notes": notes,
        }
        msg.update(self._memory())
        if compiling:
            compile_msg["cudagraphs"] = self.cudagraphs.report() if self.cudagraphs else None
            msg.update(compile_msg)
        self.ch.send(msg)

    def _compile_first_call(self, h: Harness, t: loader.Target, notes: list[str]) -> dict[str, Any]:
        """The first call of a compile variant, with where its time went; then the recompile watch."""
        from jitlab.runner import compile_times, recompiles

        h.before_step = compile_modes.mark_step(self.variant, self.device)
        # Under CUDA graphs the previous step's outputs live in memory the next replay overwrites.
        h.release_outputs = uses_cudagraphs(self.variant)
        first = compile_times.FirstCall()
        results = h.run(1, True, None, self.ch.send)
        f, b = results[0]
        breakdown = first.breakdown(f + (b or 0.0), self.compile_cache or {})
        self.watch = recompiles.Watch(t.module, t.inputs, self.ch.send)
        if self.watch.error:
            notes.append(self.watch.error)
        h.after_step = self.watch
        return {"_results": results, "compile_time": breakdown,
                "compile_cache": (self.compile_cache or {}).get("cache")}

    def _pin(self) -> None:
        """Move to the run's cores (``--pin-cpus``) once the first call is done.

        Not earlier: torch.compile compiles on the first call, and Inductor
        sizes its compile threads and worker processes by this process's cores.
        """
        if self.pin_cpus is None:
            return
        if self.device.type != "cpu":
            # Start the intra-op pool first, so that its threads keep every core: CPU ops
            # inside a GPU step must not crowd onto the launching thread's core.
            torch.ones(1 << 18).add_(1)
        # A CPU step runs on the intra-op threads too: all of them move to the listed cores.
        affinity.pin(self.pin_cpus, all_threads=self.device.type == "cpu")

    def _settle(self, h: Harness, warmup: int, results: list) -> list:
        """Extra warm-up until the last two iterations are near the typical warm-up time.

        Executors keep optimising past the nominal warm-up (TorchScript compiles
        a fused backward kernel on a later call, for example); a spike in the
        first measured iterations would otherwise land in the statistics.
        """
        extra: list = []
        deadline = time.perf_counter() + SETTLE_SECONDS
        while len(extra) < SETTLE_MAX_ITERS and time.perf_counter() < deadline:
            totals = [f + (b or 0.0) for f, b in (results + extra)[1:]]
            typical = statistics.median(totals) if totals else 0.0
            if len(totals) >= 2 and max(totals[-2:]) <= SETTLE_RATIO * typical:
                break
            self.ch.status("warmup", "settling", i=warmup + len(extra) + 1, n=warmup)
            extra += h.run(1, True, None, self.ch.send)
        return extra

    def run(self, cmd: dict) -> None:
        assert self.harness is not None
        n, round_ = int(cmd["n"]), cmd.get("round")
        meter = contention.BlockMeter()
        t0 = time.perf_counter()
        held = HeldMessages(self.ch.send)
        with stopping.timed_block():
            try:
                with phase(P.PHASE_RUN, "running the timed iterations"):
                    if cmd.get("resume"):
                        self.harness.run(int(cmd["resume"]), True, round_, held.add)
                    self.harness.run(n, False, round_, held.add)
            finally:
                held.flush()  # what the block measured is sent even when a later iteration raised
            elapsed = (time.perf_counter() - t0) * 1000.0
            if stopping.requested():
                return  # main() exits; the parent stopped the run
            contended = meter.stop()
            sample = {**E.sample(self.device), **contended}
            self.ch.send({"t": P.BLOCK, "round": round_, "n": n, "elapsed_ms": elapsed,
                          "sample": sample, **self._memory()})

    def sample(self, cmd: dict) -> None:
        """A sampled block: device time per phase, apart from the timed blocks."""
        from jitlab.runner import sampling

        assert self.harness is not None
        n, round_ = max(1, int(cmd["n"])), cmd.get("round")
        msg: dict[str, Any] = {"t": P.SAMPLED, "round": round_, "n": n}
        t0 = time.perf_counter()
        try:
            with captured_warnings(self.warnings):
                msg.update(sampling.sample_block(self, n))
        except Exception as exc:  # noqa: BLE001
            if _raised_in_step(exc):
                raise PhaseError(P.PHASE_RUN, "running the sampled iterations", exc) from exc
            # The profiler failed, not the module: the variant's timings stand without device time.
            msg["unavailable"] = f"the profiler could not sample this variant ({type(exc).__name__}: {exc})"
        msg["elapsed_ms"] = (time.perf_counter() - t0) * 1000.0
        self.ch.send(msg)

    def introspect(self, cmd: dict) -> None:
        from jitlab.runner import introspect

        if self.harness is not None:
            self.harness.after_step = None  # explain() resets Dynamo: what compiles next is not a recompile
        if self.cudagraphs is not None:
            self.cudagraphs.freeze()
        self.ch.status("introspecting", "recording graphs and kernels")
        result = introspect.collect(self)
        self.ch.send({"t": P.INTROSPECTED, **result})

    def save(self, cmd: dict) -> None:
        """Save the module for deployment (see :mod:`jitlab.runner.save`)."""
        from jitlab.runner import save

        t = self.target
        assert t is not None and self.path is not None
        self.ch.status("saving", f"saving to {cmd['folder']}")
        base = save.stem(self.path, self.cfg.get("target") or t.name)
        with phase(P.PHASE_RUN, "saving the module"):
            result = save.save_all(t.module, t.inputs, Path(cmd["folder"]), base, self.path, cmd.get("kinds"))
        self.ch.send({"t": P.SAVED, **result})

    def finish(self, cmd: dict) -> None:
        extra: dict[str, Any] = {}
        if self.cudagraphs is not None:
            extra["cudagraphs"] = self.cudagraphs.report()
        self.ch.send({"t": P.BYE, "warnings": list(self.warnings), **self._memory(), **extra})
        if self.compile_cache and self.compile_cache.get("cache") == "cold":
            compile_modes.remove_cache(self.compile_cache.get("dir"))

    # ---- helpers

    def _same_conditions(self, cfg: dict) -> None:
        seed = cfg.get("seed") or 0
        random.seed(seed)
        torch.manual_seed(seed)
        try:
            import numpy as np

            np.random.seed(seed)
        except ImportError:
            pass
        if cfg.get("threads"):
            torch.set_num_threads(int(cfg["threads"]))
        torch.set_float32_matmul_precision(cfg.get("matmul_precision") or "highest")

    def _reference_output(self, seed: int, notes: list[str]) -> Any:
        if self.reference_module is None:
            return None
        module, self.reference_module = self.reference_module, None  # freed before timing
        torch.manual_seed(seed)
        try:
            with torch.no_grad():
                return module(*self.target.inputs)
        except Exception as exc:  # noqa: BLE001 - the variant may still run; only the check is lost
            notes.append(f"outputs not checked: the eager reference raised {type(exc).__name__}: {exc}")
            return None

    def _memory(self) -> dict[str, Any]:
        if self.device.type != "cuda":
            return {}
        free, _total = torch.cuda.mem_get_info(self.device)
        return {"peak_memory_bytes": int(torch.cuda.max_memory_allocated(self.device)), "device_free_bytes": int(free)}


def _raised_in_step(exc: BaseException) -> bool:
    """Whether an exception came from the user's step rather than from the profiler."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "step_phased":
            return True
        tb = tb.tb_next
    return False


class HeldMessages:
    """Iteration batches of a timed block, sent when the block ends.

    Writing to the pipe wakes the parent, which then competes for the CPU
    (on a two-core machine the next iteration, timed, ran up to 50% slower).
    A block is short (~100 ms), so the plots still update several times a
    second; a block longer than :data:`HOLD_S` is still streamed at that pace.
    """

    def __init__(self, send) -> None:
        self.send = send
        self.pending: list[dict] = []
        self.since = time.perf_counter()

    def add(self, msg: dict) -> None:
        self.pending.append(msg)
        if time.perf_counter() - self.since >= HOLD_S:
            self.flush()

    def flush(self) -> None:
        for msg in self.pending:
            self.send(msg)
        self.pending = []
        self.since = time.perf_counter()


#: The longest a runner holds back a timed block's iterations, in seconds.
HOLD_S = 1.0

PHASE_OF = {
    P.CMD_PROBE: P.PHASE_LOAD, P.CMD_LOAD: P.PHASE_LOAD, P.CMD_BUILD: P.PHASE_BUILD,
    P.CMD_RUN: P.PHASE_RUN, P.CMD_SAMPLE: P.PHASE_RUN, P.CMD_INTROSPECT: P.PHASE_RUN,
    P.CMD_DEVICES: P.PHASE_LOAD, P.CMD_SAVE: P.PHASE_RUN,
}
WHAT = {
    P.CMD_PROBE: "loading the file", P.CMD_LOAD: "loading the target", P.CMD_BUILD: "building and warming up",
    P.CMD_RUN: "running the timed iterations", P.CMD_SAMPLE: "running the sampled iterations",
    P.CMD_INTROSPECT: "recording graphs and kernels",
    P.CMD_DEVICES: "listing devices", P.CMD_SAVE: "saving the module",
}


def main() -> int:
    from jitlab.runner import lifeline

    stopping.install()
    lifeline.install()
    channel = Channel()
    runner = Runner(channel)
    channel.send({"t": P.READY, "pid": os.getpid(), "env": E.basic_env()})
    handlers = {
        P.CMD_PROBE: runner.probe, P.CMD_DEVICES: runner.devices, P.CMD_LOAD: runner.load,
        P.CMD_BUILD: runner.build, P.CMD_RUN: runner.run, P.CMD_SAMPLE: runner.sample,
        P.CMD_INTROSPECT: runner.introspect, P.CMD_SAVE: runner.save,
        P.CMD_FINISH: runner.finish,
    }
    for cmd in channel.commands():
        name = cmd.get("cmd")
        handler = handlers.get(name)
        if handler is None:
            channel.send({"t": P.ERROR, "phase": P.PHASE_LOAD, "message": f"unknown command {name!r}", "fatal": True})
            return 3
        try:
            handler(cmd)
        except (loader.UserInputError, E.DeviceError, affinity.AffinityError) as exc:
            loc = getattr(exc, "location", None)
            channel.send({
                "t": P.ERROR, "phase": P.PHASE_LOAD, "kind": "input", "fatal": True,
                "message": getattr(exc, "message", str(exc)),
                "location": {"file": loc[0], "line": loc[1]} if loc else None,
                "traceback": getattr(exc, "tb", None),
            })
            return 0
        except Exception as exc:  # noqa: BLE001 - any failure of this variant is reported, not raised
            user_file = runner.path or Path(cmd.get("file", "?"))
            if isinstance(exc, PhaseError):
                msg = error_message(exc.exc, exc.phase, user_file, runner.device, exc.what)
            else:
                msg = error_message(exc, PHASE_OF.get(name, P.PHASE_RUN), user_file, runner.device, WHAT.get(name, name))
            channel.send(msg)
            return 0
        if name == P.CMD_FINISH or stopping.requested():
            return 0
    # The command pipe ended without a goodbye: the parent is gone or gave up on this runner.
    if lifeline.orphaned():
        lifeline.end_group()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
