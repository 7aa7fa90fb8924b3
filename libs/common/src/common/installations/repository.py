"""Installations in PostgreSQL; secrets go in and come out through the SecretBox."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

import asyncpg
from pydantic import SecretStr

from common.crypto import SecretBox
from common.installations.changes import announce_change
from common.installations.models import (
    EU_TIMEZONES,
    AnyInstallation,
    Installation,
    InstallationConfig,
    InstallationFile,
    InstallationInSetup,
)

_COLUMNS = """id, name, status, shop_country, shop_timezone, kmo_base_url, kmo_token,
    informer_api_key, informer_security_code, webhook_secret, config, created_at"""


_SECRET_COLUMNS = ("kmo_token", "informer_api_key", "informer_security_code", "webhook_secret")


class InstallationNotFound(LookupError):
    pass


class InstallationNotConnected(InstallationNotFound):
    """The installation exists but is still in setup: nothing to poll or process."""

    def __str__(self) -> str:
        return f"{self.args[0]} (still in setup: not connected to a shop and Informer yet)"


def new_license_key() -> str:
    """Five groups of five from an alphabet without look-alikes (no 0/O, 1/I/L)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(5))


def budget_key(api_key: SecretStr) -> str:
    """The non-secret name of an Informer administration's call budget."""
    return "sha256:" + hashlib.sha256(api_key.get_secret_value().encode()).hexdigest()


def webhook_url(ingest_public_url: str, installation_id: uuid.UUID) -> str:
    """Where KMO Shops delivers this installation's webhooks (ingest's route)."""
    return f"{ingest_public_url.rstrip('/')}/webhooks/kmoshops/{installation_id}"


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


async def create_installation(
    conn: asyncpg.Connection, box: SecretBox, spec: InstallationFile
) -> tuple[uuid.UUID, str]:
    """Store a new installation; return its id and its (plaintext) webhook secret."""
    installation_id = uuid.uuid4()
    webhook_secret = new_webhook_secret()
    await conn.execute(
        f"""INSERT INTO installations ({_COLUMNS}, budget_key)
            VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9, $10, now(), $11)""",
        installation_id,
        spec.name,
        spec.shop.country,
        spec.shop.timezone,
        str(spec.kmoshops.base_url).rstrip("/"),
        box.encrypt(spec.kmoshops.api_token.get_secret_value()),
        box.encrypt(spec.informer.api_key.get_secret_value()),
        box.encrypt(spec.informer.security_code.get_secret_value()),
        box.encrypt(webhook_secret),
        spec.config.model_dump(mode="json"),
        budget_key(spec.informer.api_key),
    )
    return installation_id, webhook_secret


async def create_installation_in_setup(
    conn: asyncpg.Connection,
    box: SecretBox,
    *,
    account_id: uuid.UUID,
    name: str,
    shop_country: str,
    trial: timedelta,
) -> tuple[uuid.UUID, str, str]:
    """Store an installation a merchant just signed up for, in 'setup' with a trial
    from now; return its id, its (plaintext) webhook secret and its license key."""
    installation_id = uuid.uuid4()
    webhook_secret = new_webhook_secret()
    license_key = new_license_key()
    await conn.execute(
        """INSERT INTO installations (id, name, status, shop_country, shop_timezone,
               webhook_secret, account_id, license_key, trial_ends_at)
           VALUES ($1, $2, 'setup', $3, $4, $5, $6, $7, now() + $8::interval)""",
        installation_id,
        name,
        shop_country,
        EU_TIMEZONES.get(shop_country, "Europe/Brussels"),
        box.encrypt(webhook_secret),
        account_id,
        license_key,
        trial,
    )
    return installation_id, webhook_secret, license_key


def _from_row(row: asyncpg.Record, box: SecretBox) -> AnyInstallation:
    if row["status"] == "setup":
        return InstallationInSetup(
            id=row["id"],
            name=row["name"],
            status="setup",
            shop_country=row["shop_country"],
            shop_timezone=row["shop_timezone"],
            webhook_secret=box.decrypt(row["webhook_secret"]),
            created_at=row["created_at"],
        )
    return Installation(
        id=row["id"],
        name=row["name"],
        status=row["status"],
        shop_country=row["shop_country"],
        shop_timezone=row["shop_timezone"],
        kmo_base_url=row["kmo_base_url"],
        kmo_token=box.decrypt(row["kmo_token"]),
        informer_api_key=box.decrypt(row["informer_api_key"]),
        informer_security_code=box.decrypt(row["informer_security_code"]),
        webhook_secret=box.decrypt(row["webhook_secret"]),
        config=InstallationConfig.model_validate(row["config"]),
        created_at=row["created_at"],
    )


async def get_any_installation(
    conn: asyncpg.Connection, box: SecretBox, installation_id: uuid.UUID
) -> AnyInstallation:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM installations WHERE id = $1", installation_id
    )
    if row is None:
        raise InstallationNotFound(str(installation_id))
    return _from_row(row, box)


async def get_installation(
    conn: asyncpg.Connection, box: SecretBox, installation_id: uuid.UUID
) -> Installation:
    """A connected installation; one still in setup raises InstallationNotConnected."""
    found = await get_any_installation(conn, box, installation_id)
    if isinstance(found, InstallationInSetup):
        raise InstallationNotConnected(str(installation_id))
    return found


async def list_installations(
    conn: asyncpg.Connection, box: SecretBox, *, status: str | None = None
) -> list[AnyInstallation]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM installations
            WHERE $1::text IS NULL OR status = $1 ORDER BY created_at, id""",
        status,
    )
    return [_from_row(r, box) for r in rows]


async def set_status(conn: asyncpg.Connection, installation_id: uuid.UUID, status: str) -> None:
    """Enable ('active') or stop ('disabled', remembering since when) a connected
    installation; one still in setup is only made active by connecting it."""
    updated = await conn.execute(
        """UPDATE installations
              SET status = $2, updated_at = now(),
                  stopped_at = CASE WHEN $2 = 'disabled' THEN coalesce(stopped_at, now()) END
            WHERE id = $1 AND status <> 'setup'""",
        installation_id,
        status,
    )
    if updated == "UPDATE 0":
        exists = await conn.fetchval("SELECT 1 FROM installations WHERE id = $1", installation_id)
        raise (InstallationNotConnected if exists else InstallationNotFound)(str(installation_id))
    await announce_change(conn, installation_id)


async def rotate_secrets(conn: asyncpg.Connection, box: SecretBox) -> int:
    """Re-encrypt every stored secret under the first key of SECRET_KEYS."""
    rows = await conn.fetch(
        """SELECT id, kmo_token, informer_api_key, informer_security_code, webhook_secret
           FROM installations FOR UPDATE"""
    )
    for row in rows:
        await conn.execute(
            """UPDATE installations SET kmo_token = $2, informer_api_key = $3,
                   informer_security_code = $4, webhook_secret = $5 WHERE id = $1""",
            row["id"],
            *(None if row[c] is None else box.rotate(row[c]) for c in _SECRET_COLUMNS),
        )
    return len(rows)
