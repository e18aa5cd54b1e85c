"""The model every view observes: one session, its iterations, and the
live progress of each variant.

It knows no widgets and no processes. The run controller feeds it conductor
events; a loaded session file fills it in one go.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from jitlab.core.session import iterations
from jitlab.core.session import store as S
from jitlab.core.session.iterations import IterationStore
from jitlab.core.variants import ordered

#: Progress phases whose text changes restart the phase clock.
_TEXT_PHASES = ("loading", "building", "warmup", "introspecting")


@dataclass
class VariantProgress:
    """Where one variant's runner is, for the progress view."""

    phase: str = "pending"
    text: str = "waiting"
    step: int | None = None
    steps: int | None = None
    phase_started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    def describe(self, measured: int, iters: int, now: float | None = None) -> str:
        """Status text, e.g. ``measuring 40 of 100`` or ``compiling (first call) · 47 s``."""
        now = time.monotonic() if now is None else now
        secs = (self.ended or now) - self.phase_started
        clock = f" · {duration_text(secs)}"
        if self.phase == "measuring":
            return f"measuring {measured} of {iters}{clock}"
        if self.phase == "warmup":
            step = ""
            if self.step:  # settling may take more warm-up iterations than asked for
                step = f" (warm-up {self.step}" + (f" of {self.steps})" if self.steps and self.step <= self.steps else ")")
            return f"{self.text or 'warming up'}{step}{clock}"
        if self.phase == "done":
            return f"{self.text} · {measured} measured" if measured else self.text
        return f"{self.text or self.phase}{clock}"


def duration_text(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


class RunModel(QObject):
    """One session and everything derived from it for display.

    Attributes
    ----------
    session : dict or None
        The session (being filled during a run).
    series : dict of str to IterationStore
        Each variant's iterations: the columns the session holds (the conductor appends to them
        during a run), which the views read without copying.
    progress : dict of str to VariantProgress
    resources : dict of str to dict
        Latest ``{"cpu_percent", "rss_bytes"}`` of each running runner.
    samples : list of dict
        Device conditions after each block (``session["samples"]``). During a
        run this is a copy filled from the block events, in step with
        :attr:`series`, rather than the list the conductor thread appends to.
    device_samples : dict of str to list of dict
        Sampled iterations (device-busy time per phase) of each variant,
        during a run a copy filled from the ``sampled`` events.
    device_units : dict of str to str
        What each variant's sampled rows measure (``device``, ``cpu_ops``).
    running : bool
    path : str or None
        The session file this session was loaded from or last saved to.
    """

    sig_reset = Signal()
    """A different session (or none) is shown; views rebuild their rows and curves."""

    sig_iterations_added = Signal(str)
    """Iterations of a variant arrived (views redraw on their own timers)."""

    sig_progress_changed = Signal(str)
    """A variant's phase or status changed."""

    sig_stats_changed = Signal()
    """Statistics were recomputed (end of a round, end of the run)."""

    sig_finished = Signal()
    """The run ended; the session is final."""

    sig_resources_changed = Signal()
    """New CPU/memory samples of the runners."""

    sig_samples_added = Signal(str)
    """A variant ended a block and its device sample arrived (views redraw on their own timers)."""

    sig_device_sampled = Signal(str)
    """A variant's sampled block (device-busy time per iteration) arrived."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: dict[str, Any] | None = None
        self.series: dict[str, IterationStore] = {}
        self.progress: dict[str, VariantProgress] = {}
        self.resources: dict[str, dict] = {}
        self.samples: list[dict] = []
        self.device_samples: dict[str, list[dict]] = {}
        self.device_units: dict[str, str | None] = {}
        self.live: dict[str, dict] = {}
        self.running = False
        self.stopped = False
        self.path: str | None = None
        self.started: float | None = None
        self.ended: float | None = None

    # ---- what views read

    @property
    def variants(self) -> list[str]:
        return ordered(self.session["variants"]) if self.session else []

    @property
    def settings(self) -> dict[str, Any]:
        return self.session["settings"] if self.session else {}

    def record(self, variant: str) -> dict[str, Any]:
        return self.session["variants"][variant]

    def phase_stats(self, variant: str) -> dict:
        """``{"fwd", "bwd", "total"}`` summaries: live from the columns during a run, else the session's."""
        rec = self.record(variant)
        if self.running:
            return self.series[variant].summary()
        return rec.get("stats") or {"fwd": None, "bwd": None, "total": None}

    def display_record(self, variant: str) -> dict[str, Any]:
        """The variant's record, with speedups computed so far when the run is still going."""
        rec = self.record(variant)
        if self.running and variant in self.live:
            return {**rec, **self.live[variant]}
        return rec

    def set_live(self, derived: dict[str, dict]) -> None:
        """Speedups of the running session so far (from :class:`~jitlab.gui.live.live_stats.LiveStats`)."""
        if self.running:
            self.live = derived
            self.sig_stats_changed.emit()

    def measured(self, variant: str) -> int:
        return self.series[variant].measured_count if variant in self.series else 0

    # ---- filling

    def clear(self) -> None:
        self.session = None
        self.series, self.progress, self.resources, self.samples = {}, {}, {}, []
        self.device_samples, self.device_units = {}, {}
        self.running = self.stopped = False
        self.path = None
        self.sig_reset.emit()

    def show_session(self, session: dict[str, Any], path: str | None = None) -> None:
        """Show a finished session (loaded from a file)."""
        self.session = session
        self.running = self.stopped = False
        self.path = path
        self.started = self.ended = None
        self.resources, self.live = {}, {}
        self.samples = list(session.get("samples") or [])
        self.device_samples = {n: list(self.record(n).get("device_samples") or []) for n in self.variants}
        self.device_units = {n: self.record(n).get("device_unit") for n in self.variants}
        self.series = {}
        self.progress = {}
        for name in self.variants:
            self.series[name] = iterations.hold(self.record(name))  # the file's records, in columns once
            self.progress[name] = VariantProgress(phase="done", text=self.record(name)["status"], ended=0.0,
                                                  phase_started=0.0)
        self.sig_reset.emit()
        self.sig_stats_changed.emit()

    def begin_run(self, session: dict[str, Any]) -> None:
        """Show a run that starts now (``session`` is filled in place by the conductor)."""
        self.session = session
        self.running, self.stopped = True, False
        self.path = None
        self.started, self.ended = time.monotonic(), None
        self.resources, self.live = {}, {}
        self.samples = []
        self.device_samples = {name: [] for name in self.variants}
        self.device_units = {}
        self.series = {name: iterations.hold(self.record(name)) for name in self.variants}
        self.progress = {name: VariantProgress() for name in self.variants}
        self.sig_reset.emit()

    def handle_event(self, event: str, variant: str | None, payload: dict) -> None:
        """Take one conductor progress event (the run controller's ``sig_event``)."""
        if self.session is None:
            return
        if event == "iters" and variant in self.series:
            self.series[variant].add(payload["batch"])  # the conductor has stored it already
            self.sig_iterations_added.emit(variant)
        elif event == "status" and variant in self.progress:
            self._set_phase(variant, payload)
        elif event == "variant_done" and variant in self.progress:
            p = self.progress[variant]
            p.phase, p.text, p.ended = "done", self.record(variant)["status"], time.monotonic()
            self.sig_progress_changed.emit(variant)
            self.sig_stats_changed.emit()
        elif event == "block" and variant in self.series:
            if payload.get("sample"):
                self.samples.append({"round": payload.get("round"), "variant": variant, **payload["sample"]})
                self.sig_samples_added.emit(variant)
        elif event == "sampled" and variant in self.series:
            self.device_samples.setdefault(variant, []).extend(payload.get("rows") or [])
            # The conductor sets the unit before it sends the event; one read of a str is safe here.
            self.device_units[variant] = payload.get("unit") or self.record(variant).get("device_unit")
            self.sig_device_sampled.emit(variant)
        elif event == "round":
            self.sig_stats_changed.emit()
        elif event == "recompiled" and variant in self.series:
            # the conductor has left its iterations out already; the plot draws its mark
            self.series[variant].exclude(payload.get("excluded") or [payload["i"]])
            self.sig_iterations_added.emit(variant)
            self.sig_stats_changed.emit()

    def finish_run(self, session: dict[str, Any]) -> None:
        """The run ended; its session is final."""
        if session is not self.session:
            return
        self.running = False
        self.stopped = bool(session["settings"].get("stopped"))
        self.ended = time.monotonic()
        now = time.monotonic()
        for name, p in self.progress.items():
            if p.phase != "done":
                p.phase, p.text, p.ended = "done", self.record(name)["status"], now
            self.sig_progress_changed.emit(name)
        self.resources = {}
        self.samples = list(session.get("samples") or [])  # the conductor thread has stopped appending
        self.device_samples = {n: list(self.record(n).get("device_samples") or []) for n in self.variants}
        self.device_units = {n: self.record(n).get("device_unit") for n in self.variants}
        self.sig_resources_changed.emit()
        self.sig_stats_changed.emit()
        self.sig_finished.emit()

    def set_resources(self, samples: dict[str, dict]) -> None:
        self.resources = samples
        self.sig_resources_changed.emit()

    # ---- private

    def _set_phase(self, variant: str, payload: dict) -> None:
        p = self.progress[variant]
        if p.phase == "done":
            return
        phase = payload.get("phase") or p.phase
        text = payload.get("text")
        if phase == "measuring":
            text = "measuring"
        elif phase == "loaded":
            text = "loaded, waiting for its turn"
        elif phase == "built":
            text = "built and warmed up, waiting"
        elif phase == "introspecting":
            text = text or "recording graphs and kernels"
        key_changed = phase != p.phase or (phase in _TEXT_PHASES and text and text != p.text)
        if key_changed:
            p.phase_started = time.monotonic()
        p.phase = phase
        if text:
            p.text = text
        p.step, p.steps = payload.get("i"), payload.get("n") if phase == "warmup" else None
        if phase == "measuring":
            p.steps = int(self.settings.get("iters") or 0)
        self.sig_progress_changed.emit(variant)


def is_failure(record: dict[str, Any]) -> bool:
    """Whether a variant record is a failure with a message to show."""
    return record.get("status") in (S.STATUS_FAILED, S.STATUS_TIMEOUT) or (
        record.get("status") == S.STATUS_STOPPED and bool(record.get("error")))
