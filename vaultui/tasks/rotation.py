"""Key rotation: re-encrypt every file and name under a new vault key, resumably.

The new tree is built as a complete vault in `rotation/vault/` (its key wrapped under the
same passphrase), checked file by file, and only then switched in: its content folders
move into `d/` (their names derive from the new key, so they never meet the old ones), a
new `vault.cryptomator` (same vault id, signed by the new key) and `masterkey.cryptomator`
are written, every key slot is rewrapped, and the old content folders, now unreachable,
are deleted. Each step can be repeated, so a run killed anywhere finishes with
`rotate-key` again; until the switch the old vault is untouched and opens as before.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from fsspec.implementations.local import LocalFileSystem
from fsspec.spec import AbstractFileSystem

from vaultui.crypto.constants import DATA_DIR_NAME, MASTERKEY_FILENAME, VAULT_CONFIG_FILENAME
from vaultui.crypto.errors import InvalidSignatureError
from vaultui.crypto.keys import Masterkey
from vaultui.crypto.keyslot import KIND_AWS_KMS, SLOT_DIR_NAME, KeySlot
from vaultui.crypto.vaultconfig import UnverifiedVaultConfig, VaultConfig
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.keyslots import list_slots
from vaultui.fs.storage import join, write_atomic
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.kms import KeyService, key_service
from vaultui.secrets.recipients import Recipient
from vaultui.tasks.job import BLOCK_SIZE, Job
from vaultui.tasks.progress import ProgressCallback

ROTATION_DIR_NAME = "rotation"
STAGING_NAME = "vault"
VERIFIED_MARKER = "verified"
DONE_MARKER = "switched"
STAGED_SLOTS = "keys"


def _signs(unverified: UnverifiedVaultConfig, key: Masterkey) -> bool:
    try:
        unverified.verify(key)
    except InvalidSignatureError:
        return False
    return True


class RotationError(Exception):
    """The rotation cannot go on; the message says what to do. Nothing was lost."""


@dataclass
class RotationResult:
    files: int = 0
    bytes: int = 0
    resumed: bool = False
    slots: list[str] = field(default_factory=list)
    removed_folders: int = 0


class RotateKey(Job):
    """Rotate a vault's key; `run()` again after a crash or a cancel resumes."""

    def __init__(self, location: VaultLocation, passphrase: str, *,
                 services: Sequence[KeyService] | None = None,
                 progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None, workers: int = 4) -> None:
        super().__init__(progress=progress, cancel=cancel, workers=workers)
        self.location = location
        self._passphrase = passphrase
        self._services = services
        self._hashes: dict[str, str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RotateKey({self.location.url!r})"

    # -- places -------------------------------------------------------------------

    @property
    def _fs(self) -> AbstractFileSystem:
        return self.location.fs

    def _rot(self, *parts: str) -> str:
        return self.location.path(ROTATION_DIR_NAME, *parts)

    @property
    def _staging(self) -> VaultLocation:
        return VaultLocation(self._fs, self._rot(STAGING_NAME))

    # -- the job ------------------------------------------------------------------

    def run(self) -> RotationResult:
        result = RotationResult()
        fs, location = self._fs, self.location
        unverified = location.read_config()
        main_key = location.read_masterkey_file(unverified).unlock(self._passphrase)
        if fs.exists(self._rot(DONE_MARKER)):
            # Killed while cleaning up: the switch is complete, the main key is the new one.
            unverified.verify(main_key)
            result.resumed = True
            return self._finish(main_key, result)
        staging = self._staging
        staged = fs.exists(staging.path(VAULT_CONFIG_FILENAME))
        if not staged and fs.exists(self._rot()):
            # A start that died before the staging vault was complete: begin again.
            fs.rm(self._rot(), recursive=True)
        new_key = staging.read_masterkey_file().unlock(self._passphrase) if staged else None
        result.resumed = staged
        if new_key is not None and _signs(unverified, new_key):
            # Killed between the new config and the new masterkey file: finish the switch.
            write_atomic(fs, location.path(MASTERKEY_FILENAME),
                         bytes(fs.cat_file(staging.path(MASTERKEY_FILENAME))))
        else:
            config = unverified.verify(main_key)
            if new_key is None:
                new_key = Masterkey.generate()
                mkfile = location.read_masterkey_file(unverified)
                staging.create(self._passphrase, cipher_combo=config.cipher_combo,
                               shortening_threshold=config.shortening_threshold,
                               masterkey=new_key, scrypt_cost=mkfile.scrypt_cost,
                               scrypt_block_size=mkfile.scrypt_block_size)
            if not fs.exists(self._rot(VERIFIED_MARKER)):
                self._copy(main_key, new_key, result)
                self._verify(main_key, new_key)
                write_atomic(fs, self._rot(VERIFIED_MARKER), b"")
            self._stage_slots(new_key)
            self._switch(config, new_key)
        write_atomic(fs, self._rot(DONE_MARKER), b"")
        return self._finish(new_key, result)

    def _finish(self, new_key: Masterkey, result: RotationResult) -> RotationResult:
        result.slots = self._install_slots()
        result.removed_folders = self._remove_orphans(new_key)
        self._fs.rm(self._rot(), recursive=True)
        return result

    # -- copy and verify ----------------------------------------------------------

    def _trees(self, main_key: Masterkey, new_key: Masterkey
               ) -> tuple[VaultFileSystem, VaultFileSystem]:
        old = VaultFileSystem(fs=self._fs, root=self.location.root, masterkey=main_key,
                              resolve_conflicts=False)
        new = VaultFileSystem(fs=self._fs, root=self._staging.root, masterkey=new_key,
                              resolve_conflicts=False)
        return old, new

    @staticmethod
    def _entries(vfs: VaultFileSystem) -> tuple[list[str], list[dict[str, object]],
                                                list[str]]:
        dirs: list[str] = []
        files: list[dict[str, object]] = []
        links: list[str] = []
        for parent, subdirs, found in vfs.walk("", detail=True):
            for name in subdirs:
                dirs.append(f"{parent}/{name}".strip("/"))
            for name, info in found.items():
                path = f"{parent}/{name}".strip("/")
                if info.get("islink"):
                    links.append(path)
                else:
                    files.append({"name": path, "size": int(info.get("size") or 0)})
        return dirs, files, links

    def _copy(self, main_key: Masterkey, new_key: Masterkey, result: RotationResult) -> None:
        old, new = self._trees(main_key, new_key)
        dirs, files, links = self._entries(old)
        self.start_counting(len(files), sum(int(str(f["size"])) for f in files))
        for path in dirs:
            self.check_cancelled()
            new.makedirs(path, exist_ok=True)
        for path in links:
            if not new.exists(path):
                new.symlink(old.readlink(path), path)

        def copy(entry: dict[str, object]) -> None:
            path, size = str(entry["name"]), int(str(entry["size"]))
            self.check_cancelled()
            if new.exists(path) and new.size(path) == size:
                # Written by an earlier run: a vault file appears only once complete.
                self.counter.add_bytes(size)
                self.counter.file_done(path)
                return
            digest = hashlib.sha256()
            with old.open(path, "rb") as src, new.open(path, "wb") as dst:
                while True:
                    self.check_cancelled()
                    block = src.read(BLOCK_SIZE)
                    if not block:
                        break
                    digest.update(block)
                    dst.write(block)
                    self.counter.add_bytes(len(block))
            self.counter.file_done(path)
            with self._lock:
                self._hashes[path] = digest.hexdigest()
                result.files += 1
                result.bytes += size

        self.run_all(files, copy)

    def _verify(self, main_key: Masterkey, new_key: Masterkey) -> None:
        """Every file of the old tree is in the new one with the same content."""
        old, new = self._trees(main_key, new_key)
        old_dirs, old_files, old_links = self._entries(old)
        new_dirs, new_files, new_links = self._entries(new)
        if (sorted(old_dirs) != sorted(new_dirs) or sorted(old_links) != sorted(new_links)
                or sorted(str(f["name"]) for f in old_files)
                != sorted(str(f["name"]) for f in new_files)):
            raise RotationError("the re-encrypted tree does not list the same files as the "
                                "vault; run rotate-key again")

        def digest_of(vfs: VaultFileSystem, path: str) -> str:
            digest = hashlib.sha256()
            with vfs.open(path, "rb") as f:
                while True:
                    self.check_cancelled()
                    block = f.read(BLOCK_SIZE)
                    if not block:
                        return digest.hexdigest()
                    digest.update(block)

        def check(entry: dict[str, object]) -> None:
            path = str(entry["name"])
            expected = self._hashes.get(path) or digest_of(old, path)
            if digest_of(new, path) != expected:
                new.rm_file(path)  # the next run copies it again
                raise RotationError(f"{path} differs after re-encryption; run rotate-key "
                                    "again")

        self.run_all(old_files, check)

    # -- slots and switch -----------------------------------------------------------

    def _stage_slots(self, new_key: Masterkey) -> None:
        vid = self.location.vault_id()
        for name, found in list_slots(self.location):
            target = self._rot(STAGED_SLOTS, name)
            if self._fs.exists(target):
                continue
            if not isinstance(found, KeySlot):
                continue  # a damaged slot opens nothing: it is dropped
            if found.kind == KIND_AWS_KMS:
                services = self._services if self._services is not None else [
                    s for s in (key_service(KIND_AWS_KMS),) if s is not None]
                service = next((s for s in services if s.kind == found.kind), None)
                if service is None:
                    raise RotationError(f"no key service for the slot {found.label!r}")
                wrapped = service.wrap(found.recipient, new_key.raw, vid)
                slot = KeySlot(label=found.label, kind=found.kind, recipient=found.recipient,
                               fingerprint=found.fingerprint, wrapped=wrapped.wrapped)
            else:
                slot = Recipient.of_slot(found).wrap(new_key.raw, found.label)
            self._fs.makedirs(self._rot(STAGED_SLOTS), exist_ok=True)
            write_atomic(self._fs, target, slot.to_bytes())

    def _switch(self, config: VaultConfig, new_key: Masterkey) -> None:
        """Move the new content folders into d/, then the new config and masterkey file."""
        staging_d = self._staging.path(DATA_DIR_NAME)
        for group in sorted(self._ls_dirs(staging_d)):
            for folder in sorted(self._ls_dirs(group)):
                rel = folder[len(staging_d):].strip("/")
                self._move_tree(folder, self.location.path(DATA_DIR_NAME, rel))
        token = VaultConfig(jti=config.jti, cipher_combo=config.cipher_combo,
                            shortening_threshold=config.shortening_threshold,
                            format=config.format, kid=config.kid).to_token(new_key)
        write_atomic(self._fs, self.location.path(VAULT_CONFIG_FILENAME), token)
        write_atomic(self._fs, self.location.path(MASTERKEY_FILENAME),
                     bytes(self._fs.cat_file(self._staging.path(MASTERKEY_FILENAME))))

    def _ls_dirs(self, path: str) -> list[str]:
        try:
            entries = self._fs.ls(path, detail=True)
        except FileNotFoundError:
            return []
        return [str(e["name"]).rstrip("/") for e in entries if e.get("type") == "directory"]

    def _move_tree(self, source: str, target: str) -> None:
        fs = self._fs
        if not fs.exists(source):
            return
        if isinstance(fs, LocalFileSystem) and not fs.exists(target):
            fs.makedirs(target.rpartition("/")[0], exist_ok=True)
            fs.mv(source, target, recursive=True)  # one rename
            return
        files = [str(p) for p in fs.find(source)]
        for path in files:
            rel = path[len(source):].lstrip("/")
            dest = join(target, rel)
            fs.makedirs(dest.rpartition("/")[0], exist_ok=True)
            fs.copy(path, dest)
        for path in files:
            fs.rm_file(path)
        if fs.exists(source):
            fs.rm(source, recursive=True)

    def _install_slots(self) -> list[str]:
        fs = self._fs
        staged = self._rot(STAGED_SLOTS)
        installed: list[str] = []
        if not fs.exists(staged):
            return installed
        names = {str(p).rpartition("/")[2] for p in fs.find(staged)}
        for name, _found in list_slots(self.location):
            if name not in names:
                # A damaged slot, or one left from before: it holds no usable key now.
                fs.rm_file(self.location.path(SLOT_DIR_NAME, name))
        for name in sorted(names):
            write_atomic(fs, self.location.path(SLOT_DIR_NAME, name),
                         bytes(fs.cat_file(join(staged, name))))
            installed.append(name)
        return installed

    def _remove_orphans(self, new_key: Masterkey) -> int:
        """Delete content folders the new tree does not reach: the old tree's."""
        vfs = VaultFileSystem(fs=self._fs, root=self.location.root, masterkey=new_key,
                              resolve_conflicts=False)
        reachable = {vfs.mapper.content_dir(vfs.mapper.dir_id(""))}
        for parent, subdirs, _files in vfs.walk(""):
            for name in subdirs:
                path = f"{parent}/{name}".strip("/")
                reachable.add(vfs.mapper.content_dir(vfs.mapper.dir_id(path)))
        reachable = {p.rstrip("/") for p in reachable}
        removed = 0
        d = self.location.path(DATA_DIR_NAME)
        for group in self._ls_dirs(d):
            for folder in self._ls_dirs(group):
                if folder not in reachable:
                    self._fs.rm(folder, recursive=True)
                    removed += 1
        return removed


def check_passphrase(location: VaultLocation, passphrase: str) -> None:
    """WrongPassphraseError early, before a long job starts."""
    location.read_masterkey_file().unlock(passphrase)


