"""The OS keyring (through the `keyring` package) as a key store that never stores plaintext."""

from __future__ import annotations

from typing import Any

from vaultui.secrets.store import KeyStoreUnavailableError, check_vault_id

#: The keyring "service" every vaultui item is filed under; the vault id is the "username".
SERVICE = "vaultui"

#: keyring gives backends that encrypt nothing a priority below 1 (keyrings.alt's plaintext
#: files have 0.5, the fail and null backends 0 or less).
MIN_PRIORITY = 1.0


def _name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _refusal(backend: Any) -> str | None:
    """Why this backend must not hold a secret, or None when it may."""
    name = _name(backend)
    if name.startswith("keyring.backends.fail."):
        return "no OS keyring is available (no Secret Service, Keychain or Credential Manager)"
    if name.startswith("keyrings.alt."):
        # keyrings.alt's file backends write secrets to a file in plain text or weakly
        # encrypted; never let one take a passphrase silently.
        return f"the keyring backend {name} stores secrets in a file; vaultui refuses it"
    try:
        priority = float(backend.priority)
    except Exception:  # a broken backend's priority property may raise anything
        return f"the keyring backend {name} does not say how it keeps secrets"
    if priority < MIN_PRIORITY:
        return (f"the keyring backend {name} (priority {priority:g}) is not a secure OS "
                "keyring; vaultui refuses it")
    return None


def choose_backend(backend: Any) -> Any:
    """`backend` if it is a secure keyring; for keyring's chainer, its best secure member."""
    if _name(backend) == "keyring.backends.chainer.ChainerBackend":
        # The chainer also writes to every member with priority > 0, plaintext ones
        # included: use the best secure member alone instead.
        for member in backend.backends:
            if _refusal(member) is None:
                return member
        raise KeyStoreUnavailableError(
            "no OS keyring is available (only insecure keyring backends are installed)")
    reason = _refusal(backend)
    if reason is not None:
        raise KeyStoreUnavailableError(reason)
    return backend


def _describe_failure(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    lowered = text.lower()
    if "prompt dismissed" in lowered or "locked" in lowered:
        return f"the OS keyring is locked and could not be unlocked ({text})"
    return f"the OS keyring failed: {text}"


class KeyringStore:
    """Passphrases in the OS keyring, filed as (service "vaultui", vault id).

    Constructed from `keyring.get_keyring()` unless a backend is given. Plaintext backends
    (keyrings.alt's files, anything keyring ranks below priority 1) are refused at
    construction; a keyring that is missing, locked or refuses access raises
    KeyStoreUnavailableError from the call that met it, with a message for the user.
    """

    def __init__(self, backend: Any = None, service: str = SERVICE) -> None:
        try:
            import keyring
        except ImportError:
            raise KeyStoreUnavailableError(
                "the keyring package is not installed (pip install --force-reinstall vaultui)"
            ) from None
        try:
            chosen = backend if backend is not None else keyring.get_keyring()
        except Exception as exc:  # keyring's backend discovery may raise anything
            raise KeyStoreUnavailableError(_describe_failure(exc)) from exc
        self._backend = choose_backend(chosen)
        self._service = service

    def __repr__(self) -> str:
        return f"KeyringStore({_name(self._backend)})"

    @property
    def description(self) -> str:
        name = getattr(self._backend, "name", None)
        return str(name) if name else _name(self._backend)

    @property
    def backend(self) -> Any:
        return self._backend

    def get(self, vault_id: str) -> str | None:
        try:
            secret = self._backend.get_password(self._service, check_vault_id(vault_id))
        except ValueError:
            raise
        except Exception as exc:  # every backend failure means "no keyring for now"
            raise KeyStoreUnavailableError(_describe_failure(exc)) from exc
        return None if secret is None else str(secret)

    def set(self, vault_id: str, secret: str) -> None:
        try:
            self._backend.set_password(self._service, check_vault_id(vault_id), secret)
        except ValueError:
            raise
        except Exception as exc:
            raise KeyStoreUnavailableError(_describe_failure(exc)) from exc

    def delete(self, vault_id: str) -> bool:
        vault_id = check_vault_id(vault_id)
        import keyring.errors

        try:
            if self._backend.get_password(self._service, vault_id) is None:
                return False
            self._backend.delete_password(self._service, vault_id)
        except keyring.errors.PasswordDeleteError:
            return False
        except Exception as exc:
            raise KeyStoreUnavailableError(_describe_failure(exc)) from exc
        return True
