from __future__ import annotations

import os
from pathlib import Path

from vaultui.gui.browse.pane import VaultPane
from vaultui.gui.core.qt import (
    QApplication,
    QEvent,
    QItemSelectionModel,
    QLineEdit,
    QMimeData,
    QModelIndex,
    QMouseEvent,
    QPoint,
    QPointF,
    Qt,
)
from vaultui.gui.mainwindow.window import MainWindow

_ROWS = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows


def names(pane: VaultPane) -> list[str]:
    view, model = pane.plain.view, pane.plain.model
    root = view.rootIndex()
    return [model.index(r, 0, root).data() for r in range(model.rowCount(root))]


def wait_idle(qtbot, pane: VaultPane) -> None:
    qtbot.waitUntil(lambda: not pane.runner.active and not pane.transfers.active
                    and not pane.plain.model.busy, timeout=10_000)


def test_lists_root_sorted_folders_first(qtbot, pane: VaultPane) -> None:
    assert names(pane) == ["docs", "empty", "hello.txt"]
    model = pane.plain.model
    row = next(model.index(r, 0) for r in range(3) if model.index(r, 0).data() == "hello.txt")
    assert model.index(row.row(), 1).data() == "5 bytes"
    assert model.index(row.row(), 3).data() == "TXT file"
    assert model.index(row.row(), 2).data()  # a modification time


def test_sorting_by_size(qtbot, pane: VaultPane) -> None:
    pane.plain.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert names(pane) == ["hello.txt", "empty", "docs"]


def test_navigate_into_and_up_and_back(qtbot, pane: VaultPane) -> None:
    pane.plain.navigate("docs")
    qtbot.waitUntil(lambda: names(pane) == ["deep", "report.txt"], timeout=5000)
    assert pane.plain.path_bar.text() == "/docs"
    assert pane.counts() == (1, 1)
    pane.plain.up()
    qtbot.waitUntil(lambda: names(pane) == ["docs", "empty", "hello.txt"], timeout=5000)
    pane.plain.back()
    assert pane.plain.folder == "docs"
    qtbot.waitUntil(lambda: names(pane) == ["deep", "report.txt"], timeout=5000)


def test_double_click_folder_enters_it(qtbot, window: MainWindow, pane: VaultPane) -> None:
    window.show()
    qtbot.waitExposed(window)
    view = pane.plain.view
    docs = view.visualRect(row_of(pane, "docs")).center()
    # What a double click sends: press, release, then the double click (QTest's mouseDClick
    # alone leaves out the first press).
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=docs)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=docs)
    qtbot.waitUntil(lambda: names(pane) == ["deep", "report.txt"], timeout=5000)
    assert view.indexWidget(row_of(pane, "deep")) is None  # entered, not renamed


def test_new_folder_rename_delete(qtbot, pane: VaultPane) -> None:
    pane.plain.new_folder_action.trigger()
    qtbot.waitUntil(lambda: "New folder" in names(pane), timeout=5000)
    assert pane.fs.isdir("New folder")
    wait_idle(qtbot, pane)
    # Rename through the model, as the editor started by F2 does.
    node = pane.plain.model.find("New folder")
    assert node is not None
    pane.plain.model.setData(pane.plain.model.index_for(node), "Renamed")
    qtbot.waitUntil(lambda: "Renamed" in names(pane) and "New folder" not in names(pane),
                    timeout=5000)
    assert pane.fs.isdir("Renamed")
    wait_idle(qtbot, pane)
    pane.plain.select_path("Renamed")
    qtbot.waitUntil(lambda: pane.plain.selected_paths() == ["Renamed"], timeout=5000)
    asked: list[str] = []

    def confirm(title: str, text: str) -> bool:
        asked.append(text)
        return False

    pane.plain.confirm = confirm
    pane.plain.delete_action.trigger()
    assert asked and pane.fs.exists("Renamed")
    pane.plain.confirm = lambda title, text: True
    pane.plain.delete_action.trigger()
    qtbot.waitUntil(lambda: "Renamed" not in names(pane), timeout=5000)
    assert not pane.fs.exists("Renamed")


def row_of(pane: VaultPane, name: str) -> QModelIndex:
    view, model = pane.plain.view, pane.plain.model
    root = view.rootIndex()
    return next(model.index(r, 0, root) for r in range(model.rowCount(root))
                if model.index(r, 0, root).data() == name)


def test_f2_renames_in_place_and_escape_cancels(qtbot, pane: VaultPane) -> None:
    view = pane.plain.view
    view.setFocus()
    pane.plain.select_path("hello.txt")
    qtbot.waitUntil(lambda: pane.plain.selected_paths() == ["hello.txt"], timeout=5000)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(row_of(pane, "hello.txt"))
    assert isinstance(editor, QLineEdit) and editor.isVisibleTo(view)
    assert editor.text() == "hello.txt" and editor.selectedText() == "hello.txt"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.indexWidget(row_of(pane, "hello.txt")) is None, timeout=5000)
    wait_idle(qtbot, pane)
    assert pane.fs.exists("hello.txt") and names(pane) == ["docs", "empty", "hello.txt"]
    # Again, typing a new name this time: Enter renames the file in the vault.
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(row_of(pane, "hello.txt"))
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, "greeting.txt")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "greeting.txt" in names(pane), timeout=5000)
    assert pane.fs.cat("greeting.txt") == b"hello" and not pane.fs.exists("hello.txt")
    assert all(view.indexWidget(row_of(pane, n)) is None for n in names(pane))


def test_mouse_drag_of_a_selection_starts_one_drag_of_all_of_it(
        qtbot, window: MainWindow, pane: VaultPane) -> None:
    window.show()
    qtbot.waitExposed(window)
    view = pane.plain.view
    dragged: list[list[str]] = []
    view.dragRequested.connect(dragged.append)
    pane.start_drag = lambda mime: None  # what follows the decryption: test_drag_out_*
    view.selectionModel().select(row_of(pane, "hello.txt"), _ROWS)
    view.selectionModel().select(row_of(pane, "docs"), _ROWS)
    start = view.visualRect(row_of(pane, "hello.txt")).center()
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    # A small move is not a drag yet, and keeps both items selected.
    near = start + QPoint(1, 0)
    QApplication.sendEvent(viewport, QMouseEvent(
        QEvent.Type.MouseMove, QPointF(near), QPointF(viewport.mapToGlobal(near)),
        Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert not dragged and sorted(pane.plain.selected_paths()) == ["docs", "hello.txt"]
    far = start + QPoint(QApplication.startDragDistance() + 5, 0)
    QApplication.sendEvent(viewport, QMouseEvent(
        QEvent.Type.MouseMove, QPointF(far), QPointF(viewport.mapToGlobal(far)),
        Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert [sorted(d) for d in dragged] == [["docs", "hello.txt"]]
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=far)
    # A press on an unselected item selects it, and moving off drags it alone.
    other = view.visualRect(row_of(pane, "empty")).center()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=other)
    away = other + QPoint(QApplication.startDragDistance() + 5, 0)
    QApplication.sendEvent(viewport, QMouseEvent(
        QEvent.Type.MouseMove, QPointF(away), QPointF(viewport.mapToGlobal(away)),
        Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert dragged[-1] == ["empty"]
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=away)


def test_shortcuts_are_bound(pane: VaultPane) -> None:
    actions = pane.plain.actions() + pane.plain.view.actions()
    keys = {a.text(): [s.toString() for s in a.shortcuts()] for a in actions}
    assert keys["Rename"] == ["F2"]
    assert keys["Delete…"] == ["Del"]
    assert keys["Open"] == ["Return", "Enter"]
    assert keys["Refresh"] == ["F5"]
    assert keys["New folder"] == ["Ctrl+Shift+N"]
    assert keys["Up"] == ["Backspace", "Alt+Up"]
    # An item's keys work in the file view only: Return in the path bar or in the rename
    # editor belongs to that editor.
    item_actions = {"Open", "Rename", "Delete…"}
    assert {a.text() for a in pane.plain.view.actions()} == item_actions
    assert all(a.shortcutContext() == Qt.ShortcutContext.WidgetShortcut
               for a in pane.plain.view.actions())


def test_context_menu_lists_actions(pane: VaultPane) -> None:
    menu = pane.plain.context_menu()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert {"Rename", "Delete…", "New folder", "Refresh"} <= set(texts)


def test_encrypted_view_shows_storage_objects(qtbot, pane: VaultPane) -> None:
    model = pane.cipher.model
    qtbot.waitUntil(lambda: model.rowCount() >= 3, timeout=5000)
    top = {model.index(r, 0).data() for r in range(model.rowCount())}
    assert {"d", "masterkey.cryptomator", "vault.cryptomator"} <= top


def test_selecting_plaintext_selects_ciphertext(qtbot, pane: VaultPane) -> None:
    pane.plain.select_path("hello.txt")
    expected = pane.fs.ciphertext_paths("hello.txt")[0]
    qtbot.waitUntil(lambda: pane.cipher.current_path() == expected, timeout=10_000)
    assert expected.endswith(".c9r")


def test_selecting_ciphertext_selects_plaintext(qtbot, pane: VaultPane) -> None:
    target = pane.fs.ciphertext_paths("docs/report.txt")[0]
    wait_idle(qtbot, pane)
    pane.cipher.model.reveal(target, pane.cipher.select_index)
    qtbot.waitUntil(lambda: pane.plain.current_path() == "docs/report.txt", timeout=10_000)
    assert pane.plain.folder == "docs"


def test_open_decrypts_to_private_temp(qtbot, pane: VaultPane) -> None:
    opened: list[str] = []
    pane.open_url = lambda url: opened.append(url.toLocalFile())
    pane.open_item("hello.txt")
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    assert Path(opened[0]).read_bytes() == b"hello"
    temp = pane.temp_dir()
    assert os.stat(temp).st_mode & 0o777 == 0o700
    pane.close_down()
    assert not Path(temp).exists()


def test_invalid_index_is_root(pane: VaultPane) -> None:
    assert pane.plain.model.node(QModelIndex()) is pane.plain.model.root


def test_drag_out_offers_decrypted_copies(qtbot, pane: VaultPane) -> None:
    dragged: list[QMimeData] = []
    pane.start_drag = dragged.append
    pane.drag.button_held = lambda: True
    pane.plain.select_path("hello.txt")
    qtbot.waitUntil(lambda: pane.plain.selected_paths() == ["hello.txt"], timeout=5000)
    docs = next(pane.plain.model.index(r, 0, pane.plain.view.rootIndex())
                for r in range(3)
                if pane.plain.model.index(r, 0, pane.plain.view.rootIndex()).data() == "docs")
    pane.plain.view.selectionModel().select(
        docs, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    pane.plain.view.startDrag(Qt.DropAction.CopyAction)
    qtbot.waitUntil(lambda: bool(dragged), timeout=10_000)
    mime = dragged[0]
    assert mime.hasUrls()
    paths = sorted(Path(u.toLocalFile()) for u in mime.urls())
    assert [p.name for p in paths] == ["docs", "hello.txt"]
    assert all(u.isLocalFile() for u in mime.urls())
    assert (paths[1]).read_bytes() == b"hello"
    assert (paths[0] / "report.txt").read_bytes() == b"r" * 5000
    assert (paths[0] / "deep").is_dir()
    # Private: under the pane's 0700 temp folder, in a 0700 folder of its own.
    assert os.stat(paths[0].parent).st_mode & 0o777 == 0o700
    assert str(paths[0]).startswith(pane.temp_dir())
    pane.close_down()
    assert not paths[1].exists()


def test_drag_out_released_early_starts_no_drag_and_the_next_drag_is_at_once(
        qtbot, pane: VaultPane) -> None:
    dragged: list[QMimeData] = []
    messages: list[str] = []
    pane.start_drag = dragged.append
    pane.messageRaised.connect(messages.append)
    pane.drag.button_held = lambda: False  # released while decrypting
    pane.plain.select_path("hello.txt")
    qtbot.waitUntil(lambda: pane.plain.selected_paths() == ["hello.txt"], timeout=5000)
    pane.plain.view.startDrag(Qt.DropAction.CopyAction)
    qtbot.waitUntil(lambda: "drag it again" in messages[-1], timeout=10_000)
    assert dragged == []
    copies = [p for p in Path(pane.temp_dir()).rglob("hello.txt")]
    assert [c.read_bytes() for c in copies] == [b"hello"]
    # Dragged again (button down): the copy is ready, the drag starts without a decrypt.
    pane.drag.button_held = lambda: True
    pane.plain.view.startDrag(Qt.DropAction.CopyAction)
    assert [Path(u.toLocalFile()) for u in dragged[0].urls()] == copies
    assert list(Path(pane.temp_dir()).rglob("hello.txt")) == copies


def test_big_folder_lists_in_chunks_with_counts_and_counterparts(
        qtbot, window: MainWindow, pane: VaultPane) -> None:
    for n in range(120):
        pane.fs.pipe_file(f"big/file-{n:03d}.txt", b"x" * n)
    pane.fs.makedirs("big/sub")
    pane.plain.refresh()
    qtbot.waitUntil(lambda: "big" in names(pane), timeout=10_000)
    pane.plain.model.CHUNK = 25  # five chunks, one per event-loop turn
    pane.plain.navigate("big")
    qtbot.waitUntil(lambda: window.counts_label.text() == "1 folders, 120 files",
                    timeout=10_000)
    assert names(pane) == ["sub"] + [f"file-{n:03d}.txt" for n in range(120)]
    # An item from the last chunk links to its encrypted counterpart, and back.
    pane.plain.select_path("big/file-119.txt")
    expected = pane.fs.ciphertext_paths("big/file-119.txt")[0]
    qtbot.waitUntil(lambda: pane.cipher.current_path() == expected, timeout=10_000)
    wait_idle(qtbot, pane)
    pane.plain.navigate("")
    pane.plain.view.setCurrentIndex(QModelIndex())
    pane.cipher.view.setCurrentIndex(QModelIndex())
    wait_idle(qtbot, pane)
    pane.cipher.model.reveal(expected, pane.cipher.select_index)
    qtbot.waitUntil(lambda: pane.plain.current_path() == "big/file-119.txt", timeout=10_000)
    assert pane.plain.folder == "big"
    pane.plain.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert names(pane)[:2] == ["file-119.txt", "file-118.txt"]
    assert pane.plain.current_path() == "big/file-119.txt"
