"""Orders held because the installation's paid period ended.

Past the later of its trial's and its subscription's end, the processor's claim
(``claim_batch``) skips every queued order of the installation and does nothing else
for it: no per-order work, no event. The orders stay ``queued`` in the processor's
``order_states`` and never reach the projection ``order_views``, so the Open view reads
them from there (one index range scan on ``order_states_installation_queue``), in the
order they will be booked once the installation is renewed. Nothing is lost: renewing
moves the end date into the future and the workers claim them as before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from common.messages import OrderSummary, ShopOrder
from dashboard.orders.queries import Page, encode_cursor
from dashboard.tenancy import OwnedInstallation


@dataclass(frozen=True)
class Expiry:
    """The end of an installation's paid period, once it is past."""

    ended_at: datetime
    subscription: bool

    def reason(self, timezone: str) -> str:
        what = "subscription" if self.subscription else "trial"
        day = self.ended_at.astimezone(ZoneInfo(timezone)).strftime("%d %B %Y")
        return f"Your {what} ended on {day}; renew to book these orders."


def expiry_of(installation: OwnedInstallation, now: datetime) -> Expiry | None:
    """The same rule as the processor's claim: paid up until the later of the two ends
    (neither set: an operator's installation, which never expires)."""
    ends = [d for d in (installation.trial_ends_at, installation.subscription_ends_at) if d]
    if not ends or max(ends) > now:
        return None
    subscription = installation.subscription_ends_at is not None and (
        installation.trial_ends_at is None
        or installation.subscription_ends_at >= installation.trial_ends_at
    )
    return Expiry(max(ends), subscription)


def held_json(expiry: Expiry | None, timezone: str) -> dict[str, str] | None:
    if expiry is None:
        return None
    return {
        "ended_at": expiry.ended_at.isoformat(),
        "what": "subscription" if expiry.subscription else "trial",
        "reason": expiry.reason(timezone),
    }


async def list_held(
    conn: asyncpg.Connection,
    installation_id: uuid.UUID,
    *,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> Page:
    """The installation's queued orders, first to be booked first, shaped like the
    rows of ``order_views`` (``outcome`` ``queued``)."""
    args: list[Any] = [installation_id, limit + 1]
    keyset = ""
    if after:
        args += list(after)
        keyset = "AND (priority_at, order_id) > ($3, $4)"
    rows = await conn.fetch(
        f"""SELECT order_id, priority_at, payload FROM order_states
             WHERE installation_id = $1 AND state = 'queued' {keyset}
             ORDER BY priority_at, order_id LIMIT $2""",
        *args,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["priority_at"], rows[-1]["order_id"])
    return Page([_row(r) for r in rows], next_cursor)


def _row(row: asyncpg.Record) -> dict[str, Any]:
    summary = OrderSummary.of(ShopOrder.model_validate(row["payload"]))
    return {
        "order_id": summary.order_id,
        "number": summary.number,
        "outcome": "queued",
        "shop_status": summary.status,
        "order_created_at": summary.created_at,
        "total": summary.total,
        "currency": summary.currency,
        "customer_name": summary.customer_name,
        "customer_email": summary.customer_email,
    }
