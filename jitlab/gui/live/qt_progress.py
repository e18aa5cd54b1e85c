"""Progress of each variant (phase, i of n, elapsed) and its runner's CPU and
memory, so that a long first call (compile) visibly works rather than hangs."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from jitlab.core.present.explain import explain, warmup_notes
from jitlab.core.present.numbers import placement_text
from jitlab.gui.common.colors import variant_color
from jitlab.gui.common.formatting import fmt_bytes
from jitlab.gui.common.model_view import RunModelView
from jitlab.gui.live.run_model import RunModel, duration_text

#: Elapsed-time text refresh.
TICK_MS = 500
_BUSY_PHASES = ("loading", "building", "warmup", "introspecting")
_DONE_TEXT = {"ok": "done", "failed": "failed", "timeout": "timed out", "not_applicable": "not applicable",
              "stopped": "stopped"}


class _Row:
    def __init__(self, name: str) -> None:
        self.name = QLabel(f"<span style='color:{variant_color(name)}; font-size:14pt'>■</span> "
                           f"<b>{html.escape(name)}</b>")
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.bar.setMinimumWidth(120)
        self.status = QLabel("waiting")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # status text comes from the runner
        self.status.setObjectName(f"progress_{name}")
        self.status.setMinimumWidth(150)  # one line: a wrapping label re-lays out the panel on every update
        self.resources = QLabel("")
        self.resources.setStyleSheet("color: gray")
        self.resources.setVisible(False)


class QtProgressView(RunModelView):
    """Per-variant progress of a :class:`RunModel`."""

    def __init__(self, model: RunModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.rows: dict[str, _Row] = {}
        self.header = QLabel("")
        self.header.setObjectName("runHeader")
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.details = QLabel("")
        self.details.setObjectName("runDetails")
        self.details.setWordWrap(True)
        self.details.setStyleSheet("color: #57606a")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.header)
        layout.addLayout(self.grid)
        layout.addSpacing(6)
        layout.addWidget(self.details)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.update_all)
        model.sig_reset.connect(self._rebuild)
        model.sig_progress_changed.connect(self.update_variant)
        model.sig_iterations_added.connect(self.update_variant)
        model.sig_resources_changed.connect(self._update_resources)
        model.sig_finished.connect(self.update_all)
        model.sig_finished.connect(self._update_details)
        model.sig_stats_changed.connect(self._update_details)

    # ---- public API

    def status_text(self, variant: str) -> str:
        return self.rows[variant].status.text()

    def update_all(self) -> None:
        for name in self.rows:
            self.update_variant(name)
        self._update_header()
        if not self.model.running:
            self._timer.stop()

    def update_variant(self, name: str) -> None:
        row = self.rows.get(name)
        progress = self.model.progress.get(name)
        if row is None or progress is None:
            return
        iters = int(self.model.settings.get("iters") or 0)
        measured = self.model.measured(name)
        text = progress.describe(measured, iters)
        if text != row.status.text():
            row.status.setText(text)
        bar = row.bar
        if progress.phase == "done":
            status = self.model.record(name)["status"]
            if status == "stopped" or (status in ("failed", "timeout") and measured):
                bar.setRange(0, max(iters, 1))
                bar.setValue(min(measured, iters))
                bar.setFormat(f"{_DONE_TEXT.get(status, status)} at %v / %m")
            else:
                bar.setRange(0, 1)
                bar.setValue(1 if status == "ok" else 0)
                bar.setFormat(_DONE_TEXT.get(status, status))
            row.status.setStyleSheet("color: #cf222e" if status in ("failed", "timeout") else "")
        elif progress.phase == "measuring":
            bar.setRange(0, max(iters, 1))
            bar.setValue(min(measured, iters))
            bar.setFormat("%v / %m")
        elif progress.phase in _BUSY_PHASES:
            bar.setRange(0, 0)  # busy indicator: working, duration unknown
        else:
            bar.setRange(0, max(iters, 1))
            bar.setValue(min(measured, iters))
            bar.setFormat("waiting" if not measured else "%v / %m")

    # ---- private

    def _rebuild(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.rows = {}
        for r, name in enumerate(self.model.variants):
            row = _Row(name)
            self.grid.addWidget(row.name, 3 * r, 0)
            self.grid.addWidget(row.bar, 3 * r, 1)
            self.grid.addWidget(row.status, 3 * r + 1, 0, 1, 2)
            self.grid.addWidget(row.resources, 3 * r + 2, 0, 1, 2)
            self.rows[name] = row
        self.grid.setColumnStretch(1, 1)
        self.update_all()
        self._update_details()
        if self.model.running:
            self._timer.start()

    def _update_header(self) -> None:
        m = self.model
        if m.session is None:
            self.header.setText("")
            return
        if m.started is None:
            self.header.setText(f"<b>saved run</b> · {html.escape(str(m.session.get('created') or ''))}")
            return
        secs = (m.ended or time.monotonic()) - m.started
        state = "running" if m.running else ("stopped" if m.stopped else "finished")
        rounds = len(m.session.get("schedule", {}).get("rounds", []))
        extra = f" · round {rounds}" if rounds else ""
        self.header.setText(f"<b>{state}</b> · {duration_text(secs)}{extra}")

    def _update_resources(self) -> None:
        for name, row in self.rows.items():
            sample = self.model.resources.get(name)
            rec = self.model.record(name) if self.model.session else {}
            parts = []
            if sample:
                parts.append(f"CPU {sample['cpu_percent']:.0f}%")
                parts.append(f"RSS {fmt_bytes(sample['rss_bytes'])}")
                if sample.get("processes", 1) > 1:
                    parts.append(f"{sample['processes']} processes")
            if rec.get("peak_memory_bytes"):
                parts.append(f"device peak {fmt_bytes(rec['peak_memory_bytes'])}")
            row.resources.setText(" · ".join(parts))
            row.resources.setVisible(bool(parts))

    def _update_details(self) -> None:
        """Where the run ran, its schedule, and the notes and warnings of the session."""
        session = self.model.session
        if session is None:
            self.details.setText("")
            return
        env, st, sched = session.get("env") or {}, session["settings"], session.get("schedule") or {}
        dev = env.get("device") or {}
        lines = []
        where = [f"torch {env['torch']}" if env.get("torch") else "",
                 f"{dev.get('id', st.get('device'))}: {dev['name']}" if dev.get("name") else str(st.get("device") or ""),
                 f"{env['threads']} threads" if env.get("threads") else "", placement_text(env)]
        lines.append(" · ".join(p for p in where if p))
        rounds = len(sched.get("rounds") or [])
        kind = f"{sched.get('kind', st.get('schedule'))} schedule"
        if sched.get("block"):
            kind += f", blocks of {sched['block']}, {rounds} rounds"
        lines.append(f"{st.get('mode')} mode · {kind}")
        notes: list[str] = []
        for name, rec in session["variants"].items():
            notes += [f"{name}: {explain(n)}" for n in rec.get("notes", []) + rec.get("warnings", [])]
        notes += list(session.get("warnings", [])) + list(sched.get("notes", []))
        if not self.model.running:
            notes += warmup_notes(session)
        text = "<br>".join(html.escape(line) for line in lines if line)
        if notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in dict.fromkeys(notes))
            text += f"<ul style='margin-left:-24px'>{items}</ul>"
        if text != self.details.text():  # a wrapped rich-text label is costly to lay out
            self.details.setText(text)
