"""The unlocked vault as a drive: a FUSE file system and a WebDAV server over VaultFileSystem."""
