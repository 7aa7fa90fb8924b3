"""Server-side sessions in PostgreSQL.

The cookie carries 32 random bytes; the table keeps only their sha256, so reading the
table opens no session. Logging in always makes a new id (no session fixation);
logging out deletes the row, so the old cookie is worthless even if kept. Each session
has its own CSRF token for forms and the JSON API.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

COOKIE = "k2i_session"


@dataclass(frozen=True)
class Session:
    account_id: uuid.UUID
    account_name: str
    account_email: str
    csrf_token: str


def _hash(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


async def start_session(
    conn: asyncpg.Connection, account_id: uuid.UUID, ttl: timedelta
) -> tuple[str, str]:
    """Return the new session's cookie value and CSRF token."""
    raw = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    await conn.execute(
        """INSERT INTO sessions (id_hash, account_id, csrf_token, expires_at)
           VALUES ($1, $2, $3, now() + $4::interval)""",
        _hash(raw),
        account_id,
        csrf,
        ttl,
    )
    if secrets.randbelow(100) == 0:
        await conn.execute("DELETE FROM sessions WHERE expires_at < now()")
    return raw, csrf


async def load_session(conn: asyncpg.Connection, raw: str) -> Session | None:
    row = await conn.fetchrow(
        """SELECT s.account_id, s.csrf_token, a.name, a.email
             FROM sessions s JOIN accounts a ON a.id = s.account_id
            WHERE s.id_hash = $1 AND s.expires_at > now()""",
        _hash(raw),
    )
    if row is None:
        return None
    return Session(row["account_id"], row["name"], row["email"], row["csrf_token"])


async def end_session(conn: asyncpg.Connection, raw: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE id_hash = $1", _hash(raw))
