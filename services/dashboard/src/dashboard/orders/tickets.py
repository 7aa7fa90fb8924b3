"""Support tickets: what the merchant wrote, with a snapshot of everything support
needs (the order as the merchant saw it, its error and detail, the processor's state
of it, the installation, the times), stored and e-mailed to SUPPORT_EMAIL in one
transaction (the mail goes through the outbox)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from common.db.outbox import enqueue
from dashboard import mails
from dashboard.auth.sessions import Session
from dashboard.tenancy import OwnedInstallation

MAX_NOTE = 5000


def _jsonable(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return json.loads(json.dumps(row, default=str))


async def create_ticket(
    conn: asyncpg.Connection,
    *,
    session: Session,
    installation: OwnedInstallation,
    order: dict[str, Any] | None,
    note: str,
    support_email: str,
) -> uuid.UUID:
    ticket_id = uuid.uuid4()
    state = None
    if order is not None:
        record = await conn.fetchrow(
            """SELECT state, attempts, in_doubt, error_code, error_message, error_detail,
                      first_seen_at, updated_at
                 FROM order_states WHERE installation_id = $1 AND order_id = $2""",
            installation.id,
            order["order_id"],
        )
        state = dict(record) if record else None
    snapshot = {
        "account": {
            "id": str(session.account_id),
            "name": session.account_name,
            "email": session.account_email,
        },
        "installation": _jsonable(installation.to_json()),
        "order": _jsonable(order),
        "processor_state": _jsonable(state),
        "reported_at": datetime.now(UTC).isoformat(),
    }
    async with conn.transaction():
        await conn.execute(
            """INSERT INTO support_tickets (id, account_id, installation_id, order_id, note,
                   snapshot) VALUES ($1, $2, $3, $4, $5, $6)""",
            ticket_id,
            session.account_id,
            installation.id,
            order["order_id"] if order else None,
            note,
            snapshot,
        )
        await enqueue(
            conn,
            [
                mails.support_ticket(
                    installation_id=installation.id,
                    to=support_email,
                    reply_to=session.account_email,
                    ticket_id=ticket_id,
                    snapshot=snapshot,
                    note=note,
                )
            ],
        )
    return ticket_id


async def get_ticket(
    conn: asyncpg.Connection,
    account_id: uuid.UUID,
    installation_id: uuid.UUID,
    ticket_id: uuid.UUID,
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        """SELECT id, installation_id, order_id, note, snapshot, created_at
             FROM support_tickets WHERE id = $1 AND account_id = $2 AND installation_id = $3""",
        ticket_id,
        account_id,
        installation_id,
    )
    return dict(row) if row else None
