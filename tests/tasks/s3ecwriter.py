"""A reference writer of AWS S3 Encryption Client v2 objects (KMS + context), for tests.

It follows AWS's published v2 format: a fresh AES-256 data key from KMS GenerateDataKey
with the encryption context {"aws:x-amz-cek-alg": "AES/GCM/NoPadding", ...}, the content
AES-256-GCM with a 12-byte IV and the 16-byte tag appended, and the envelope (x-amz-key-v2,
x-amz-iv, x-amz-cek-alg, x-amz-wrap-alg "kms+context", x-amz-matdesc = the context as JSON,
x-amz-tag-len "128") either as object metadata (x-amz-meta-…) or in `<key>.instruction`, a
JSON object, with the object carrying x-amz-crypto-instr-file.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def put_encrypted(s3: Any, kms: Any, bucket: str, key: str, data: bytes, kms_key_id: str, *,
                  instruction_file: bool = False, context: dict[str, str] | None = None
                  ) -> None:
    """What the S3 Encryption Client v2 writes for PutObject with KMS + context."""
    full_context = {**(context or {}), "aws:x-amz-cek-alg": "AES/GCM/NoPadding"}
    data_key = kms.generate_data_key(KeyId=kms_key_id, KeySpec="AES_256",
                                     EncryptionContext=full_context)
    iv = os.urandom(12)
    body = AESGCM(data_key["Plaintext"]).encrypt(iv, data, None)
    envelope = {
        "x-amz-key-v2": base64.b64encode(data_key["CiphertextBlob"]).decode(),
        "x-amz-iv": base64.b64encode(iv).decode(),
        "x-amz-cek-alg": "AES/GCM/NoPadding",
        "x-amz-wrap-alg": "kms+context",
        "x-amz-matdesc": json.dumps(full_context),
        "x-amz-tag-len": "128",
        "x-amz-unencrypted-content-length": str(len(data)),
    }
    if instruction_file:
        s3.put_object(Bucket=bucket, Key=key, Body=body,
                      Metadata={"x-amz-crypto-instr-file": ""})
        s3.put_object(Bucket=bucket, Key=key + ".instruction", Body=json.dumps(envelope))
    else:
        s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata=envelope)
