"""Driving the dashboard in tests: a client that signs up and logs in like a browser
(cookies, CSRF token), and helpers that put orders into the processor's state and
the read side the way the processor's events would."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from common.crypto import SecretBox
from common.db.outbox import enqueue
from common.db.pool import Pool
from common.messages import (
    InvoiceCreated,
    OrderFailed,
    OrderSummary,
    OrderWaiting,
    ShopOrder,
)
from dashboard.projector import Projector
from dashboard.settings import DashboardSettings
from tests.fakes.installations import installation_file
from tests.fakes.orders import order as wire_order

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def dashboard_settings(
    database_url: str, amqp_url: str, secret_keys: str, **extra: Any
) -> DashboardSettings:
    return DashboardSettings(
        database_url=database_url,
        amqp_url=amqp_url,
        secret_keys=secret_keys,
        session_cookie_secure=False,
        **extra,
    )


def csrf_in(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@dataclass
class Merchant:
    """A signed-up account, logged in through ``client``."""

    client: TestClient
    email: str
    installation_id: uuid.UUID
    csrf: str

    async def form(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return await self.client.post(
            path, data={"csrf_token": self.csrf, **(data or {})}, allow_redirects=False, **kwargs
        )

    async def api(self, method: str, path: str, body: Any = None) -> Any:
        return await self.client.request(
            method,
            path,
            json=body if body is not None else {},
            headers={"X-CSRF-Token": self.csrf},
        )


def unique_email() -> str:
    return f"merchant-{uuid.uuid4().hex[:10]}@example.be"


async def sign_up(
    client: TestClient, email: str | None = None, name: str = "Fietsen Peeters"
) -> Merchant:
    """Sign up through the API (which also logs in); the session's CSRF token comes back."""
    email = email or unique_email()
    response = await client.post(
        "/api/v1/signup",
        json={
            "name": name,
            "email": email,
            "shop_country": "BE",
            "password": PASSWORD,
            "accept_terms": True,
        },
    )
    assert response.status == 201, await response.text()
    body = await response.json()
    return Merchant(client, email, uuid.UUID(body["installation_id"]), body["csrf_token"])


async def connect(
    pool: Pool,
    box: SecretBox,
    installation_id: uuid.UUID,
    *,
    config: dict[str, Any] | None = None,
    informer_api_key: str | None = None,
) -> None:
    """What the set-up wizard does in the end: credentials, configuration, active.
    By default with a key of its own (no real Informer behind it); pass the sandbox's
    demo key and configuration to have the processor book for it."""
    spec = installation_file()
    await pool.execute(
        """UPDATE installations SET status = 'active', kmo_base_url = $2, kmo_token = $3,
               informer_api_key = $4, informer_security_code = $5, config = $6,
               budget_key = $7 WHERE id = $1""",
        installation_id,
        spec["kmoshops"]["base_url"],
        box.encrypt(spec["kmoshops"]["api_token"]),
        box.encrypt(informer_api_key or "key-" + installation_id.hex),
        box.encrypt(spec["informer"]["security_code"]),
        config or spec["config"],
        "test:" + installation_id.hex,
    )


async def seed_order(
    pool: Pool,
    installation_id: uuid.UUID,
    order_id: int,
    outcome: str,
    *,
    created_at: datetime | None = None,
    via_outbox: bool = False,
    **order_fields: Any,
) -> ShopOrder:
    """An order in ``order_states`` (the processor's state for this outcome) and in
    ``order_views`` through the projector, from the event the processor would send:
    applied here, or (``via_outbox``) written to the outbox for a running dashboard's
    relay and projector to carry."""
    created = created_at or datetime.now(UTC) - timedelta(hours=2)
    order = ShopOrder.model_validate(
        wire_order(
            id=order_id,
            number=str(order_id),
            created_at=created.isoformat(),
            updated_at=created.isoformat(),
            status="pending_payment" if outcome == "waiting" else "paid",
            **order_fields,
        )
    )
    state = {"processed": "invoiced", "failed": "failed", "waiting": "waiting"}[outcome]
    await pool.execute(
        """INSERT INTO order_states (installation_id, order_id, number, state, order_status,
               order_updated_at, payload, attempts, error_code)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 3, $8)""",
        installation_id,
        order.id,
        order.number,
        state,
        order.status.value,
        order.updated_at,
        order.model_dump(mode="json"),
        "TOTAL_MISMATCH" if outcome == "failed" else None,
    )
    summary = OrderSummary.of(order)
    event: InvoiceCreated | OrderFailed | OrderWaiting
    if outcome == "processed":
        event = InvoiceCreated(
            installation_id=installation_id,
            order=summary,
            invoice_id=90000 + order_id,
            invoice_url=f"https://app.informer.eu/sales-invoice/{90000 + order_id}",
            invoice_number=f"F2026-{order_id}",
            invoice_date=created.date(),
            relation_id=5,
        )
    elif outcome == "failed":
        event = OrderFailed(
            installation_id=installation_id,
            order=summary,
            code="TOTAL_MISMATCH",
            message="The lines add up to 200.00, the order says 206.95.",
            detail={"lines_total": "200.00", "order_total": "206.95", "difference": "6.95"},
        )
    else:
        event = OrderWaiting(installation_id=installation_id, order=summary)
    if via_outbox:
        async with pool.acquire() as conn:
            await enqueue(conn, [event])
    else:
        await Projector(pool).apply(event)
    return order
