"""Password hashing with argon2id (argon2-cffi's PasswordHasher: the RFC 9106
parameters, a random salt per hash, constant-time verification)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()

MIN_LENGTH = 10

# A fixed hash to verify against when the account does not exist, so a log-in for an
# unknown address costs as much time as one for a known address.
_DUMMY = _HASHER.hash("not a password of anyone")


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"Choose a password of at least {MIN_LENGTH} characters."
    return None


async def hash_password(password: str) -> str:
    """argon2 is deliberately slow (tens of ms): off the event loop."""
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    def _verify() -> bool:
        try:
            return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(_verify)
