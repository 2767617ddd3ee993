"""The demo vault (one place for it and its passphrase), and a short demo printing both views.

``python -m vaultui.demo [FOLDER]`` creates it and shows what the vault holds and what the
storage holds; the app offers to create it on a first start, and the screenshots use it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from vaultui.fs.filesystem import VaultFileSystem
from vaultui.fs.vault import VaultLocation

DEMO_PASSPHRASE = "correct horse battery staple"  # noqa: S105 - a demo vault, shown to the user

#: Cheaper than a real vault's key derivation: the passphrase is public anyway.
DEMO_SCRYPT_COST = 1 << 14


def create_demo_vault(parent_dir: str | None = None) -> str:
    """A small local vault `Demo vault` with a few files in `parent_dir` (default: a new
    temporary folder); returns its folder."""
    base = parent_dir or tempfile.mkdtemp(prefix="vaultui-demo-")
    folder = os.path.join(base, "Demo vault")
    os.makedirs(folder, exist_ok=True)
    VaultLocation.from_url(folder).create(DEMO_PASSPHRASE, scrypt_cost=DEMO_SCRYPT_COST)
    fs = VaultFileSystem(folder, passphrase=DEMO_PASSPHRASE)
    fs.makedirs("Documents/Letters")
    fs.makedirs("Photos")
    fs.pipe_file("README.txt", b"Only ciphertext of this file is on disk.\n")
    fs.pipe_file("Documents/budget.csv", b"month,amount\n" + b"jan,100\n" * 200)
    fs.pipe_file("Documents/Letters/to-alice.txt", b"Dear Alice,\n" * 50)
    fs.pipe_file("Photos/holiday.jpg", os.urandom(300_000))
    fs.pipe_file("A file with a very long name " + "x" * 200 + ".txt", b"long names are shortened")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("location", nargs="?", help="the folder to create the demo vault in "
                        "(default: a new temporary folder)")
    args = parser.parse_args(argv)
    if args.location:
        Path(args.location).mkdir(parents=True, exist_ok=True)
    location = create_demo_vault(args.location)
    print(f"Created a vault at {location} (passphrase: {DEMO_PASSPHRASE!r})")
    fs = VaultFileSystem(location, passphrase=DEMO_PASSPHRASE)
    print("\nPlaintext view:")
    for path in fs.find(""):
        print(f"  {path}  ({fs.size(path)} bytes)")
    print("\nWhat the storage holds:")
    for path in sorted(fs.storage.find(location)):
        print(f"  {path[len(location) + 1:]}  ({fs.storage.size(path)} bytes)")
    print("\nRead back: " + fs.cat_file("README.txt").decode().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
