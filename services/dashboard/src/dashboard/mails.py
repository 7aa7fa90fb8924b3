"""The e-mails the dashboard sends, as SendEmail commands (for the outbox). Never a
password and never a secret: the merchant logs in to see what is theirs."""

from __future__ import annotations

import uuid
from typing import Any

from common.messages import SendEmail


def welcome(
    *,
    installation_id: uuid.UUID,
    to: str,
    name: str,
    installation_name: str,
    dashboard_url: str,
    license_key: str,
    trial_days: int,
    trial_ends: str,
) -> SendEmail:
    base = dashboard_url.rstrip("/")
    return SendEmail(
        installation_id=installation_id,
        to=[to],
        subject=f"Your kmo2informer installation {installation_name!r} is ready to set up",
        text=f"""Hello {name},

Your {trial_days}-day trial of kmo2informer has started (until {trial_ends}).

Finish the installation here (connect KMO Shops and Informer):
{base}/i/{installation_id}/setup

Log in at {base}/login with your e-mail address ({to}) and the password you chose.
We never send passwords by e-mail.

License key: {license_key}

-- kmo2informer
""",
    )


def installation_added(
    *,
    installation_id: uuid.UUID,
    to: str,
    installation_name: str,
    dashboard_url: str,
    license_key: str,
) -> SendEmail:
    base = dashboard_url.rstrip("/")
    return SendEmail(
        installation_id=installation_id,
        to=[to],
        subject=f"New kmo2informer installation {installation_name!r}",
        text=f"""Hello,

A new installation {installation_name!r} was added to your account.
Finish it here: {base}/i/{installation_id}/setup
(log in at {base}/login with {to}).

License key: {license_key}

-- kmo2informer
""",
    )


def support_ticket(
    *,
    installation_id: uuid.UUID,
    to: str,
    reply_to: str,
    ticket_id: uuid.UUID,
    snapshot: dict[str, Any],
    note: str,
) -> SendEmail:
    import json

    order = snapshot.get("order") or {}
    return SendEmail(
        installation_id=installation_id,
        to=[to],
        reply_to=reply_to,
        subject=f"Problem report {ticket_id} (order {order.get('number', '-')})",
        text=f"""A merchant reported a problem.

Ticket: {ticket_id}
Account: {snapshot["account"]["name"]} <{reply_to}>
Installation: {snapshot["installation"]["name"]} ({installation_id})
Order: {order.get("number", "-")} (id {order.get("order_id", "-")})

The merchant wrote:
{note}

Everything we know (JSON):
{json.dumps(snapshot, indent=2, sort_keys=True, default=str)}
""",
    )
