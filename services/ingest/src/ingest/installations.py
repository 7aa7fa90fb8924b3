"""The few facts about an installation a webhook needs, cached for a short while.

At hundreds of webhooks a second, reading and decrypting the installation every time
is wasted work; a status change or a new secret takes effect within the cache's TTL.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from common.crypto import SecretBox
from common.db.pool import Pool


@dataclass(frozen=True)
class WebhookTarget:
    installation_id: uuid.UUID
    secret: str
    active: bool


class InstallationCache:
    def __init__(self, pool: Pool, box: SecretBox, ttl: float) -> None:
        self._pool = pool
        self._box = box
        self._ttl = ttl
        self._entries: dict[uuid.UUID, tuple[float, WebhookTarget | None]] = {}

    async def get(self, installation_id: uuid.UUID) -> WebhookTarget | None:
        now = time.monotonic()
        cached = self._entries.get(installation_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT status, webhook_secret FROM installations WHERE id = $1", installation_id
            )
        target = (
            None
            if row is None
            else WebhookTarget(
                installation_id,
                self._box.decrypt(row["webhook_secret"]).get_secret_value(),
                row["status"] == "active",
            )
        )
        self._entries[installation_id] = (now + self._ttl, target)
        return target
