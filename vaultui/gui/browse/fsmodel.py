"""A lazily listed tree over any fsspec-like listing function.

Listings never run on the GUI thread: ``fetchMore`` starts a job on a TaskRunner and the rows
appear when its result arrives. The same model serves the plaintext view (listing the
VaultFileSystem) and the encrypted view (listing the storage under the vault root); each
gives a :class:`Columns` that says what its columns show.

A 10,000-entry folder must not freeze the GUI, and every model call a view makes goes through
Python, so: the worker does all the per-entry work (display texts, sort keys, the sort
itself) and hands over finished, ordered rows; the model answers the views' calls from those
precomputed values; and only a huge listing goes into the model in chunks (see CHUNK).
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultui.gui.core.qt import (
    QAbstractItemModel,
    QIcon,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from vaultui.gui.core.worker import JobContext, TaskRunner

Index = QModelIndex | QPersistentModelIndex
Info = dict[str, Any]
Lister = Callable[[str], list[Info]]

SortRole = Qt.ItemDataRole.UserRole + 1
PathRole = Qt.ItemDataRole.UserRole + 2
InfoRole = Qt.ItemDataRole.UserRole + 3

# Plain ints: comparing Python enums in data() costs more than the rest of the call.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_SORT = int(SortRole)
_PATH = int(PathRole)
_INFO = int(InfoRole)


@dataclass(eq=False)
class TreeNode:
    """One listed entry (or the root) with what the views show of it, worked out once."""

    path: str
    info: Info
    parent: TreeNode | None = None
    children: list[TreeNode] | None = None
    loading: bool = False
    error: str = ""
    by_path: dict[str, TreeNode] = field(default_factory=dict)
    #: display text per column
    texts: tuple[Any, ...] = ()
    #: sort key per column: (folders first, the column's key, the name as tie-break)
    keys: tuple[Any, ...] = ()
    name: str = field(init=False)
    is_dir: bool = field(init=False)
    #: where this node last was in its parent's children; checked before use
    row_hint: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self.name = posixpath.basename(self.path.rstrip("/")) or self.path
        self.is_dir = self.info.get("type") == "directory"

    def take(self, other: TreeNode) -> None:
        """Become `other` (a fresh listing of the same path), keeping our place in the tree."""
        was_dir = self.is_dir
        self.info, self.texts, self.keys = other.info, other.texts, other.keys
        self.is_dir = other.is_dir
        if was_dir != self.is_dir:
            self.children = None
            self.by_path = {}

    def row(self) -> int:
        siblings = self.parent.children if self.parent is not None else None
        if siblings is None:
            return 0
        hint = self.row_hint
        if not (hint < len(siblings) and siblings[hint] is self):
            hint = self.row_hint = siblings.index(self)
        return hint

    def attached(self, root: TreeNode) -> bool:
        """Whether this node is still in the tree under `root` (a refresh may drop it)."""
        node = self
        while node.parent is not None:
            siblings = node.parent.by_path
            if siblings.get(node.path) is not node:
                return False
            node = node.parent
        return node is root


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


class Columns:
    """What a model shows of an entry, column by column.

    Plain Python with no Qt, so listing workers can prepare whole rows off the GUI thread.
    Subclasses set `headers` and override `text` and `sort_key`.
    """

    headers: tuple[str, ...] = ("Name",)

    def text(self, node: TreeNode, column: int) -> Any:
        return node.name if column == 0 else None

    def sort_key(self, node: TreeNode, column: int) -> Any:
        return node.name.lower()

    def describe(self, node: TreeNode) -> TreeNode:
        columns = range(len(self.headers))
        folded = node.name.lower()
        node.texts = tuple(self.text(node, c) for c in columns)
        node.keys = tuple((not node.is_dir, self.sort_key(node, c), folded) for c in columns)
        return node

    def rows(self, parent_path: str, infos: list[Info]) -> list[TreeNode]:
        """Fresh nodes for a folder's listing (without the folder itself)."""
        own = parent_path.rstrip("/")
        nodes = (TreeNode(path, info) for info in infos
                 if (path := str(info["name"]).rstrip("/")) != own)
        return [self.describe(node) for node in nodes]


def ordered(nodes: list[TreeNode], column: int, descending: bool) -> list[TreeNode]:
    """`nodes` sorted by their precomputed keys for `column` (folders first)."""
    try:
        return sorted(nodes, key=lambda n: n.keys[column], reverse=descending)
    except TypeError:  # mixed key types in one column: fall back to text
        return sorted(nodes, key=lambda n: str(n.keys[column]), reverse=descending)


class LazyFsModel(QAbstractItemModel):
    """Tree of a listing, fetched a folder at a time in workers.

    Signals:
        loaded(path: str): a folder's listing arrived and all its rows are in the model.
        loadFailed(path: str, message: str): listing a folder failed.
    """

    loaded = Signal(str)
    loadFailed = Signal(str, str)  # noqa: N815

    #: rows inserted per event-loop turn. The tree lays out *all* of a folder's rows after
    #: each insert, so smaller chunks make the last layout no cheaper and only add earlier
    #: ones (10,000 rows in chunks of 2,500 stalled 56-63 ms, in one go 43-45 ms); chunks
    #: only bound the insert's own Python work for folders far bigger than that.
    CHUNK = 50_000

    def __init__(self, lister: Lister, root_path: str, runner: TaskRunner,
                 columns: Columns | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lister = lister
        self.runner = runner
        self.columns = columns or Columns()
        self.headers = self.columns.headers
        self._width = len(self.headers)
        self.root = TreeNode(root_path, {"name": root_path, "type": "directory"})
        self._generation = 0
        self._after_load: list[Callable[[], None]] = []
        self._icons: dict[str, QIcon] = {}
        self.sort_column = 0
        self.sort_order = Qt.SortOrder.AscendingOrder
        #: bumped by every sort(), so rows sorted earlier (in a worker) can tell
        self._sort_serial = 0

    # -- subclasses ---------------------------------------------------------------------

    def decoration(self, node: TreeNode) -> Any:
        return None

    def tooltip(self, node: TreeNode) -> str:
        return node.path

    def alignment(self, column: int) -> Qt.AlignmentFlag:
        return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

    def icon(self, kind: str, make: Callable[[], QIcon]) -> QIcon:
        """A cached icon (style icons cost a lookup each time, and rows repaint often)."""
        found = self._icons.get(kind)
        if found is None:
            found = self._icons[kind] = make()
        return found

    # -- tree structure -------------------------------------------------------------------

    def node(self, index: Index) -> TreeNode:
        if not index.isValid():
            return self.root
        node = index.internalPointer()
        assert isinstance(node, TreeNode)
        return node

    def index_for(self, node: TreeNode, column: int = 0) -> QModelIndex:
        if node is self.root:
            return QModelIndex()
        return self.createIndex(node.row(), column, node)

    def _child_toward(self, node: TreeNode, target: str) -> TreeNode | None:
        """The loaded child of `node` that is `target` or holds it."""
        children = node.children or []
        base = node.path.rstrip("/")
        if is_within(target, base) and target != base:
            rest = target[len(base):].lstrip("/") if base else target.lstrip("/")
            first = rest.split("/", 1)[0]
            guess = node.by_path.get(f"{base}/{first}" if base else first)
            if guess is not None:
                return guess
        # Paths spelt another way (a storage that adds a slash): look at each child.
        return next((c for c in children if is_within(target, c.path)), None)

    def find(self, path: str) -> TreeNode | None:
        """The loaded node at `path`, or None if it (or an ancestor) is not loaded."""
        node: TreeNode | None = self.root
        path = path.rstrip("/")
        while node is not None and node.path.rstrip("/") != path:
            node = self._child_toward(node, path)
        return node

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        # The tree asks once per row on every layout: keep this lean.
        children = (parent.internalPointer() if parent.isValid() else self.root).children
        if children is None or not (0 <= row < len(children) and 0 <= column < self._width):
            return QModelIndex()
        return self.createIndex(row, column, children[row])

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
        node = parent.internalPointer() if parent.isValid() else self.root
        return node.is_dir and (node.children is None or bool(node.children))

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
            if role == _DISPLAY:
                return self.headers[section]
            if role == _ALIGNMENT:
                return self.alignment(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = index.internalPointer()
        column = index.column()
        if role == _DISPLAY:
            return node.texts[column]
        if role == _DECORATION:
            return self.decoration(node) if column == 0 else None
        if role == _ALIGNMENT:
            return self.alignment(column)
        if role == _TOOLTIP:
            return self.tooltip(node)
        if role == _SORT:
            return node.keys[column]
        if role == _PATH:
            return node.path
        if role == _INFO:
            return node.info
        return None

    # No flags(): Qt's own (enabled, selectable) answers in C++. The tree asks for the
    # flags of every row twice on every layout, and a Python flags() made a 10,000-row
    # layout ~40% slower (bench/gui_stall.py). Renaming and dragging, which would need
    # ItemIsEditable and ItemIsDragEnabled, are started by FileTreeView itself.

    # -- lazy loading -----------------------------------------------------------------------

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        node = self.node(parent)
        return node.is_dir and node.children is None and not node.loading

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        self.load(self.node(parent))

    def load(self, node: TreeNode) -> None:
        """List `node` in a worker (first load or refresh); rows change when it arrives."""
        if node.loading or not node.is_dir:
            return
        node.loading = True
        generation = self._generation
        lister, path, columns = self.lister, node.path, self.columns
        column = self.sort_column
        descending = self.sort_order == Qt.SortOrder.DescendingOrder
        sort_serial = self._sort_serial

        def job(ctx: JobContext) -> list[TreeNode]:
            # Everything per entry happens here, off the GUI thread.
            return ordered(columns.rows(path, lister(path)), column, descending)

        def done(rows: object) -> None:
            if generation != self._generation:
                return
            assert isinstance(rows, list)

            def merged() -> None:
                if generation != self._generation:
                    return
                node.loading = False
                self.loaded.emit(node.path)
                self._run_after_load()

            self._merge(node, rows, sort_serial, merged)

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

    def _merge(self, node: TreeNode, rows: list[TreeNode], sort_serial: int,
               then: Callable[[], None]) -> None:
        """Bring `node`'s rows in line with a fresh listing; `then` runs once all are in.

        `rows` are described and ordered for the sort in force at `sort_serial`.
        """
        parent = self.index_for(node)
        node.error = ""
        fresh = {row.path: row for row in rows}
        if node.children is None:
            node.children = []
        children = node.children
        # Remove vanished rows a contiguous run at a time (deleting a thousand files must
        # not mean a thousand relayouts).
        row = len(children) - 1
        while row >= 0:
            if children[row].path in fresh:
                row -= 1
                continue
            last = row
            while row > 0 and children[row - 1].path not in fresh:
                row -= 1
            self.beginRemoveRows(parent, row, last)
            for gone in children[row:last + 1]:
                del node.by_path[gone.path]
            del children[row:last + 1]
            self.endRemoveRows()
            row -= 1
        for row, child in enumerate(children):
            new = fresh.pop(child.path)
            if new.info != child.info:
                child.take(new)
                self.dataChanged.emit(self.index(row, 0, parent),
                                      self.index(row, len(self.headers) - 1, parent))
        added = list(fresh.values())  # still in the listing's order
        if not added:
            then()
            return
        for child in added:
            child.parent = node
        resort = bool(children) or sort_serial != self._sort_serial
        self._insert(node, added, resort, then)

    def _insert(self, node: TreeNode, added: list[TreeNode], resort: bool,
                then: Callable[[], None]) -> None:
        """Append `added` to `node`'s rows, a chunk per event-loop turn, then sort if needed.

        The rows come ordered from the worker, so a first listing needs no sort at all; a
        relisting appends the new rows and then puts all in order once.
        """
        generation = self._generation
        sort_serial = self._sort_serial
        pending = added

        def step() -> None:
            nonlocal pending, resort
            if generation != self._generation or not node.attached(self.root):
                return
            assert node.children is not None
            resort = resort or sort_serial != self._sort_serial
            chunk, pending = pending[:self.CHUNK], pending[self.CHUNK:]
            first = len(node.children)
            self.beginInsertRows(self.index_for(node), first, first + len(chunk) - 1)
            node.children.extend(chunk)
            node.by_path.update((child.path, child) for child in chunk)
            self.endInsertRows()
            if pending:
                QTimer.singleShot(0, self, step)
                return
            if resort:
                self._relayout([node])
            then()

        step()

    # -- sorting (the model keeps its rows in the requested order) -----------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.headers):
            return
        self.sort_column, self.sort_order = column, order
        self._sort_serial += 1
        loaded: list[TreeNode] = []

        def walk(node: TreeNode) -> None:
            if node.children:
                loaded.append(node)
                for child in node.children:
                    walk(child)

        walk(self.root)
        self._relayout(loaded)

    def _relayout(self, nodes: list[TreeNode]) -> None:
        """Put the children of `nodes` in sort order, keeping persistent indexes right."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        kept = [(self.node(i), i.column()) for i in old]
        descending = self.sort_order == Qt.SortOrder.DescendingOrder
        for node in nodes:
            if node.children:
                node.children[:] = ordered(node.children, self.sort_column, descending)
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

    def reveal(self, path: str, then: Callable[[QModelIndex], None]) -> None:
        """Load every folder down to `path`, then call `then` with its index (or invalid)."""
        node = self.root
        target = path.rstrip("/")
        while node.path.rstrip("/") != target:
            if node.children is None or node.loading:
                if not node.is_dir:
                    break
                # Not listed yet, or its rows are still going in: ask again when they are.
                self._after_load.append(lambda: self.reveal(path, then))
                self.load(node)
                return
            child = self._child_toward(node, target)
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
        def walk(node: TreeNode) -> bool:
            return node.loading or any(walk(c) for c in node.children or [])
        return walk(self.root)
