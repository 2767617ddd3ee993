from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vaultui.gui.mainwindow import MainWindow
from vaultui.gui.pane import VaultPane
from vaultui.gui.qt import (
    QApplication,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QMimeData,
    QPointF,
    Qt,
    QUrl,
)
from vaultui.gui.transfers import Clash, Status, TransfersModel, format_eta
from vaultui.tasks.naming import keep_both_name


def drop(qtbot, pane: VaultPane, paths: list[Path]) -> None:
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = pane.plain.view.viewport()
    pos = QPointF(5, 300)  # below the rows: the shown folder
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDragMoveEvent(pos, Qt.DropAction.CopyAction, md,
                                                  Qt.MouseButton.LeftButton,
                                                  Qt.KeyboardModifier.NoModifier))
    with qtbot.waitSignal(pane.plain.filesDropped, timeout=5000):
        QApplication.sendEvent(target, QDropEvent(pos, Qt.DropAction.CopyAction, md,
                                                  Qt.MouseButton.LeftButton,
                                                  Qt.KeyboardModifier.NoModifier))


def wait_transfers(qtbot, model: TransfersModel, count: int) -> None:
    qtbot.waitUntil(lambda: len(model.transfers) >= count
                    and not any(t.active for t in model.transfers), timeout=20_000)


MiB = 1024 * 1024


class HeldSource:
    """A local FIFO to upload from: the transfer reads one MiB, then waits for `release`.

    The pipe holds the transfer mid-file for as long as the test needs, with nothing in
    vaultui patched. Released, it gives one more KiB and ends, so a cancelled transfer sees
    its cancel at the next block and an uncancelled one completes.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self._released = threading.Event()
        self._feeder = threading.Thread(target=self._feed, daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        try:
            with open(self.path, "wb") as pipe:  # waits for the transfer to open it
                pipe.write(b"x" * MiB)
                pipe.flush()
                self._released.wait(30)
                pipe.write(b"x" * 1024)
        except BrokenPipeError:
            pass  # the transfer stopped reading: nothing more to give

    def release(self) -> None:
        self._released.set()

    def close(self) -> None:
        self.release()
        if self._feeder.is_alive():
            # A feeder still waiting for a reader: open the pipe ourselves to let it go.
            reader = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                self._feeder.join(10)
            finally:
                os.close(reader)
        self._feeder.join(10)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Callable[[str], HeldSource]]:
    """Makes HeldSources in tmp_path by name; all are closed after the test."""
    made: list[HeldSource] = []

    def make(name: str) -> HeldSource:
        made.append(HeldSource(tmp_path / name))
        return made[-1]

    yield make
    for source in made:
        source.close()


def test_drop_files_and_folders_encrypts_them_recursively(qtbot, pane: VaultPane,
                                                          tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "album" / "sub").mkdir(parents=True)
    (src / "album" / "a.bin").write_bytes(b"a" * 100_000)
    (src / "album" / "sub" / "b.txt").write_bytes(b"bee")
    (src / "note.txt").write_bytes(b"note")
    drop(qtbot, pane, [src / "album", src / "note.txt"])
    wait_transfers(qtbot, pane.transfers, 2)
    assert [t.status for t in pane.transfers.transfers] == [Status.DONE, Status.DONE]
    assert pane.fs.cat_file("album/a.bin") == b"a" * 100_000
    assert pane.fs.cat_file("album/sub/b.txt") == b"bee"
    assert pane.fs.cat_file("note.txt") == b"note"
    album = pane.transfers.transfers[0]
    assert (album.done, album.total) == (100_003, 100_003)
    assert pane.transfers.index(0, 2).data() == 100
    qtbot.waitUntil(lambda: pane.plain.model.find("note.txt") is not None, timeout=5000)


@pytest.mark.parametrize(("choice", "expected"), [
    (Clash.REPLACE, {"hello.txt": b"new"}),
    (Clash.KEEP_BOTH, {"hello.txt": b"hello", "hello (2).txt": b"new"}),
    (Clash.SKIP, {"hello.txt": b"hello"}),
])
def test_name_clash_asks(qtbot, pane: VaultPane, tmp_path: Path, choice: Clash,
                         expected: dict[str, bytes]) -> None:
    local = tmp_path / "hello.txt"
    local.write_bytes(b"new")
    asked: list[str] = []

    def ask(name: str, is_dir: bool, more: int) -> tuple[Clash, bool]:
        asked.append(name)
        return choice, False

    pane.ask_clash = ask
    pane.drop_files([str(local)], "")
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    if choice is not Clash.SKIP:
        wait_transfers(qtbot, pane.transfers, 1)
    for name, data in expected.items():
        assert pane.fs.cat_file(name) == data
    assert not pane.fs.exists("hello (3).txt")


def test_cancel_leaves_nothing_partial(qtbot, pane: VaultPane, held) -> None:
    source = held("big.bin")
    transfer = pane.transfers.upload(pane.fs, str(source.path), "docs")
    qtbot.waitUntil(lambda: transfer.status is Status.RUNNING and transfer.done > 0,
                    timeout=10_000)
    pane.transfers.cancel(transfer)
    source.release()
    wait_transfers(qtbot, pane.transfers, 1)
    assert transfer.status is Status.CANCELLED
    assert not pane.fs.exists("docs/big.bin")
    pane.fs.invalidate_cache()
    assert pane.fs.ls("docs", detail=False) == ["docs/deep", "docs/report.txt"]
    # Retry runs it again to the end (from a plain file of that name now).
    source.close()
    source.path.unlink()
    source.path.write_bytes(b"x" * (9 * MiB))
    pane.transfers.retry(transfer)
    wait_transfers(qtbot, pane.transfers, 1)
    assert transfer.status is Status.DONE
    assert pane.fs.size("docs/big.bin") == 9 * MiB


def test_failed_transfer_shows_reason_and_retries(qtbot, pane: VaultPane,
                                                  tmp_path: Path) -> None:
    missing = tmp_path / "gone.txt"
    transfer = pane.transfers.upload(pane.fs, str(missing), "")
    wait_transfers(qtbot, pane.transfers, 1)
    assert transfer.status is Status.FAILED
    assert "gone.txt" in transfer.error
    assert "Failed" in pane.transfers.index(0, 6).data()
    missing.write_bytes(b"back")
    pane.transfers.retry(transfer)
    wait_transfers(qtbot, pane.transfers, 1)
    assert transfer.status is Status.DONE
    assert pane.fs.cat_file("gone.txt") == b"back"


def test_save_as_decrypts_file_and_folder(qtbot, pane: VaultPane, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    pane.choose_save_target = lambda paths: str(out / "copy.txt")
    pane.save_items(["hello.txt"])
    pane.choose_save_target = lambda paths: str(out)
    pane.save_items(["docs"])
    wait_transfers(qtbot, pane.transfers, 2)
    assert (out / "copy.txt").read_bytes() == b"hello"
    assert (out / "docs" / "report.txt").read_bytes() == b"r" * 5000
    assert (out / "docs" / "deep").is_dir()
    assert not list(out.rglob("*.part"))


def test_helpers() -> None:
    assert keep_both_name("a.txt", {"a.txt", "a (2).txt"}) == "a (3).txt"
    assert format_eta(None) == ""
    assert format_eta(75) == "1:15"
    assert format_eta(3725) == "1:02:05"


def test_locking_cancels_the_vaults_transfers(qtbot, window: MainWindow, pane: VaultPane,
                                              vault_path: str, held) -> None:
    sources = [held("big.bin"), held("other.bin")]
    first = pane.transfers.upload(pane.fs, str(sources[0].path), "")
    second = pane.transfers.upload(pane.fs, str(sources[1].path), "docs")
    qtbot.waitUntil(lambda: first.status is Status.RUNNING and first.done > 0, timeout=10_000)
    window.lock_current()
    for source in sources:
        source.release()
    qtbot.waitUntil(lambda: not pane.transfers.active, timeout=10_000)
    assert first.status is Status.CANCELLED and second.status is Status.CANCELLED
    assert not first.retryable
    pane.transfers.retry(first)
    assert first.status is Status.CANCELLED
    from guihelpers import PASSPHRASE

    from vaultui.fs.filesystem import VaultFileSystem
    fresh = VaultFileSystem(vault_path, passphrase=PASSPHRASE)
    assert not fresh.exists("big.bin") and not fresh.exists("docs/other.bin")


def test_one_vaults_queue_is_bounded(qtbot, pane: VaultPane, held) -> None:
    sources = [held(f"f{n}.bin") for n in range(4)]
    seen_running: list[int] = []
    pane.transfers.dataChanged.connect(lambda *_: seen_running.append(
        sum(t.status is Status.RUNNING for t in pane.transfers.transfers)))
    for source in sources:
        pane.transfers.upload(pane.fs, str(source.path), "")
    # Two run, held mid-file; the other two wait however long that takes.
    qtbot.waitUntil(lambda: sum(t.done > 0 for t in pane.transfers.transfers) == 2,
                    timeout=10_000)
    assert [t.status for t in pane.transfers.transfers].count(Status.RUNNING) == 2
    for source in sources:
        source.release()
    wait_transfers(qtbot, pane.transfers, 4)
    assert max(seen_running) == pane.transfers.max_threads == 2
    assert all(t.status is Status.DONE for t in pane.transfers.transfers)


def test_cancelled_download_leaves_no_partial_file(qtbot, pane: VaultPane, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pane.fs.pipe_file("large.bin", b"z" * (5 * MiB))
    # A slow storage: after the first read, the next waits until the test lets it go.
    gate = threading.Event()
    opened = pane.fs.open

    def slow_open(path: str, mode: str = "rb", **kwargs: Any) -> Any:
        f = opened(path, mode, **kwargs)
        read, calls = f.read, list[int]()

        def held_read(*args: Any) -> Any:
            if calls:
                gate.wait(10)
            calls.append(1)
            return read(*args)

        f.read = held_read
        return f

    monkeypatch.setattr(pane.fs, "open", slow_open)
    out = tmp_path / "out"
    out.mkdir()
    transfer = pane.transfers.download(pane.fs, "large.bin", str(out / "large.bin"))
    qtbot.waitUntil(lambda: transfer.done > 0, timeout=10_000)
    pane.transfers.cancel(transfer)
    gate.set()
    wait_transfers(qtbot, pane.transfers, 1)
    assert transfer.status is Status.CANCELLED
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("for_all", [True, False])
def test_clash_apply_to_all(qtbot, pane: VaultPane, tmp_path: Path, for_all: bool) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        pane.fs.pipe_file(name, b"old")
        (tmp_path / name).write_bytes(b"new")
    (tmp_path / "fresh.txt").write_bytes(b"fresh")
    asked: list[tuple[str, int]] = []

    def ask(name: str, is_dir: bool, more: int) -> tuple[Clash, bool]:
        asked.append((name, more))
        return Clash.KEEP_BOTH, for_all

    pane.ask_clash = ask
    pane.drop_files([str(tmp_path / n) for n in ("a.txt", "fresh.txt", "b.txt", "c.txt")], "")
    wait_transfers(qtbot, pane.transfers, 4)
    assert asked == ([("a.txt", 2)] if for_all else [("a.txt", 2), ("b.txt", 1), ("c.txt", 0)])
    for name in ("a", "b", "c"):
        assert pane.fs.cat_file(f"{name}.txt") == b"old"
        assert pane.fs.cat_file(f"{name} (2).txt") == b"new"
    assert pane.fs.cat_file("fresh.txt") == b"fresh"


def test_clash_dialog_answers(qtbot) -> None:
    from vaultui.gui.clash import ClashDialog
    dialog = ClashDialog("a.txt", False, more=2)
    qtbot.addWidget(dialog)
    assert dialog.checkBox() is dialog.apply_all
    assert "other 2 clashes" in dialog.apply_all.text()
    dialog.open()
    dialog.apply_all.setChecked(True)
    dialog.replace_button.click()
    assert dialog.choice() == (Clash.REPLACE, True)
    last = ClashDialog("docs", True, more=0)
    qtbot.addWidget(last)
    assert last.checkBox() is None
    assert "folder" in last.text().lower()
    last.open()
    last.skip_button.click()
    assert last.choice() == (Clash.SKIP, False)
    closed = ClashDialog("x", False, more=1)
    qtbot.addWidget(closed)
    closed.open()
    closed.keep_both_button.click()
    assert closed.choice() == (Clash.KEEP_BOTH, False)


def test_a_download_with_a_damaged_file_copies_the_rest_and_names_it(
        qtbot, pane: VaultPane, tmp_path: Path) -> None:
    pane.fs.pipe_file("mixed/good.txt", b"good")
    pane.fs.pipe_file("mixed/bad.bin", b"b" * 100)
    node = pane.fs.ciphertext_paths("mixed/bad.bin")[0]
    data = bytearray(pane.fs.storage.cat_file(node))
    data[-1] ^= 1
    pane.fs.storage.pipe_file(node, bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    transfer = pane.transfers.download(pane.fs, "mixed", str(out / "mixed"))
    wait_transfers(qtbot, pane.transfers, 1)
    assert transfer.status is Status.FAILED
    assert "mixed/bad.bin" in transfer.error and "authentication" in transfer.error
    assert (out / "mixed" / "good.txt").read_bytes() == b"good"
    assert sorted(p.name for p in (out / "mixed").iterdir()) == ["good.txt"]
