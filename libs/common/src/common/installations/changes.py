"""Telling every process that an installation changed (credentials, configuration,
status), so the next order uses the new one.

Processes cache installations for a short while (the processor for
``installation_seconds``); a change is announced with ``pg_notify`` in the transaction
that makes it, so it is heard exactly when it is committed, and the caches drop that
installation. A notification missed while a listener reconnects is covered by the
cache's expiry.
"""

from __future__ import annotations

import uuid

import asyncpg

CHANNEL = "installation_changed"


async def announce_change(conn: asyncpg.Connection, installation_id: uuid.UUID) -> None:
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(installation_id))


def changed_installation(payload: str | None) -> uuid.UUID | None:
    """The installation a notification names; None (forget every one) when the payload
    is missing (a lost connection) or unreadable."""
    try:
        return uuid.UUID(payload) if payload else None
    except ValueError:
        return None
