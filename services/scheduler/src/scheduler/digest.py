"""The daily digest: each merchant gets one e-mail listing what needs their attention
since the previous day: orders that ended in Errors, orders flagged as Open too long,
and the completeness check's differences (the latest day checked during the window,
from ``reconciliations``: how many orders differ and their total per currency). Nothing
new, no e-mail.

It reads the dashboard's read side (``order_views``), the same rows the merchant sees
on the Errors and Open tabs, so the e-mail and the dashboard never disagree. The mails
are ``SendEmail`` commands written in the job's transaction (once per fire time, under
the scheduler's lock); the window is the day before the fire time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from common.db.outbox import enqueue
from common.messages import SendEmail

WINDOW = timedelta(days=1)
LISTED = 20

_RECIPIENTS = """
SELECT i.id, i.name, coalesce(i.notification_email, a.email) AS email
  FROM installations i
  LEFT JOIN accounts a ON a.id = i.account_id
 WHERE i.status = 'active' AND coalesce(i.notification_email, a.email) IS NOT NULL
 ORDER BY i.id
"""

_NEW = """
SELECT number, error_message, outcome, open_flagged_at IS NOT NULL AS long_open
  FROM order_views
 WHERE installation_id = $1
   AND ((outcome = 'failed' AND last_event_at >= $2 AND last_event_at < $3)
        OR (outcome = 'waiting' AND open_flagged_at >= $2 AND open_flagged_at < $3))
 ORDER BY order_created_at, order_id
"""

_COMPLETENESS = """
SELECT day, shop_count, invoiced_count, differences
  FROM reconciliations
 WHERE installation_id = $1 AND checked_at >= $2 AND checked_at < $3
   AND jsonb_array_length(differences) > 0
 ORDER BY day DESC
 LIMIT 1
"""


@dataclass(frozen=True)
class Completeness:
    """A checked day on which KMO Shops and the booked invoices differ."""

    day: date
    shop_count: int
    invoiced_count: int
    differences: list[dict[str, Any]]

    def totals(self) -> dict[str, Decimal]:
        """The differing orders' total per currency."""
        sums: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
        for difference in self.differences:
            sums[difference["currency"]] += Decimal(difference["total"])
        return dict(sorted(sums.items()))

    def text(self, base: str) -> str:
        amounts = ", ".join(f"{c} {t:,.2f}" for c, t in self.totals().items())
        lines = "\n".join(
            f"  #{d['number']} {d['currency']} {d['total']}: {d['problem']} ({d['state']})"
            for d in self.differences[:LISTED]
        )
        more = (
            f"\n  … and {len(self.differences) - LISTED} more"
            if len(self.differences) > LISTED
            else ""
        )
        return (
            f"Completeness of {self.day:%d %B %Y}: {len(self.differences)} order(s) differ "
            f"({amounts}); KMO Shops counts {self.shop_count} processable order(s), "
            f"{self.invoiced_count} were booked:\n{lines}{more}\n"
            f"See Report › Completeness: {base}/report/completeness"
        )


def digest_mail(
    installation_id: uuid.UUID,
    name: str,
    email: str,
    errors: list[tuple[str, str]],
    long_open: list[str],
    dashboard_url: str,
    completeness: Completeness | None = None,
) -> SendEmail:
    base = f"{dashboard_url.rstrip('/')}/i/{installation_id}"
    parts = []
    if errors:
        lines = "\n".join(f"  #{number}: {message}" for number, message in errors[:LISTED])
        more = f"\n  … and {len(errors) - LISTED} more" if len(errors) > LISTED else ""
        parts.append(
            f"{len(errors)} order(s) could not be booked and wait under Errors:\n"
            f"{lines}{more}\nFix the cause and press Process: {base}/errors"
        )
    if long_open:
        numbers = ", ".join(f"#{n}" for n in long_open[:LISTED])
        parts.append(
            f"{len(long_open)} order(s) have waited under Open for more than 30 days "
            f"({numbers}). Check their status in KMO Shops: {base}/open"
        )
    if completeness:
        parts.append(completeness.text(base))
    body = "\n\n".join(parts)
    if errors or long_open or completeness is None:
        subject = f"kmo2informer: {len(errors) + len(long_open)} order(s) of {name!r} need you"
    else:
        subject = f"kmo2informer: {name!r} differs from KMO Shops on {completeness.day:%d %B %Y}"
    return SendEmail(
        installation_id=installation_id,
        to=[email],
        subject=subject,
        text=f"Hello,\n\n{body}\n\n-- kmo2informer\n",
    )


async def send_digests(conn: asyncpg.Connection, fire: datetime, *, dashboard_url: str) -> int:
    mails = []
    for recipient in await conn.fetch(_RECIPIENTS):
        rows = await conn.fetch(_NEW, recipient["id"], fire - WINDOW, fire)
        errors = [(r["number"], r["error_message"] or "") for r in rows if r["outcome"] == "failed"]
        long_open = [r["number"] for r in rows if r["outcome"] == "waiting"]
        checked = await conn.fetchrow(_COMPLETENESS, recipient["id"], fire - WINDOW, fire)
        completeness = Completeness(**dict(checked)) if checked else None
        if errors or long_open or completeness:
            mails.append(
                digest_mail(
                    recipient["id"],
                    recipient["name"],
                    recipient["email"],
                    errors,
                    long_open,
                    dashboard_url,
                    completeness,
                )
            )
    await enqueue(conn, mails)
    return len(mails)
