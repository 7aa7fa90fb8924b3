"""The merchant's actions on an installation: stop, restart, the notification
address, a new webhook secret (shown once, in the answer that makes it; the stored one
is never shown back, never logged)."""

from __future__ import annotations

import re
import uuid

import asyncpg

from common.crypto import SecretBox
from common.installations.changes import announce_change
from common.installations.repository import new_webhook_secret, set_status
from dashboard.tenancy import OwnedInstallation, owned_installation

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NotAllowedNow(Exception):
    """The installation is not in a state this action applies to; the message says why."""


async def stop(conn: asyncpg.Connection, account_id: uuid.UUID, installation_id: uuid.UUID) -> None:
    """Stop processing: status 'disabled' and stopped_at. Orders keep arriving (and
    wait); nothing is sent to Informer until the merchant restarts."""
    async with conn.transaction():
        installation = await owned_installation(conn, account_id, installation_id, lock=True)
        if installation.status != "active":
            raise NotAllowedNow(_why_not(installation, "stopped"))
        await set_status(conn, installation_id, "disabled")


async def restart(
    conn: asyncpg.Connection, account_id: uuid.UUID, installation_id: uuid.UUID
) -> None:
    async with conn.transaction():
        installation = await owned_installation(conn, account_id, installation_id, lock=True)
        if installation.status != "disabled":
            raise NotAllowedNow(_why_not(installation, "restarted"))
        await set_status(conn, installation_id, "active")


def _why_not(installation: OwnedInstallation, action: str) -> str:
    if installation.status == "setup":
        return f"the installation is not set up yet, so it cannot be {action}"
    return f"the installation is {'running' if installation.status == 'active' else 'stopped'}"


def notification_email_problem(value: str) -> str | None:
    if value and not _EMAIL.match(value):
        return "Enter an e-mail address such as office@example.com, or leave it empty."
    return None


async def set_notification_email(
    conn: asyncpg.Connection, account_id: uuid.UUID, installation_id: uuid.UUID, value: str | None
) -> None:
    await conn.execute(
        """UPDATE installations SET notification_email = $3, updated_at = now()
            WHERE id = $1 AND account_id = $2""",
        installation_id,
        account_id,
        value or None,
    )


async def roll_webhook_secret(
    conn: asyncpg.Connection, box: SecretBox, account_id: uuid.UUID, installation_id: uuid.UUID
) -> str:
    """Replace the installation's webhook secret with a new one and return it, once.

    The stored secret is never shown back in full: a merchant who needs it makes a new
    one and enters it in KMO Shops. Until then deliveries signed with the old one get
    401 and KMO Shops retries them (for about a day); the hourly poll is the safety net.
    """
    secret = new_webhook_secret()
    async with conn.transaction():
        updated = await conn.fetchval(
            """UPDATE installations SET webhook_secret = $3, updated_at = now()
                WHERE id = $1 AND account_id = $2 RETURNING id""",
            installation_id,
            account_id,
            box.encrypt(secret),
        )
        if updated is None:
            raise LookupError(str(installation_id))
        await announce_change(conn, installation_id)
    return secret
