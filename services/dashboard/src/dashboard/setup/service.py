"""The wizard's and the configuration's actions, shared by the HTML pages and the JSON
API: verify and store credentials, read Informer's lists, validate and save.

Nothing is stored unless it was verified live (credentials) or validated against
Informer (configuration); a refusal leaves the stored state as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import aiohttp
from aiohttp import web
from pydantic import SecretStr, ValidationError

from common.crypto import SecretBox
from common.db.pool import Pool
from common.informer.budget import Budget, BudgetExhausted, BudgetPolicy
from common.informer.client import InformerClient
from common.informer.errors import InformerAuthError, InformerError
from common.informer.models import Administration
from common.installations.models import InstallationConfig, ShopSection
from common.installations.validation import ConfigProblem, InformerLists, validate_config
from common.kmoshops import Shop
from common.logging import get_logger
from common.vat import is_eu
from dashboard.keys import BOX, POOL, SETTINGS
from dashboard.setup import store
from dashboard.setup.informer_lists import ListsCache, find_relations
from dashboard.setup.verify import (
    Refused,
    informer_client,
    informer_refusal,
    normalised_shop_url,
    verify_informer,
    verify_shop,
)

log = get_logger(__name__)


@dataclass
class SetupResources:
    pool: Pool
    box: SecretBox
    http: aiohttp.ClientSession
    budget: Budget
    lists: ListsCache
    informer_base_url: str


RESOURCES = web.AppKey("setup_resources", SetupResources)


def install(app: web.Application) -> None:
    """Give the app what the setup pages need (one HTTP client pool for KMO Shops and
    Informer, the shared Informer budget, the lists cache), for its lifetime."""

    async def resources(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        async with aiohttp.ClientSession() as http:
            app[RESOURCES] = SetupResources(
                pool=app[POOL],
                box=app[BOX],
                http=http,
                budget=Budget(app[POOL], BudgetPolicy.from_settings(settings)),
                lists=ListsCache(settings.informer_lists_cache_seconds),
                informer_base_url=settings.informer_base_url,
            )
            yield

    app.cleanup_ctx.append(resources)


def place_problem(country: str, timezone: str) -> Refused | None:
    """The shop's country (an EU member state) and time zone (IANA), as typed."""
    try:
        ShopSection(country=country, timezone=timezone)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        return Refused(f"Shop {field}: {message}", f"shop_{field}")
    if not is_eu(country):
        return Refused(f"Shop country: {country} is not an EU member state", "shop_country")
    return None


async def connect_shop(
    res: SetupResources,
    installation_id: uuid.UUID,
    base_url: str,
    token: SecretStr,
    *,
    country: str | None = None,
    timezone: str | None = None,
) -> Shop | Refused:
    """Step 1: verify with ``GET /shop`` and store. The shop's country and time zone
    come from KMO Shops unless the merchant gave them."""
    if country and timezone:
        wrong = place_problem(country.upper(), timezone)
        if wrong is not None:
            return wrong
    shop = await verify_shop(res.http, base_url, token)
    if isinstance(shop, Refused):
        log.info("kmo shops connection refused", installation_id=str(installation_id))
        return shop
    async with res.pool.acquire() as conn:
        await store.save_shop(
            conn,
            res.box,
            installation_id,
            normalised_shop_url(base_url),
            token,
            shop,
            country=(country or shop.country).upper(),
            timezone=timezone or shop.timezone,
        )
    log.info("kmo shops connected", installation_id=str(installation_id), shop_id=shop.id)
    return shop


async def connect_informer(
    res: SetupResources, installation_id: uuid.UUID, api_key: SecretStr, security_code: SecretStr
) -> Administration | Refused:
    """Step 2: verify with ``GET /administration``, store, have the index built."""
    found = await verify_informer(
        res.http, res.informer_base_url, api_key, security_code, res.budget
    )
    if isinstance(found, Refused):
        log.info("informer connection refused", installation_id=str(installation_id))
        return found
    async with res.pool.acquire() as conn:
        await store.save_informer(conn, res.box, installation_id, api_key, security_code)
    log.info("informer connected", installation_id=str(installation_id))
    return found


async def informer_lists(
    res: SetupResources, setup: store.Setup, *, fresh: bool = False
) -> InformerLists | Refused:
    client = _client(res, setup)
    if client is None:
        return Refused("Connect Informer first (step 2): the choices come from it.")
    key = setup.budget_key or ""
    try:
        return await res.lists.get(key, client, fresh=fresh)
    except InformerAuthError:
        return Refused(
            "Informer no longer accepts the stored API key or security code. Connect "
            "Informer again (step 2)."
        )
    except (BudgetExhausted, InformerError) as exc:
        return informer_refusal(exc)


def _client(res: SetupResources, setup: store.Setup) -> InformerClient | None:
    if setup.informer_api_key is None or setup.informer_security_code is None:
        return None
    return informer_client(
        res.http,
        res.informer_base_url,
        setup.informer_api_key,
        setup.informer_security_code,
        res.budget,
    )


@dataclass(frozen=True)
class Saved:
    activated: bool


async def save_configuration(
    res: SetupResources,
    setup: store.Setup,
    config: InstallationConfig,
    *,
    country: str,
    timezone: str,
) -> Saved | Refused | list[ConfigProblem]:
    """Step 3: check every row against what Informer lists now; save only when none
    is wrong."""
    lists = await informer_lists(res, setup, fresh=True)
    if isinstance(lists, Refused):
        return lists
    client = _client(res, setup)
    if config.fixed_debtors and client is not None:
        try:
            relations = await find_relations(client, config.fixed_debtors.values())
        except (BudgetExhausted, InformerError) as exc:
            return informer_refusal(exc)
        lists = replace(lists, relations=relations)
    problems = validate_config(config, lists, shop_currency=setup.shop_currency)
    if problems:
        return problems
    async with res.pool.acquire() as conn:
        activated = await store.save_config(
            conn, setup.installation_id, config, country=country, timezone=timezone
        )
    log.info("configuration saved", installation_id=str(setup.installation_id), activated=activated)
    return Saved(activated)
