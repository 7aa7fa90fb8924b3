"""Applies ``common/migrations/NNNN_name.sql`` in order, each once, each in a transaction.

``python -m common.db.migrate [--create-database]`` against DATABASE_URL. Several
processes may start at once (compose, replicas): an advisory lock makes them take
turns, and the second finds nothing left to do.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from common.settings import CommonSettings

MIGRATION_LOCK_ID = 0x6B326900  # "k2i" + 0, any constant unique to this purpose
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    folder = resources.files("common.migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
        elif entry.name.endswith(".sql"):
            raise ValueError(f"migration file {entry.name!r} is not named NNNN_name.sql")
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number: {versions}")
    return found


async def apply_migrations(conn: asyncpg.Connection) -> list[str]:
    """Apply what is missing; return the names applied now."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for migration in load_migrations():
            if migration.version in done:
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
            applied_now.append(migration.name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
    return applied_now


async def create_database_if_missing(dsn: str) -> bool:
    parts = urlsplit(dsn)
    database = parts.path.lstrip("/")
    if not database:
        raise ValueError("DATABASE_URL names no database")
    admin_dsn = urlunsplit(parts._replace(path="/postgres"))
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if exists:
            return False
        quoted = '"' + database.replace('"', '""') + '"'
        await conn.execute(f"CREATE DATABASE {quoted}")
        return True
    finally:
        await conn.close()


async def migrate(dsn: str, *, create_database: bool = False) -> list[str]:
    if create_database:
        await create_database_if_missing(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Apply kmo2informer's SQL migrations.")
    parser.add_argument(
        "--create-database", action="store_true", help="create the database when missing"
    )
    args = parser.parse_args(argv)
    settings = CommonSettings()
    try:
        applied = asyncio.run(
            migrate(settings.database_url.get_secret_value(), create_database=args.create_database)
        )
    except (OSError, asyncpg.PostgresError) as exc:
        sys.stderr.write(f"migration failed: {exc}\n")
        return 1
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("database is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
