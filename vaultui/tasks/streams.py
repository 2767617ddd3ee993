"""One stream encrypted under a standalone key to any fsspec URL, and decrypted back.

The format is one Cryptomator SIV_GCM file body under the 64-byte key: a 68-byte header
(nonce, and the file's content key encrypted with the key's first half), then chunks of
12-byte nonce ‖ AES-256-GCM of up to 32 KiB ‖ 16-byte tag (docs/CLI.md, "encrypt").
"""

from __future__ import annotations

from typing import Any

from fsspec.spec import AbstractFileSystem

from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.content import content_cipher
from vaultui.crypto.errors import AuthenticationError, FormatError
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.stream import DecryptingReader, Readable, Writable
from vaultui.fs.files import VaultWriteFile
from vaultui.tasks.job import BLOCK_SIZE, Job


class KeyMismatchError(AuthenticationError):
    """The key does not open this file's header: a wrong key, or the header was altered."""

    def __init__(self, message: str = "the key does not open this file (wrong key, or the "
                 "file is not an encrypted file or its header was altered)") -> None:
        super().__init__(message)


class EncryptStream(Job):
    """Read `src` to its end and store it encrypted at `path` on `fs`.

    Memory stays flat whatever the size; the object appears only once complete (an object
    store commits the upload on close, elsewhere a temporary name is renamed).
    """

    def __init__(self, src: Readable, fs: AbstractFileSystem, path: str, key: Masterkey,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.src, self.fs, self.path, self.key = src, fs, path, key

    def run(self) -> int:
        cipher = content_cipher(CipherCombo.SIV_GCM, self.key)
        self.start_counting(1, 0)
        parent = self.path.rpartition("/")[0]
        if parent and not self.fs.exists(parent):
            self.fs.makedirs(parent, exist_ok=True)
        with VaultWriteFile(self.path, storage=self.fs, target_path=self.path,
                            cipher=cipher) as out:
            while True:
                self.check_cancelled()
                block = self.src.read(BLOCK_SIZE)
                if not block:
                    break
                out.write(block)
                self.counter.add_bytes(len(block), self.path)
        self.counter.file_done(self.path)
        return self.counter.bytes_done


class DecryptStream(Job):
    """Decrypt the file at `path` on `fs` into `dst`, authenticating every chunk first.

    Output is streamed: if a chunk fails, what came before it has been written already and
    AuthenticationError is raised (the caller must treat the output as unusable).
    """

    def __init__(self, fs: AbstractFileSystem, path: str, dst: Writable, key: Masterkey,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fs, self.path, self.dst, self.key = fs, path, dst, key

    def run(self) -> int:
        cipher = content_cipher(CipherCombo.SIV_GCM, self.key)
        size = int(self.fs.info(self.path)["size"])
        with self.fs.open(self.path, "rb") as raw:
            try:
                reader = DecryptingReader(raw, cipher, size)
            except AuthenticationError:
                raise KeyMismatchError() from None
            except FormatError:
                raise FormatError("the file is too short to be an encrypted file") from None
            self.start_counting(1, reader.size or 0)
            while True:
                self.check_cancelled()
                block = reader.read(BLOCK_SIZE)
                if not block:
                    break
                self.dst.write(block)
                self.counter.add_bytes(len(block), self.path)
        self.counter.file_done(self.path)
        return self.counter.bytes_done
