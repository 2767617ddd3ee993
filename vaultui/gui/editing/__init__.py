"""Opening vault files in desktop applications and saving their edits back into the vault."""
