"""OS keyring behind a small key-store protocol."""
