"""The asyncpg pool: JSON columns decoded with orjson, one place to open it.

asyncpg resets a connection on every release with a server round trip (UNLISTEN *,
RESET ALL, advisory unlock, CLOSE ALL). At a few short statements per order that trip
is a third of all database traffic, and nothing here leaves session state behind:
listeners and advisory locks are always undone in ``finally`` by their owner, and no
code uses SET or cursors outside a transaction. So releases skip it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson

from common.settings import CommonSettings

Pool = asyncpg.Pool


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename,
            schema="pg_catalog",
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            format="text",
        )


async def _keep_session(_: asyncpg.Connection) -> None:
    """Release without the reset round trip (see the module docstring)."""


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10, **kwargs: Any) -> Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_keep_session,
        **kwargs,
    )
    assert pool is not None
    return pool


def application_name(service: str) -> str:
    """How a service's connections name themselves to PostgreSQL (pg_stat_activity,
    and the producer of outbox rows: ``common.db.outbox``)."""
    return f"{SERVICE_PREFIX}{service}"


SERVICE_PREFIX = "k2i-"


@asynccontextmanager
async def open_pool(settings: CommonSettings, service: str) -> AsyncIterator[Pool]:
    pool = await create_pool(
        settings.database_url.get_secret_value(),
        min_size=settings.db_pool_min_size,
        max_size=settings.db_pool_max_size,
        server_settings={"application_name": application_name(service)},
    )
    try:
        yield pool
    finally:
        await pool.close()
