"""Wizards and dialogs that make or open things: create, open, key generation, recovery key."""
