"""What a command runs with: parsed arguments, output streams, the vault and its passphrase."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

from vaultui.cli.clierror import CliError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.options import parse_storage_options
from vaultui.cli.passphrase import PASSPHRASE_ENV, SecretSources, has_terminal
from vaultui.cli.termsafe import safe_message
from vaultui.crypto.errors import WrongPassphraseError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.keychain import Keychain
from vaultui.secrets.keyring_store import KeyringStore
from vaultui.secrets.store import KeyStore

PROMPT_ATTEMPTS = 3
T = TypeVar("T")


@dataclass
class Context:
    args: argparse.Namespace
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    keystore_override: KeyStore | None = None
    _location: VaultLocation | None = None

    def note(self, message: str) -> None:
        """A line on stderr; names quoted in it are escaped (see termsafe.py)."""
        print(f"vaultui-cli: {safe_message(message)}", file=self.stderr)

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout)

    # -- storage ------------------------------------------------------------------

    def storage_options(self, prefix: str = "") -> dict[str, Any]:
        return parse_storage_options(getattr(self.args, f"{prefix}storage_option", None) or [],
                                     getattr(self.args, f"{prefix}storage_options_file", None))

    def location(self) -> VaultLocation:
        if self._location is None:
            self._location = VaultLocation.from_url(self.args.vault, self.storage_options())
        return self._location

    # -- secrets ------------------------------------------------------------------

    def sources(self) -> SecretSources:
        return SecretSources(
            passphrase_file=getattr(self.args, "passphrase_file", None),
            new_passphrase_file=getattr(self.args, "new_passphrase_file", None),
            stderr=self.stderr,
        )

    @property
    def use_keyring(self) -> bool:
        return not getattr(self.args, "no_keyring", False)

    def keystore(self) -> KeyStore:
        """The OS keyring; raises KeyStoreUnavailableError with the reason."""
        if self.keystore_override is not None:
            return self.keystore_override
        return KeyringStore()

    def remembered_passphrase(self, location: VaultLocation) -> str | None:
        if not self.use_keyring:
            return None
        found = Keychain(self.keystore).get(location.vault_id())
        if "locked" in found.problem:
            self.note(f"not using the keyring: {found.problem}")
        return found.secret

    def remember(self, location: VaultLocation, passphrase: str) -> bool:
        """Store the passphrase in the keyring; on failure say why and go on."""
        keychain = Keychain(self.keystore)
        problem = keychain.set(location.vault_id(), passphrase)
        if problem:
            self.note(f"the passphrase was not remembered: {problem}")
            return False
        self.note(f"passphrase remembered in {keychain.description}")
        return True

    # -- unlocking ----------------------------------------------------------------

    def unlock(self, location: VaultLocation | None = None, *, resolve_conflicts: bool = True
               ) -> tuple[VaultFileSystem, str, str]:
        """The unlocked vault, the passphrase that opened it and where it came from."""
        loc = location or self.location()
        return self.unlock_with(loc, lambda p: VaultFileSystem(
            fs=loc.fs, root=loc.root, passphrase=p, resolve_conflicts=resolve_conflicts))

    def unlock_with(self, loc: VaultLocation, opener: Callable[[str], T], *,
                    keyring: bool = True) -> tuple[T, str, str]:
        """`opener(passphrase)` with the first passphrase that works, and where it came from.

        Sources in order: --passphrase-file, $VAULTUI_PASSPHRASE, the keyring (unless
        `keyring` is False or --no-keyring), a prompt (up to three tries). `opener` raises
        WrongPassphraseError for a wrong one.
        """
        loc.read_config()  # "not a vault" before anyone is asked for a passphrase
        sources = self.sources()
        given = sources.given()
        if given is not None:
            return opener(given[0]), given[0], given[1]
        remembered = self.remembered_passphrase(loc) if keyring else None
        if remembered is not None:
            try:
                return opener(remembered), remembered, "keyring"
            except WrongPassphraseError:
                self.note("the passphrase remembered in the keyring no longer unlocks this "
                          "vault; asking instead")
        if not has_terminal():
            raise CliError(
                f"no passphrase: give --passphrase-file, set ${PASSPHRASE_ENV}, or run "
                "`vaultui-cli remember` once", ExitCode.USAGE)
        for attempt in range(1, PROMPT_ATTEMPTS + 1):
            passphrase = sources.ask(f"Passphrase for {loc.url}: ")
            try:
                return opener(passphrase), passphrase, "prompt"
            except WrongPassphraseError:
                if attempt == PROMPT_ATTEMPTS:
                    raise
                self.note("wrong passphrase, try again")
        raise AssertionError("unreachable")

    def open_vault(self, *, resolve_conflicts: bool = True) -> VaultFileSystem:
        """Unlock the vault; with --remember, keep a passphrase that worked in the keyring.

        `resolve_conflicts=False` for commands that must not write (verify).
        """
        vfs, passphrase, source = self.unlock(resolve_conflicts=resolve_conflicts)
        if getattr(self.args, "remember", False) and source != "keyring":
            self.remember(vfs.location, passphrase)
        return vfs
