"""The base of the app's table models: fixed, named columns over a list of rows.

Each table (statistics, kernels, saved runs, "vs previous") says what its columns are and what a cell
shows; the row and column counts, the header's text and tooltip and the reset around a refill are
the same for all of them, here.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class ColumnTableModel(QAbstractTableModel):
    """A flat table whose columns are ``(key, header)`` pairs.

    Subclasses set :attr:`columns`, keep their rows in whatever they like and give their count in
    :meth:`row_count`, and answer :meth:`cell`; they may override :meth:`header_text` and
    :meth:`header_tip`.
    """

    #: ``(key, header)`` of each column, in order.
    columns: tuple[tuple[str, str], ...] = ()

    @property
    def column_keys(self) -> list[str]:
        return [key for key, _ in self.columns]

    def key(self, index: Index) -> str:
        """The key of ``index``'s column."""
        return self.columns[index.column()][0]

    def row_count(self) -> int:
        """How many rows the table has now."""
        return len(getattr(self, "rows", ()))

    def header_text(self, key: str) -> str:
        """The header of column ``key``."""
        return dict(self.columns)[key]

    def header_tip(self, key: str) -> str | None:
        """The tooltip of column ``key``'s header (none by default)."""
        return None

    def refill(self, change: Callable[[], None]) -> None:
        """Apply ``change`` to the rows, the views told that everything changed."""
        self.beginResetModel()
        try:
            change()
        finally:
            self.endResetModel()

    def valid(self, index: Index) -> bool:
        """Whether ``index`` is a cell of the table as it is now."""
        return index.isValid() and index.row() < self.row_count()

    def cell(self, row: int, key: str, role: int) -> Any:
        """What cell (``row``, column ``key``) holds for ``role`` (``None``: nothing)."""
        return None

    # ---- QAbstractTableModel

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.valid(index):
            return None
        return self.cell(index.row(), self.key(index), role)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt's name
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        key = self.columns[section][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.header_text(key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tip(key)
        return None
