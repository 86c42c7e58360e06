"""Encryption of backup objects: AES-256-GCM in authenticated chunks, and the backup key.

The key is 32 random bytes written as base64 (``warden backup keygen``) or 64 hex digits, read
from an environment variable or a file. Its *key id* is a fingerprint (the first 8 bytes of
SHA-256 over a label and the key, in hex): manifests record it so a wrong key is named as
such, and it reveals nothing about the key.

Object format (all integers big-endian)::

    header  magic "WDNBKUP\\0" | version u8 = 1 | cipher u8 = 1 (AES-256-GCM) | reserved u16
            | chunk_size u32 | key_id 8 bytes | salt 16 bytes | nonce_prefix 4 bytes   (44 bytes)
    chunk*  length u32 | AES-256-GCM(ciphertext + 16-byte tag)

Each object has its own AES key, HKDF-SHA256(master key, salt, "warden-backup/v1 object").
Chunk ``i`` (from 0) holds at most ``chunk_size`` plaintext bytes and uses the nonce
``nonce_prefix | i as u64``; its associated data is ``header | i as u64 | final u8``, where
``final`` is 1 on the last chunk only (which may be empty). So a changed byte, a chunk moved
or dropped, a truncated object or one spliced from another all fail authentication.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from warden.backup.sources._base import Readable
from warden.errors import BackupError, IntegrityError

KEY_BYTES = 32
MAGIC = b"WDNBKUP\x00"
VERSION = 1
CIPHER_AES_256_GCM = 1
_HEADER = struct.Struct("!8sBBHI8s16s4s")
HEADER_SIZE = _HEADER.size
TAG_SIZE = 16
_LEN = struct.Struct("!I")
_AAD = struct.Struct("!QB")
_KEY_ID_LABEL = b"warden-backup key id v1\x00"


class KeyConfigError(BackupError):
    """The configured key is missing, unreadable or not a key."""


@dataclass(frozen=True)
class BackupKey:
    """The master key (never printed) and its public fingerprint."""

    secret: bytes = field(repr=False)
    key_id: str

    @classmethod
    def from_bytes(cls, secret: bytes) -> BackupKey:
        if len(secret) != KEY_BYTES:
            raise BackupError(f"a backup key is {KEY_BYTES} bytes, got {len(secret)}")
        return cls(secret, key_fingerprint(secret))

    def derive(self, info: bytes, salt: bytes | None = None) -> bytes:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info)
        return hkdf.derive(self.secret)


def key_fingerprint(secret: bytes) -> str:
    return hashlib.sha256(_KEY_ID_LABEL + secret).hexdigest()[:16]


def generate_key() -> str:
    """A new random key as base64 text (what goes into the key file or variable)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse_key(text: str, where: str) -> BackupKey:
    """A key from base64 or hex text; the error names ``where`` but never the content."""
    value = text.strip()
    raw: bytes | None = None
    if len(value) == 2 * KEY_BYTES:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raw = None
    if raw is None:
        try:
            raw = base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(
            f"{where} does not hold a backup key (32 bytes as base64 or 64 hex digits; "
            "make one with `warden backup keygen`)"
        )
    return BackupKey.from_bytes(raw)


def load_key(
    key_env: str | None, key_file: Path | None, env: Mapping[str, str] | None = None
) -> BackupKey:
    """The key named by the config: ``key_env`` (read from ``env``) or ``key_file``."""
    environ = os.environ if env is None else env
    if key_env is not None:
        text = environ.get(key_env)
        if not text:
            raise KeyConfigError(f"environment variable {key_env} (key_env) is not set")
        return parse_key(text, f"environment variable {key_env}")
    if key_file is not None:
        try:
            text = key_file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not text"
            raise KeyConfigError(f"cannot read key_file {key_file}: {reason}") from exc
        return parse_key(text, f"key_file {key_file}")
    raise KeyConfigError("no encryption key configured (key_env or key_file)")


def manifest_mac(key: BackupKey, payload: bytes) -> str:
    """HMAC-SHA256 of a manifest's canonical bytes under a key derived from the master key."""
    mac_key = key.derive(b"warden-backup/v1 manifest")
    return hmac.new(mac_key, payload, hashlib.sha256).hexdigest()


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + _AAD.pack(index, 1 if final else 0)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack("!Q", index)


class ChunkEncryptor:
    """A file-like sink: bytes written are encrypted in chunks and passed to ``out``."""

    def __init__(self, key: BackupKey, out: Callable[[bytes], object], chunk_size: int) -> None:
        salt, self.prefix = os.urandom(16), os.urandom(4)
        self.header = _HEADER.pack(
            MAGIC,
            VERSION,
            CIPHER_AES_256_GCM,
            0,
            chunk_size,
            bytes.fromhex(key.key_id),
            salt,
            self.prefix,
        )
        self.aead = AESGCM(key.derive(b"warden-backup/v1 object", salt))
        self.out = out
        self.chunk_size = chunk_size
        self.buffer = bytearray()
        self.index = 0
        self.closed = False
        out(self.header)

    def _emit(self, data: bytes, final: bool) -> None:
        sealed = self.aead.encrypt(
            _nonce(self.prefix, self.index), data, _aad(self.header, self.index, final)
        )
        self.out(_LEN.pack(len(sealed)) + sealed)
        self.index += 1

    def write(self, data: bytes) -> int:
        self.buffer += data
        size = self.chunk_size
        while len(self.buffer) > size:  # keep the last chunk back: only finish() knows it is last
            self._emit(bytes(self.buffer[:size]), final=False)
            del self.buffer[:size]
        return len(data)

    def flush(self) -> None:
        """Nothing to do: chunks leave when full (zstd calls this)."""

    def finish(self) -> int:
        """Emit the final chunk; returns the number of chunks."""
        self._emit(bytes(self.buffer), final=True)
        self.buffer.clear()
        self.closed = True
        return self.index


class ChunkDecryptor:
    """A readable stream of the plaintext of an encrypted object read from ``source``."""

    def __init__(self, source: Readable, key: BackupKey) -> None:
        self.source = source
        header = self._read_exact(HEADER_SIZE)
        if len(header) != HEADER_SIZE:
            raise IntegrityError("too short to be a Warden backup object")
        magic, version, cipher, _, chunk_size, key_id, salt, prefix = _HEADER.unpack(header)
        if magic != MAGIC:
            raise IntegrityError("not a Warden backup object (bad magic)")
        if version != VERSION or cipher != CIPHER_AES_256_GCM:
            raise IntegrityError(f"unsupported object format {version}/{cipher}")
        if key_id.hex() != key.key_id:
            raise IntegrityError(
                f"encrypted with key id {key_id.hex()}, but the configured key has id "
                f"{key.key_id}: wrong key"
            )
        self.header = header
        self.prefix = prefix
        self.chunk_size = chunk_size
        self.aead = AESGCM(key.derive(b"warden-backup/v1 object", salt))
        self.index = 0
        self.pending = b""
        self.offset = 0
        self.done = False

    def _read_exact(self, n: int) -> bytes:
        parts, got = [], 0
        while got < n:
            chunk = self.source.read(n - got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def _next(self) -> bytes:
        raw_len = self._read_exact(_LEN.size)
        if len(raw_len) != _LEN.size:
            raise IntegrityError(f"truncated: no final chunk after {self.index} chunks")
        (length,) = _LEN.unpack(raw_len)
        if not TAG_SIZE <= length <= self.chunk_size + TAG_SIZE:
            raise IntegrityError(f"chunk {self.index} has an impossible length {length}")
        sealed = self._read_exact(length)
        if len(sealed) != length:
            raise IntegrityError(f"truncated inside chunk {self.index}")
        nonce = _nonce(self.prefix, self.index)
        for final in (False, True):
            try:
                plain = self.aead.decrypt(nonce, sealed, _aad(self.header, self.index, final))
            except InvalidTag:
                continue
            self.index += 1
            if final:
                self.done = True
                if self.source.read(1):
                    raise IntegrityError("unexpected data after the final chunk")
            return plain
        raise IntegrityError(
            f"chunk {self.index} failed authentication (the object was altered or the key is wrong)"
        )

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            parts = [self.pending[self.offset :]]
            self.pending, self.offset = b"", 0
            while not self.done:
                parts.append(self._next())
            return b"".join(parts)
        while self.offset >= len(self.pending) and not self.done:
            self.pending, self.offset = self._next(), 0
        if self.offset == 0 and size >= len(self.pending):
            out, self.pending = self.pending, b""
            return out
        out = self.pending[self.offset : self.offset + size]
        self.offset += len(out)
        return out

    def drain(self) -> None:
        """Read and authenticate everything left (so a partial read still checks the tail)."""
        self.pending, self.offset = b"", 0
        while not self.done:
            self._next()
