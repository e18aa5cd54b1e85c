"""The timed loop: one iteration is a forward (plus the loss reduction in
train mode) and, in train mode, a backward; each is timed separately.

On CUDA the times come from events recorded on the device's current stream,
with a synchronisation at the end of every iteration; elsewhere from
``time.perf_counter_ns``. Gradients are cleared outside the timed region.

Beside its wall time every iteration records the CPU time it got (read just
outside the timed region): the runner thread's on a CPU, the whole process's
on a GPU, where the backward launches from autograd's device thread. An
iteration whose CPU time falls far short of its wall time was preempted,
or waited.

The clocks are bound when this module is imported, so that user code that
replaces ``time.perf_counter_ns`` cannot change what is measured.
"""

from __future__ import annotations

import time
from typing import Any, Callable, ContextManager, Iterable

import torch

from jitlab.core.protocol import IterBatch
from jitlab.runner import stopping

_wall_ns = time.perf_counter_ns
_thread_cpu_ns = time.thread_time_ns
_process_cpu_ns = time.process_time_ns

#: Stream a batch at least this often during a long block (seconds).
FLUSH_INTERVAL_S = 0.05
#: ... or when it holds this many iterations.
FLUSH_SIZE = 2048


def flatten_tensors(obj: Any) -> list[torch.Tensor]:
    """Every tensor in a (nested) tensor/tuple/list/dict output, in order."""
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in flatten_tensors(v)]
    if isinstance(obj, (tuple, list)):
        return [t for v in obj for t in flatten_tensors(v)]
    return []


def loss_of(out: Any) -> torch.Tensor | None:
    """Sum of every floating output that requires grad; ``None`` if none does."""
    parts = [t.sum() for t in flatten_tensors(out) if t.is_floating_point() and t.requires_grad]
    if not parts:
        return None
    loss = parts[0]
    for p in parts[1:]:
        loss = loss + p
    return loss


def train_inputs(module: torch.nn.Module, inputs: tuple) -> tuple[tuple, list[str]]:
    """Inputs for train mode: a module without trainable parameters gets
    gradients for its floating inputs instead."""
    if any(p.requires_grad for p in module.parameters()):
        return inputs, []
    new = tuple(t.detach().clone().requires_grad_(True) if t.is_floating_point() else t for t in inputs)
    return new, ["the module has no trainable parameters: backward computes gradients of its floating inputs"]


class Harness:
    """Times iterations of ``fn(*inputs)`` on ``device``.

    Parameters
    ----------
    fn : callable
        The variant (eager module, scripted/traced module or compiled wrapper).
    inputs : tuple of tensors
    train : bool
        Forward plus backward (True) or inference-mode forward (False).
    grads_of : iterable of tensors
        Leaves whose ``.grad`` is reset after every iteration.
    """

    def __init__(self, fn: Callable, inputs: tuple, train: bool, device: torch.device,
                 grads_of: Iterable[torch.Tensor]) -> None:
        self.fn = fn
        self.inputs = inputs
        self.train = train
        self.device = device
        self.leaves = [t for t in grads_of if t.requires_grad]
        self.cuda = device.type == "cuda"
        if self.cuda:
            self._ev = [torch.cuda.Event(enable_timing=True) for _ in range(3)]
        self._cpu_ns = _process_cpu_ns if self.cuda else _thread_cpu_ns
        self.next_index = 0
        self.last_output: Any = None
        self.no_backward = False
        #: Called before every step, outside the timed region (a compile variant under CUDA graphs
        #: marks a new step there, see :func:`jitlab.runner.compile_modes.mark_step`).
        self.before_step: Callable[[], None] | None = None
        #: Called with the iteration's index and warm-up flag after every step of :meth:`run`
        #: (the recompile watch of a compile variant).
        self.after_step: Callable[[int, bool], None] | None = None
        #: Drop the previous output before a step: under CUDA graphs it lives in memory the next
        #: replay overwrites, so nothing may hold it across steps.
        self.release_outputs = False

    def _clear_grads(self) -> None:
        for t in self.leaves:
            t.grad = None

    def step(self) -> tuple[float, float | None]:
        """Run and time one iteration; returns ``(fwd_ms, bwd_ms)``."""
        fwd, bwd, _cpu = self.step_with_cpu()
        return fwd, bwd

    def step_with_cpu(self) -> tuple[float, float | None, float]:
        """Run and time one iteration; returns ``(fwd_ms, bwd_ms, cpu_ms)``."""
        self._prepare_step()
        c0 = self._cpu_ns()
        fwd, bwd = self._step_cuda() if self.cuda else self._step_host()
        return fwd, bwd, (self._cpu_ns() - c0) / 1e6

    def _prepare_step(self) -> None:
        if self.release_outputs:
            self.last_output = None
        if self.before_step is not None:
            self.before_step()

    def step_phased(self, window: Callable[[str], ContextManager]) -> None:
        """One untimed iteration with each phase inside ``window(phase)``.

        The device is synchronised before each window closes, so everything a
        phase launched has run by then: a profiler can attribute device work
        to the phase by time alone. The synchronisations change when work
        runs, not how long each kernel takes, so these iterations serve device
        time only; their wall time is not a measurement.
        """
        sync = (lambda: torch.cuda.synchronize(self.device)) if self.cuda else (lambda: None)
        self._prepare_step()
        sync()
        if not self.train:
            with torch.inference_mode(), window("fwd"):
                self.last_output = self.fn(*self.inputs)
                sync()
            return
        with window("fwd"):
            out = self.fn(*self.inputs)
            loss = loss_of(out)
            sync()
        if loss is not None:
            with window("bwd"):
                loss.backward()
                sync()
        self.last_output = out
        self._clear_grads()

    def _step_host(self) -> tuple[float, float | None]:
        if not self.train:
            with torch.inference_mode():
                t0 = _wall_ns()
                out = self.fn(*self.inputs)
                t1 = _wall_ns()
            self.last_output = out
            if self.device.type == "mps":
                torch.mps.synchronize()
            return (t1 - t0) / 1e6, None
        t0 = _wall_ns()
        out = self.fn(*self.inputs)
        loss = loss_of(out)
        t1 = _wall_ns()
        bwd = None
        if loss is not None:
            loss.backward()
            t2 = _wall_ns()
            bwd = (t2 - t1) / 1e6
        else:
            self.no_backward = True
        self.last_output = out
        self._clear_grads()
        return (t1 - t0) / 1e6, bwd

    def _step_cuda(self) -> tuple[float, float | None]:
        a, b, c = self._ev
        if not self.train:
            with torch.inference_mode():
                a.record()
                out = self.fn(*self.inputs)
                b.record()
            b.synchronize()
            self.last_output = out
            return a.elapsed_time(b), None
        a.record()
        out = self.fn(*self.inputs)
        loss = loss_of(out)
        b.record()
        bwd = None
        if loss is not None:
            loss.backward()
            c.record()
            c.synchronize()
            bwd = b.elapsed_time(c)
        else:
            b.synchronize()
            self.no_backward = True
        self.last_output = out
        self._clear_grads()
        return a.elapsed_time(b), bwd

    def run(self, n: int, warmup: bool, round_: int | None, emit: Callable[[dict], None]) -> list[tuple[float, float | None]]:
        """Run ``n`` iterations, streaming them in batches through ``emit``."""
        batch = IterBatch(self.next_index, warmup=warmup, round=round_)
        results = []
        last_flush = _wall_ns()
        try:
            for _ in range(n):
                if stopping.requested():
                    break  # the parent stopped the run: keep what was measured
                fwd, bwd, cpu = self.step_with_cpu()
                if self.after_step is not None:
                    self.after_step(self.next_index, warmup)
                results.append((fwd, bwd))
                batch.fwd_ms.append(fwd)
                batch.bwd_ms.append(bwd)
                batch.cpu_ms.append(round(cpu, 4))
                self.next_index += 1
                now = _wall_ns()
                if len(batch) >= FLUSH_SIZE or now - last_flush >= FLUSH_INTERVAL_S * 1e9:
                    emit(batch.to_message())
                    batch = IterBatch(self.next_index, warmup=warmup, round=round_)
                    last_flush = now
        finally:
            if len(batch):  # also when a step raised: the iterations before it were measured
                emit(batch.to_message())
        return results
