"""Tenant isolation: every installation, order and ticket is reached through the
logged-in account. Anything that is not the account's answers 404, exactly like
something that does not exist, so ids of other merchants cannot even be probed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from aiohttp import web

from dashboard.keys import POOL, session_of

_COLUMNS = """id, name, status, shop_country, shop_timezone, license_key, trial_ends_at,
    subscription_ends_at, notification_email, stopped_at, created_at"""


@dataclass(frozen=True)
class OwnedInstallation:
    id: uuid.UUID
    name: str
    status: str
    shop_country: str
    shop_timezone: str
    license_key: str | None
    trial_ends_at: datetime | None
    subscription_ends_at: datetime | None
    notification_email: str | None
    stopped_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> OwnedInstallation:
        return cls(**dict(row))

    def to_json(self) -> dict[str, object]:
        return {
            "id": str(self.id),
            "name": self.name,
            "status": self.status,
            "shop_country": self.shop_country,
            "license_key": self.license_key,
            "trial_ends_at": _iso(self.trial_ends_at),
            "subscription_ends_at": _iso(self.subscription_ends_at),
            "notification_email": self.notification_email,
            "stopped_at": _iso(self.stopped_at),
            "created_at": _iso(self.created_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise web.HTTPNotFound(text="No such installation.") from None


def parse_order_id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise web.HTTPNotFound(text="No such order.")
    return int(value)


async def account_installations(
    conn: asyncpg.Connection, account_id: uuid.UUID
) -> list[OwnedInstallation]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM installations WHERE account_id = $1 ORDER BY created_at, id",
        account_id,
    )
    return [OwnedInstallation.from_row(r) for r in rows]


async def owned_installation(
    conn: asyncpg.Connection,
    account_id: uuid.UUID,
    installation_id: uuid.UUID,
    *,
    lock: bool = False,
) -> OwnedInstallation:
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM installations WHERE id = $1 AND account_id = $2
            {"FOR UPDATE" if lock else ""}""",
        installation_id,
        account_id,
    )
    if row is None:
        raise web.HTTPNotFound(text="No such installation.")
    return OwnedInstallation.from_row(row)


async def requested_installation(request: web.Request) -> OwnedInstallation:
    """The installation named by the route's ``installation_id``, if it is the
    logged-in account's; else 404."""
    installation_id = parse_uuid(request.match_info["installation_id"])
    async with request.app[POOL].acquire() as conn:
        return await owned_installation(conn, session_of(request).account_id, installation_id)
