"""vaultui: encrypted Cryptomator-format vaults on any fsspec storage."""

__version__ = "0.1.0"
