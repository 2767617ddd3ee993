"""The vaultui-cli command line."""
