"""Key rotation: re-encrypts everything, resumes after a kill, leaves no orphans."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem
from fsspec.spec import AbstractFileSystem

from tests.services import Location
from tests.tasks.sharinghelpers import PASSPHRASE, new_vault
from vaultui.crypto.constants import DATA_DIR_NAME
from vaultui.crypto.errors import CancelledError, InvalidSignatureError
from vaultui.crypto.keys import Masterkey
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.identities import AgeIdentity
from vaultui.secrets.recipients import Recipient
from vaultui.tasks.progress import Progress
from vaultui.tasks.rotation import ROTATION_DIR_NAME, RotateKey
from vaultui.tasks.sharing import share_with, unlock_with_slots

FILES = {f"dir{i % 3}/sub/file{i}.bin": bytes([i]) * (1000 * i + 1) for i in range(12)}
FILES["a name long enough to be shortened " + "x" * 200 + ".txt"] = b"long"
FILES["empty.txt"] = b""


def fill(location: VaultLocation) -> VaultFileSystem:
    vfs = VaultFileSystem(fs=location.fs, root=location.root, passphrase=PASSPHRASE)
    for path, data in FILES.items():
        vfs.pipe_file(path, data)
    vfs.makedirs("empty folder", exist_ok=True)
    return vfs


def shared_vault(fs: AbstractFileSystem, root: str
                 ) -> tuple[VaultLocation, Masterkey, AgeIdentity]:
    """A vault holding FILES, shared with a new age identity."""
    location = new_vault(fs, root)
    fill(location)
    old_key, _ = location.unlock(PASSPHRASE)
    me, _ = AgeIdentity.generate()
    share_with(location, old_key, Recipient.parse(me.recipient), "me")
    return location, old_key, me


def content_folders(fs: AbstractFileSystem, location: VaultLocation) -> set[str]:
    d = location.path(DATA_DIR_NAME)
    return {str(f["name"]).rstrip("/") for g in fs.ls(d, detail=True)
            if g["type"] == "directory"
            for f in fs.ls(str(g["name"]), detail=True) if f["type"] == "directory"}


def assert_rotated(location: VaultLocation, old_key: Masterkey, me: AgeIdentity) -> None:
    fs = location.fs
    fs.invalidate_cache()
    vfs = VaultFileSystem(fs=fs, root=location.root, passphrase=PASSPHRASE)
    for path, data in FILES.items():
        assert vfs.cat_file(path) == data
    assert vfs.isdir("empty folder")
    new_key, _ = location.unlock(PASSPHRASE)
    # The old key no longer signs the vault, so it opens nothing.
    with pytest.raises(InvalidSignatureError):
        location.unlock(old_key)
    # The remaining slot was rewrapped for the new key.
    assert unlock_with_slots(location, [me], services=[]).key == new_key
    # No orphans: one content folder per directory (root, dir0-2, their sub, empty folder).
    assert len(content_folders(fs, location)) == 1 + 3 + 3 + 1
    assert not fs.exists(location.path(ROTATION_DIR_NAME))


@pytest.fixture
def local(tmp_path: Path) -> Location:
    (tmp_path / "v").mkdir()
    return Location(LocalFileSystem(), str(tmp_path / "v"))


def test_rotation_reencrypts_everything(local: Location) -> None:
    location, old_key, me = shared_vault(local.fs, local.root)
    seen: list[Progress] = []
    result = RotateKey(location, PASSPHRASE, progress=seen.append, services=[]).run()
    assert result.files == len(FILES) and not result.resumed
    assert result.removed_folders == 8 and len(result.slots) == 1
    assert seen and seen[-1].files_done == len(FILES)
    assert_rotated(location, old_key, me)


def test_cancel_then_resume(local: Location) -> None:
    location, old_key, me = shared_vault(local.fs, local.root)
    cancel = threading.Event()

    def stop_after_some(progress: Progress) -> None:
        if progress.files_done >= 4:
            cancel.set()

    with pytest.raises(CancelledError):
        RotateKey(location, PASSPHRASE, progress=stop_after_some, cancel=cancel,
                  services=[], workers=1).run()
    # Untouched until the switch: the vault still opens with the old key.
    assert location.unlock(PASSPHRASE)[0] == old_key
    result = RotateKey(location, PASSPHRASE, services=[]).run()
    assert result.resumed and result.files < len(FILES)
    assert_rotated(location, old_key, me)


KILLER = textwrap.dedent("""
    import sys
    from tests.services import s3_filesystem
    from vaultui.fs.vault import VaultLocation
    from vaultui.tasks.rotation import RotateKey

    endpoint, root, passphrase = sys.argv[1:4]
    location = VaultLocation(s3_filesystem(endpoint), root)

    def report(progress):
        print(progress.files_done, flush=True)

    RotateKey(location, passphrase, progress=report, services=[], workers=1).run()
""")


def test_rotation_on_s3_killed_halfway_resumes(s3fs_fs: Location, s3_server: str) -> None:
    location, old_key, me = shared_vault(s3fs_fs.fs, f"{s3fs_fs.root}/vault")
    with subprocess.Popen([sys.executable, "-c", KILLER, s3_server, location.root,
                           PASSPHRASE], stdout=subprocess.PIPE, text=True,
                          cwd=Path(__file__).parents[2]) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if int(line) >= len(FILES) // 2:
                proc.kill()
                break
        proc.wait(timeout=60)
    assert proc.returncode != 0, "the rotation finished before it could be killed"
    location.fs.invalidate_cache()
    assert location.unlock(PASSPHRASE)[0] == old_key
    result = RotateKey(location, PASSPHRASE, services=[]).run()
    assert result.resumed
    assert_rotated(location, old_key, me)


@pytest.mark.parametrize("fail_at", ["masterkey", "cleanup"])
def test_a_crash_after_the_switch_is_finished_by_the_next_run(
        local: Location, monkeypatch: pytest.MonkeyPatch, fail_at: str) -> None:
    """A kill between two writes of the switch cannot be timed from outside: a write that
    fails stands in for it."""
    import vaultui.tasks.rotation as rotation

    location, old_key, me = shared_vault(local.fs, local.root)
    from vaultui.fs.storage import write_atomic as real_write

    def crash(fs: AbstractFileSystem, path: str, data: bytes) -> None:
        if fail_at == "masterkey" and path.endswith("/masterkey.cryptomator"):
            raise OSError("killed")
        real_write(fs, path, data)

    def crash_cleanup(self: RotateKey, new_key: Masterkey) -> int:
        raise OSError("killed")

    if fail_at == "masterkey":
        monkeypatch.setattr(rotation, "write_atomic", crash)
    else:
        monkeypatch.setattr(RotateKey, "_remove_orphans", crash_cleanup)
    with pytest.raises(OSError, match="killed"):
        RotateKey(location, PASSPHRASE, services=[]).run()
    monkeypatch.undo()
    result = RotateKey(location, PASSPHRASE, services=[]).run()
    assert result.resumed
    assert_rotated(location, old_key, me)
