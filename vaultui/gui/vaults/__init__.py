"""The vaults: the list, the Vault object and its state machine, unlock, options, auto-lock."""
