"""Builds the known-answer vectors checked in as tests/crypto/vectors/format8.json.

Regenerate (only when the format or the vector set deliberately changes) with

    .venv/bin/python -m tests.crypto.vectorgen

test_vectors.py checks on every run that vaultui still produces exactly these bytes,
and that pycryptomator (SIV_GCM) and independent spec-level computations with
`cryptography` primitives (both combos) agree with them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
from pathlib import Path
from typing import Any

from tests.crypto.helpers import DeterministicRandom
from vaultui.crypto import (
    CipherCombo,
    Masterkey,
    MasterkeyFile,
    NameCipher,
    VaultConfig,
    content_cipher,
    encode_recovery_key,
)
from vaultui.crypto.masterkeyfile import backup_file_suffix
from vaultui.crypto.names import storage_name
from vaultui.crypto.stream import encrypt_bytes

VECTORS = Path(__file__).with_name("vectors") / "format8.json"
PASSPHRASE = "vaultui test vector: Grüße, 日本, e\u0301"  # ends in an NFD sequence on purpose
SUB_DIR_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
JTI = "7d7c2e71-9d4e-4f6a-8c1e-2b3a4c5d6e7f"
FILE_SIZES = [0, 1, 31, 32768 + 17]
NAMES = [
    ("", "a"),
    ("", "hello.txt"),
    ("", "Café.txt"),
    ("", unicodedata.normalize("NFD", "Café.txt")),  # input in NFD, stored as NFC
    (SUB_DIR_ID, "hello.txt"),
    (SUB_DIR_ID, "日本語のファイル名.md"),
    (SUB_DIR_ID, "🙂 emoji"),
    (SUB_DIR_ID, "n" * 146),  # the longest unshortened name at threshold 220
    (SUB_DIR_ID, "n" * 147),  # the shortest shortened one
]

PROVENANCE = {
    "generated_by": "vaultui (tests/crypto/vectorgen.py)",
    "randomness": "deterministic: randbytes(n) = SHAKE-256(label || 0x00 || uint64_be(call "
                  "number, from 1)) truncated to n bytes; labels are given per vector",
    "verified_by": [
        "pycryptomator 1.15 (PyPI): masterkey file unlock and vault config signature "
        "(SIV_GCM), encrypted names and directory-id hashes, SIV_GCM file contents, "
        "recovery words",
        "independent computations in tests/crypto/test_vectors.py with the `cryptography` "
        "package straight from the format description: SIV_GCM and SIV_CTRMAC headers and "
        "chunks, SIV_CTRMAC vault config signature",
    ],
    "cleartext": "file vectors' cleartext is bytes(i % 251 for i in range(length))",
}


def cleartext(length: int) -> bytes:
    return bytes(i % 251 for i in range(length))


def file_vector(combo: CipherCombo, key: Masterkey, length: int) -> dict[str, Any]:
    label = f"vaultui-kat/file/{combo.value}/{length}"
    cipher = content_cipher(combo, key, DeterministicRandom(label))
    data = encrypt_bytes(cleartext(length), cipher)
    header = cipher.decrypt_header(data[:cipher.header_size])
    body = data[cipher.header_size:]
    step = cipher.ciphertext_chunk_size
    return {
        "cipher_combo": combo.value,
        "randomness_label": label,
        "cleartext_length": length,
        "header_nonce_hex": header.nonce.hex(),
        "content_key_hex": header.content_key.hex(),
        "chunk_nonces_hex": [body[i:i + cipher.nonce_size].hex()
                             for i in range(0, len(body), step)],
        "ciphertext_sha256": hashlib.sha256(data).hexdigest(),
        "ciphertext_base64": base64.b64encode(data).decode(),
    }


def build_vectors() -> dict[str, Any]:
    key = Masterkey.generate(DeterministicRandom("vaultui-kat/masterkey"))
    mkfile = MasterkeyFile.wrap(key, PASSPHRASE, scrypt_cost=1024,
                                randbytes=DeterministicRandom("vaultui-kat/masterkey-file"))
    mk_bytes = mkfile.to_bytes()
    names = NameCipher(key)
    return {
        "_provenance": PROVENANCE,
        "masterkey": {
            "randomness_label": "vaultui-kat/masterkey",
            "enc_key_hex": key.enc_key.hex(),
            "mac_key_hex": key.mac_key.hex(),
        },
        "masterkey_file": {
            "randomness_label": "vaultui-kat/masterkey-file",
            "passphrase": PASSPHRASE,
            "content": mk_bytes.decode(),
            "backup_file_name": "masterkey.cryptomator" + backup_file_suffix(mk_bytes) + ".bkup",
        },
        "vault_configs": [
            {"cipher_combo": combo.value, "jti": JTI,
             "token": VaultConfig(jti=JTI, cipher_combo=combo).to_token(key).decode()}
            for combo in CipherCombo
        ],
        "recovery_key": encode_recovery_key(key),
        "directories": [
            {"dir_id": dir_id, "hash": names.hash_dir_id(dir_id), "path": names.dir_path(dir_id)}
            for dir_id in ("", SUB_DIR_ID)
        ],
        "names": [
            {
                "parent_dir_id": dir_id,
                "cleartext": name,
                "encrypted": names.encrypt_name(name, dir_id),
                "storage_name": storage_name(names.encrypt_name(name, dir_id)),
            }
            for dir_id, name in NAMES
        ],
        "files": [file_vector(combo, key, n) for combo in CipherCombo for n in FILE_SIZES],
    }


def render(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    VECTORS.parent.mkdir(exist_ok=True)
    VECTORS.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {VECTORS}")


if __name__ == "__main__":
    main()
