"""passwd, recover (three cases), recovery-key, remember/forget with the real OS keyring."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from clihelpers import CLI, FAST_INIT, PASSPHRASE, Run, VaultTarget

NEW = "the new passphrase"
NEWER = "an even newer passphrase"


def words_of(vault: VaultTarget, cli: Run, tmp_path: Path, passphrase: str = PASSPHRASE) -> Path:
    r = cli(*vault.args("recovery-key"), passphrase=passphrase)
    assert r.code == 0, r
    assert len(r.out.split()) == 44
    path = tmp_path / "words.txt"
    path.write_text(r.out)
    return path


def test_init_shows_the_same_recovery_key(local_target: VaultTarget, cli: Run,
                                          tmp_path: Path) -> None:
    r = cli(*local_target.args("init", *FAST_INIT, "--show-recovery-key"))
    assert r.code == 0 and len(r.out.split()) == 44
    assert words_of(local_target, cli, tmp_path).read_text() == r.out


def test_passwd(vault: VaultTarget, cli: Run) -> None:
    r = cli(*vault.args("passwd"), env={"VAULTUI_NEW_PASSPHRASE": NEW})
    assert r.code == 0, r
    assert ".bkup" in r.err
    assert cli(*vault.args("ls"), passphrase=NEW).code == 0
    assert cli(*vault.args("ls")).code == 3
    r = cli(*vault.args("passwd"), passphrase="wrong wrong", env={"VAULTUI_NEW_PASSPHRASE": NEWER})
    assert r.code == 3
    r = cli(*vault.args("passwd"), passphrase=NEW, env={"VAULTUI_NEW_PASSPHRASE": "short"})
    assert r.code == 2


def test_recover_resets_a_forgotten_passphrase(vault: VaultTarget, cli: Run,
                                               tmp_path: Path) -> None:
    words = words_of(vault, cli, tmp_path)
    r = cli(*vault.args("recover", "--recovery-key-file", str(words)), passphrase=None,
            env={"VAULTUI_NEW_PASSPHRASE": NEW})
    assert r.code == 0, r
    assert "passphrase reset" in r.err and ".bkup" in r.err
    assert cli(*vault.args("ls"), passphrase=NEW).code == 0
    assert cli(*vault.args("ls")).code == 3


def test_recovery_key_of_another_vault_is_refused(vault: VaultTarget, cli: Run,
                                                   tmp_path: Path) -> None:
    other = VaultTarget(str(tmp_path / "other"), [])
    assert cli(*other.args("init", *FAST_INIT)).code == 0
    words = words_of(other, cli, tmp_path)
    r = cli(*vault.args("recover", "--recovery-key-file", str(words)),
            env={"VAULTUI_NEW_PASSPHRASE": NEW})
    assert r.code == 3 and "another vault" in r.err
    assert cli(*vault.args("ls")).code == 0


def test_recover_a_mistyped_recovery_key(vault: VaultTarget, cli: Run, tmp_path: Path) -> None:
    words = words_of(vault, cli, tmp_path)
    typo = words.read_text().split()
    typo[5], typo[6] = typo[6], typo[5]
    words.write_text(" ".join(typo))
    r = cli(*vault.args("recover", "--recovery-key-file", str(words)),
            env={"VAULTUI_NEW_PASSPHRASE": NEW})
    assert r.code == 3 and "check bytes" in r.err


def test_rebuild_missing_key_files(local_target: VaultTarget, cli: Run, tmp_path: Path) -> None:
    vault = local_target
    assert cli(*vault.args("init", *FAST_INIT)).code == 0
    f = tmp_path / "keep.txt"
    f.write_bytes(b"kept")
    assert cli(*vault.args("put", str(f), "/")).code == 0
    words = words_of(vault, cli, tmp_path)
    root = Path(vault.url)

    (root / "masterkey.cryptomator").unlink()
    assert cli(*vault.args("ls")).code == 4
    r = cli(*vault.args("recover", "--recovery-key-file", str(words)),
            env={"VAULTUI_NEW_PASSPHRASE": NEW})
    assert r.code == 0 and "masterkey.cryptomator rebuilt" in r.err, r
    assert cli(*vault.args("cat", "keep.txt"), passphrase=NEW).raw == b"kept"

    (root / "vault.cryptomator").unlink()
    r = cli(*vault.args("info"))
    assert r.code == 4 and "recovery key" in r.err
    r = cli(*vault.args("recover", "--recovery-key-file", str(words)))
    assert r.code == 0 and "vault.cryptomator rebuilt" in r.err, r
    assert cli(*vault.args("cat", "keep.txt"), passphrase=NEW).raw == b"kept"

    (root / "vault.cryptomator").unlink()
    r = cli(*vault.args("recover", "--use-passphrase"), passphrase=NEW)
    assert r.code == 0, r
    assert cli(*vault.args("cat", "keep.txt"), passphrase=NEW).raw == b"kept"

    for name in ("vault.cryptomator", "masterkey.cryptomator"):
        (root / name).unlink()
    r = cli(*vault.args("recover", "--recovery-key-file", str(words)),
            env={"VAULTUI_NEW_PASSPHRASE": NEWER})
    assert r.code == 0, r
    assert cli(*vault.args("cat", "keep.txt"), passphrase=NEWER).raw == b"kept"


def test_remember_and_forget_with_the_secret_service(secret_service: Any, vault: VaultTarget,
                                                     cli: Run) -> None:
    assert cli(*vault.args("remember")).code == 0
    try:
        # No passphrase in the environment and no terminal: only the keyring can unlock.
        r = cli(*vault.args("ls"), passphrase=None)
        assert r.code == 0, r
        assert "passphrase remembered: yes" in cli(*vault.args("info")).out
        # Changing the passphrase updates what is remembered.
        r = cli(*vault.args("passwd"), env={"VAULTUI_NEW_PASSPHRASE": NEW})
        assert "was updated" in r.err
        assert cli(*vault.args("ls"), passphrase=None).code == 0
        assert cli(*vault.args("ls", "--no-keyring"), passphrase=None).code == 2
    finally:
        r = cli(*vault.args("forget"))
    assert r.code == 0 and "forgotten" in r.err
    assert cli(*vault.args("ls"), passphrase=None).code == 2
    assert "no passphrase was remembered" in cli(*vault.args("forget")).err


def test_wrong_remembered_passphrase_is_not_used(secret_service: Any, local_target: VaultTarget,
                                                 cli: Run) -> None:
    assert cli(*local_target.args("init", *FAST_INIT, "--remember")).code == 0
    try:
        r = cli(*local_target.args("passwd", "--no-keyring"),
                env={"VAULTUI_NEW_PASSPHRASE": NEW})
        assert r.code == 0
        r = cli(*local_target.args("ls"), passphrase=None)
        assert r.code == 2 and "no longer unlocks" in r.err
    finally:
        cli(*local_target.args("forget"))


NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def test_without_a_keyring(local_target: VaultTarget, cli: Run) -> None:
    r = cli(*local_target.args("init", *FAST_INIT, "--remember"), env=NO_KEYRING)
    assert r.code == 0
    assert "not remembered: no OS keyring is available" in r.err
    r = cli(*local_target.args("remember"), env=NO_KEYRING)
    assert r.code == 8
    assert r.err.strip() == ("vaultui-cli: error: no OS keyring is available (no Secret "
                             "Service, Keychain or Credential Manager)")
    assert cli(*local_target.args("ls"), env=NO_KEYRING).code == 0
    assert cli(*local_target.args("forget"), env=NO_KEYRING).code == 8


LOCKED = r"""
export HOME=$1 XDG_DATA_HOME=$1/data XDG_RUNTIME_DIR=$1/run XDG_CONFIG_HOME=$1/config
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" && chmod 700 "$XDG_RUNTIME_DIR"
eval "$(gnome-keyring-daemon --start --components=secrets)"
export GNOME_KEYRING_CONTROL
shift
"$@"
"""


@pytest.mark.keyring
def test_with_a_locked_keyring(local_target: VaultTarget, cli: Run, tmp_path: Path) -> None:
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        pytest.skip("dbus-run-session and gnome-keyring-daemon are needed: run scripts/test.sh")
    assert cli(*local_target.args("init", *FAST_INIT)).code == 0
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL")}
    env["VAULTUI_PASSPHRASE"] = PASSPHRASE

    def locked(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["dbus-run-session", "--", "bash", "-c", LOCKED, "locked",
                               str(home), str(CLI), *args], env=env, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)

    r = locked(*local_target.args("remember"))
    assert r.returncode == 8, r.stderr
    assert "the OS keyring is locked" in r.stderr
    assert "Traceback" not in r.stderr
    r = locked(*local_target.args("ls", "--remember"))
    assert r.returncode == 0, r.stderr
    assert "not remembered: the OS keyring is locked" in r.stderr
