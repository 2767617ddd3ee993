"""KeyringStore against the real Secret Service, and when the keyring is missing or locked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import keyring.backends.fail
import pytest

from vaultui.secrets import KeyringStore, KeyStoreUnavailableError


def fresh_id() -> str:
    return f"test-{uuid.uuid4()}"


def test_secret_service_round_trip(secret_service: Any) -> None:
    store = KeyringStore(secret_service)
    vault_id = fresh_id()
    try:
        assert store.get(vault_id) is None
        store.set(vault_id, "correct horse ✓ battery")
        assert store.get(vault_id) == "correct horse ✓ battery"
        # A second store (another process would do the same) sees the item.
        assert KeyringStore().get(vault_id) == "correct horse ✓ battery"
        store.set(vault_id, "replaced")
        assert store.get(vault_id) == "replaced"
    finally:
        assert store.delete(vault_id) is True
    assert store.get(vault_id) is None
    assert store.delete(vault_id) is False


def test_items_of_different_vaults_are_separate(secret_service: Any) -> None:
    store = KeyringStore(secret_service)
    a, b = fresh_id(), fresh_id()
    store.set(a, "alpha")
    store.set(b, "beta")
    try:
        assert (store.get(a), store.get(b)) == ("alpha", "beta")
        store.delete(a)
        assert store.get(b) == "beta"
    finally:
        store.delete(a)
        store.delete(b)


def test_fail_backend_gives_a_clear_error() -> None:
    with pytest.raises(KeyStoreUnavailableError, match="no OS keyring is available"):
        KeyringStore(keyring.backends.fail.Keyring())


def test_no_keyring_in_a_fresh_process() -> None:
    code = textwrap.dedent("""
        from vaultui.secrets import KeyringStore, KeyStoreUnavailableError
        try:
            KeyringStore()
        except KeyStoreUnavailableError as e:
            print("unavailable:", e)
        else:
            print("available")
    """)
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.startswith("unavailable: no OS keyring is available")


class PlaintextFileKeyring:
    """Stands in for keyrings.alt's PlaintextKeyring: priority 0.5, stores anything.

    Duck-typed, not a KeyringBackend subclass: keyring discovers every subclass and would
    chain this one into every other test's keyring.
    """

    priority = 0.5

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.items[(service, username)]


def test_low_priority_backends_are_refused() -> None:
    backend = PlaintextFileKeyring()
    with pytest.raises(KeyStoreUnavailableError, match="not a secure OS keyring"):
        KeyringStore(backend)
    assert backend.items == {}


def test_keyrings_alt_is_refused_whatever_its_priority() -> None:
    cls = type("PlaintextKeyring", (PlaintextFileKeyring,), {"priority": 5})
    cls.__module__ = "keyrings.alt.file"
    with pytest.raises(KeyStoreUnavailableError, match="refuses it"):
        KeyringStore(cls())


def test_chainer_uses_only_secure_members(secret_service: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import chainer

    plaintext = PlaintextFileKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plaintext, secret_service])
    store = KeyringStore(chainer.ChainerBackend())
    assert store.backend is secret_service
    vault_id = fresh_id()
    store.set(vault_id, "s3cret")
    try:
        assert plaintext.items == {}
    finally:
        store.delete(vault_id)


LOCKED_SCRIPT = r"""
export HOME=$1 XDG_DATA_HOME=$1/data XDG_RUNTIME_DIR=$1/run XDG_CONFIG_HOME=$1/config
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" && chmod 700 "$XDG_RUNTIME_DIR"
# Started without --unlock: there is no unlocked collection, and no display to ask on.
eval "$(gnome-keyring-daemon --start --components=secrets)"
export GNOME_KEYRING_CONTROL
exec "$2" -c "$3"
"""

LOCKED_PROBE = """
from vaultui.secrets import KeyringStore, KeyStoreUnavailableError
try:
    store = KeyringStore()
    store.set("locked-test", "x")
except KeyStoreUnavailableError as e:
    print("unavailable:", e)
else:
    print("stored")
"""


@pytest.mark.keyring
def test_locked_keyring_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        pytest.skip("dbus-run-session and gnome-keyring-daemon are needed: run scripts/test.sh")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DBUS_SESSION_BUS_ADDRESS", "GNOME_KEYRING_CONTROL")}
    started = time.monotonic()
    out = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", LOCKED_SCRIPT, "locked", str(tmp_path),
         sys.executable, LOCKED_PROBE],
        env=env, capture_output=True, text=True, timeout=60, check=False,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("unavailable: the OS keyring is locked"), out.stdout + out.stderr
    assert time.monotonic() - started < 30
