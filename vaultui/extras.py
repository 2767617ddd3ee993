"""Which pip extra provides a missing optional module, said in one line."""

from __future__ import annotations

#: Optional top-level modules, by the vaultui extra that installs them. Everything else the
#: package needs (PySide6, keyring, s3fs, the WebDAV and FUSE drive, fsspec, cryptography)
#: comes with `pip install vaultui` itself.
MODULE_EXTRAS: dict[str, str] = {
    "adlfs": "azure",
    "azure": "azure",
    "sshfs": "sftp",
    "asyncssh": "sftp",
    "dask": "dask",
    "distributed": "dask",
}

#: Modules of the base package: missing means a broken or partial install.
BASE_MODULES = frozenset({
    "PySide6", "shiboken6", "keyring", "secretstorage", "s3fs", "aiobotocore", "botocore",
    "fsspec", "cryptography", "zxcvbn", "wsgidav", "cheroot", "mfusepy",
})

#: fsspec protocols served by an optional package, by that package's module.
PROTOCOL_MODULES: dict[str, str] = {
    "az": "adlfs", "abfs": "adlfs", "abfss": "adlfs", "adl": "adlfs",
    "sftp": "sshfs", "ssh": "sshfs",
    "s3": "s3fs", "s3a": "s3fs",
}


class MissingExtraError(ImportError):
    """An optional part of vaultui is not installed; the message says what to install."""


def install_hint(module: str) -> str | None:
    """What to run to get `module` (a top-level or dotted name), or None if not ours."""
    top = module.split(".")[0]
    extra = MODULE_EXTRAS.get(top)
    if extra is not None:
        return f"pip install 'vaultui[{extra}]'"
    if top in BASE_MODULES:
        return "pip install --force-reinstall vaultui"
    return None


def missing_module(exc: ImportError, protocol: str | None = None) -> str | None:
    """The module `exc` says is missing: its `name`, else the package `protocol` needs."""
    if exc.name:
        return exc.name
    # fsspec's registry raises a plain ImportError ("Install adlfs to access ...").
    return PROTOCOL_MODULES.get(protocol or "")


def explain_missing(exc: ImportError, protocol: str | None = None) -> MissingExtraError | None:
    """A one-line error naming the extra to install, or None if `exc` is not about one.

    `protocol` is the storage being opened when fsspec's own ImportError names no module.
    """
    if isinstance(exc, MissingExtraError):
        return exc
    module = missing_module(exc, protocol)
    hint = install_hint(module) if module else None
    if module is None or hint is None:
        return None
    what = f"{protocol}:// storage needs" if protocol else "this needs"
    error = MissingExtraError(f"{what} the {module.split('.')[0]} package, which is not "
                              f"installed: {hint}", name=module)
    return error


def check_protocol(protocol: str) -> None:
    """Raise MissingExtraError if the package serving `protocol` is not installed.

    Checked before a storage is reached, so that the user learns what to install rather
    than whether the endpoint answers.
    """
    module = PROTOCOL_MODULES.get(protocol)
    if module is None:
        return
    import importlib.util

    if importlib.util.find_spec(module) is None:
        error = explain_missing(ImportError(name=module), protocol)
        assert error is not None  # every PROTOCOL_MODULES module has a hint
        raise error
