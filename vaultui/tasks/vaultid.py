"""A vault's stable id: what its remembered passphrase is filed under in the keyring."""

from __future__ import annotations

from vaultui.fs.vault import VaultLocation


def vault_id(location: VaultLocation) -> str:
    """The vault's stable id (see VaultLocation.vault_id)."""
    return location.vault_id()
