"""A vault's stable id: what its remembered passphrase is filed under in the keyring."""

from __future__ import annotations

import hashlib

from vaultui.fs.vault import VaultLocation


def vault_id(location: VaultLocation) -> str:
    """The `jti` of the vault's config (a UUID made when the vault was created).

    It stays the same wherever the vault is reached from (another URL, a mount, a synced
    copy), which a URL would not. Reading it needs no key; it only names a keyring item, and
    whatever is found there must still unlock the vault. Vaults without one fall back to a
    hash of the location.
    """
    jti = location.read_config().payload.get("jti")
    if isinstance(jti, str) and jti.strip() and "\n" not in jti:
        return f"vault:{jti.strip()}"
    return "url:" + hashlib.sha256(location.url.encode("utf-8")).hexdigest()[:32]
