"""The lazy listing model: big folders arrive in chunks, sorted, without losing anything."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from vaultui.gui.browse.fsmodel import Columns, Info, LazyFsModel, PathRole, TreeNode, human_size
from vaultui.gui.core.qt import QModelIndex, Qt, QTimer, QTreeView
from vaultui.gui.core.worker import TaskRunner

FILES = 1000
FOLDERS = 7


class SizeColumns(Columns):
    headers = ("Name", "Size")

    def text(self, node: TreeNode, column: int) -> str:
        return node.name if column == 0 else human_size(node.info.get("size"))

    def sort_key(self, node: TreeNode, column: int) -> object:
        return int(node.info.get("size") or 0) if column == 1 else node.name.lower()


def listing(path: str) -> list[Info]:
    """A folder of FOLDERS subfolders and FILES files, in no particular order."""
    if path:
        return []
    infos: list[Info] = [{"name": f"dir-{n}", "type": "directory", "size": 0}
                         for n in range(FOLDERS)]
    infos += [{"name": f"file-{n:04d}.txt", "type": "file", "size": (n * 7919) % 1009}
              for n in range(FILES)]
    random.Random(5).shuffle(infos)
    return infos


@pytest.fixture
def runner(qtbot) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.shutdown()


@pytest.fixture
def model(qtbot, runner: TaskRunner) -> LazyFsModel:
    m = LazyFsModel(listing, "", runner, SizeColumns())
    m.CHUNK = 100
    return m


@pytest.fixture
def view(qtbot, model: LazyFsModel) -> QTreeView:
    v = QTreeView()
    qtbot.addWidget(v)
    v.setModel(model)
    v.setSortingEnabled(True)
    v.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    v.show()
    return v


def shown_names(model: LazyFsModel) -> list[str]:
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def expected(descending: bool = False, by_size: bool = False) -> list[str]:
    infos = listing("")

    def key(i: Info) -> tuple[bool, object, str]:
        name = str(i["name"])
        return (i["type"] != "directory", i["size"] if by_size else name.lower(), name.lower())

    return [str(i["name"]) for i in sorted(infos, key=key, reverse=descending)]


def test_big_folder_arrives_in_chunks_fully_and_sorted(qtbot, model: LazyFsModel,
                                                        view: QTreeView) -> None:
    inserts: list[int] = []
    seen_while_inserting: set[tuple[bool, int]] = set()
    loaded: list[str] = []
    model.loaded.connect(loaded.append)

    def inserted(parent: QModelIndex, first: int, last: int) -> None:
        inserts.append(last - first + 1)
        seen_while_inserting.add((model.busy, len(loaded)))

    model.rowsInserted.connect(inserted)
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.fetchMore(QModelIndex())
    # Until the last chunk is in, the folder counts as loading and `loaded` waits.
    assert seen_while_inserting == {(True, 0)}
    assert loaded == [""]
    assert not model.busy
    assert inserts == [100] * ((FILES + FOLDERS) // 100) + [(FILES + FOLDERS) % 100]
    assert shown_names(model) == expected()
    # The folder itself is not one of its rows; folders come first.
    assert shown_names(model)[:FOLDERS] == [f"dir-{n}" for n in range(FOLDERS)]
    row = shown_names(model).index("file-0003.txt")
    assert model.index(row, 1).data() == f"{(3 * 7919) % 1009} bytes"
    assert model.index(row, 0).data(PathRole) == "file-0003.txt"


def test_sorting_while_rows_arrive_ends_in_the_new_order(qtbot, model: LazyFsModel,
                                                          view: QTreeView) -> None:
    rows_when_sorted: list[int] = []

    def resort() -> None:
        rows_when_sorted.append(model.rowCount())
        view.sortByColumn(1, Qt.SortOrder.DescendingOrder)

    # Sort between two chunks, as a click on the header would.
    model.rowsInserted.connect(lambda *_: rows_when_sorted or QTimer.singleShot(0, resort))
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.fetchMore(QModelIndex())
    assert 0 < rows_when_sorted[0] < FILES + FOLDERS
    assert shown_names(model) == expected(descending=True, by_size=True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert shown_names(model) == expected()


def test_revealing_a_row_from_the_last_chunk_waits_for_it(qtbot, model: LazyFsModel,
                                                          view: QTreeView) -> None:
    last = expected()[-1]
    found: list[QModelIndex] = []
    model.reveal(last, found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    assert found[0].isValid() and found[0].data() == last
    assert model.rowCount() == FILES + FOLDERS
    view.setCurrentIndex(found[0])
    assert view.currentIndex().data(PathRole) == last


def test_relisting_drops_vanished_rows_and_keeps_the_current_one(
        qtbot, runner: TaskRunner, view: QTreeView) -> None:
    entries = {f"f{n:03d}": n for n in range(300)}

    def lister(path: str) -> list[Info]:
        return [{"name": name, "type": "file", "size": size} for name, size in entries.items()]

    model = LazyFsModel(lister, "", runner, SizeColumns())
    model.CHUNK = 64
    view.setModel(model)
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.fetchMore(QModelIndex())
    current = model.find("f250")
    assert current is not None
    view.setCurrentIndex(model.index_for(current))
    for n in range(100, 200):  # a contiguous run goes away ...
        del entries[f"f{n:03d}"]
    del entries["f007"]
    entries.update({f"g{n:03d}": n for n in range(150)})  # ... and new rows come
    with qtbot.waitSignal(model.loaded, timeout=10_000):
        model.refresh()
    names = shown_names(model)
    assert names == sorted(entries)
    assert model.find("f007") is None and model.find("g149") is not None
    assert view.currentIndex().data() == "f250"
