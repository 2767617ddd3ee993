"""Import objects written by AWS's S3 Encryption Client (v2, KMS-wrapped keys) into a vault."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fsspec.spec import AbstractFileSystem

from vaultui.crypto.errors import AuthenticationError, FormatError
from vaultui.crypto.s3ec import (
    GCM_TAG_SIZE,
    INSTRUCTION_FILE_FLAG,
    INSTRUCTION_SUFFIX,
    MAX_ENVELOPE_SIZE,
    GcmObjectDecryptor,
    is_v2_envelope,
    parse_envelope,
    parse_instruction_file,
)
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.nodes import norm_path, parent_path
from vaultui.fs.storage import read_range
from vaultui.secrets.kms import AwsKms
from vaultui.tasks.job import BLOCK_SIZE, Job
from vaultui.tasks.transfer import vault_join


class S3EncryptedImportError(AuthenticationError):
    """An object that did not decrypt: the import stops and names it."""


@dataclass(frozen=True)
class EncryptedObject:
    source: str
    target: str
    size: int


@dataclass
class S3ImportResult:
    files: int = 0
    bytes: int = 0


class ImportS3Encrypted(Job):
    """Decrypt every object under `source` on S3 (s3fs) into `dest` in the vault.

    Each object's data key is unwrapped by KMS with its recorded encryption context; the
    content is AES-256-GCM, checked before the vault file is published (a failure leaves
    nothing for that object and stops the import with its name). `*.instruction` objects
    are read as the envelopes of their objects, not imported.
    """

    def __init__(self, source_fs: AbstractFileSystem, source: str, vfs: VaultFileSystem,
                 dest: str = "", kms: AwsKms | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source_fs = source_fs
        self.source = source.rstrip("/")
        self.vfs = vfs
        self.dest = norm_path(dest)
        self.kms = kms or AwsKms()
        self.result = S3ImportResult()

    def prepare(self) -> list[EncryptedObject]:
        fs = self.source_fs
        info = fs.info(self.source)
        if info["type"] != "directory":
            name = self.source.rsplit("/", 1)[-1]
            return [EncryptedObject(self.source, vault_join(self.dest, name),
                                    int(info["size"]))]
        base = str(fs._strip_protocol(self.source)).rstrip("/")
        found = fs.find(self.source, detail=True)
        return [EncryptedObject(path, vault_join(self.dest, path[len(base) + 1:]),
                                int(entry["size"]))
                for path, entry in sorted(found.items())
                if entry["type"] == "file" and not path.endswith(INSTRUCTION_SUFFIX)]

    def run(self, objects: list[EncryptedObject] | None = None) -> S3ImportResult:
        objects = objects if objects is not None else self.prepare()
        self.start_counting(len(objects), sum(o.size for o in objects))
        for folder in sorted({parent_path(o.target) for o in objects} - {""}):
            self.vfs.makedirs(folder, exist_ok=True)
        self.run_all(objects, self._import)
        self.result.files = self.counter.files_done
        self.result.bytes = self.counter.bytes_done
        return self.result

    def _envelope_meta(self, path: str) -> dict[str, str]:
        meta = {str(k).lower(): str(v) for k, v in self.source_fs.metadata(path).items()}
        if is_v2_envelope(meta) and INSTRUCTION_FILE_FLAG not in meta:
            return meta
        instruction = path + INSTRUCTION_SUFFIX
        try:
            data = bytes(self.source_fs.cat_file(instruction, start=0,
                                                 end=MAX_ENVELOPE_SIZE + 1))
        except FileNotFoundError:
            raise FormatError("no S3 encryption client envelope (neither x-amz-key-v2 "
                              "metadata nor an instruction file)") from None
        return parse_instruction_file(data)

    def _import(self, item: EncryptedObject) -> None:
        try:
            envelope = parse_envelope(self._envelope_meta(item.source))
            if item.size < GCM_TAG_SIZE:
                raise FormatError("shorter than a GCM tag")
            key = self.kms.decrypt_data_key(envelope.encrypted_key, envelope.context)
            tag = read_range(self.source_fs, item.source, item.size - GCM_TAG_SIZE, item.size)
            dec = GcmObjectDecryptor(key, envelope.iv, tag)
            remaining = item.size - GCM_TAG_SIZE
            with self.source_fs.open(item.source, "rb") as src, \
                    self.vfs.open(item.target, "wb") as dst:
                # An exception anywhere in this block discards the vault file.
                while remaining > 0:
                    self.check_cancelled()
                    block = src.read(min(BLOCK_SIZE, remaining))
                    if not block:
                        raise FormatError("the object ended early")
                    remaining -= len(block)
                    dst.write(dec.update(block))
                    self.counter.add_bytes(len(block), item.target)
                dst.write(dec.finalize())
        except (AuthenticationError, FormatError) as exc:
            raise S3EncryptedImportError(f"{item.source}: {exc}") from None
        self.counter.add_bytes(GCM_TAG_SIZE, item.target)
        self.counter.file_done(item.target)
