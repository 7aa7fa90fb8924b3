"""The three set-up steps against both sandboxes and the real database: nothing is
stored that was not verified, the e-mail index is built with its progress, a wrong
configuration row is named and nothing saved, and processing starts only when all
three are green."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from common.crypto import SecretBox
from common.db.pool import Pool
from common.informer.budget import Budget, BudgetPolicy
from common.installations.models import InstallationConfig
from common.installations.repository import create_installation_in_setup
from common.installations.validation import ConfigProblem
from common.messages import ProcessOrder, RefreshRelationIndex, ShopOrder, parse_message
from dashboard.setup import store
from dashboard.setup.informer_lists import ListsCache
from dashboard.setup.service import (
    Refused,
    Saved,
    SetupResources,
    connect_informer,
    connect_shop,
    save_configuration,
)
from processor.handlers import Handlers
from processor.informer_context import InformerContexts
from sandbox.informer.state import InformerState
from sandbox.informer.testing import running_sandbox
from sandbox.kmoshops.app import serve
from sandbox.kmoshops.state import KmoShopsState
from tests.fakes.processor import DEMO_CONFIG

pytestmark = pytest.mark.integration

DEMO_KEY = SecretStr("demo-informer-key")
DEMO_CODE = SecretStr("demo-security-code")


@dataclass
class Wizard:
    res: SetupResources
    installation_id: uuid.UUID
    shop_url: str
    token: SecretStr
    informer: InformerState
    informer_url: str
    http: aiohttp.ClientSession

    async def setup(self) -> store.Setup:
        async with self.res.pool.acquire() as conn:
            return await store.load(conn, self.res.box, self.installation_id)

    async def status(self) -> str:
        return await self.res.pool.fetchval(
            "SELECT status FROM installations WHERE id = $1", self.installation_id
        )

    async def index_requests(self) -> list[RefreshRelationIndex]:
        rows = await self.res.pool.fetch(
            "SELECT body FROM outbox WHERE routing_key = 'RefreshRelationIndex' ORDER BY id"
        )
        found = [parse_message(bytes(r["body"])) for r in rows]
        return [
            m
            for m in found
            if isinstance(m, RefreshRelationIndex) and m.installation_id == self.installation_id
        ]

    async def process_orders(self) -> list[ProcessOrder]:
        rows = await self.res.pool.fetch(
            "SELECT body FROM outbox WHERE routing_key = 'ProcessOrder' ORDER BY id"
        )
        found = [parse_message(bytes(r["body"])) for r in rows]
        return [
            m
            for m in found
            if isinstance(m, ProcessOrder) and m.installation_id == self.installation_id
        ]

    async def build_index(self) -> None:
        """What the processor does with the RefreshRelationIndex the wizard sent."""
        [request] = (await self.index_requests())[-1:]
        budget = Budget(self.res.pool, BudgetPolicy(enabled=False))
        contexts = InformerContexts(
            self.res.pool, self.res.box, self.http, budget,
            base_url=self.informer_url, timeout=5, cache_seconds=60,
        )  # fmt: skip
        handlers = Handlers(self.res.pool, self.res.box, contexts, timedelta(0))
        await handlers.refresh_relation_index(request)


async def new_installation(pool: Pool, box: SecretBox) -> uuid.UUID:
    account_id = uuid.uuid4()
    async with pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO accounts (id, name, email, password_hash, shop_country,
                                     terms_accepted_at)
               VALUES ($1, 'An Peeters', $2, '$argon2id$v=19$m=1,t=1,p=1$x$y', 'BE', now())""",
            account_id,
            f"an-{account_id.hex[:8]}@example.be",
        )
        installation_id, _, _ = await create_installation_in_setup(
            conn, box, account_id=account_id, name="Fietsen Peeters", shop_country="BE",
            trial=timedelta(days=30),
        )  # fmt: skip
    return installation_id


@pytest.fixture
async def wizard(pool: Pool, box: SecretBox) -> AsyncIterator[Wizard]:
    shops = KmoShopsState()
    token = SecretStr(f"token-{uuid.uuid4().hex}")
    shops.create_shop(
        1234, "Fietsen Peeters", "BE", currency="EUR", timezone="Europe/Brussels",
        tokens=[token.get_secret_value()],
    )  # fmt: skip
    runner, base = await serve(shops)
    informer = InformerState()
    async with running_sandbox(informer) as informer_url, aiohttp.ClientSession() as http:
        res = SetupResources(
            pool=pool,
            box=box,
            http=http,
            budget=Budget(pool, BudgetPolicy()),
            lists=ListsCache(60),
            informer_base_url=informer_url,
        )
        installation_id = await new_installation(pool, box)
        yield Wizard(res, installation_id, f"{base}/api/v1", token, informer, informer_url, http)
    await runner.cleanup()


def demo_config(**changes: Any) -> InstallationConfig:
    return InstallationConfig.model_validate(DEMO_CONFIG | changes)


async def test_processing_starts_only_when_all_three_are_green(wizard: Wizard) -> None:
    res, iid = wizard.res, wizard.installation_id
    assert (await wizard.setup()).steps() == {
        "kmoshops": False, "informer": False, "configuration": False,
    }  # fmt: skip

    # Step 1: a wrong token stores nothing; the right one is verified and stored.
    refused = await connect_shop(res, iid, wizard.shop_url, SecretStr("wrong"))
    assert isinstance(refused, Refused)
    assert (await wizard.setup()).kmo_token is None
    await connect_shop(res, iid, wizard.shop_url, wizard.token)
    setup = await wizard.setup()
    assert setup.steps()["kmoshops"]
    assert setup.kmo_token == wizard.token
    assert (setup.shop_country, setup.shop_timezone, setup.shop_currency) == (
        "BE", "Europe/Brussels", "EUR",
    )  # fmt: skip
    stored = await res.pool.fetchval("SELECT kmo_token FROM installations WHERE id = $1", iid)
    assert wizard.token.get_secret_value().encode() not in bytes(stored)  # encrypted at rest
    assert await wizard.status() == "setup"

    # Step 2: wrong credentials store nothing; right ones ask for the e-mail index.
    refused = await connect_informer(res, iid, DEMO_KEY, SecretStr("wrong"))
    assert isinstance(refused, Refused)
    assert (await wizard.setup()).informer_api_key is None
    assert await wizard.index_requests() == []
    await connect_informer(res, iid, DEMO_KEY, DEMO_CODE)
    setup = await wizard.setup()
    assert setup.steps()["informer"]
    assert setup.index.state == "waiting"
    assert [m.full for m in await wizard.index_requests()] == [True]
    assert await wizard.status() == "setup"

    # The processor builds the index (still in setup), and says how far it got.
    for i in range(150):
        wizard.informer.add_relation("demo", {
            "relation_type": 1, "firstname": "Klant", "surname": str(i), "street": "Dorp",
            "house_number": "1", "zip": "9000", "city": "Gent", "country": "BE",
            "email": f"klant{i}@example.be",
        })  # fmt: skip
    await wizard.build_index()
    index = (await wizard.setup()).index
    assert (index.state, index.relations, index.pages, index.total_pages, index.indexed) == (
        "done", 151, 2, 2, 151,
    )  # fmt: skip
    assert await wizard.status() == "setup"

    # Step 3: a wrong row is named and nothing is saved; a right configuration starts it.
    table = DEMO_CONFIG["vat_table"] | {"NL": {"21.00": {"vat_id": 163, "ledger_id": 8004}}}
    result = await save_configuration(
        res, setup, demo_config(vat_table=table), country="BE", timezone="Europe/Brussels"
    )
    assert isinstance(result, list)
    assert [p.message.split(";")[0] for p in result] == [
        "VAT table, NL 21.00 %: ledger 8004 cannot be used with VAT code 163"
    ]
    setup = await wizard.setup()
    assert setup.config is None
    assert not setup.steps()["configuration"]
    assert await wizard.status() == "setup"

    result = await save_configuration(
        res, setup, demo_config(), country="BE", timezone="Europe/Brussels"
    )
    assert result == Saved(activated=True)
    assert await wizard.status() == "active"
    assert (await wizard.setup()).config == demo_config()


async def test_a_fixed_debtor_must_exist_in_informer(wizard: Wizard) -> None:
    res, iid = wizard.res, wizard.installation_id
    await connect_shop(res, iid, wizard.shop_url, wizard.token)
    await connect_informer(res, iid, DEMO_KEY, DEMO_CODE)
    existing = wizard.informer.admin("demo").relations
    known = next(iter(existing))
    setup = await wizard.setup()
    result = await save_configuration(
        res, setup, demo_config(fixed_debtors={"cash": known, "invoice": 999_999}),
        country="BE", timezone="Europe/Brussels",
    )  # fmt: skip
    assert result == [
        ConfigProblem(
            "fixed_debtors.invoice",
            "Fixed debtor for invoice",
            "relation 999999 does not exist in Informer",
        )
    ]


async def test_another_administration_starts_the_index_and_configuration_over(
    wizard: Wizard,
) -> None:
    res, iid = wizard.res, wizard.installation_id
    await connect_shop(res, iid, wizard.shop_url, wizard.token)
    await connect_informer(res, iid, DEMO_KEY, DEMO_CODE)
    await wizard.build_index()
    result = await save_configuration(
        res, await wizard.setup(), demo_config(), country="BE", timezone="Europe/Brussels"
    )
    assert result == Saved(activated=True)

    # The same credentials again: verified again, nothing starts over.
    await connect_informer(res, iid, DEMO_KEY, DEMO_CODE)
    assert await wizard.status() == "active"
    assert len(await wizard.index_requests()) == 1

    # Another administration: its ids differ, so processing waits for a new save.
    await connect_informer(res, iid, SecretStr("demo-de-key"), SecretStr("demo-de-security-code"))
    setup = await wizard.setup()
    assert await wizard.status() == "setup"
    assert not setup.steps()["configuration"]
    assert setup.index.state == "waiting"
    assert setup.index.indexed == 0
    assert len(await wizard.index_requests()) == 2


async def test_an_order_that_arrives_during_set_up_is_processed_after_activation(
    wizard: Wizard,
) -> None:
    """The shop may send orders before the last dot is green: they are kept, not
    processed, and go to the processor when the installation becomes active."""
    from ingest.store import record_order
    from tests.fakes.orders import recent_order

    res, iid = wizard.res, wizard.installation_id
    await connect_shop(res, iid, wizard.shop_url, wizard.token)
    await connect_informer(res, iid, DEMO_KEY, DEMO_CODE)
    order = ShopOrder.model_validate(recent_order(880_001))
    async with res.pool.acquire() as conn, conn.transaction():
        assert await record_order(conn, iid, order, "webhook")  # what ingest does
    [sent] = await wizard.process_orders()

    budget = Budget(res.pool, BudgetPolicy(enabled=False))
    contexts = InformerContexts(
        res.pool, res.box, wizard.http, budget,
        base_url=wizard.informer_url, timeout=5, cache_seconds=60,
    )  # fmt: skip
    handlers = Handlers(res.pool, res.box, contexts, timedelta(0))
    await handlers.receive_order(sent)  # acked, nothing recorded: still in set-up
    recorded = "SELECT count(*) FROM order_states WHERE installation_id = $1"
    assert await res.pool.fetchval(recorded, iid) == 0

    result = await save_configuration(
        res, await wizard.setup(), demo_config(), country="BE", timezone="Europe/Brussels"
    )
    assert result == Saved(activated=True)
    first, again = await wizard.process_orders()
    assert again.order == order
    assert again.message_id != first.message_id
    await handlers.receive_order(again)
    state = await res.pool.fetchval(
        "SELECT state FROM order_states WHERE installation_id = $1", iid
    )
    assert state in ("queued", "waiting")
