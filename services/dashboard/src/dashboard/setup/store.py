"""The wizard's state in PostgreSQL: credentials (encrypted), when each connection was
verified, the configuration, the e-mail index's progress, and the step to 'active'.

Every write that changes what the processor uses announces the change in its own
transaction (common.installations.changes), so the next order sees it. An installation
becomes 'active' in the same transaction as the last of its three steps, and only then:
each step's timestamp says it was verified live or saved after validation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from pydantic import SecretStr

from common.crypto import SecretBox
from common.db.outbox import enqueue
from common.installations.changes import announce_change, lock_activation
from common.installations.models import InstallationConfig
from common.installations.repository import budget_key
from common.kmoshops import Shop
from common.messages import (
    ProcessOrder,
    RefreshRelationIndex,
    ShopOrder,
    order_correlation_id,
)
from dashboard.formatting import mask as masked


def mask(secret: SecretStr | None) -> str:
    """Enough to recognise a stored secret, never enough to use it."""
    return masked(secret.get_secret_value() if secret is not None else None)


@dataclass(frozen=True)
class IndexProgress:
    requested_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    relations: int
    pages: int
    total_pages: int | None
    indexed: int
    error: str | None

    @property
    def state(self) -> str:
        """'waiting' (asked, the processor has not started), 'running', 'failed',
        'done', or 'none' (never asked)."""
        started = self.started_at
        if self.requested_at and (started is None or started < self.requested_at):
            return "waiting"
        if started is None:
            return "none"
        if self.error and (self.finished_at is None or self.finished_at < started):
            return "failed"
        if self.finished_at is None or self.finished_at < started:
            return "running"
        return "done"

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state,
            "relations_read": self.relations,
            "pages_read": self.pages,
            "pages_total": self.total_pages,
            "emails_indexed": self.indexed,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error": self.error if self.state == "failed" else None,
        }


@dataclass(frozen=True)
class Setup:
    installation_id: uuid.UUID
    status: str
    shop_country: str
    shop_timezone: str
    shop_currency: str | None
    kmo_base_url: str | None
    kmo_token: SecretStr | None
    informer_api_key: SecretStr | None
    informer_security_code: SecretStr | None
    config: InstallationConfig | None
    kmo_verified_at: datetime | None
    informer_verified_at: datetime | None
    config_saved_at: datetime | None
    index: IndexProgress

    @property
    def budget_key(self) -> str | None:
        return budget_key(self.informer_api_key) if self.informer_api_key else None

    def steps(self) -> dict[str, bool]:
        return {
            "kmoshops": self.kmo_verified_at is not None,
            "informer": self.informer_verified_at is not None,
            "configuration": self.config_saved_at is not None,
        }

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "steps": self.steps(),
            "kmoshops": {
                "base_url": self.kmo_base_url,
                "api_token": mask(self.kmo_token),
                "verified_at": self.kmo_verified_at,
            },
            "shop": {
                "country": self.shop_country,
                "timezone": self.shop_timezone,
                "currency": self.shop_currency,
            },
            "informer": {
                "api_key": mask(self.informer_api_key),
                "security_code": mask(self.informer_security_code),
                "verified_at": self.informer_verified_at,
            },
            "configuration_saved_at": self.config_saved_at,
            "relation_index": self.index.to_json(),
        }


_SELECT = """
SELECT i.id, i.status, i.shop_country, i.shop_timezone, i.shop_currency, i.kmo_base_url,
       i.kmo_token, i.informer_api_key, i.informer_security_code, i.config,
       i.kmo_verified_at, i.informer_verified_at, i.config_saved_at,
       s.build_requested_at, s.build_started_at, s.build_finished_at,
       coalesce(s.build_relations, 0) AS build_relations,
       coalesce(s.build_pages, 0) AS build_pages, s.build_total_pages, s.build_error,
       (SELECT count(*) FROM relation_index r WHERE r.installation_id = i.id) AS indexed
  FROM installations i
  LEFT JOIN relation_index_state s ON s.installation_id = i.id
 WHERE i.id = $1
"""


async def load(conn: asyncpg.Connection, box: SecretBox, installation_id: uuid.UUID) -> Setup:
    """The installation's setup; the caller has checked that the account owns it."""
    row = await conn.fetchrow(_SELECT, installation_id)
    if row is None:
        raise LookupError(str(installation_id))

    def secret(column: str) -> SecretStr | None:
        return None if row[column] is None else box.decrypt(row[column])

    return Setup(
        installation_id=row["id"],
        status=row["status"],
        shop_country=row["shop_country"],
        shop_timezone=row["shop_timezone"],
        shop_currency=row["shop_currency"],
        kmo_base_url=row["kmo_base_url"],
        kmo_token=secret("kmo_token"),
        informer_api_key=secret("informer_api_key"),
        informer_security_code=secret("informer_security_code"),
        config=None if row["config"] is None else InstallationConfig.model_validate(row["config"]),
        kmo_verified_at=row["kmo_verified_at"],
        informer_verified_at=row["informer_verified_at"],
        config_saved_at=row["config_saved_at"],
        index=IndexProgress(
            requested_at=row["build_requested_at"],
            started_at=row["build_started_at"],
            finished_at=row["build_finished_at"],
            relations=row["build_relations"],
            pages=row["build_pages"],
            total_pages=row["build_total_pages"],
            indexed=row["indexed"],
            error=row["build_error"],
        ),
    )


async def save_shop(
    conn: asyncpg.Connection,
    box: SecretBox,
    installation_id: uuid.UUID,
    base_url: str,
    token: SecretStr,
    shop: Shop,
    *,
    country: str,
    timezone: str,
) -> bool:
    """Store verified KMO Shops credentials (step 1). Returns whether the installation
    became active."""
    async with conn.transaction():
        await conn.execute(
            """UPDATE installations
                  SET kmo_base_url = $2, kmo_token = $3, kmo_verified_at = now(),
                      shop_country = $4, shop_timezone = $5, shop_currency = $6,
                      updated_at = now()
                WHERE id = $1""",
            installation_id,
            base_url,
            box.encrypt(token.get_secret_value()),
            country,
            timezone,
            shop.currency.upper()[:3] or None,
        )
        return await _after_change(conn, installation_id)


async def save_informer(
    conn: asyncpg.Connection,
    box: SecretBox,
    installation_id: uuid.UUID,
    api_key: SecretStr,
    security_code: SecretStr,
) -> bool:
    """Store verified Informer credentials (step 2) and have the e-mail index built.

    Another administration than before (another API key) makes the index and the
    configuration (its ids are the old administration's) start over: the index is
    emptied and rebuilt, and the configuration must be saved again, so processing
    pauses until it is. The same key only re-verifies. Returns whether the
    installation became active.
    """
    new_key = budget_key(api_key)
    async with conn.transaction():
        old_key = await conn.fetchval(
            "SELECT budget_key FROM installations WHERE id = $1 FOR UPDATE", installation_id
        )
        changed = old_key != new_key
        await conn.execute(
            """UPDATE installations
                  SET informer_api_key = $2, informer_security_code = $3, budget_key = $4,
                      informer_verified_at = now(), updated_at = now()
                WHERE id = $1""",
            installation_id,
            box.encrypt(api_key.get_secret_value()),
            box.encrypt(security_code.get_secret_value()),
            new_key,
        )
        if changed and old_key is not None:
            await _start_over(conn, installation_id)
        built = await conn.fetchval(
            "SELECT built_at FROM relation_index_state WHERE installation_id = $1",
            installation_id,
        )
        if changed or built is None:
            await request_index(conn, installation_id)
        return await _after_change(conn, installation_id)


async def _start_over(conn: asyncpg.Connection, installation_id: uuid.UUID) -> None:
    for table in ("relation_index", "relation_creations", "relation_index_state"):
        await conn.execute(f"DELETE FROM {table} WHERE installation_id = $1", installation_id)
    await conn.execute(
        """UPDATE installations
              SET config_saved_at = NULL,
                  status = CASE WHEN status = 'active' THEN 'setup' ELSE status END
            WHERE id = $1""",
        installation_id,
    )


async def request_index(conn: asyncpg.Connection, installation_id: uuid.UUID) -> None:
    """Have the processor (re)build the e-mail index, through the outbox."""
    await conn.execute(
        """INSERT INTO relation_index_state (installation_id, build_requested_at)
           VALUES ($1, clock_timestamp())
           ON CONFLICT (installation_id) DO UPDATE SET build_requested_at = clock_timestamp()""",
        installation_id,
    )
    await enqueue(conn, [RefreshRelationIndex(installation_id=installation_id, full=True)])


async def save_config(
    conn: asyncpg.Connection,
    installation_id: uuid.UUID,
    config: InstallationConfig,
    *,
    country: str,
    timezone: str,
) -> bool:
    """Store a configuration that passed validation (step 3). Returns whether the
    installation became active."""
    async with conn.transaction():
        await conn.execute(
            """UPDATE installations
                  SET config = $2, shop_country = $3, shop_timezone = $4,
                      config_saved_at = now(), updated_at = now()
                WHERE id = $1""",
            installation_id,
            config.model_dump(mode="json"),
            country,
            timezone,
        )
        return await _after_change(conn, installation_id)


async def _after_change(conn: asyncpg.Connection, installation_id: uuid.UUID) -> bool:
    """Start processing when all three steps are done, with the orders that arrived
    during set-up; tell the processor either way."""
    await lock_activation(conn, installation_id)
    activated = await conn.fetchval(
        """UPDATE installations SET status = 'active', updated_at = now()
            WHERE id = $1 AND status = 'setup' AND kmo_verified_at IS NOT NULL
              AND informer_verified_at IS NOT NULL AND config_saved_at IS NOT NULL
        RETURNING true""",
        installation_id,
    )
    if activated:
        await _release_orders_from_setup(conn, installation_id)
    await announce_change(conn, installation_id)
    return bool(activated)


async def _release_orders_from_setup(conn: asyncpg.Connection, installation_id: uuid.UUID) -> None:
    """Every order the shop sent while the installation was in set-up (the processor
    skipped them) goes to the processor now, at its newest version."""
    rows = await conn.fetch(
        """SELECT s.payload, s.source FROM shop_orders s
            WHERE s.installation_id = $1
              AND NOT EXISTS (SELECT 1 FROM order_states o
                               WHERE o.installation_id = s.installation_id
                                 AND o.order_id = s.order_id)
            ORDER BY s.created_at, s.order_id""",
        installation_id,
    )
    messages = []
    for row in rows:
        order = ShopOrder.model_validate(row["payload"])
        messages.append(
            ProcessOrder(
                installation_id=installation_id,
                correlation_id=order_correlation_id(installation_id, order.id),
                source=row["source"],
                order=order,
            )
        )
    await enqueue(conn, messages)
