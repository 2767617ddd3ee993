"""vaultui: encrypted Cryptomator-format vaults on any fsspec storage."""

#: The one place the version is written: pyproject.toml reads it from here (a frozen app has
#: no package metadata to ask).
__version__ = "0.1.0"
