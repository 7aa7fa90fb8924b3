"""Tenant isolation: every route, tried by one merchant with another merchant's
installation, order and ticket ids, answers 404 and changes nothing.

The routes are read from the application's router, so a route added later (the
set-up wizard, say) is walked too without touching this test. Path parameters must be
named installation_id, order_id or ticket_id."""

from __future__ import annotations

import re
import uuid

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from common.crypto import SecretBox
from common.db.pool import Pool
from dashboard.auth.middleware import is_public_path
from tests.fakes.dashboard import Merchant, connect, seed_order, sign_up
from tests.integration.dashboard.conftest import ClientFactory

pytestmark = pytest.mark.integration

PARAM = re.compile(r"\{(\w+)\}")


def walkable_routes(app: web.Application) -> list[tuple[str, str]]:
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("formatter") or info.get("path")
        if path is None or route.method == "HEAD" or is_public_path(path):
            continue
        found.append((route.method, path))
    return sorted(set(found))


async def _victim(
    client: TestClient, pool: Pool, box: SecretBox
) -> tuple[Merchant, int, uuid.UUID]:
    victim = await sign_up(client, name="Victim shop")
    await connect(pool, box, victim.installation_id)
    failed_id = 4_000_000 + uuid.uuid4().int % 1_000_000
    await seed_order(pool, victim.installation_id, failed_id, "failed")
    await seed_order(pool, victim.installation_id, failed_id + 1, "waiting")
    ticket = await victim.api(
        "POST",
        f"/api/v1/installations/{victim.installation_id}/orders/{failed_id}/tickets",
        {"note": "help"},
    )
    assert ticket.status == 201
    return victim, failed_id, uuid.UUID((await ticket.json())["id"])


async def test_every_route_answers_404_for_another_accounts_ids(
    new_client: ClientFactory, pool: Pool, box: SecretBox
) -> None:
    victim, order_id, ticket_id = await _victim(await new_client(), pool, box)
    attacker = await sign_up(await new_client(), name="Attacker shop")
    await connect(pool, box, attacker.installation_id)
    combinations = [
        {"installation_id": victim.installation_id, "order_id": order_id, "ticket_id": ticket_id},
        {"installation_id": attacker.installation_id, "order_id": order_id, "ticket_id": ticket_id},
        {
            "installation_id": attacker.installation_id,
            "order_id": order_id + 1,
            "ticket_id": ticket_id,
        },
    ]
    routes = walkable_routes(attacker.client.app)
    with_ids = [(m, p) for m, p in routes if PARAM.search(p)]
    assert len(with_ids) >= 20, with_ids
    tried = 0
    for method, path in with_ids:
        for ids in combinations:
            names = PARAM.findall(path)
            if names == ["installation_id"] and ids["installation_id"] == attacker.installation_id:
                continue  # the attacker's own installation: not someone else's
            url = PARAM.sub(lambda m, ids=ids: str(ids[m.group(1)]), path)
            if path.startswith("/api/"):
                response = await attacker.api(
                    method, url, {"note": "x", "notification_email": "a@b.be"}
                )
            elif method == "GET":
                response = await attacker.client.get(url, allow_redirects=False)
            else:
                response = await attacker.form(url, {"note": "x", "notification_email": "a@b.be"})
            assert response.status == 404, (method, url, response.status, await response.text())
            tried += 1
    assert tried >= 40
    # Nothing of the victim's changed.
    state = await pool.fetchval(
        "SELECT state FROM order_states WHERE installation_id = $1 AND order_id = $2",
        victim.installation_id,
        order_id,
    )
    assert state == "failed"
    status = await pool.fetchval(
        "SELECT status FROM installations WHERE id = $1", victim.installation_id
    )
    assert status == "active"
    tickets = await pool.fetchval(
        "SELECT count(*) FROM support_tickets WHERE installation_id = $1", victim.installation_id
    )
    assert tickets == 1


async def test_lists_show_only_the_accounts_own_installations(
    new_client: ClientFactory, pool: Pool, box: SecretBox
) -> None:
    victim, _, _ = await _victim(await new_client(), pool, box)
    other = await sign_up(await new_client())
    page = await other.client.get("/installations")
    assert str(victim.installation_id) not in await page.text()
    assert str(other.installation_id) in await page.text()
    api = await (await other.client.get("/api/v1/installations")).json()
    assert [i["id"] for i in api["installations"]] == [str(other.installation_id)]
