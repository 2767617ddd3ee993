"""The plaintext and encrypted views of an unlocked vault (thin: models and jobs do the work)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.fsmodel import LazyFsModel, PathRole
from vaultui.gui.models import CiphertextModel, PlaintextModel
from vaultui.gui.openwith import applications_for
from vaultui.gui.qt import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QAction,
    QApplication,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QItemSelectionModel,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QModelIndex,
    QMouseEvent,
    QPersistentModelIndex,
    QPoint,
    QStyle,
    Qt,
    QTimer,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from vaultui.gui.worker import JobContext, TaskRunner

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
    from vaultui.gui.fsmodel import InfoRole
    info = index.data(InfoRole)
    return isinstance(info, dict) and info.get("type") == "directory"


def _tool(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setAutoRaise(True)
    return button


class _Browser(QWidget):
    """A titled tree straight over a LazyFsModel.

    No sort/filter proxy in between: the model keeps its rows sorted itself, and a proxy
    would double the Python calls the tree makes per row on every layout (a 10,000-entry
    folder took twice as long to lay out).
    """

    def __init__(self, model: LazyFsModel, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = FileTreeView(self)
        self.view.setModel(model)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # ResizeToContents measures up to 1000 rows per column through Python data() calls
        # whenever rows arrive (a chunk of a big listing every turn): the rows on screen
        # give the widths that matter without the stall.
        header.setResizeContentsPrecision(0)
        self.title = QLabel(f"<b>{title}</b>")
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(0, 0, 0, 0)
        self.toolbar.addWidget(self.title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.view)

    def action(self, text: str, slot: Callable[[], None], *shortcuts: QKeySequence | str,
               icon: QStyle.StandardPixmap | None = None, on_items: bool = False) -> QAction:
        """An action of this browser; `on_items`: its keys work only while the view has
        the focus (an item's Return, F2 or Delete must not fire from the path bar or the
        rename editor: Return there commits that editor, or navigates)."""
        act = QAction(text, self)
        if icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        if shortcuts:
            act.setShortcuts([QKeySequence(s) for s in shortcuts])
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut if on_items
                                   else Qt.ShortcutContext.WidgetWithChildrenShortcut)
        # triggered(bool) would pass `checked` as the slot's first argument.
        act.triggered.connect(lambda _checked=False: slot())
        (self.view if on_items else self).addAction(act)
        return act

    def selected_paths(self) -> list[str]:
        rows = self.view.selectionModel().selectedRows(0)
        return [str(i.data(PathRole)) for i in rows]

    def current_path(self) -> str | None:
        index = self.view.currentIndex()
        return str(index.data(PathRole)) if index.isValid() else None

    def select_index(self, index: QModelIndex) -> None:
        """Select (and scroll to) one item, given a model index."""
        if not index.isValid():
            return
        parent = index.parent()
        while parent.isValid():
            self.view.expand(parent)
            parent = parent.parent()
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.view.scrollTo(index)


class CiphertextBrowser(_Browser):
    """The raw objects of the vault on its storage, as a tree from the vault root."""

    def __init__(self, fs: VaultFileSystem, runner: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(CiphertextModel(fs, runner), "Encrypted (on storage)", parent)
        self.view.setObjectName("cipherView")
        self.fs = fs
        self.refresh_action = self.action("Refresh", self.refresh, "F5",
                                          icon=QStyle.StandardPixmap.SP_BrowserReload)
        self.toolbar.addStretch(1)
        self.toolbar.addWidget(_tool(self.refresh_action))
        self.model.fetchMore(QModelIndex())

    def refresh(self) -> None:
        self.model.refresh()

    def select_paths(self, paths: list[str],
                     select: Callable[[QModelIndex], None] | None = None) -> None:
        """Select the first storage object of `paths` (loading folders on the way);
        `select` instead of :meth:`select_index` does the selecting."""
        if paths:
            self.model.reveal(paths[0], select or self.select_index)


class PlaintextBrowser(_Browser):
    """The cleartext files of the vault: a folder at a time, with a path bar and history.

    Signals:
        folderChanged(path: str): the shown folder changed.
        filesDropped(paths: list[str], folder: str): local files were dropped into `folder`.
        saveRequested(paths: list[str]): the user asked to decrypt items to a local place.
        openRequested(path: str): a file was activated (double-click / Enter).
        openWithRequested(path: str, app: DesktopApp | None): the user chose an application
            to open a file with (None: "Other program…", a command to ask for).
        operationFailed(message: str): a file operation failed.
        dragRequested(paths: list[str]): items are being dragged out of the view.
    """

    folderChanged = Signal(str)  # noqa: N815
    filesDropped = Signal(list, str)  # noqa: N815
    saveRequested = Signal(list)  # noqa: N815
    openRequested = Signal(str)  # noqa: N815
    openWithRequested = Signal(str, object)  # noqa: N815
    operationFailed = Signal(str)  # noqa: N815
    dragRequested = Signal(list)  # noqa: N815

    def __init__(self, fs: VaultFileSystem, runner: TaskRunner,
                 parent: QWidget | None = None) -> None:
        self.plain_model = PlaintextModel(fs, runner)
        super().__init__(self.plain_model, "Plaintext", parent)
        self.view.setObjectName("plainView")
        self.fs = fs
        self.runner = runner
        self.folder = ""
        self._history: list[str] = []
        self._edit_when_loaded: str | None = None
        self.confirm: Callable[[str, str], bool] = self._confirm_dialog

        s = QStyle.StandardPixmap
        self.back_action = self.action("Back", self.back, "Alt+Left", icon=s.SP_ArrowBack)
        self.up_action = self.action("Up", self.up, "Backspace", "Alt+Up", icon=s.SP_ArrowUp)
        self.refresh_action = self.action("Refresh", self.refresh, "F5",
                                          icon=s.SP_BrowserReload)
        self.new_folder_action = self.action("New folder", self.new_folder, "Ctrl+Shift+N",
                                             icon=s.SP_FileDialogNewFolder)
        self.rename_action = self.action("Rename", self.rename_current, "F2", on_items=True)
        self.delete_action = self.action("Delete…", self.delete_selected, "Delete",
                                         icon=s.SP_TrashIcon, on_items=True)
        self.save_action = self.action("Save as… / Decrypt to…", self.save_selected, "Ctrl+S",
                                       icon=s.SP_DialogSaveButton)
        self.open_action = self.action("Open", self.open_current, "Return", "Enter",
                                       on_items=True)

        self.path_bar = QLineEdit(self)
        self.path_bar.setObjectName("pathBar")
        self.path_bar.setPlaceholderText("/")
        self.path_bar.returnPressed.connect(
            lambda: self.navigate(self.path_bar.text().strip("/")))
        for act in (self.back_action, self.up_action):
            self.toolbar.insertWidget(self.toolbar.count(), _tool(act))
        self.toolbar.addWidget(self.path_bar, 1)
        for act in (self.refresh_action, self.new_folder_action):
            self.toolbar.addWidget(_tool(act))

        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.renamable = True
        self.view.setAcceptDrops(True)
        self.view.viewport().setAcceptDrops(True)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.view.accept_local_drops = True
        self.view.dragRequested.connect(self.dragRequested)
        self.view.filesDropped.connect(
            lambda paths, target: self.filesDropped.emit(paths, target or self.folder))
        self.view.doubleClicked.connect(self._activated)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.plain_model.renameRequested.connect(self.rename)
        self.plain_model.loaded.connect(self._loaded)
        self.plain_model.loadFailed.connect(
            lambda path, msg: self.operationFailed.emit(f"Cannot list /{path}: {msg}"))
        self.navigate("", remember=False)

    # -- navigation -------------------------------------------------------------------

    def navigate(self, folder: str, remember: bool = True) -> None:
        folder = folder.strip("/")
        if remember and folder != self.folder:
            self._history.append(self.folder)
        self.folder = folder
        self.path_bar.setText("/" + folder)
        self.back_action.setEnabled(bool(self._history))
        self.up_action.setEnabled(bool(folder))
        self.model.reveal(folder, self._show_folder)
        self.folderChanged.emit(folder)

    def _show_folder(self, index: QModelIndex) -> None:
        if self.folder and not index.isValid():
            self.operationFailed.emit(f"No such folder: /{self.folder}")
            return
        self.view.setRootIndex(index)
        node = self.model.node(index)
        if node.children is None:
            self.model.load(node)

    def back(self) -> None:
        if self._history:
            self.navigate(self._history.pop(), remember=False)

    def up(self) -> None:
        if self.folder:
            self.navigate(posixpath.dirname(self.folder))

    def refresh(self) -> None:
        self.model.refresh()

    def _activated(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node.is_dir:
            self.navigate(node.path)
        else:
            self.openRequested.emit(node.path)

    def open_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self._activated(index)

    def select_path(self, path: str,
                    select: Callable[[QModelIndex], None] | None = None) -> None:
        """Show `path`'s folder and select it (`select` instead of :meth:`select_index`)."""
        parent = posixpath.dirname(path.strip("/"))
        if parent != self.folder:
            self.navigate(parent)
        self.model.reveal(path, select or self.select_index)

    def _loaded(self, path: str) -> None:
        pending = self._edit_when_loaded
        if pending and posixpath.dirname(pending) == path:
            node = self.model.find(pending)
            if node is not None:
                self._edit_when_loaded = None
                self.select_index(self.model.index_for(node))
                self.view.edit(self.model.index_for(node))

    # -- operations (each one job on the vault's pool) -----------------------------------

    def _run(self, job: Callable[[JobContext], object], refresh: list[str],
             what: str, then: Callable[[object], None] | None = None) -> None:
        def done(result: object) -> None:
            for folder in refresh:
                self.model.refresh(folder)
            if then is not None:
                then(result)

        def failed(exc: BaseException) -> None:
            for folder in refresh:
                self.model.refresh(folder)
            self.operationFailed.emit(f"{what} failed: {exc}")

        self.runner.run(job, on_success=done, on_failure=failed)

    def new_folder(self, name: str = "New folder") -> None:
        fs, parent = self.fs, self.folder
        existing = {n.name for n in (self.model.find(parent) or self.model.root).children or []}
        candidate, n = name, 1
        while candidate in existing:
            n += 1
            candidate = f"{name} ({n})"
        path = posixpath.join(parent, candidate) if parent else candidate

        def job(ctx: JobContext) -> None:
            fs.mkdir(path, create_parents=False)

        self._edit_when_loaded = path
        self._run(job, [parent], "Creating a folder")

    def rename_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.view.edit(index.sibling(index.row(), 0))

    def rename(self, path: str, new_name: str) -> None:
        fs = self.fs
        parent = posixpath.dirname(path)
        target = posixpath.join(parent, new_name) if parent else new_name

        def job(ctx: JobContext) -> None:
            if fs.exists(target):
                raise FileExistsError(f"/{target} already exists")
            fs.mv(path, target)

        self._run(job, [parent], f"Renaming /{path}",
                  then=lambda _: self.model.reveal(target, self.select_index))

    def delete_selected(self) -> None:
        paths = self.selected_paths()
        if not paths:
            return
        names = ", ".join(posixpath.basename(p) for p in paths[:5])
        more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
        if not self.confirm("Delete", f"Delete {names}{more} from the vault?\n"
                                      "Folders are deleted with everything in them."):
            return
        self.delete(paths)

    def delete(self, paths: list[str]) -> None:
        fs = self.fs
        parents = sorted({posixpath.dirname(p) for p in paths})

        def job(ctx: JobContext) -> None:
            for path in paths:
                ctx.check()
                fs.rm(path, recursive=True)

        self._run(job, parents, "Deleting")

    def save_selected(self) -> None:
        paths = self.selected_paths()
        if paths:
            self.saveRequested.emit(paths)

    def _confirm_dialog(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu()
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        has_selection = bool(self.selected_paths())
        for act in (self.open_action, self.save_action, None, self.rename_action,
                    self.delete_action, None, self.new_folder_action, self.refresh_action):
            if act is None:
                menu.addSeparator()
                continue
            if act in (self.open_action, self.save_action, self.rename_action,
                       self.delete_action):
                act.setEnabled(has_selection)
            menu.addAction(act)
            if act is self.open_action:
                menu.addMenu(self.open_with_menu(menu))
        return menu

    def open_with_menu(self, parent: QWidget) -> QMenu:
        """"Open with": the desktop's applications for the current file, and any program."""
        menu = QMenu("Open with", parent)
        path = self.current_path()
        node = self.model.find(path) if path is not None else None
        if path is None or node is None or node.is_dir:
            menu.setEnabled(False)
            return menu
        for app in applications_for(posixpath.basename(path)):
            act = menu.addAction(app.name)
            act.triggered.connect(
                lambda _checked=False, a=app: self.openWithRequested.emit(path, a))
        if not menu.isEmpty():
            menu.addSeparator()
        other = menu.addAction("Other program…")
        other.triggered.connect(lambda _checked=False: self.openWithRequested.emit(path, None))
        return menu


def local_name(path: str) -> str:
    return Path(path).name
