"""The vaultui-cli commands, grouped by what they work on."""
