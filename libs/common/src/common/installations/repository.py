"""Installations in PostgreSQL; secrets go in and come out through the SecretBox."""

from __future__ import annotations

import hashlib
import secrets
import uuid

import asyncpg
from pydantic import SecretStr

from common.crypto import SecretBox
from common.installations.models import Installation, InstallationConfig, InstallationFile

_COLUMNS = """id, name, status, shop_country, shop_timezone, kmo_base_url, kmo_token,
    informer_api_key, informer_security_code, webhook_secret, config, created_at"""


_SECRET_COLUMNS = ("kmo_token", "informer_api_key", "informer_security_code", "webhook_secret")


class InstallationNotFound(LookupError):
    pass


def budget_key(api_key: SecretStr) -> str:
    """The non-secret name of an Informer administration's call budget."""
    return "sha256:" + hashlib.sha256(api_key.get_secret_value().encode()).hexdigest()


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


def _from_row(row: asyncpg.Record, box: SecretBox) -> Installation:
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


async def get_installation(
    conn: asyncpg.Connection, box: SecretBox, installation_id: uuid.UUID
) -> Installation:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM installations WHERE id = $1", installation_id
    )
    if row is None:
        raise InstallationNotFound(str(installation_id))
    return _from_row(row, box)


async def list_installations(
    conn: asyncpg.Connection, box: SecretBox, *, status: str | None = None
) -> list[Installation]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM installations
            WHERE $1::text IS NULL OR status = $1 ORDER BY created_at, id""",
        status,
    )
    return [_from_row(r, box) for r in rows]


async def set_status(conn: asyncpg.Connection, installation_id: uuid.UUID, status: str) -> None:
    updated = await conn.execute(
        "UPDATE installations SET status = $2, updated_at = now() WHERE id = $1",
        installation_id,
        status,
    )
    if updated == "UPDATE 0":
        raise InstallationNotFound(str(installation_id))


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
            *(box.rotate(row[column]) for column in _SECRET_COLUMNS),
        )
    return len(rows)
