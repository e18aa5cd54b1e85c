"""Qt models of the kernel view: a table of one variant's kernels and the
proxy that sorts and filters it."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from jitlab.core.present.kernel_names import short_name
from jitlab.core.present.kernels import fmt_count, fmt_us, kernel_rows, kernel_unit
from jitlab.gui.common.table_model import ColumnTableModel

#: Numeric (or text) value a column sorts by.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The full kernel name of a row (any column).
FULL_NAME_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = (
    ("kernel", "Kernel"), ("phase", "Phase"), ("count", "Launches / iter"), ("time", "Time / iter"),
    ("share", "Share"), ("fused", "Fused"), ("group", "Fusion group"), ("lines", "Your lines"),
)
COLUMN_KEYS = [key for key, _ in COLUMNS]
_NUMERIC = {"count", "time", "share"}
_FUSED_BG = QColor("#fff1e0")


class KernelTableModel(ColumnTableModel):
    """The kernels of one variant of a session (a snapshot; :meth:`set_variant` refills it)."""

    columns = COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.session: dict[str, Any] | None = None
        self.variant = ""
        self.unit = "kernel"
        self.rows: list[dict[str, Any]] = []

    def set_variant(self, session: dict[str, Any] | None, variant: str) -> None:
        def change() -> None:
            self.session, self.variant = session, variant
            record = ((session or {}).get("variants") or {}).get(variant) or {}
            self.rows = kernel_rows(record, ((session or {}).get("settings") or {}).get("file"))
            self.unit = kernel_unit(record)
        self.refill(change)

    def row_of(self, name: str, phase: str | None = None) -> int:
        """Row of the kernel ``name`` (and ``phase``, if given), or -1."""
        for i, r in enumerate(self.rows):
            if (r["name"] == name or r["group"] == name) and (phase is None or r["phase"] == phase):
                return i
        return -1

    def header_text(self, key: str) -> str:
        if key == "time":
            return "Device time / iter" if "CUDA" in self.unit else "CPU time / iter"
        return super().header_text(key)

    def header_tip(self, key: str) -> str | None:
        return _HEADER_TIPS.get(key, "").format(unit=self.unit)

    # ---- QAbstractTableModel

    def cell(self, row_index: int, key: str, role: int) -> Any:
        row = self.rows[row_index]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, key)
        if role == SORT_ROLE:
            return self._sort_key(row, key)
        if role == FULL_NAME_ROLE:
            return row["name"]
        if role == Qt.ItemDataRole.ToolTipRole:
            if key in ("kernel", "group"):
                name = row["name"] if key == "kernel" else row["group"]
                return f"<p style='white-space:pre-wrap'>{escape(name)}</p>" if name else None
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and key in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and row["fused"]:
            return _FUSED_BG
        if role == Qt.ItemDataRole.FontRole and key == "kernel" and row["fused"]:
            f = QFont()
            f.setBold(True)
            return f
        return None

    @staticmethod
    def _text(row: dict[str, Any], key: str) -> str:
        if key == "kernel":
            return row["short"]
        if key == "phase":
            return {"fwd": "forward", "bwd": "backward"}.get(row["phase"], row["phase"])
        if key == "count":
            return fmt_count(row["count"])
        if key == "time":
            return fmt_us(row["device_time_us"])
        if key == "share":
            return "–" if row["share"] is None else f"{row['share']:.1%}"
        if key == "fused":
            return "fused" if row["fused"] else ""
        if key == "group":
            return short_name(row["group"]) if row["group"] else ""
        if key == "lines":
            return row.get("lines") or ""
        return ""

    @staticmethod
    def _sort_key(row: dict[str, Any], key: str):
        if key == "count":
            return float(row["count"] or 0.0)
        if key == "time":
            return float(row["device_time_us"] or 0.0)
        if key == "share":
            return float(row["share"] or 0.0)
        if key == "fused":
            return int(row["fused"])
        if key == "kernel":
            return row["short"].lower()
        return str(row.get(key) or "").lower()


_HEADER_TIPS = {
    "kernel": "Readable form of the {unit}'s name; hover for the full name, Ctrl+C copies it",
    "phase": "forward, or backward (under autograd's engine)",
    "count": "launches per profiled iteration",
    "time": "time per iteration ({unit}s)",
    "share": "share of this variant's total time of listed {unit}s",
    "fused": "made by a compiler (NNC fusion group, Inductor kernel)",
    "group": "the fusion group or generated kernel it comes from",
    "lines": "the lines of your module whose ops this {unit} ran; selecting it marks them in the source pane",
}


class KernelFilterProxy(QSortFilterProxyModel):
    """Sorts by :data:`SORT_ROLE`; filters by text (short or full name, group),
    phase and fused-only."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.text = ""
        self.phase = ""
        self.fused_only = False

    def set_filter(self, text: str | None = None, phase: str | None = None, fused_only: bool | None = None) -> None:
        """Change any of the three filters (``phase``: ``""``, ``fwd`` or ``bwd``)."""
        modern = hasattr(self, "beginFilterChange")  # Qt 6.10+; invalidateRowsFilter before
        if modern:
            self.beginFilterChange()
        if text is not None:
            self.text = text.strip().lower()
        if phase is not None:
            self.phase = phase
        if fused_only is not None:
            self.fused_only = fused_only
        if modern:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802 - Qt override
        model = self.sourceModel()
        if not isinstance(model, KernelTableModel) or source_row >= len(model.rows):
            return True
        row = model.rows[source_row]
        if self.phase and row["phase"] != self.phase:
            return False
        if self.fused_only and not row["fused"]:
            return False
        if self.text:
            hay = f"{row['short']}\n{row['name']}\n{row['group']}".lower()
            return all(word in hay for word in self.text.split())
        return True
