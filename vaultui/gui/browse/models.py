"""The two views of an unlocked vault as lazy tree models: plaintext and encrypted."""

from __future__ import annotations

import posixpath
from typing import Any

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.gui.browse.fsmodel import (
    Columns,
    Index,
    Info,
    LazyFsModel,
    TreeNode,
    format_time,
    human_size,
    modified_time,
)
from vaultui.gui.core import icons
from vaultui.gui.core.qt import QModelIndex, QObject, Qt, Signal
from vaultui.gui.core.worker import JobContext, TaskRunner

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_EDIT = int(Qt.ItemDataRole.EditRole)


def plain_kind(info: Info) -> str:
    if info.get("islink"):
        return "Link"
    if info.get("type") == "directory":
        return "Folder"
    ext = posixpath.splitext(str(info.get("name", "")))[1].lstrip(".")
    return f"{ext.upper()} file" if ext else "File"


class _EntryColumns(Columns):
    """Name, size, modification time and a kind that subclasses name."""

    def kind(self, info: Info) -> str:
        raise NotImplementedError

    def text(self, node: TreeNode, column: int) -> Any:
        if column == 0:
            return node.name
        if column == 1:
            return "" if node.is_dir else human_size(node.info.get("size"))
        if column == 2:
            return format_time(modified_time(node.info))
        return self.kind(node.info)

    def sort_key(self, node: TreeNode, column: int) -> Any:
        if column == 1:
            return int(node.info.get("size") or 0)
        if column == 2:
            when = modified_time(node.info)
            return when.timestamp() if when else 0.0
        if column == 3:
            return self.kind(node.info)
        return node.name.lower()


class PlaintextColumns(_EntryColumns):
    """Name, size, modification time and kind of cleartext entries."""

    headers = ("Name", "Size", "Modified", "Kind")

    def kind(self, info: Info) -> str:
        return plain_kind(info)


class PlaintextModel(LazyFsModel):
    """The cleartext tree of an unlocked vault; names are editable (rename).

    Signals:
        renameRequested(path: str, new_name: str): an item's name was edited.
    """

    renameRequested = Signal(str, str)  # noqa: N815

    def __init__(self, fs: VaultFileSystem, runner: TaskRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(lambda path: fs.ls(path, detail=True), "", runner,
                         PlaintextColumns(), parent)
        self.fs = fs

    def decoration(self, node: TreeNode) -> Any:
        if node.info.get("islink"):
            return self.icon("link", icons.link_icon)
        if node.is_dir:
            return self.icon("folder", icons.folder_icon)
        return self.icon("file", icons.file_icon)

    def tooltip(self, node: TreeNode) -> str:
        extra = "\n(damaged)" if node.info.get("damaged") else ""
        return f"/{node.path}{extra}"

    def alignment(self, column: int) -> Qt.AlignmentFlag:
        return RIGHT if column == 1 else LEFT

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == _EDIT and index.isValid() and index.column() == 0:
            return self.node(index).name
        return super().data(index, role)

    def setData(self, index: Index, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != 0:
            return False
        name = str(value).strip()
        node = self.node(index)
        if not name or name == node.name or "/" in name:
            return False
        self.renameRequested.emit(node.path, name)
        return False  # the rows change when the rename job is done and the folder relisted

    def refresh(self, path: str | None = None) -> None:
        # An explicit refresh must see what others changed on the storage.
        self.fs.invalidate_cache()
        self.fs.storage.invalidate_cache()
        super().refresh(path)


_CIPHER_KINDS = {
    "vault.cryptomator": "Vault config",
    "masterkey.cryptomator": "Masterkey file",
    "dir.c9r": "Directory id",
    "dirid.c9r": "Directory id backup",
    "contents.c9r": "Encrypted contents",
    "name.c9s": "Full encrypted name",
    "symlink.c9r": "Encrypted link",
}


def cipher_kind(info: Info, root: str) -> str:
    name = posixpath.basename(str(info.get("name", "")).rstrip("/"))
    rel = str(info.get("name", "")).rstrip("/")[len(root):].strip("/")
    is_dir = info.get("type") == "directory"
    if name in _CIPHER_KINDS:
        return _CIPHER_KINDS[name]
    if name.endswith(".bkup"):
        return "Backup"
    if rel == "d":
        return "Data folder"
    depth = rel.count("/")
    if rel.startswith("d/") and depth == 1:
        return "Hash prefix"
    if rel.startswith("d/") and depth == 2:
        return "Content folder"
    if name.endswith(".c9s"):
        return "Shortened node (.c9s)"
    if name.endswith(".c9r"):
        return "Node (.c9r)" if is_dir else "Encrypted file (.c9r)"
    return "Folder" if is_dir else "File"


class CiphertextColumns(_EntryColumns):
    """Name, size, modification time and role of the objects under a vault root."""

    headers = ("Encrypted name", "Size", "Modified", "Kind")

    def __init__(self, root: str) -> None:
        self.root = root

    def kind(self, info: Info) -> str:
        return cipher_kind(info, self.root)


class CiphertextModel(LazyFsModel):
    """What the storage really holds under the vault root (d/XX/..., .c9r/.c9s)."""

    def __init__(self, fs: VaultFileSystem, runner: TaskRunner,
                 parent: QObject | None = None) -> None:
        storage = fs.storage
        root = fs.location.root

        def lister(path: str) -> list[Info]:
            return list(storage.ls(path, detail=True))

        super().__init__(lister, root, runner, CiphertextColumns(root), parent)
        self.fs = fs

    def decoration(self, node: TreeNode) -> Any:
        if node.is_dir:
            return self.icon("folder", icons.folder_icon)
        return self.icon("file", icons.file_icon)

    def alignment(self, column: int) -> Qt.AlignmentFlag:
        return RIGHT if column == 1 else LEFT

    def refresh(self, path: str | None = None) -> None:
        self.fs.storage.invalidate_cache()
        super().refresh(path)


def ciphertext_paths_job(fs: VaultFileSystem, path: str) -> Any:
    def job(ctx: JobContext) -> list[str]:
        return fs.ciphertext_paths(path)
    return job


def cleartext_path_job(fs: VaultFileSystem, storage_path: str) -> Any:
    """Find the cleartext item behind a storage object (see vaultui/fs/reverse.py)."""
    def job(ctx: JobContext) -> str:
        return fs.cleartext_path(storage_path)
    return job


__all__ = ["CiphertextColumns", "CiphertextModel", "PlaintextColumns", "PlaintextModel",
           "QModelIndex"]
