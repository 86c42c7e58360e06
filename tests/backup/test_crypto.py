"""The chunk format: round trips at every size, and every kind of tampering detected."""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

import pytest

from warden.backup.crypto import (
    HEADER_SIZE,
    BackupKey,
    ChunkDecryptor,
    ChunkEncryptor,
    KeyConfigError,
    generate_key,
    load_key,
    parse_key,
)
from warden.errors import IntegrityError

CHUNK = 1024


def seal(data: bytes, key: BackupKey, chunk: int = CHUNK, pieces: int = 7) -> bytes:
    out = bytearray()
    enc = ChunkEncryptor(key, out.extend, chunk)
    step = max(1, len(data) // pieces)
    for i in range(0, len(data), step):
        enc.write(data[i : i + step])
    enc.finish()
    return bytes(out)


def unseal(blob: bytes, key: BackupKey, read: int = 333) -> bytes:
    dec = ChunkDecryptor(io.BytesIO(blob), key)
    out = bytearray()
    while part := dec.read(read):
        out += part
    return bytes(out)


def chunks(blob: bytes) -> list[bytes]:
    """The framed chunks (length prefix included) after the header."""
    out, pos = [], HEADER_SIZE
    while pos < len(blob):
        (n,) = struct.unpack("!I", blob[pos : pos + 4])
        out.append(blob[pos : pos + 4 + n])
        pos += 4 + n
    return out


@pytest.fixture
def key() -> BackupKey:
    return parse_key(generate_key(), "test")


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 10 * CHUNK + 17])
def test_round_trip(key: BackupKey, size: int) -> None:
    data = os.urandom(size)
    blob = seal(data, key)
    assert unseal(blob, key) == data
    assert unseal(blob, key, read=-1) == data
    assert len(chunks(blob)) == size // CHUNK + 1 if size % CHUNK else max(1, size // CHUNK)


def test_same_plaintext_encrypts_differently(key: BackupKey) -> None:
    assert seal(b"x" * 5000, key) != seal(b"x" * 5000, key)


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda b, c: b[:-1], "truncated inside chunk"),
        (lambda b, c: b[: HEADER_SIZE + sum(map(len, c[:2]))], "truncated: no final chunk"),
        (lambda b, c: b[:HEADER_SIZE] + c[1] + c[0] + b"".join(c[2:]), "failed authentication"),
        (lambda b, c: b[:HEADER_SIZE] + c[0] + b"".join(c[2:]), "failed authentication"),
        (lambda b, c: b + b"x", "after the final chunk"),
        (lambda b, c: b[:100] + bytes([b[100] ^ 1]) + b[101:], "failed authentication"),
        (lambda b, c: b"XXXXXXXX" + b[8:], "bad magic"),
        (lambda b, c: b[:30] + bytes([b[30] ^ 0x80]) + b[31:], "failed authentication"),
    ],
    ids=["cut-mid-chunk", "cut-at-chunk", "swapped", "dropped", "appended", "flipped", "magic",
         "salt"],
)  # fmt: skip
def test_tampering_is_detected(key: BackupKey, tamper: object, message: str) -> None:
    blob = seal(os.urandom(4 * CHUNK + 5), key)
    bad = tamper(blob, chunks(blob))  # type: ignore[operator]
    with pytest.raises(IntegrityError, match=message):
        unseal(bad, key)


def test_wrong_key_is_named(key: BackupKey) -> None:
    blob = seal(b"secret data", key)
    other = parse_key(generate_key(), "other")
    with pytest.raises(IntegrityError, match=f"key id {key.key_id}.*{other.key_id}: wrong key"):
        unseal(blob, other)


def test_splicing_chunks_from_another_object_fails(key: BackupKey) -> None:
    a, b = seal(os.urandom(3 * CHUNK), key), seal(os.urandom(3 * CHUNK), key)
    spliced = a[:HEADER_SIZE] + chunks(a)[0] + chunks(b)[1] + chunks(a)[2]
    with pytest.raises(IntegrityError, match="chunk 1 failed authentication"):
        unseal(spliced, key)


def test_key_text_forms_and_errors(tmp_path: Path) -> None:
    raw = os.urandom(32)
    import base64

    ids = {
        parse_key(base64.b64encode(raw).decode(), "a").key_id,
        parse_key(base64.urlsafe_b64encode(raw).decode(), "b").key_id,
        parse_key(raw.hex(), "c").key_id,
    }
    assert len(ids) == 1
    with pytest.raises(KeyConfigError, match="environment variable K does not hold") as info:
        parse_key("not-a-key", "environment variable K")
    assert "not-a-key" not in str(info.value)
    with pytest.raises(KeyConfigError, match=r"MISSING \(key_env\) is not set"):
        load_key("MISSING", None, {})
    with pytest.raises(KeyConfigError, match="cannot read key_file"):
        load_key(None, tmp_path / "nope", {})
    keyfile = tmp_path / "key"
    keyfile.write_text(raw.hex() + "\n")
    assert load_key(None, keyfile).key_id == ids.pop()


def test_key_is_never_in_repr(key: BackupKey) -> None:
    assert key.secret.hex() not in repr(key)
    assert len(key.key_id) == 16
