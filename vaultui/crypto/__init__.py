"""The vault format (Cryptomator vault format 8): pure crypto over stdlib and cryptography."""
