"""A lazily listed tree over any fsspec-like listing function.

Listings never run on the GUI thread: ``fetchMore`` starts a job on a TaskRunner and the rows
appear when its result arrives. The same model serves the plaintext view (listing the
VaultFileSystem) and the encrypted view (listing the storage under the vault root); the
subclasses only say which columns to show.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultui.gui.qt import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from vaultui.gui.worker import JobContext, TaskRunner

Index = QModelIndex | QPersistentModelIndex
Info = dict[str, Any]
Lister = Callable[[str], list[Info]]

SortRole = Qt.ItemDataRole.UserRole + 1
PathRole = Qt.ItemDataRole.UserRole + 2
InfoRole = Qt.ItemDataRole.UserRole + 3


@dataclass(eq=False)
class Node:
    path: str
    info: Info
    parent: Node | None = None
    children: list[Node] | None = None
    loading: bool = False
    error: str = ""
    by_path: dict[str, Node] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return posixpath.basename(self.path.rstrip("/")) or self.path

    @property
    def is_dir(self) -> bool:
        return self.info.get("type") == "directory"

    def row(self) -> int:
        if self.parent is None or self.parent.children is None:
            return 0
        return self.parent.children.index(self)


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


def modified_time(info: Info) -> dt.datetime | None:
    for key in ("mtime", "LastModified", "last_modified", "created"):
        value = info.get(key)
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if isinstance(value, int | float):
            return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return None


def format_time(when: dt.datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""


def is_within(path: str, ancestor: str) -> bool:
    path, ancestor = path.rstrip("/"), ancestor.rstrip("/")
    return path == ancestor or not ancestor or path.startswith(ancestor + "/")


class LazyFsModel(QAbstractItemModel):
    """Tree of a listing, fetched a folder at a time in workers.

    Signals:
        loaded(path: str): a folder's listing arrived (rows are in the model).
        loadFailed(path: str, message: str): listing a folder failed.
    """

    loaded = Signal(str)
    loadFailed = Signal(str, str)  # noqa: N815

    headers: tuple[str, ...] = ("Name",)

    def __init__(self, lister: Lister, root_path: str, runner: TaskRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lister = lister
        self.runner = runner
        self.root = Node(root_path, {"name": root_path, "type": "directory"})
        self._generation = 0
        self._after_load: list[Callable[[], None]] = []
        self.sort_column = 0
        self.sort_order = Qt.SortOrder.AscendingOrder

    # -- subclasses ---------------------------------------------------------------

    def display(self, node: Node, column: int) -> Any:
        return node.name if column == 0 else None

    def sort_key(self, node: Node, column: int) -> Any:
        return node.name.lower()

    def decoration(self, node: Node) -> Any:
        return None

    def tooltip(self, node: Node) -> str:
        return node.path

    def alignment(self, column: int) -> Qt.AlignmentFlag:
        return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

    # -- tree structure -------------------------------------------------------------

    def node(self, index: Index) -> Node:
        if not index.isValid():
            return self.root
        node = index.internalPointer()
        assert isinstance(node, Node)
        return node

    def index_for(self, node: Node, column: int = 0) -> QModelIndex:
        if node is self.root:
            return QModelIndex()
        return self.createIndex(node.row(), column, node)

    def find(self, path: str) -> Node | None:
        """The loaded node at `path`, or None if it (or an ancestor) is not loaded."""
        node = self.root
        path = path.rstrip("/")
        while node.path.rstrip("/") != path:
            child = next((c for c in node.children or [] if is_within(path, c.path)), None)
            if child is None:
                return None
            node = child
        return node

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self.node(parent)
        if node.children is None or not 0 <= row < len(node.children):
            return QModelIndex()
        if not 0 <= column < len(self.headers):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self.node(index)
        if node.parent is None or node.parent is self.root:
            return QModelIndex()
        return self.index_for(node.parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children or [])

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return len(self.headers)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        node = self.node(parent)
        if not node.is_dir:
            return False
        return node.children is None or bool(node.children)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.headers[section]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return self.alignment(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self.node(index)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(node, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self.decoration(node)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(node)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(column)
        if role == SortRole:
            return self._sort_tuple(node, column)
        if role == PathRole:
            return node.path
        if role == InfoRole:
            return node.info
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- lazy loading ---------------------------------------------------------------

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        node = self.node(parent)
        return node.is_dir and node.children is None and not node.loading

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        self.load(self.node(parent))

    def load(self, node: Node) -> None:
        """List `node` in a worker (first load or refresh); rows change when it arrives."""
        if node.loading or not node.is_dir:
            return
        node.loading = True
        generation = self._generation
        lister, path = self.lister, node.path

        def job(ctx: JobContext) -> list[Info]:
            return lister(path)

        def done(infos: object) -> None:
            if generation != self._generation:
                return
            assert isinstance(infos, list)

            def merged() -> None:
                if generation != self._generation:
                    return
                node.loading = False
                self.loaded.emit(node.path)
                self._run_after_load()

            self._merge(node, infos, merged)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            node.loading = False
            node.error = str(exc) or type(exc).__name__
            if node.children is None:
                node.children = []
            self.loadFailed.emit(node.path, node.error)
            self._run_after_load()

        self.runner.run(job, on_success=done, on_failure=failed)

    def _merge(self, node: Node, infos: list[Info], then: Callable[[], None]) -> None:
        """Bring `node`'s rows in line with a fresh listing; `then` runs once all are in."""
        parent = self.index_for(node)
        node.error = ""
        fresh = {str(i["name"]).rstrip("/"): i for i in infos
                 if str(i["name"]).rstrip("/") != node.path.rstrip("/")}
        if node.children is None:
            node.children = []
        for row in reversed(range(len(node.children))):
            child = node.children[row]
            if child.path not in fresh:
                self.beginRemoveRows(parent, row, row)
                node.children.pop(row)
                del node.by_path[child.path]
                self.endRemoveRows()
        for row, child in enumerate(node.children):
            info = fresh.pop(child.path)
            if info != child.info:
                was_dir = child.is_dir
                child.info = info
                if was_dir != child.is_dir:
                    child.children = None
                self.dataChanged.emit(self.index(row, 0, parent),
                                      self.index(row, len(self.headers) - 1, parent))
        if not fresh:
            then()
            return
        # One insert, already in order, so the views never sort (a proxy sorting 10,000
        # rows calls Python per comparison and stalled the GUI for a second).
        had_rows = bool(node.children)
        added = self._ordered([Node(path, info, parent=node) for path, info in fresh.items()])
        first = len(node.children)
        self.beginInsertRows(parent, first, first + len(added) - 1)
        node.children.extend(added)
        node.by_path.update((child.path, child) for child in added)
        self.endInsertRows()
        if had_rows:
            self._relayout([node])
        then()

    # -- sorting (the model keeps its rows in the requested order) -------------------

    def _sort_tuple(self, node: Node, column: int) -> tuple[bool, Any, str]:
        return (not node.is_dir, self.sort_key(node, column), node.name.lower())

    def _ordered(self, nodes: list[Node]) -> list[Node]:
        column = self.sort_column

        def key(node: Node) -> Any:
            return self._sort_tuple(node, column)

        try:
            return sorted(nodes, key=key,
                          reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        except TypeError:  # mixed key types: fall back to text
            return sorted(nodes, key=lambda n: str(key(n)),
                          reverse=self.sort_order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.headers):
            return
        self.sort_column, self.sort_order = column, order
        loaded: list[Node] = []

        def walk(node: Node) -> None:
            if node.children:
                loaded.append(node)
                for child in node.children:
                    walk(child)

        walk(self.root)
        self._relayout(loaded)

    def _relayout(self, nodes: list[Node]) -> None:
        """Put the children of `nodes` in sort order, keeping persistent indexes right."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        kept = [(self.node(i), i.column()) for i in old]
        for node in nodes:
            if node.children:
                node.children[:] = self._ordered(node.children)
        self.changePersistentIndexList(old, [self.index_for(n, c) if n is not self.root
                                             else QModelIndex() for n, c in kept])
        self.layoutChanged.emit()

    def refresh(self, path: str | None = None) -> None:
        """List a loaded folder again (the root when `path` is None)."""
        node = self.root if path is None else self.find(path)
        if node is None:
            return
        if node.children is None:
            self.load(node)
            return
        self.load(node)
        for child in node.children:
            if child.children is not None:
                self.refresh(child.path)

    def reset(self) -> None:
        """Forget everything listed; the views fetch again."""
        self.beginResetModel()
        self._generation += 1
        self.root.children = None
        self.root.loading = False
        self.root.by_path.clear()
        self.endResetModel()

    def reveal(self, path: str, then: Callable[[QModelIndex], None]) -> None:
        """Load every folder down to `path`, then call `then` with its index (or invalid)."""
        node = self.root
        target = path.rstrip("/")
        while node.path.rstrip("/") != target:
            if node.children is None:
                if not node.is_dir:
                    break
                self._after_load.append(lambda: self.reveal(path, then))
                self.load(node)
                return
            child = next((c for c in node.children if is_within(target, c.path)), None)
            if child is None:
                then(QModelIndex())
                return
            node = child
        then(self.index_for(node) if node.path.rstrip("/") == target else QModelIndex())

    def _run_after_load(self) -> None:
        pending, self._after_load = self._after_load, []
        for callback in pending:
            callback()

    @property
    def busy(self) -> bool:
        def walk(node: Node) -> bool:
            return node.loading or any(walk(c) for c in node.children or [])
        return walk(self.root)


class SortProxy(QSortFilterProxyModel):
    """Hands sorting to the source model, which keeps its rows in order (folders first).

    QSortFilterProxyModel would sort through `lessThan`, a Python call per comparison: a
    10,000-entry folder stalled the GUI for a second. The model sorts with one key function.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(False)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802
        a = left.data(SortRole)
        b = right.data(SortRole)
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)
