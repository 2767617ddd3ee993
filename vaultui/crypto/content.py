"""File headers and chunks for both cipher combos (SIV_GCM and SIV_CTRMAC)."""

from __future__ import annotations

# hmac is imported where it is used: a one-file encrypt pays for every import at start-up.
import os
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vaultui.crypto.combos import CipherCombo
from vaultui.crypto.constants import KEY_LENGTH
from vaultui.crypto.errors import AuthenticationError, FormatError
from vaultui.crypto.keys import Masterkey, RandomBytes
from vaultui.crypto.sizes import HEADER_PAYLOAD_LENGTH, LAYOUTS, ContentLayout

if TYPE_CHECKING:
    from hmac import HMAC

#: The 8 bytes before the content key once held the file size; format 8 writes all ones.
RESERVED_HEADER_FIELD = b"\xff" * 8
_HEADER_PAYLOAD_LENGTH = HEADER_PAYLOAD_LENGTH
#: AESGCM.encrypt_into / decrypt_into write into a caller's buffer, which saves an
#: allocation and a copy per chunk; older cryptography releases lack them.
_GCM_INTO = hasattr(AESGCM, "encrypt_into") and hasattr(AESGCM, "decrypt_into")


class FileHeader:
    """A decrypted file header: the header nonce and the file's own content key."""

    # A plain class rather than a dataclass: importing dataclasses is a visible share
    # of the start-up of a process that encrypts one small file.
    __slots__ = ("_aead", "content_key", "nonce")

    def __init__(self, nonce: bytes, content_key: bytes, aead: AESGCM | None = None) -> None:
        self.nonce = nonce
        self.content_key = content_key
        self._aead = aead

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileHeader):
            return NotImplemented
        import hmac
        return hmac.compare_digest(self.nonce + self.content_key,
                                   other.nonce + other.content_key)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "FileHeader(<redacted>)"

    def __reduce__(self) -> tuple[object, ...]:
        # It holds the file's content key; a pickle would carry it to caches and queues.
        raise TypeError("a FileHeader cannot be pickled")


class ContentCipher(ABC):
    """Encrypts and decrypts one cipher combo's file headers and chunks.

    Chunk `n` of a file is bound to the file (through the header nonce) and to its
    position (through `n`), so chunks can be neither reordered nor moved between files.
    """

    combo: CipherCombo

    def __init__(self, masterkey: Masterkey, randbytes: RandomBytes = os.urandom):
        self._masterkey = masterkey
        self._randbytes = randbytes
        self.layout: ContentLayout = LAYOUTS[self.combo]
        self.header_size = self.layout.header_size
        self.nonce_size = self.layout.nonce_size
        self.tag_size = self.layout.tag_size
        self.payload_size = self.layout.payload_size

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"

    @property
    def chunk_overhead(self) -> int:
        return self.nonce_size + self.tag_size

    @property
    def ciphertext_chunk_size(self) -> int:
        return self.payload_size + self.chunk_overhead

    def new_header(self) -> FileHeader:
        return self._make_header(self._randbytes(self.layout.header_nonce_size),
                                 self._randbytes(KEY_LENGTH))

    def _make_header(self, nonce: bytes, content_key: bytes) -> FileHeader:
        return FileHeader(nonce, content_key)

    @abstractmethod
    def encrypt_header(self, header: FileHeader) -> bytes: ...

    @abstractmethod
    def decrypt_header(self, data: bytes) -> FileHeader: ...

    @abstractmethod
    def encrypt_chunk(self, header: FileHeader, index: int, cleartext: bytes,
                      nonce: bytes | None = None) -> bytes: ...

    @abstractmethod
    def decrypt_chunk(self, header: FileHeader, index: int, ciphertext: bytes | memoryview
                      ) -> bytes: ...

    def _encrypt_chunk_into(self, header: FileHeader, index: int,
                            cleartext: bytes | memoryview, out: memoryview) -> int:
        """Encrypt a chunk into the start of `out`; returns its size (cleartext + overhead).

        The streams fill one buffer with many chunks and write it at once; a combo that
        cannot encrypt in place copies `encrypt_chunk`'s result.
        """
        chunk = self.encrypt_chunk(header, index, bytes(cleartext))
        out[: len(chunk)] = chunk
        return len(chunk)

    def encrypt_chunks_into(self, header: FileHeader, first_index: int,
                             cleartext: memoryview, out: memoryview) -> int:
        """Encrypt consecutive chunks, numbered from `first_index`, into the start of `out`.

        `cleartext` is whole payloads, of which only the last may be short; returns the
        ciphertext size. One call per batch rather than per chunk keeps the stream's
        per-chunk work down to the cipher itself.
        """
        size = self.payload_size
        filled = 0
        for number, start in enumerate(range(0, len(cleartext), size), first_index):
            filled += self._encrypt_chunk_into(header, number, cleartext[start:start + size],
                                               out[filled:])
        return filled

    def decrypt_chunk_into(self, header: FileHeader, index: int,
                            ciphertext: bytes | memoryview, out: memoryview) -> int:
        """Decrypt a chunk into the start of `out`; returns the cleartext size.

        Raises AuthenticationError like `decrypt_chunk`, and then leaves no byte of the
        chunk's cleartext in `out`.
        """
        cleartext = self.decrypt_chunk(header, index, ciphertext)
        out[: len(cleartext)] = cleartext
        return len(cleartext)

    def _check_header_length(self, data: bytes) -> None:
        if len(data) != self.header_size:
            raise FormatError(
                f"a {self.combo.value} file header is {self.header_size} bytes, got {len(data)}"
            )

    def _check_chunk_length(self, data: bytes | memoryview) -> None:
        if not self.chunk_overhead < len(data) <= self.ciphertext_chunk_size:
            # An empty or oversized chunk cannot come from an intact file; say so as
            # authentication failure, the same as any other tampering.
            raise AuthenticationError()


def _chunk_aad(index: int, header_nonce: bytes) -> bytes:
    return index.to_bytes(8, "big") + header_nonce


class GcmContentCipher(ContentCipher):
    """SIV_GCM: 68-byte header, chunks of 12-byte nonce ‖ AES-256-GCM ciphertext ‖ 16-byte tag."""

    combo = CipherCombo.SIV_GCM

    def __init__(self, masterkey: Masterkey, randbytes: RandomBytes = os.urandom):
        super().__init__(masterkey, randbytes)
        self._header_aead = AESGCM(masterkey.enc_key)

    def _make_header(self, nonce: bytes, content_key: bytes) -> FileHeader:
        return FileHeader(nonce, content_key, AESGCM(content_key))

    def encrypt_header(self, header: FileHeader) -> bytes:
        payload = RESERVED_HEADER_FIELD + header.content_key
        return header.nonce + self._header_aead.encrypt(header.nonce, payload, None)

    def decrypt_header(self, data: bytes) -> FileHeader:
        self._check_header_length(data)
        nonce = bytes(data[: self.layout.header_nonce_size])
        try:
            payload = self._header_aead.decrypt(nonce, data[len(nonce):], None)
        except InvalidTag:
            raise AuthenticationError() from None
        return self._make_header(nonce, payload[len(RESERVED_HEADER_FIELD):])

    def encrypt_chunk(self, header: FileHeader, index: int, cleartext: bytes,
                      nonce: bytes | None = None) -> bytes:
        assert header._aead is not None
        chunk_nonce = nonce if nonce is not None else self._randbytes(self.nonce_size)
        return chunk_nonce + header._aead.encrypt(
            chunk_nonce, cleartext, _chunk_aad(index, header.nonce)
        )

    def decrypt_chunk(self, header: FileHeader, index: int, ciphertext: bytes | memoryview
                      ) -> bytes:
        self._check_chunk_length(ciphertext)
        assert header._aead is not None
        view = memoryview(ciphertext)
        try:
            return header._aead.decrypt(
                view[: self.nonce_size], view[self.nonce_size:], _chunk_aad(index, header.nonce)
            )
        except InvalidTag:
            raise AuthenticationError() from None

    def _encrypt_chunk_into(self, header: FileHeader, index: int,
                            cleartext: bytes | memoryview, out: memoryview) -> int:
        if not _GCM_INTO:
            return super()._encrypt_chunk_into(header, index, cleartext, out)
        assert header._aead is not None
        nonce_size = self.nonce_size
        chunk_nonce = self._randbytes(nonce_size)
        end = nonce_size + len(cleartext) + self.tag_size
        out[:nonce_size] = chunk_nonce
        header._aead.encrypt_into(chunk_nonce, cleartext, _chunk_aad(index, header.nonce),
                                  out[nonce_size:end])
        return end

    def encrypt_chunks_into(self, header: FileHeader, first_index: int,
                             cleartext: memoryview, out: memoryview) -> int:
        if not _GCM_INTO:
            return super().encrypt_chunks_into(header, first_index, cleartext, out)
        assert header._aead is not None
        encrypt_into, randbytes = header._aead.encrypt_into, self._randbytes
        nonce_size, tag_size, size = self.nonce_size, self.tag_size, self.payload_size
        header_nonce = header.nonce
        filled = 0
        for number, start in enumerate(range(0, len(cleartext), size), first_index):
            piece = cleartext[start:start + size]
            chunk_nonce = randbytes(nonce_size)
            body = filled + nonce_size
            filled = body + len(piece) + tag_size
            out[body - nonce_size:body] = chunk_nonce
            encrypt_into(chunk_nonce, piece, number.to_bytes(8, "big") + header_nonce,
                         out[body:filled])
        return filled

    def decrypt_chunk_into(self, header: FileHeader, index: int,
                            ciphertext: bytes | memoryview, out: memoryview) -> int:
        if not _GCM_INTO:
            return super().decrypt_chunk_into(header, index, ciphertext, out)
        self._check_chunk_length(ciphertext)
        assert header._aead is not None
        view = memoryview(ciphertext)
        size = len(view) - self.chunk_overhead
        target = out[:size]
        try:
            header._aead.decrypt_into(view[: self.nonce_size], view[self.nonce_size:],
                                      _chunk_aad(index, header.nonce), target)
        except InvalidTag:
            # decrypt_into writes the cleartext before it checks the tag: wipe it, so that
            # nothing unauthenticated is left in the caller's buffer.
            target[:] = bytes(size)
            raise AuthenticationError() from None
        return size


class CtrMacContentCipher(ContentCipher):
    """SIV_CTRMAC: 88-byte header, chunks of 16-byte nonce ‖ AES-CTR ciphertext ‖ HMAC-SHA256."""

    combo = CipherCombo.SIV_CTRMAC

    def __init__(self, masterkey: Masterkey, randbytes: RandomBytes = os.urandom):
        super().__init__(masterkey, randbytes)
        # HMAC-SHA256 keyed with the MAC key, made on first use; every MAC starts from a
        # copy, so the key is not set up again per chunk.
        self._keyed_hmac: HMAC | None = None

    def _ctr(self, key: bytes, nonce: bytes | memoryview, data: bytes | memoryview) -> bytes:
        ctx = Cipher(algorithms.AES(key), modes.CTR(bytes(nonce))).encryptor()
        return ctx.update(data) + ctx.finalize()

    def _new_mac(self) -> HMAC:
        if self._keyed_hmac is None:
            import hmac
            self._keyed_hmac = hmac.new(self._masterkey.mac_key, digestmod="sha256")
        return self._keyed_hmac.copy()

    def _mac(self, *parts: bytes | memoryview) -> bytes:
        mac = self._new_mac()
        for part in parts:
            mac.update(part)
        return mac.digest()

    def encrypt_header(self, header: FileHeader) -> bytes:
        payload = RESERVED_HEADER_FIELD + header.content_key
        encrypted = self._ctr(self._masterkey.enc_key, header.nonce, payload)
        return header.nonce + encrypted + self._mac(header.nonce, encrypted)

    def decrypt_header(self, data: bytes) -> FileHeader:
        self._check_header_length(data)
        nonce = bytes(data[: self.layout.header_nonce_size])
        encrypted = data[len(nonce): len(nonce) + _HEADER_PAYLOAD_LENGTH]
        tag = data[len(nonce) + _HEADER_PAYLOAD_LENGTH:]
        # Verify before decrypting: CTR is malleable, so nothing is decrypted unauthenticated.
        import hmac
        if not hmac.compare_digest(self._mac(nonce, encrypted), tag):
            raise AuthenticationError()
        payload = self._ctr(self._masterkey.enc_key, nonce, encrypted)
        return FileHeader(nonce, payload[len(RESERVED_HEADER_FIELD):])

    def encrypt_chunk(self, header: FileHeader, index: int, cleartext: bytes,
                      nonce: bytes | None = None) -> bytes:
        chunk_nonce = nonce if nonce is not None else self._randbytes(self.nonce_size)
        encrypted = self._ctr(header.content_key, chunk_nonce, cleartext)
        tag = self._mac(header.nonce, index.to_bytes(8, "big"), chunk_nonce, encrypted)
        return chunk_nonce + encrypted + tag

    def _verified(self, header: FileHeader, index: int, ciphertext: bytes | memoryview
                  ) -> tuple[memoryview, memoryview]:
        """The chunk's nonce and encrypted part, once its MAC checked out (before decrypting:
        CTR is malleable, so nothing unauthenticated is ever decrypted)."""
        self._check_chunk_length(ciphertext)
        view = memoryview(ciphertext)
        chunk_nonce = view[: self.nonce_size]
        encrypted = view[self.nonce_size: len(view) - self.tag_size]
        tag = view[len(view) - self.tag_size:]
        expected = self._mac(header.nonce, index.to_bytes(8, "big"), chunk_nonce, encrypted)
        import hmac
        if not hmac.compare_digest(expected, bytes(tag)):
            raise AuthenticationError()
        return chunk_nonce, encrypted

    def decrypt_chunk(self, header: FileHeader, index: int, ciphertext: bytes | memoryview
                      ) -> bytes:
        chunk_nonce, encrypted = self._verified(header, index, ciphertext)
        return self._ctr(header.content_key, chunk_nonce, encrypted)

    def encrypt_chunks_into(self, header: FileHeader, first_index: int,
                             cleartext: memoryview, out: memoryview) -> int:
        # One AES-CTR context per batch, given each chunk's nonce in turn, and each chunk
        # encrypted straight into `out`: no per-chunk key schedule or copies.
        nonce_size, tag_size, size = self.nonce_size, self.tag_size, self.payload_size
        ctx = None
        filled = 0
        for number, start in enumerate(range(0, len(cleartext), size), first_index):
            piece = cleartext[start:start + size]
            chunk_nonce = self._randbytes(nonce_size)
            if ctx is None:
                ctx = Cipher(algorithms.AES(header.content_key), modes.CTR(chunk_nonce)).encryptor()
            else:
                ctx.reset_nonce(chunk_nonce)
            body = filled + nonce_size
            end = body + len(piece)
            out[filled:body] = chunk_nonce
            # update_into asks for 15 bytes of room beyond the data; the tag's place has 32.
            ctx.update_into(piece, out[body:end + tag_size])
            mac = self._new_mac()
            for part in (header.nonce, number.to_bytes(8, "big"), chunk_nonce, out[body:end]):
                mac.update(part)
            out[end:end + tag_size] = mac.digest()
            filled = end + tag_size
        return filled

    def decrypt_chunk_into(self, header: FileHeader, index: int,
                            ciphertext: bytes | memoryview, out: memoryview) -> int:
        chunk_nonce, encrypted = self._verified(header, index, ciphertext)
        # Authenticated: decrypt straight into the caller's buffer when it has the room
        # update_into asks for (15 bytes beyond the data), else through a copy.
        size = len(encrypted)
        ctx = Cipher(algorithms.AES(header.content_key), modes.CTR(bytes(chunk_nonce))).decryptor()
        if len(out) >= size + 15:
            ctx.update_into(encrypted, out)
        else:
            out[:size] = ctx.update(encrypted)
        return size


def content_cipher(combo: CipherCombo, masterkey: Masterkey,
                   randbytes: RandomBytes = os.urandom) -> ContentCipher:
    """The content cipher of a vault's cipher combo."""
    if combo is CipherCombo.SIV_GCM:
        return GcmContentCipher(masterkey, randbytes)
    return CtrMacContentCipher(masterkey, randbytes)
