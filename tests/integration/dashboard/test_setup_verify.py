"""Verifying credentials live against the sandboxes: success, and each failure
explained (wrong token, unreachable URL, not an API, wrong Informer key or code)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import SecretStr

from common.db.pool import Pool
from common.informer.budget import Budget, BudgetPolicy
from common.informer.models import Administration
from common.kmoshops import Shop
from dashboard.setup.verify import Refused, verify_informer, verify_shop
from sandbox.informer.state import InformerState
from sandbox.informer.testing import running_sandbox
from sandbox.kmoshops.app import serve
from sandbox.kmoshops.state import KmoShopsState
from tests.fakes.processes import free_port

pytestmark = pytest.mark.integration

TOKEN = SecretStr("shop-token-verify")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def shop_url() -> AsyncIterator[str]:
    state = KmoShopsState()
    state.create_shop(
        4321, "Fietsen Peeters", "NL", currency="EUR", timezone="Europe/Amsterdam",
        tokens=[TOKEN.get_secret_value()],
    )  # fmt: skip
    runner, base = await serve(state)
    yield f"{base}/api/v1"
    await runner.cleanup()


@pytest.fixture
async def informer_url() -> AsyncIterator[str]:
    async with running_sandbox(InformerState()) as url:
        yield url


async def test_a_shop_that_answers_is_verified(http: aiohttp.ClientSession, shop_url: str) -> None:
    shop = await verify_shop(http, shop_url + "/", TOKEN)
    assert isinstance(shop, Shop)
    assert (shop.id, shop.country, shop.timezone, shop.currency) == (
        4321, "NL", "Europe/Amsterdam", "EUR",
    )  # fmt: skip


async def test_a_wrong_token_is_explained(http: aiohttp.ClientSession, shop_url: str) -> None:
    refused = await verify_shop(http, shop_url, SecretStr("not-the-token"))
    assert isinstance(refused, Refused)
    assert refused.field == "api_token"
    assert "KMO Shops refused this API token" in refused.message
    assert "not-the-token" not in refused.message


async def test_an_unreachable_url_is_explained(http: aiohttp.ClientSession) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    refused = await verify_shop(http, url, TOKEN)
    assert isinstance(refused, Refused)
    assert refused.field == "base_url"
    assert refused.message.startswith(f"Could not reach {url}")


async def test_an_address_without_the_api_is_explained(
    http: aiohttp.ClientSession, shop_url: str
) -> None:
    refused = await verify_shop(http, shop_url.removesuffix("/api/v1"), TOKEN)
    assert isinstance(refused, Refused)
    assert refused.field == "base_url"
    assert "no KMO Shops API there (HTTP 404)" in refused.message


async def test_a_malformed_url_or_empty_token_never_leaves_the_page(
    http: aiohttp.ClientSession,
) -> None:
    refused = await verify_shop(http, "yourshop.kmoshops.be", TOKEN)
    assert isinstance(refused, Refused)
    assert "starting with https://" in refused.message
    refused = await verify_shop(http, "https://yourshop.kmoshops.be/api/v1", SecretStr(" "))
    assert isinstance(refused, Refused)
    assert refused.field == "api_token"


async def test_informer_credentials_are_verified_and_each_failure_explained(
    http: aiohttp.ClientSession, informer_url: str, pool: Pool
) -> None:
    budget = Budget(pool, BudgetPolicy())
    key, code = SecretStr("demo-informer-key"), SecretStr("demo-security-code")
    found = await verify_informer(http, informer_url, key, code, budget)
    assert isinstance(found, Administration)
    assert found.company_name == "Demo Webwinkel BV"

    for wrong_key, wrong_code in ((SecretStr("typo-key"), code), (key, SecretStr("typo"))):
        refused = await verify_informer(http, informer_url, wrong_key, wrong_code, budget)
        assert isinstance(refused, Refused)
        assert "Informer refused this API key or security code" in refused.message
        assert "typo" not in refused.message

    gone = f"http://127.0.0.1:{free_port()}/v2"
    refused = await verify_informer(http, gone, key, code, budget)
    assert isinstance(refused, Refused)
    assert "Informer could not be reached" in refused.message
