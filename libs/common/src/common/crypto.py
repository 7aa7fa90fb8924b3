"""Encryption at rest of credentials and webhook secrets.

A :class:`cryptography.fernet.MultiFernet` over the keys in ``SECRET_KEYS``: the first
key encrypts, every key decrypts, and :meth:`SecretBox.rotate` re-encrypts a token
under the first key. That is the whole key-rotation procedure.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr


class SecretKeyError(ValueError):
    """SECRET_KEYS is missing or malformed; the message says which."""


class SecretBox:
    def __init__(self, keys: SecretStr) -> None:
        raw = [k.strip() for k in keys.get_secret_value().split(",") if k.strip()]
        if not raw:
            raise SecretKeyError(
                "SECRET_KEYS is empty: set it to one or more comma-separated Fernet keys "
                "(generate one with `kmo2informer keys generate`)"
            )
        fernets = []
        for position, key in enumerate(raw, start=1):
            try:
                fernets.append(Fernet(key.encode()))
            except ValueError as exc:
                raise SecretKeyError(
                    f"SECRET_KEYS entry {position} is not a valid Fernet key "
                    "(32 url-safe base64-encoded bytes)"
                ) from exc
        self._fernet = MultiFernet(fernets)

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, token: bytes) -> SecretStr:
        try:
            return SecretStr(self._fernet.decrypt(bytes(token)).decode())
        except InvalidToken as exc:
            raise SecretKeyError(
                "a stored secret cannot be decrypted with any key in SECRET_KEYS "
                "(was a key removed before rotation?)"
            ) from exc

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(bytes(token))

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()
