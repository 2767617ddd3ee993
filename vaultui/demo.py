"""A short demo: create a local vault, write a file through it, read it back, show both views."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation

DEMO_PASSPHRASE = "correct horse battery staple"  # noqa: S105 - a demo vault, shown to the user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("location", nargs="?", help="where to create the demo vault "
                        "(default: a new temporary folder)")
    args = parser.parse_args(argv)
    location = args.location or str(Path(tempfile.mkdtemp(prefix="vaultui-demo-")) / "vault")
    Path(location).mkdir(parents=True, exist_ok=True)
    print(f"Creating a vault at {location} (passphrase: {DEMO_PASSPHRASE!r})")
    VaultLocation.from_url(location).create(DEMO_PASSPHRASE)
    fs = VaultFileSystem(location, passphrase=DEMO_PASSPHRASE)
    fs.makedirs("notes")
    fs.pipe_file("notes/hello.txt", "Hello from vaultui — only ciphertext is on disk.\n".encode())
    print("\nPlaintext view:")
    for path in fs.find(""):
        print(f"  {path}  ({fs.size(path)} bytes)")
    print("\nWhat the storage holds:")
    for path in sorted(fs.storage.find(location)):
        print(f"  {path[len(location) + 1:]}  ({fs.storage.size(path)} bytes)")
    print("\nRead back: " + fs.cat_file("notes/hello.txt").decode().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
