"""Cloud key services that wrap a vault key (AWS KMS now; Azure Key Vault, GCP KMS can follow)."""

from __future__ import annotations

from typing import Any, Protocol

from vaultui.crypto.keyslot import KIND_AWS_KMS, KeySlot

#: The encryption-context key that binds a wrapped key to its vault: KMS refuses to
#: decrypt unless the same context is given, so a slot copied into another vault is useless.
CONTEXT_KEY = "vaultui-vault"
#: Seconds before a KMS call gives up: an unreachable endpoint must not hang an unlock.
KMS_TIMEOUT = 20


class KmsError(Exception):
    """A key service refused or failed; the message says which and why, never the key."""


class KeyService(Protocol):
    """A cloud key service: wraps a secret under one of its keys, bound to a vault id."""

    kind: str

    def wrap(self, key_id: str, secret: bytes, vault_id: str) -> KeySlot: ...

    def unwrap(self, slot: KeySlot, vault_id: str) -> bytes: ...


class AwsKms:
    """AWS KMS through boto3 (`Encrypt`/`Decrypt` with the vault id as encryption context).

    Credentials, region and endpoint come from boto3's usual chain (environment, profile,
    instance role) unless given.
    """

    kind = KIND_AWS_KMS

    def __init__(self, client: Any = None, **client_args: Any) -> None:
        self._client = client
        self._client_args = client_args

    def __repr__(self) -> str:
        return "AwsKms()"

    def _kms(self) -> Any:
        if self._client is None:
            try:
                import boto3
                from botocore.config import Config  # type: ignore[import-untyped]
            except ImportError:
                raise KmsError("AWS KMS slots need boto3 (pip install 'vaultui[sharing]')"
                               ) from None
            config = Config(connect_timeout=KMS_TIMEOUT, read_timeout=KMS_TIMEOUT,
                            retries={"max_attempts": 2})
            try:
                self._client = boto3.client("kms", config=config, **self._client_args)
            except Exception as exc:  # botocore's NoRegionError and friends
                raise KmsError(f"cannot reach AWS KMS: {exc}") from None
        return self._client

    @staticmethod
    def _failure(action: str, exc: Exception) -> KmsError:
        response = getattr(exc, "response", None)
        if isinstance(response, dict):
            error = response.get("Error", {})
            code = error.get("Code", "")
            message = error.get("Message", "")
            return KmsError(f"AWS KMS refused to {action}: {code} {message}".rstrip())
        return KmsError(f"AWS KMS could not {action}: {type(exc).__name__}: {exc}")

    def wrap(self, key_id: str, secret: bytes, vault_id: str) -> KeySlot:
        kms = self._kms()
        try:
            answer = kms.encrypt(KeyId=key_id, Plaintext=secret,
                                 EncryptionContext={CONTEXT_KEY: vault_id})
        except Exception as exc:  # botocore ClientError, connection errors
            raise self._failure(f"encrypt with {key_id}", exc) from None
        arn = str(answer["KeyId"])
        return KeySlot(label=f"AWS KMS {arn}", kind=self.kind, recipient=arn, fingerprint=arn,
                       wrapped=bytes(answer["CiphertextBlob"]))

    def unwrap(self, slot: KeySlot, vault_id: str) -> bytes:
        kms = self._kms()
        try:
            # KeyId makes KMS check the blob was made by the key the slot names (AWS's
            # advice for symmetric keys); the pin (pins.py) is what catches a fake vault.
            answer = kms.decrypt(CiphertextBlob=slot.wrapped, KeyId=slot.recipient,
                                 EncryptionContext={CONTEXT_KEY: vault_id})
        except Exception as exc:
            raise self._failure(f"decrypt with {slot.recipient}", exc) from None
        return bytes(answer["Plaintext"])

    def decrypt_data_key(self, blob: bytes, context: dict[str, str]) -> bytes:
        """A data key another tool wrapped with KMS (the S3 Encryption Client's kms+context)."""
        kms = self._kms()
        try:
            answer = kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
        except Exception as exc:
            raise self._failure("decrypt a data key", exc) from None
        return bytes(answer["Plaintext"])


def key_service(kind: str) -> KeyService | None:
    """The service that handles slots of this kind, with default settings."""
    return AwsKms() if kind == KIND_AWS_KMS else None
