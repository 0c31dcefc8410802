"""Field encryption (AES-GCM) and blind indexes (HMAC-SHA256) for citizen ID numbers.

A citizen ID is never stored in clear: the ciphertext lets entitled users see it, the
blind index lets the platform find a subject by exact ID without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xinyong.errors import KeysChanged

NONCE_BYTES = 12
KEY_VERSION = b"\x01"
# What a key's check value is the keyed hash of: a fixed label naming the key (decision
# 0004, session 19 addendum).
_KEY_CHECK_LABEL = b"xinyong key check value\x00"


class FieldCipher:
    def __init__(self, encryption_key: bytes, blind_index_key: bytes) -> None:
        if len(encryption_key) != 32 or len(blind_index_key) < 32:
            raise ValueError("encryption and blind-index keys must be 32 bytes")
        self._aead = AESGCM(encryption_key)
        self._index_key = blind_index_key
        self.key_checks = {
            name: check_value(key, name)
            for name, key in (
                ("encryption_key", encryption_key),
                ("blind_index_key", blind_index_key),
            )
        }
        # Both data keys' check values in one string, as the audit chain's head keeps those
        # of record (``audit.service``): compared on every audited write.
        self.data_key_checks = key_checks_text(self.key_checks)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        return self.encrypt_bytes(plaintext.encode(), context=context)

    def decrypt(self, token: str, *, context: str) -> str:
        return self.decrypt_bytes(token, context=context).decode()

    def encrypt_bytes(self, plaintext: bytes, *, context: str) -> str:
        """``encrypt`` for text already encoded (a credit report's canonical JSON): the
        same token, without decoding hundreds of KB only to encode them again."""
        # The context (e.g. "subject.citizen_id") is authenticated data, so a ciphertext
        # copied into another column fails to decrypt instead of leaking.
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, context.encode())
        return base64.urlsafe_b64encode(KEY_VERSION + nonce + sealed).decode()

    def decrypt_bytes(self, token: str, *, context: str) -> bytes:
        raw = base64.urlsafe_b64decode(token)
        nonce, sealed = raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, context.encode())

    def blind_index(self, normalised: str, *, context: str) -> str:
        digest = hmac.new(self._index_key, f"{context}\x00{normalised}".encode(), hashlib.sha256)
        return digest.hexdigest()

    def blind_indexer(self, *, context: str) -> Callable[[str], str]:
        """``blind_index`` for many values in one context: the keyed hash state is made
        once and copied per value, which gives the same digests at a fraction of the cost."""
        keyed = hmac.new(self._index_key, f"{context}\x00".encode(), hashlib.sha256)

        def index(normalised: str) -> str:
            digest = keyed.copy()
            digest.update(normalised.encode())
            return digest.hexdigest()

        return index


def check_value(key: bytes, name: str) -> str:
    """A key's check value: HMAC-SHA256 under the key of a fixed label naming it, 128 bits in
    hex. It tells one key from another and nothing of the key: a keyed hash cannot be worked
    back to its key, and the label is no value the platform ever encrypts or indexes (a
    blind index's message starts with its context, never with this label)."""
    return hmac.new(key, _KEY_CHECK_LABEL + name.encode(), hashlib.sha256).hexdigest()[:32]


def key_checks_text(checks: dict[str, str]) -> str:
    """The check values of the two keys data is stored under, as one string."""
    return f"{checks['encryption_key']}:{checks['blind_index_key']}"


_default: FieldCipher | None = None
# The check values of the database's keys of record, as the last transaction to begin read
# them (``expect_keys_of_record``); None before any.
_of_record: str | None = None


def expect_keys_of_record(checks: str | None) -> None:
    """The keys of record a transaction read as it began (``audit.read_under_keys_of_record``):
    a cipher built from now on must be under them."""
    global _of_record
    _of_record = checks


def default_cipher() -> FieldCipher:
    """The cipher built from the configured keys, created on first use — under the
    database's keys of record as the last transaction read them, or refused
    (``errors.KeysChanged``): the keys are read from the files once more first, since
    settings read before a rotation committed hold the keys it retired."""
    global _default
    if _default is None:
        _default = _under_keys_of_record()
    return _default


def _under_keys_of_record() -> FieldCipher:
    from xinyong.config import get_settings, reset_settings

    for _ in range(2):
        settings = get_settings()
        cipher = FieldCipher(settings.secret("encryption_key"), settings.secret("blind_index_key"))
        if _of_record is None or cipher.data_key_checks == _of_record:
            return cipher
        reset_settings()
    raise KeysChanged(
        "the platform's keys were changed (`xinyong keys rotate`) and the keys this process "
        "reads are not yet the new ones: send the request again in a few seconds (if this "
        "persists, the platform runs with keys other than the database's: restart it with "
        "the secrets.json made with the database)"
    )


def built_default_cipher() -> FieldCipher | None:
    """The cipher ``default_cipher`` built in this process, if it built one yet (a process
    that has not encrypted nor indexed anything under its keys)."""
    return _default


def reset_default_cipher() -> None:
    """The cipher forgotten, and the keys of record last read with it: the next one is
    built from the files, and compared from the next transaction's beginning on."""
    global _default, _of_record
    _default = None
    _of_record = None
