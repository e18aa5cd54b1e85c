"""The statistics table: one row per variant, updating during the run.

A failed or timed-out variant shows its message in place (spanning the
number columns); one click on the row opens the traceback. Beside the wall
times: device-busy time per iteration (on a CPU: time inside operators), the
rest of the step (host, or overhead), and the speedup on device time. A
speedup a busy machine spoiled is shown as unreliable, without its CI, in the
warning colour; its tooltip names the causes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from jitlab.gui.common.colors import WARNING_COLOR, variant_qcolor
from jitlab.gui.common.formatting import (DASH, HOST_DEPENDENT_MARK, device_speedup_cell, device_word, first_line,
                                   fmt_bytes, fmt_check, fmt_ms, fmt_phase, host_word, location_text,
                                   speedup_cell)
from jitlab.gui.live.run_model import RunModel, is_failure
from jitlab.gui.common.table_model import ColumnTableModel
from jitlab.core.present.time_breakdown import device_tooltip, session_unit, unreliable_causes
from jitlab.gui.live.throttle import ThrottledRedraw

#: Refresh period of the live numbers (readable, not flickering).
REFRESH_MS = 500

COLUMNS = (
    ("variant", "Variant"), ("status", "Status"), ("fwd", "fwd ms (IQR)"), ("bwd", "bwd ms (IQR)"),
    ("total", "total ms (IQR)"), ("device", "device ms (IQR)"), ("host", "host ms"),
    ("speedup", "speedup vs eager [95% CI]"), ("speedup_device", "speedup on device time [95% CI]"),
    ("min", "min ms"), ("build", "build ms"), ("first", "1st call ms"), ("check", "check vs eager"),
    ("memory", "peak mem"),
)
COLUMN_KEYS = [key for key, _ in COLUMNS]
MESSAGE_COLUMN = COLUMN_KEYS.index("fwd")
#: Columns whose header names the unit of the device record (GPU or CPU words).
_UNIT_HEADERS = {
    "device": lambda unit: f"{device_word(unit)} ms (IQR)",
    "host": lambda unit: f"{host_word(unit)} ms",
    "speedup_device": lambda unit: f"speedup on {device_word(unit)} time [95% CI]",
}
_STATUS_COLORS = {"ok": QColor("#1a7f37"), "failed": QColor("#cf222e"), "timeout": QColor("#cf222e"),
                  "stopped": QColor("#9a6700"), "not_applicable": QColor("#57606a")}


class StatsTableModel(ColumnTableModel):
    """Qt table model over a :class:`RunModel` (a snapshot refreshed by :meth:`refresh`)."""

    columns = COLUMNS

    def __init__(self, model: RunModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.rows: list[dict[str, Any]] = []
        self.unit: str = "device"

    # ---- snapshot

    def refresh(self) -> None:
        """Recompute every row from the run model."""
        old = [r["variant"] for r in self.rows]
        rows = [self._row(name) for name in self.model.variants] if self.model.session else []
        unit = self._unit(rows)
        if unit != self.unit:
            self.unit = unit
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if [r["variant"] for r in rows] != old:
            self.refill(lambda: setattr(self, "rows", rows))
        else:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))

    def _row(self, name: str) -> dict[str, Any]:
        rec = self.model.display_record(name)
        st = self.model.phase_stats(name)
        status = rec["status"]
        if status in ("running", "pending") and name in self.model.progress:
            status_text = {"warmup": "warming up", "done": status}.get(self.model.progress[name].phase,
                                                                     self.model.progress[name].phase)
        else:
            status_text = status.replace("_", " ")
        total = st.get("total")
        error = rec.get("error")
        memory = rec.get("peak_memory_bytes")
        dev = rec.get("device") or {}
        speedup, speedup_state = speedup_cell(rec, name, total)
        speedup_dev, speedup_dev_state = device_speedup_cell(rec, name)
        return {
            "variant": name, "status": status, "status_text": status_text, "stats": st,
            "failure": is_failure(rec) and bool(error), "error": error, "record": rec,
            "states": {"speedup": speedup_state, "speedup_device": speedup_dev_state},
            "text": {
                "variant": name, "status": status_text,
                "fwd": fmt_phase(st.get("fwd")), "bwd": fmt_phase(st.get("bwd")), "total": fmt_phase(total),
                "min": fmt_ms(total["min"]) if total else DASH,
                "device": fmt_phase(dev.get("total")), "host": fmt_ms((dev.get("host_ms") or {}).get("total")),
                "speedup": speedup, "speedup_device": speedup_dev,
                "build": fmt_ms(rec.get("build_ms")), "first": fmt_ms(rec.get("first_call_ms")),
                "check": fmt_check(rec, name), "memory": fmt_bytes(memory),
            },
            "message": self._message(rec) if is_failure(rec) and error else "",
        }

    def _unit(self, rows: list[dict[str, Any]]) -> str:
        m = self.model
        if m.session is None:
            return "device"
        return session_unit({r["variant"]: r["record"] for r in rows}, m.settings, m.session.get("env"))

    def column_shown(self, key: str) -> bool:
        """Whether column ``key`` has something to show (the device-memory column is empty on a CPU)."""
        if key != "memory":
            return True
        return self.unit == "device" or any(r["text"]["memory"] != DASH for r in self.rows)

    def header_text(self, key: str) -> str:
        """The header of column ``key`` (device or CPU words)."""
        if key in _UNIT_HEADERS:
            return _UNIT_HEADERS[key](self.unit)
        return super().header_text(key)

    def header_tip(self, key: str) -> str | None:
        tip = _HEADER_TIPS.get(key)
        return tip(self.unit) if callable(tip) else tip

    @staticmethod
    def _message(rec: dict[str, Any]) -> str:
        error = rec["error"]
        where = location_text(error)
        text = first_line(error.get("message"))
        hint = "click for the traceback" if error.get("traceback") else "click for details"
        return f"{text}{f'   [{where}]' if where and where not in text else ''}   — {hint}"

    def row_of(self, variant: str) -> int:
        for i, r in enumerate(self.rows):
            if r["variant"] == variant:
                return i
        return -1

    def cell_text(self, variant: str, key: str) -> str:
        """The text shown for ``variant`` in column ``key`` (the message for a failure's span)."""
        row = self.rows[self.row_of(variant)]
        if row["failure"] and key == "fwd":
            return row["message"]
        return row["text"][key]

    def cell(self, row_index: int, key: str, role: int) -> Any:
        row = self.rows[row_index]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(row["variant"], key)
        if role == Qt.ItemDataRole.SizeHintRole and row["failure"] and key == "fwd":
            return QSize(60, 22)  # the message spans the number columns: keep it out of their widths
        if role == Qt.ItemDataRole.DecorationRole and key == "variant":
            return variant_qcolor(row["variant"])
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "status" or (row["failure"] and key == "fwd"):
                return _STATUS_COLORS.get(row["status"])
            if row["states"].get(key) == "unreliable":
                return QColor(WARNING_COLOR)
        if role == Qt.ItemDataRole.FontRole and key == "variant":
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.TextAlignmentRole and key not in ("variant", "status", "check") \
                and not (row["failure"] and key == "fwd"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        return None

    def _tooltip(self, row: dict, key: str) -> str | None:
        if row["failure"] and key in ("status", "fwd"):
            return (row["error"].get("message") or "") + "\n\nClick to see the traceback."
        st = row["stats"].get(key) if key in ("fwd", "bwd", "total") else None
        if st:
            return (f"median {fmt_ms(st['median'])} ms, quartiles {fmt_ms(st['p25'])}–{fmt_ms(st['p75'])} ms, "
                    f"min {fmt_ms(st['min'])}, mean {fmt_ms(st['mean'])}, {st['n']} iterations")
        if key == "min":
            parts = [f"{p} {fmt_ms(row['stats'][p]['min'])}" for p in ("fwd", "bwd") if row["stats"].get(p)]
            return "smallest total time; smallest " + ", ".join(parts) if parts else None
        if key == "memory" and row["text"]["memory"] == DASH:
            return "peak device memory is measured on CUDA devices"
        if key in ("device", "host"):
            return device_tooltip(row["record"]) or "no device time sampled for this variant"
        state = row["states"].get(key)
        if state == "unreliable":
            records = {r["variant"]: r["record"] for r in self.rows}
            causes = unreliable_causes(records, row["variant"])
            fix = ((self.model.session or {}).get("reliability") or {}).get("fix")
            return ("A busy machine spoiled these timings, so no confidence interval is shown:\n"
                    + "\n".join(causes or ["the machine was busy"]) + (f"\nFix: {fix}." if fix else ""))
        if state == "host-dependent":
            return (f"{HOST_DEPENDENT_MARK}: the step is launch-bound (the device waits for the host), so its wall "
                    f"time moves with the CPU's state; the speedup on {device_word(self.unit)} time is the one "
                    "that repeats")
        return None


_HEADER_TIPS = {
    "fwd": "forward time: median (interquartile range) of the steady-state iterations",
    "bwd": "backward time (train mode): median (interquartile range)",
    "total": "forward + backward: median (interquartile range)",
    "min": "smallest total time of one iteration",
    "device": lambda unit: ("device-busy time per iteration (kernels, copies, sets), median (IQR) of the sampled "
                            "iterations" if unit == "device" else
                            "time inside operators per iteration, median (IQR) of the sampled iterations"),
    "host": lambda unit: ("wall minus device-busy time: the device waits while Python and the dispatcher launch "
                          "work" if unit == "device" else
                          "wall minus time inside operators: Python, dispatch and autograd"),
    "speedup": "eager's time divided by this variant's, with its 95% bootstrap confidence interval",
    "speedup_device": lambda unit: f"eager's {device_word(unit)} time divided by this variant's, with its 95% CI",
    "build": "time to script / trace / wrap the module",
    "first": "time of the first call (compile's includes compiling)",
    "check": "largest difference from eager's output",
    "memory": "peak device memory allocated (CUDA)",
}


class QtStatsTable(QWidget):
    """The statistics table view of a :class:`RunModel`."""

    sig_error_requested = Signal(str)
    """The user asked for a failed variant's traceback (by clicking its row)."""

    def __init__(self, model: RunModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table_model = StatsTableModel(model, self)
        self.view = QTableView()
        self.view.setModel(self.table_model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # No stretched last column: on a CPU it is the empty device-memory one, which would take the room.
        header.setStretchLastSection(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.throttle = ThrottledRedraw(self, self.refresh, REFRESH_MS)
        self.view.clicked.connect(self._on_clicked)
        model.sig_reset.connect(self.refresh)
        model.sig_stats_changed.connect(self.refresh)
        model.sig_finished.connect(self.refresh)
        model.sig_iterations_added.connect(self.throttle.mark)
        model.sig_progress_changed.connect(self.throttle.mark)

    def refresh(self) -> None:
        """Recompute the rows now."""
        self.table_model.refresh()
        for i, key in enumerate(COLUMN_KEYS):
            self.view.setColumnHidden(i, not self.table_model.column_shown(key))
        self.view.clearSpans()
        for i, row in enumerate(self.table_model.rows):
            if row["failure"]:
                self.view.setSpan(i, MESSAGE_COLUMN, 1, len(COLUMNS) - MESSAGE_COLUMN)
        # no device memory on CPU: an empty column would take the widest place (it is the last)
        session = self.model.session
        has_memory = session is not None and any(
            v.get("peak_memory_bytes") is not None for v in session["variants"].values())
        self.view.setColumnHidden(COLUMN_KEYS.index("memory"), not has_memory)

    def _on_clicked(self, index: QModelIndex) -> None:
        if not index.isValid() or index.row() >= len(self.table_model.rows):
            return
        row = self.table_model.rows[index.row()]
        if row["failure"] and COLUMN_KEYS[index.column()] in ("status", "fwd", "variant"):
            self.sig_error_requested.emit(row["variant"])
