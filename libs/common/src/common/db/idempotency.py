"""Idempotent consumers: remember which message ids a consumer has handled."""

from __future__ import annotations

import uuid

import asyncpg


async def first_delivery(conn: asyncpg.Connection, consumer: str, message_id: uuid.UUID) -> bool:
    """Record the message as handled by ``consumer``; False when it already was.

    Call it inside the handler's transaction, so the record commits with the work.
    """
    inserted = await conn.fetchval(
        """INSERT INTO processed_messages (consumer, message_id) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING true""",
        consumer,
        message_id,
    )
    return bool(inserted)
