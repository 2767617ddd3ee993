"""The errors the vault format raises; every one derives from VaultError."""

from __future__ import annotations


class CancelledError(Exception):
    """A job was asked to stop (by the user); what it had started is cleaned up.

    Not a VaultError: nothing is wrong with the vault. Every layer raises this one, so a
    front end tells a cancel from a failure with one check.
    """


class VaultError(Exception):
    """Base of every error vaultui's format layer raises."""


class FormatError(VaultError):
    """Input is not well-formed: bad JSON, bad base64, wrong lengths, impossible sizes."""


class UnsupportedVaultError(FormatError):
    """The vault is well-formed but uses a format version or cipher combo we do not support."""


class AuthenticationError(VaultError):
    """A tag, MAC or signature did not verify.

    Deliberately opaque: it never says which part failed, so it cannot serve as an
    oracle for an attacker probing modified ciphertext.
    """

    def __init__(self, message: str = "authentication failed: the data was modified, "
                 "truncated, or belongs to another file or directory") -> None:
        super().__init__(message)


class WrongPassphraseError(AuthenticationError):
    """The passphrase does not unlock this masterkey file."""

    def __init__(self, message: str = "wrong passphrase") -> None:
        super().__init__(message)


class InvalidSignatureError(AuthenticationError):
    """The vault config (vault.cryptomator) is not signed by this vault's key."""

    def __init__(
        self,
        message: str = "the vault configuration's signature does not match this vault's key",
    ) -> None:
        super().__init__(message)


class RecoveryKeyError(VaultError):
    """A recovery key does not decode: unknown word, wrong word count or bad check bytes."""
