"""Import files written by fsspec-encrypted (either generation) into a vault."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fsspec.spec import AbstractFileSystem

from vaultui.crypto.legacy import (
    CbcDecryptor,
    LegacyDecryptionError,
    LegacyFormat,
    decrypt_fernet,
    detect_format,
)
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import norm_path, parent_path
from vaultui.tasks.job import BLOCK_SIZE, Job
from vaultui.tasks.transfer import vault_join

_HEAD = 64


@dataclass(frozen=True)
class LegacyFile:
    source: str  # storage path
    target: str  # vault path
    size: int  # encrypted size: what progress counts


@dataclass
class ImportResult:
    files: int = 0
    bytes: int = 0
    formats: Counter[LegacyFormat] = field(default_factory=Counter)

    @property
    def unauthenticated(self) -> int:
        """Files of the CBC generation: nothing proved they were not altered."""
        return self.formats[LegacyFormat.CBC]


class ImportLegacy(Job):
    """Decrypt every file under `source` (a file or a folder on `source_fs`) into `dest`.

    Relative paths are kept. Each file's format is detected (Fernet text or CBC binary)
    unless `fmt` forces one. A file is published in the vault only once it decrypted
    completely: a wrong key, a damaged file or a cancel leaves nothing behind for it.
    Progress counts encrypted bytes read.
    """

    def __init__(self, source_fs: AbstractFileSystem, source: str, key: bytes,
                 vfs: VaultFileSystem, dest: str = "", fmt: LegacyFormat | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source_fs = source_fs
        self.source = source.rstrip("/")
        self.key = key
        self.vfs = vfs
        self.dest = norm_path(dest)
        self.fmt = fmt
        self.result = ImportResult()

    def prepare(self) -> list[LegacyFile]:
        info = self.source_fs.info(self.source)
        if info["type"] != "directory":
            name = self.source.rsplit("/", 1)[-1]
            return [LegacyFile(self.source, vault_join(self.dest, name), int(info["size"]))]
        found = self.source_fs.find(self.source, detail=True)
        files: list[LegacyFile] = []
        base = str(self.source_fs._strip_protocol(self.source)).rstrip("/")
        for path in sorted(found):
            entry = found[path]
            if entry["type"] != "file":
                continue
            rel = path[len(base) + 1:] if path.startswith(base + "/") else path
            files.append(LegacyFile(path, vault_join(self.dest, rel), int(entry["size"])))
        return files

    def run(self, files: list[LegacyFile] | None = None) -> ImportResult:
        files = files if files is not None else self.prepare()
        self.start_counting(len(files), sum(f.size for f in files))
        folders = {parent_path(f.target) for f in files} | ({self.dest} if self.dest else set())
        for folder in sorted(f for f in folders if f):
            self.check_cancelled()
            self.vfs.makedirs(folder, exist_ok=True)
        self.run_all(files, self._import)
        self.result.files = self.counter.files_done
        self.result.bytes = self.counter.bytes_done
        return self.result

    def _import(self, item: LegacyFile) -> None:
        with self.source_fs.open(item.source, "rb") as src:
            head = src.read(_HEAD)
            fmt = self.fmt or detect_format(head)
            try:
                with self.vfs.open(item.target, "wb") as dst:
                    # An exception anywhere in this block discards the vault file.
                    if fmt is LegacyFormat.FERNET:
                        self._fernet(head, src, dst, item)
                    else:
                        self._cbc(head, src, dst, item)
            except LegacyDecryptionError as exc:
                raise LegacyDecryptionError(f"{item.source} ({fmt.value}): {exc}") from None
        self.result.formats[fmt] += 1
        self.counter.file_done(item.target)

    def _fernet(self, head: bytes, src: Any, dst: Any, item: LegacyFile) -> None:
        # Fernet tokens are whole-file by design (the MAC comes last), as they were written.
        parts = [head]
        while block := src.read(BLOCK_SIZE):
            self.check_cancelled()
            parts.append(block)
        data = b"".join(parts)
        dst.write(decrypt_fernet(data, self.key))
        self.counter.add_bytes(len(data), item.target)

    def _cbc(self, head: bytes, src: Any, dst: Any, item: LegacyFile) -> None:
        dec = CbcDecryptor(self.key)
        dst.write(dec.update(head))
        self.counter.add_bytes(len(head), item.target)
        while block := src.read(BLOCK_SIZE):
            self.check_cancelled()
            dst.write(dec.update(block))
            self.counter.add_bytes(len(block), item.target)
        dst.write(dec.finalize())
