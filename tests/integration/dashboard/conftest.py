"""The dashboard's web application on the real database, through aiohttp's test
client (cookies kept like a browser's)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from common.crypto import SecretBox
from common.db.pool import Pool
from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from tests.fakes.dashboard import dashboard_settings

ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def settings(database_url: str, amqp_url: str, secret_keys: str) -> DashboardSettings:
    return dashboard_settings(database_url, amqp_url, secret_keys)


@pytest.fixture
async def new_client(
    settings: DashboardSettings, pool: Pool, box: SecretBox
) -> AsyncIterator[ClientFactory]:
    """Make a browser-like client (its own cookie jar); each with the same app settings
    unless overridden."""
    clients: list[TestClient] = []

    async def make(**overrides: object) -> TestClient:
        app = create_app(settings.model_copy(update=overrides), pool, box)
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(new_client: ClientFactory) -> TestClient:
    return await new_client()
