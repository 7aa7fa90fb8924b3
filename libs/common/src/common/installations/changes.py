"""Telling every process that an installation changed (credentials, configuration,
status), so the next order uses the new one.

Processes cache installations for a short while (the processor for
``installation_seconds``); a change is announced with ``pg_notify`` in the transaction
that makes it, so it is heard exactly when it is committed, and the caches drop that
installation. A notification missed while a listener reconnects is covered by the
cache's expiry.
"""

from __future__ import annotations

import hashlib
import uuid

import asyncpg

CHANNEL = "installation_changed"


async def lock_activation(conn: asyncpg.Connection, installation_id: uuid.UUID) -> None:
    """Serialise an installation's step from 'setup' to 'active' with the processor's
    decision to skip an order of an installation still in set-up (in a transaction).

    Either the processor decides first (skips; its order is already in ``shop_orders``,
    so the activation that follows sees it and sends it again) or the activation
    commits first (the processor then sees 'active' and records the order): no order
    that arrives during set-up is lost.
    """
    digest = hashlib.sha256(f"activation:{installation_id}".encode()).digest()
    await conn.execute(
        "SELECT pg_advisory_xact_lock($1)", int.from_bytes(digest[:8], "big", signed=True)
    )


async def announce_change(conn: asyncpg.Connection, installation_id: uuid.UUID) -> None:
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(installation_id))


def changed_installation(payload: str | None) -> uuid.UUID | None:
    """The installation a notification names; None (forget every one) when the payload
    is missing (a lost connection) or unreadable."""
    try:
        return uuid.UUID(payload) if payload else None
    except ValueError:
        return None
