"""The transfers panel: the table with progress bars, cancel, retry and clear buttons."""

from __future__ import annotations

from typing import Any

from vaultui.gui.core.qt import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from vaultui.gui.transfers.model import Index, TransfersModel
from vaultui.gui.transfers.record import Status, Transfer


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a progress bar."""

    def paint(self, painter: Any, option: QStyleOptionViewItem, index: Index) -> None:
        value = index.data(Qt.ItemDataRole.DisplayRole)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 100
        bar.progress = int(value or 0)
        bar.text = f"{bar.progress}%"
        bar.textVisible = True
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        QApplication.style().drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class TransfersPanel(QWidget):
    """The transfers table with cancel, retry and clear buttons (a thin view)."""

    def __init__(self, model: TransfersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setItemDelegateForColumn(model.PROGRESS_COLUMN, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(model.PROGRESS_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(model.PROGRESS_COLUMN, 160)
        # Speed and ETA fill in only once a transfer runs: give them room up front.
        for column, width in ((3, 170), (4, 100), (5, 70)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width)
        self.cancel_button = QPushButton("Cancel")
        self.retry_button = QPushButton("Retry")
        self.clear_button = QPushButton("Clear finished")
        self.summary = QLabel(model.summary())
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        self.clear_button.clicked.connect(model.clear_finished)
        model.summaryChanged.connect(self.summary.setText)
        model.dataChanged.connect(lambda *_: self._update_buttons())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("<b>Transfers</b>"))
        buttons.addWidget(self.summary, 1)
        for b in (self.cancel_button, self.retry_button, self.clear_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        self._update_buttons()

    def selected(self) -> list[Transfer]:
        rows = self.table.selectionModel().selectedRows()
        return [self.model.transfers[i.row()] for i in rows]

    def cancel_selected(self) -> None:
        for t in self.selected():
            self.model.cancel(t)

    def retry_selected(self) -> None:
        for t in self.selected():
            self.model.retry(t)

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.cancel_button.setEnabled(any(t.active for t in chosen))
        self.retry_button.setEnabled(any(
            t.retryable and t.status in (Status.FAILED, Status.CANCELLED) for t in chosen))
