"""Helpers for tests that drive the sandbox: credentials, valid bodies, a running server.

Nothing here imports pytest; test modules wrap these in their own fixtures.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sandbox.informer.app import create_app
from sandbox.informer.state import InformerState

DEMO_HEADERS = {"Apikey": "demo-informer-key", "Securitycode": "demo-security-code"}
DE_HEADERS = {"Apikey": "demo-de-key", "Securitycode": "demo-de-security-code"}
TRADE_HEADERS = {"Apikey": "demo-trade-key", "Securitycode": "demo-trade-security-code"}

# Ids in the default "demo" (BE) administration.
DEMO_IDS = {
    "template": 1,
    "quotation_template": 3,
    "payment_condition": 1,
    "eur": 1,
    "vat_21": 101,
    "vat_6": 103,
    "vat_icp": 105,
    "vat_export": 106,
    "vat_nl_21": 163,
    "ledger_be": 8001,
    "ledger_oss": 8002,
    "ledger_icp": 8003,
    "ledger_export": 8004,
    "ledger_costs_required": 8005,
    "costs": 31,
}


def invoice_line(**overrides: Any) -> dict[str, Any]:
    """A valid regular line for the demo administration (21 %, ledger 700000)."""
    return {
        "qty": 1,
        "description": "Koffiemok",
        "amount": 12.10,
        "vat_id": DEMO_IDS["vat_21"],
        "ledger_id": DEMO_IDS["ledger_be"],
    } | overrides


def invoice_body(relation_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid SalesInvoiceInput for the demo administration."""
    return {
        "relation_id": relation_id,
        "invoice_date": "2026-03-02",
        "payment_condition_id": DEMO_IDS["payment_condition"],
        "currency_id": DEMO_IDS["eur"],
        "vat_option": "incl",
        "template_id": DEMO_IDS["template"],
        "reference": "1001",
        "lines": [invoice_line()],
    } | overrides


def company_body(**overrides: Any) -> dict[str, Any]:
    """A valid RelationInputCompany."""
    return {
        "relation_type": 0,
        "company_name": "Drukkerij Peeters",
        "street": "Veldstraat",
        "house_number": "8",
        "zip": "9000",
        "city": "Gent",
        "country": "BE",
        "email": "boekhouding@drukkerij-peeters.be",
    } | overrides


def person_body(**overrides: Any) -> dict[str, Any]:
    """A valid RelationInputPrivate."""
    return {
        "relation_type": 1,
        "firstname": "Lotte",
        "surname": "Maes",
        "street": "Lange Nieuwstraat",
        "house_number": "14 bus 2",
        "zip": "2000",
        "city": "Antwerpen",
        "country": "BE",
        "email": "lotte.maes@example.com",
    } | overrides


@asynccontextmanager
async def sandbox_client(state: InformerState | None = None) -> AsyncIterator[TestClient]:
    """An aiohttp test client on the sandbox app; paths are absolute ("/v2/vat")."""
    async with TestClient(TestServer(create_app(state or InformerState()))) as client:
        yield client


@asynccontextmanager
async def running_sandbox(
    state: InformerState | None = None, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Serve the sandbox on a real port; yields the API base URL (".../v2")."""
    runner = web.AppRunner(create_app(state or InformerState()))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        bound_port = runner.addresses[0][1]
        yield f"http://{host}:{bound_port}/v2"
    finally:
        await runner.cleanup()
