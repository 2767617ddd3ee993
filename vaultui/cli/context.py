"""What a command runs with: parsed arguments, output streams, the vault and its passphrase."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

from vaultui.cli.clierror import CliError
from vaultui.cli.exitcodes import ExitCode
from vaultui.cli.options import parse_storage_options
from vaultui.cli.passphrase import PASSPHRASE_ENV, SecretSources, has_terminal
from vaultui.cli.termsafe import safe_message
from vaultui.crypto.errors import WrongPassphraseError
from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation
from vaultui.secrets.identities import Identity, default_identities, identity_from_file
from vaultui.secrets.keychain import Keychain
from vaultui.secrets.keyring_store import KeyringStore
from vaultui.secrets.pins import PinStore
from vaultui.secrets.store import KeyStore, KeyStoreUnavailableError
from vaultui.tasks.sharing import NoSlotOpenedError, check_pin
from vaultui.tasks.unlocking import Unlocked, unlock_in_order

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
               ) -> tuple[VaultFileSystem, str | None, str]:
        """The unlocked vault, the passphrase that opened it (None for a key slot) and
        where it came from."""
        loc = location or self.location()
        unlocked = self.unlock_key(loc)
        vfs = VaultFileSystem(fs=loc.fs, root=loc.root, masterkey=unlocked.key,
                              resolve_conflicts=resolve_conflicts)
        return vfs, unlocked.passphrase, unlocked.source

    def identities(self) -> list[Identity]:
        """--identity files, then the age identity in the keyring and ~/.ssh's keys."""
        prompt = ((lambda name: self.sources().ask(f"Passphrase for {name}: "))
                  if has_terminal() else None)
        found: list[Identity] = []
        for path in getattr(self.args, "identity", None) or []:
            found.append(identity_from_file(Path(path), prompt))
        store: KeyStore | None = None
        if self.use_keyring:
            try:
                store = self.keystore()
            except KeyStoreUnavailableError:
                store = None
        found.extend(default_identities(store, prompt))
        return found

    def unlock_key(self, loc: VaultLocation) -> Unlocked:
        """The vault key, in the order of docs/CLI.md: --passphrase-file or
        $VAULTUI_PASSPHRASE, the keyring, identities (--identity, the keyring's age
        identity, ~/.ssh), AWS KMS slots, a prompt. Says which key slot opened it."""
        pins = PinStore()
        sources = self.sources()
        given = sources.given()
        if given is not None:
            key, config = loc.unlock(given[0])
            check_pin(loc, key, pins, proven=True)
            return Unlocked(key, config, given[1], given[0])
        ask = ((lambda: sources.ask(f"Passphrase for {loc.url}: ")) if has_terminal()
               else None)
        try:
            unlocked = unlock_in_order(
                loc, remembered=lambda: self.remembered_passphrase(loc),
                identities=self.identities(), ask=ask, ask_attempts=PROMPT_ATTEMPTS,
                pins=pins, notice=self.note)
        except NoSlotOpenedError:
            if ask is not None or getattr(self.args, "identity", None):
                raise
            raise CliError(
                f"no passphrase: give --passphrase-file, set ${PASSPHRASE_ENV}, --identity, "
                "or run `vaultui-cli remember` once", ExitCode.USAGE) from None
        if unlocked.passphrase is None:
            self.note(f"unlocked with {unlocked.source}")
        return unlocked

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
        if getattr(self.args, "remember", False) and source != "keyring" and passphrase:
            self.remember(vfs.location, passphrase)
        return vfs
