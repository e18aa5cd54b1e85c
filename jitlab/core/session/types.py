"""The shapes of a ``jitlab.session/1`` file, as types.

:mod:`jitlab.core.session.schema` checks a file against these shapes when it is loaded; this module
names them for the code that builds and reads sessions, so that mypy can check it (``jitlab.core`` is
type-checked in the test command). Every key of a record may be absent in an older file, hence
``total=False``; :func:`jitlab.core.session.store.validate` fills in a variant's missing keys.

:func:`error_record` is the one constructor of a variant's ``error``.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from jitlab.core.session.iterations import IterationStore

Status = Literal["ok", "failed", "timeout", "not_applicable", "stopped", "pending", "running"]
#: What kind of failure an error is: the runner's own kinds (``exception``, ``oom``, ...) and those the
#: parent decides (``crash``, ``timeout``, ``hang``, ``protocol``, ``stopped``, ``input``).
ErrorKind = str


class Location(TypedDict, total=False):
    """A place in the user's code."""

    file: str
    line: int


class ErrorRecord(TypedDict, total=False):
    """Why a variant failed (``variants.<name>.error``), or why a module could not be probed."""

    message: str
    phase: str | None
    kind: ErrorKind | None
    traceback: str | None
    location: Location | None
    memory: dict[str, Any] | None
    fatal: bool


class Iteration(TypedDict, total=False):
    """One timed iteration."""

    i: int
    fwd_ms: float
    bwd_ms: float | None
    cpu_ms: float | None
    warmup: bool
    round: int | None
    #: A recompile slowed it: in no statistic (:func:`jitlab.core.session.store.mark_recompiles`).
    recompile: bool


class Summary(TypedDict, total=False):
    """Statistics of one phase over the steady iterations (:func:`jitlab.core.stats.summarize`)."""

    n: int
    median: float
    p25: float
    p75: float
    iqr: float
    min: float
    max: float
    mean: float


class Stats(TypedDict, total=False):
    fwd: Summary | None
    bwd: Summary | None
    total: Summary | None


class Check(TypedDict, total=False):
    """The variant's outputs against eager's."""

    ok: bool | None
    max_abs_err: float | None
    max_rel_err: float | None
    note: str | None
    nonfinite: int | None
    random: bool | None
    second_input: dict[str, Any] | None
    outputs: list[dict[str, Any]] | None


class Speedup(TypedDict, total=False):
    estimate: float | None
    ci: list[float] | None
    method: str | None
    n: int | None


class DeviceSample(TypedDict, total=False):
    """One iteration sampled under the profiler: device-busy (or operator) time per phase."""

    round: int | None
    fwd_ms: float | None
    bwd_ms: float | None
    fwd_launches: float | None
    bwd_launches: float | None


class Verdict(TypedDict, total=False):
    kind: str
    text: str


class DeviceRecord(TypedDict, total=False):
    """Where the time goes (derived by :mod:`jitlab.core.present.breakdown`)."""

    unit: str
    iterations: int
    fwd: Summary | None
    bwd: Summary | None
    total: Summary | None
    launches: dict[str, float | None]
    host_ms: dict[str, float | None]
    busy_share: float | None
    verdict: Verdict | None


class Reliability(TypedDict, total=False):
    unreliable: bool
    causes: list[str]
    variants: list[str]
    fix: str | None


class Drift(TypedDict, total=False):
    change: float
    first_third_ms: float
    last_third_ms: float
    p: float


class Variant(TypedDict, total=False):
    """``variants.<name>``: everything recorded about one variant."""

    status: Status
    error: ErrorRecord | None
    #: The records, as a file holds them; a running or shown session holds them as columns instead.
    iterations: list[Iteration] | IterationStore
    stats: Stats
    speedup_vs_eager: float | None
    speedup_ci: list[float] | None
    speedup_method: str | None
    build_ms: float | None
    first_call_ms: float | None
    check: Check | None
    warnings: list[str]
    peak_memory_bytes: int | None
    drift: Drift | None
    #: TorchScript's graphs and fusion groups, or torch.compile's Dynamo graphs and Inductor code.
    graphs: dict[str, Any] | None
    #: What the variant launched per profiled iteration (:mod:`jitlab.runner.introspect.kernels`).
    kernels: dict[str, Any] | None
    notes: list[str]
    device_samples: list[DeviceSample]
    device_unit: str | None
    device: DeviceRecord | None
    speedup_device: Speedup | None
    speedup_host_dependent: bool | None
    speedup_unreliable: bool
    reliability: Reliability | None
    #: Compile variants: where the first call's time went (:mod:`jitlab.runner.compile_times`).
    compile_time: dict[str, Any] | None
    #: Compile variants: every recompile after the first call, at its iteration, with its failed guard.
    recompiles: list[dict[str, Any]]
    #: Compile variants under CUDA graphs: each graph used or skipped, with torch's reason.
    cudagraphs: dict[str, Any] | None


class Device(TypedDict, total=False):
    kind: str
    id: str
    name: str
    index: int
    memory_bytes: int
    capability: list[int]
    multiprocessors: int


class Env(TypedDict, total=False):
    """``env``: the machine and software the runners saw."""

    device: Device
    hostname: str
    cpu_model: str
    cpu_count: int
    torch: str
    python: str
    platform: str
    cuda: str | None
    cudnn: int | None
    driver: str | None
    nvml: dict[str, Any] | None
    cuda_visible_devices: str | None
    cuda_matmul_allow_tf32: bool
    cudnn_allow_tf32: bool
    matmul_precision: str
    llvm_enabled: bool
    cpu_affinity: list[int]
    threads: int
    interop_threads: int


class Schedule(TypedDict, total=False):
    kind: str
    block: int | None
    rounds: list[list[str]]
    notes: list[str]


class Sample(TypedDict, total=False):
    """``samples[]``: the device's or CPU's conditions after one block."""

    round: int | None
    variant: str
    time: float


class Session(TypedDict, total=False):
    """A whole session file."""

    schema: str
    jitlab: str
    created: str
    env: Env
    settings: dict[str, Any]
    schedule: Schedule
    variants: dict[str, Variant]
    samples: list[Sample]
    warnings: list[str]
    reliability: Reliability | None


def error_record(message: str, phase: str | None = None, kind: ErrorKind | None = None,
                 traceback: str | None = None, location: Location | None = None,
                 **extra: Any) -> ErrorRecord:
    """A variant's ``error``: the one constructor, so every error has the same keys in the same order.

    Parameters
    ----------
    message : str
        What went wrong, in words; its first line is what a table shows.
    phase : str, optional
        The runner's phase (``load``, ``build``, ``warmup``, ``measure``, ...).
    kind : str, optional
        See :data:`ErrorKind`.
    traceback : str, optional
        The Python traceback, or the runner's stack or stderr.
    location : Location, optional
        The place in the user's code it points at.
    **extra
        Further keys a runner sent (``memory`` for an out-of-memory error, ``fatal``).
    """
    err: dict[str, Any] = {"message": message, "phase": phase, "kind": kind, "traceback": traceback,
                           "location": location}
    err.update(extra)
    return err  # type: ignore[return-value]  # the extra keys are ErrorRecord's own


def error_from_message(msg: dict[str, Any]) -> ErrorRecord:
    """The ``error`` of a variant from a runner's ``error`` message (its protocol fields)."""
    return error_record(msg.get("message") or "", msg.get("phase"), msg.get("kind"), msg.get("traceback"),
                        msg.get("location"), memory=msg.get("memory"))
