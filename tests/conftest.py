"""Shared fixtures: a fresh database (migrated) and a fresh vhost per test run, on the
real PostgreSQL and RabbitMQ, and helpers to create installations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

import asyncpg
import pytest

from common.crypto import SecretBox
from common.db.migrate import migrate
from common.db.pool import Pool, create_pool
from tests.fakes.installations import InstallationFactory
from tests.fakes.services import (
    create_vhost,
    delete_vhost,
    postgres_server,
    rabbitmq_server,
    unique_name,
    with_path,
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
async def database_url(postgres_url: str) -> AsyncIterator[str]:
    name = unique_name("k2i_test")
    admin = await asyncpg.connect(with_path(postgres_url, "/postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_path(postgres_url, f"/{name}")
    await migrate(url)
    yield url
    admin = await asyncpg.connect(with_path(postgres_url, "/postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def rabbitmq() -> Iterator[tuple[str, str]]:
    with rabbitmq_server() as urls:
        yield urls


@pytest.fixture(scope="session")
async def amqp_url(rabbitmq: tuple[str, str]) -> AsyncIterator[str]:
    server, management = rabbitmq
    vhost = unique_name("k2i-test")
    await create_vhost(management, vhost)
    yield with_path(server, "/" + quote(vhost, safe=""))
    await delete_vhost(management, vhost)


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=10)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def secret_keys() -> str:
    return SecretBox.generate_key()


@pytest.fixture(scope="session")
def box(secret_keys: str) -> SecretBox:
    from pydantic import SecretStr

    return SecretBox(SecretStr(secret_keys))


@pytest.fixture
def installations(pool: Pool, box: SecretBox) -> InstallationFactory:
    return InstallationFactory(pool, box)
