"""Keys for sharing tests: an age identity, SSH ed25519/RSA key files and an RSA PEM pair."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fsspec.spec import AbstractFileSystem

from vaultui.fs.vault import VaultLocation

PASSPHRASE = "team passphrase"


def new_vault(fs: AbstractFileSystem, root: str) -> VaultLocation:
    location = VaultLocation(fs, root)
    location.create(PASSPHRASE, scrypt_cost=1024)
    return location


@dataclass
class KeyFiles:
    """Private key files in a folder, with the public text a teammate hands out."""

    path: Path
    public: str


def ssh_key(folder: Path, name: str, kind: str = "ed25519", passphrase: bytes | None = None
            ) -> KeyFiles:
    key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey = (
        ed25519.Ed25519PrivateKey.generate() if kind == "ed25519"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048))
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase
        else serialization.NoEncryption())
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                encryption)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(private)
    path.chmod(0o600)
    path.with_name(name + ".pub").write_text(public + " someone@host\n")
    return KeyFiles(path, public + " someone@host")


def rsa_pem(folder: Path, name: str, passphrase: bytes | None = None) -> KeyFiles:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase
        else serialization.NoEncryption())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8, encryption))
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    path.with_name(name + ".pub.pem").write_bytes(public)
    return KeyFiles(path, public.decode())
