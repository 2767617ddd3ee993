"""The tree view both browsers show: in-place rename, drops from the desktop, drags out."""

from __future__ import annotations

from vaultui.gui.browse.fsmodel import InfoRole, PathRole
from vaultui.gui.core.qt import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QEvent,
    QItemSelectionModel,
    QLineEdit,
    QModelIndex,
    QMouseEvent,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    QTreeView,
    QWidget,
    Signal,
)

_ALL_TRIGGERS = QAbstractItemView.EditTrigger.AllEditTriggers


class FileTreeView(QTreeView):
    """A tree view that accepts local files dropped from the desktop, and drags items out.

    Signals:
        filesDropped(paths: list[str], target_folder: str | None): local files were dropped;
            target_folder is the folder item under the cursor, or "" for the shown folder.
        dragRequested(paths: list[str]): the user started dragging these items out; the
            owner decrypts them and starts the real drag (drags carry no plaintext until then).
    """

    filesDropped = Signal(list, str)  # noqa: N815
    dragRequested = Signal(list)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accept_local_drops = False
        #: names (column 0) can be edited in place: F2 or `edit(index)` renames
        self.renamable = False
        self._press: QPoint | None = None
        #: this press became a drag request: its moves and release are not selecting
        self._drag_requested = False
        self._renaming = QPersistentModelIndex()

    # The models answer no flags of their own (see LazyFsModel), so Qt would neither edit
    # nor drag an item: renaming opens a persistent editor here, and dragging starts here.

    def edit(self, index: QModelIndex,  # type: ignore[override]
             trigger: QAbstractItemView.EditTrigger = _ALL_TRIGGERS,
             event: QEvent | None = None) -> bool:
        renaming = trigger == _ALL_TRIGGERS or bool(trigger & self.editTriggers())
        if not (self.renamable and renaming and index.isValid()):
            # Clicks and double-clicks: Qt's own handling (the delegate sees the event).
            return event is not None and bool(super().edit(index, trigger, event))
        name = index.sibling(index.row(), 0)
        if self._renaming.isValid():
            self.closePersistentEditor(self._renaming.sibling(self._renaming.row(), 0))
        self._renaming = QPersistentModelIndex(name)
        self.scrollTo(name)
        self.openPersistentEditor(name)
        editor = self.indexWidget(name)
        if editor is not None:
            editor.setFocus()
            if isinstance(editor, QLineEdit):
                editor.selectAll()
        return True

    def closeEditor(self, editor: QWidget,  # noqa: N802
                    hint: QAbstractItemDelegate.EndEditHint) -> None:
        """Return, Tab, Escape or focus out ended the rename editor (the delegate committed).

        Qt leaves a persistent editor open, so it is closed here, but only once this event
        is over. Closed at once, its deleteLater ran inside Qt's own handling of this
        close (which flushes the editor's posted events) while the delegate was still
        emitting closeEditor with it, and the next receiver got a deleted editor: a
        segfault on F2 then Escape under a window manager. Its event filter goes first,
        so the focus leaving it does not commit (rename) a second time.
        """
        renaming = self._renaming
        name = renaming.sibling(renaming.row(), 0)
        if not renaming.isValid() or self.indexWidget(name) is not editor:
            super().closeEditor(editor, hint)
            return
        self._renaming = QPersistentModelIndex()
        editor.removeEventFilter(self.itemDelegate())
        super().closeEditor(editor, hint)  # the focus back here; Tab moves to the next row
        QTimer.singleShot(0, self, lambda: self.closePersistentEditor(
            renaming.sibling(renaming.row(), 0)))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        left = event.button() == Qt.MouseButton.LeftButton
        self._press = event.position().toPoint() if left else None
        self._drag_requested = False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag_requested:
            return  # the rest of this press is the drag's (or waits for its copies)
        press = self._press
        if press is not None and self.dragEnabled() and event.buttons() & Qt.MouseButton.LeftButton:
            index = self.indexAt(press)
            if index.isValid() and self.selectionModel().isSelected(index):
                # A press on a selected item: a drag, once the mouse has gone far enough;
                # until then nothing (drag-selecting would drop the rest of the selection).
                moved = (event.position().toPoint() - press).manhattanLength()
                if moved >= QApplication.startDragDistance():
                    self._press = None
                    self._drag_requested = True
                    self.startDrag(Qt.DropAction.CopyAction)
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._press = None
        if not self._drag_requested:
            super().mouseReleaseEvent(event)
            return
        # Released before the drag began (its copies were still being decrypted): what was
        # to be dragged stays selected, whichever row the button came up over.
        self._drag_requested = False
        selection = self.selectionModel()
        kept, current = selection.selection(), QPersistentModelIndex(self.currentIndex())
        super().mouseReleaseEvent(event)
        selection.select(kept, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        selection.setCurrentIndex(current.sibling(current.row(), current.column()),
                                  QItemSelectionModel.SelectionFlag.NoUpdate)

    def startDrag(self, supportedActions: Qt.DropAction) -> None:  # noqa: N802, N803
        rows = self.selectionModel().selectedRows(0)
        paths = [str(i.data(PathRole)) for i in rows]
        if paths:
            self.dragRequested.emit(paths)

    def _local_paths(self, event: QDropEvent | QDragMoveEvent | QDragEnterEvent) -> list[str]:
        data = event.mimeData()
        # Our own drag carries decrypted temp copies: dropping it back must not re-encrypt.
        if not self.accept_local_drops or not data.hasUrls() or event.source() is self:
            return []
        return [u.toLocalFile() for u in data.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._local_paths(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if self._local_paths(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = self._local_paths(event)
        if not paths:
            event.ignore()
            return
        index = self.indexAt(event.position().toPoint())
        target: str | None = None
        if index.isValid():
            info = index.data(PathRole)
            model_index = index.sibling(index.row(), 0)
            if model_index.data(Qt.ItemDataRole.DisplayRole) is not None and _is_dir(model_index):
                target = str(info)
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.filesDropped.emit(paths, "" if target is None else target)


def _is_dir(index: QModelIndex) -> bool:
    info = index.data(InfoRole)
    return isinstance(info, dict) and info.get("type") == "directory"
