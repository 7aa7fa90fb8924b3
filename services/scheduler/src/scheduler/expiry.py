"""Trials and subscriptions that end soon: the merchant is told by e-mail, once.

An installation is paid up until the later of its trial's and its subscription's end
(both empty: an operator's installation, never expires). A week before that moment
the merchant gets one e-mail; ``expiry_warned_for`` remembers the end date it was sent
for, so a renewal (a later end) arms a new warning and a second scheduler round, or a
second scheduler, sends nothing more. The e-mail is a ``SendEmail`` command written to
the outbox in the same transaction as that mark.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from common.db.outbox import enqueue
from common.messages import SendEmail

WARN_BEFORE = timedelta(days=7)

_DUE = """
SELECT i.id, i.name, i.shop_timezone, coalesce(i.notification_email, a.email) AS email,
       greatest(i.trial_ends_at, i.subscription_ends_at) AS ends_at,
       i.subscription_ends_at IS NOT NULL
         AND i.subscription_ends_at >= coalesce(i.trial_ends_at, i.subscription_ends_at)
         AS subscription
  FROM installations i
  LEFT JOIN accounts a ON a.id = i.account_id
 WHERE i.status <> 'disabled'
   AND greatest(i.trial_ends_at, i.subscription_ends_at) > $1
   AND greatest(i.trial_ends_at, i.subscription_ends_at) <= $1 + $2::interval
   AND i.expiry_warned_for IS DISTINCT FROM greatest(i.trial_ends_at, i.subscription_ends_at)
   AND coalesce(i.notification_email, a.email) IS NOT NULL
 ORDER BY i.id
   FOR UPDATE OF i SKIP LOCKED
"""


@dataclass(frozen=True)
class Expiring:
    installation_id: uuid.UUID
    name: str
    email: str
    ends_at: datetime
    zone: ZoneInfo
    subscription: bool


def warning_mail(expiring: Expiring, dashboard_url: str) -> SendEmail:
    what = "subscription" if expiring.subscription else "trial"
    day = expiring.ends_at.astimezone(expiring.zone).strftime("%d %B %Y")
    return SendEmail(
        installation_id=expiring.installation_id,
        to=[expiring.email],
        subject=f"Your kmo2informer {what} for {expiring.name!r} ends on {day}",
        text=f"""Hello,

The kmo2informer {what} of {expiring.name!r} ends on {day}.

After that day, new orders are no longer booked in Informer: they wait under Open on
your dashboard, nothing is lost, and they are booked as soon as the subscription is
renewed. Renew or check your subscription here:
{dashboard_url.rstrip("/")}/i/{expiring.installation_id}

-- kmo2informer
""",
    )


async def warn_expiring(
    conn: asyncpg.Connection, now: datetime, *, dashboard_url: str, before: timedelta = WARN_BEFORE
) -> int:
    """Queue one warning per installation whose paid period ends within ``before``;
    the caller's transaction commits the marks and the mails together."""
    rows = await conn.fetch(_DUE, now, before)
    mails = []
    for row in rows:
        expiring = Expiring(
            row["id"],
            row["name"],
            row["email"],
            row["ends_at"],
            ZoneInfo(row["shop_timezone"]),
            row["subscription"],
        )
        mails.append(warning_mail(expiring, dashboard_url))
        await conn.execute(
            "UPDATE installations SET expiry_warned_for = $2 WHERE id = $1",
            expiring.installation_id,
            expiring.ends_at,
        )
    await enqueue(conn, mails)
    return len(mails)
