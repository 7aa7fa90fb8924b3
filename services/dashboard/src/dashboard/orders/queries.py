"""The views' reads, all from the projection ``order_views`` and always for one
installation (tenancy checked by the caller).

Lists page by keyset on ``(order_created_at, order_id)`` descending, which is the
``order_views_list`` index after ``(installation_id, outcome)``: each page is one index
range scan, however deep, and a period filter narrows the same range. The SQL text is
built from the filters present, never with ``$n IS NULL OR ...``, so every variant
gets a plan that uses the index.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import asyncpg

View = Literal["processed", "failed", "waiting", "queued"]

COLUMNS = """order_id, number, outcome, shop_status, order_created_at, total, currency,
    customer_name, customer_email, invoice_id, invoice_number, invoice_url, invoice_date,
    error_code, error_message, error_detail, last_event_at"""

MAX_LIMIT = 200


class BadFilter(ValueError):
    """A filter the merchant typed that cannot be read; the message says which."""


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    number: str | None = None
    after: tuple[datetime, int] | None = None
    limit: int = 50

    def query(self, **changes: Any) -> dict[str, str]:
        """These filters as query parameters (for links to the next page)."""
        values = {
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
            "q": self.number,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v}


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    filters: Filters = field(default_factory=Filters)


def encode_cursor(created_at: datetime, order_id: int) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{order_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, order_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        created = datetime.fromisoformat(stamp)
        if created.tzinfo is None:
            raise ValueError
        return created, int(order_id)
    except (ValueError, UnicodeDecodeError):
        raise BadFilter("after: not a cursor this service handed out") from None


def _date(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{name}: {value!r} is not a date such as 2026-01-31") from None


def parse_filters(query: dict[str, str]) -> Filters:
    """Read ``from``, ``to`` (dates, inclusive), ``q`` (order number), ``after``
    (cursor) and ``limit`` from a query string."""
    since = _date("from", query.get("from"))
    until = _date("to", query.get("to"))
    if since and until and until < since:
        raise BadFilter("to: the end of the period is before its start")
    limit_text = query.get("limit") or "50"
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise BadFilter(f"limit: a whole number from 1 to {MAX_LIMIT}")
    after = decode_cursor(query["after"]) if query.get("after") else None
    number = (query.get("q") or "").strip() or None
    return Filters(since, until, number, after, int(limit_text))


async def list_orders(
    conn: asyncpg.Connection,
    installation_id: uuid.UUID,
    view: View,
    filters: Filters,
    timezone: str,
) -> Page:
    zone = ZoneInfo(timezone)
    where = ["installation_id = $1", "outcome = $2"]
    args: list[Any] = [installation_id, view]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if filters.number:
        where.append(f"number = {arg(filters.number)}")
    if filters.since:
        where.append(f"order_created_at >= {arg(datetime.combine(filters.since, time(), zone))}")
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), zone)
        where.append(f"order_created_at < {arg(end)}")
    if filters.after:
        created, order_id = filters.after
        where.append(f"(order_created_at, order_id) < ({arg(created)}, {arg(order_id)})")
    sql = f"""SELECT {COLUMNS} FROM order_views WHERE {" AND ".join(where)}
              ORDER BY order_created_at DESC, order_id DESC LIMIT {arg(filters.limit + 1)}"""
    rows = [dict(r) for r in await conn.fetch(sql, *args)]
    next_cursor = None
    if len(rows) > filters.limit:
        rows = rows[: filters.limit]
        last = rows[-1]
        next_cursor = encode_cursor(last["order_created_at"], last["order_id"])
    return Page(rows, next_cursor, filters)


async def get_order(
    conn: asyncpg.Connection, installation_id: uuid.UUID, order_id: int
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM order_views WHERE installation_id = $1 AND order_id = $2",
        installation_id,
        order_id,
    )
    return dict(row) if row else None


async def counts(conn: asyncpg.Connection, installation_id: uuid.UUID) -> dict[str, int]:
    """How many orders need the merchant (menu badges), counted up to 1,000 each so a
    huge backlog costs no more than a page."""
    rows = await conn.fetch(
        """SELECT o.outcome,
                  (SELECT count(*) FROM (SELECT 1 FROM order_views v
                    WHERE v.installation_id = $1 AND v.outcome = o.outcome LIMIT 1000) x) AS n
             FROM unnest(ARRAY['failed', 'waiting', 'queued']) AS o (outcome)""",
        installation_id,
    )
    return {r["outcome"]: r["n"] for r in rows}
