"""The Informer client against the Informer sandbox served on a real port.

Every test gets its own sandbox state (rate limit off unless the test turns it on) and
its own aiohttp session, so tests never depend on each other.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr
from structlog.testing import capture_logs

from common.informer import (
    InformerAuthError,
    InformerClient,
    InformerError,
    InformerNotFound,
    InformerOutcomeUnknown,
    InformerRateLimited,
    InformerUnavailable,
    InformerUnexpectedResponse,
    InformerValidationError,
    dumps_json,
)
from common.informer.codec import loads as loads_json
from common.informer.models import (
    InvoicesPage,
    Ledger,
    PaymentCondition,
    Relation,
    SalesInvoice,
    Vat,
)
from sandbox.informer import InformerState, RateLimitConfig
from sandbox.informer.testing import (
    DEMO_HEADERS,
    DEMO_IDS,
    company_body,
    invoice_body,
    invoice_line,
    person_body,
    running_sandbox,
)

API_KEY = DEMO_HEADERS["Apikey"]
SECURITY_CODE = DEMO_HEADERS["Securitycode"]

Factory = Callable[..., InformerClient]


@pytest.fixture
async def state() -> InformerState:
    return InformerState(rate_limit=RateLimitConfig(enabled=False))


@pytest.fixture
async def base_url(state: InformerState) -> AsyncIterator[str]:
    async with running_sandbox(state) as url:
        yield url


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def make_client(session: aiohttp.ClientSession, base_url: str) -> Factory:
    def make(**overrides: Any) -> InformerClient:
        options: dict[str, Any] = {
            "base_url": base_url,
            "api_key": SecretStr(API_KEY),
            "security_code": SecretStr(SECURITY_CODE),
            "timeout": 5.0,
            "backoff": 0.01,
        } | overrides
        return InformerClient(session, **options)

    return make


@pytest.fixture
def client(make_client: Factory) -> InformerClient:
    return make_client()


def seeded_relation_id(state: InformerState) -> int:
    (relation,) = state.relations("demo")
    return relation.id


# --- every method against the demo administration ------------------------------------------
async def test_administration(client: InformerClient) -> None:
    admin = await client.administration()
    assert admin.company_name
    assert admin.country == "BE"
    assert admin.modules.trade is False
    assert admin.blocked_period is not None
    assert (admin.blocked_period.year, admin.blocked_period.month) == (2024, 12)
    assert admin.blocked_period.blocks(date(2024, 12, 31))
    assert not admin.needs_delivery_date
    assert client.calls == 1


async def test_reference_lists(client: InformerClient, state: InformerState) -> None:
    templates = await client.templates()
    assert {t.id: t.type for t in templates}[DEMO_IDS["template"]] == "sales_invoice"
    assert [t.id for t in templates if t.default and t.type == "sales_invoice"] == [1]

    conditions = await client.payment_conditions()
    default = next(c for c in conditions if c.default)
    assert (default.id, default.days) == (DEMO_IDS["payment_condition"], 14)

    currencies = {c.currency: c for c in await client.currencies()}
    assert currencies["EUR"].id == DEMO_IDS["eur"]
    assert currencies["USD"].rate == Decimal("1.085")

    vats = {v.id: v for v in await client.vat_codes()}
    assert vats[DEMO_IDS["vat_21"]].percentage == Decimal(21)
    assert vats[DEMO_IDS["vat_21"]].available

    ledgers = {ledger.id: ledger for ledger in await client.ledgers()}
    # ids are not numbers: 8001 is ledger number 700000
    assert ledgers[DEMO_IDS["ledger_be"]].number == "700000"
    assert ledgers[DEMO_IDS["ledger_costs_required"]].costs == "required"

    costs = await client.cost_centres()
    assert {c.id for c in costs} == {31, 32, 33}

    options = {o.id: o for o in (await client.sales_invoice_options()).vat_codes}
    vat_21 = options[DEMO_IDS["vat_21"]]
    assert vat_21.percentage == Decimal(21)
    assert vat_21.allows("incl")
    assert vat_21.allows("excl")
    assert not vat_21.allows("icv_within_eu")
    assert not vat_21.allows("nonsense")
    assert {ledger.id for ledger in vat_21.usable_ledgers} == {8001, 8005}
    required = vat_21.ledger(DEMO_IDS["ledger_costs_required"])
    assert required is not None
    assert required.costs == "required"
    icp = options[DEMO_IDS["vat_icp"]]
    assert icp.allows("icv_within_eu")
    assert not icp.allows("incl")
    nl = next(o for o in options.values() if o.name and "OSS NL 21" in o.name)
    assert nl.id == DEMO_IDS["vat_nl_21"]

    assert client.calls == 7
    assert len(state.calls) == 7


async def test_relations_page_and_iteration(client: InformerClient, state: InformerState) -> None:
    for i in range(230):
        state.add_relation("demo", company_body(company_name=f"Klant {i}"))
    first = await client.relations_page(1)
    assert first.pagination.total == 231
    assert first.pagination.pages == 3
    assert len(first.relations) == 100
    assert first.relations[0].email == "info@bakkerij-janssens.be"
    assert first.relations[0].relation_number == 1001
    assert first.relations[0].last_edit is not None

    client_calls = client.calls
    everyone = [r async for r in client.iter_relations()]
    assert len(everyone) == 231
    assert len({r.id for r in everyone}) == 231
    assert client.calls - client_calls == 3

    small = await client.relations_page(2, records=10)
    assert next(r.company_name for r in small.relations) == "Klant 9"
    with pytest.raises(ValueError, match="records"):
        await client.relations_page(1, records=101)


async def test_iter_relations_since_last_edit(client: InformerClient, state: InformerState) -> None:
    state.add_relation("demo", company_body(company_name="Oud"), last_edit="2025-01-10 12:00:00")
    state.add_relation("demo", company_body(company_name="Nieuw"), last_edit="2025-02-01 09:00:00")
    # the seeded relation is edited "now"; only later calendar days than the date count
    names = {r.company_name async for r in client.iter_relations(last_edit=date(2025, 1, 10))}
    assert "Oud" not in names
    assert "Nieuw" in names
    names = {r.company_name async for r in client.iter_relations(last_edit=date(2025, 1, 9))}
    assert "Oud" in names


async def test_empty_relation_list_costs_one_call(client: InformerClient) -> None:
    found = [r async for r in client.iter_relations(last_edit=date(2999, 1, 1))]
    assert found == []
    assert client.calls == 1


async def test_create_relation_then_find_by_exact_number(
    client: InformerClient, state: InformerState
) -> None:
    await client.create_relation(company_body(relation_number=14242))
    await client.create_relation(person_body(relation_number=4242))

    found = await client.find_relation_by_number(4242)
    assert found is not None
    assert found.relation_number == 4242
    assert (found.firstname, found.surname, found.relation_type) == ("Lotte", "Maes", 1)
    assert found.company_name is None
    assert found.display_name == "Lotte Maes"
    # the search was a substring match: 14242 came back too and was skipped
    (search,) = state.calls_for("GET /relations")
    assert search.query["search"] == "4242"

    assert await client.find_relation_by_number(42) is None
    other = await client.find_relation_by_number(14242)
    assert other is not None
    assert other.company_name == "Drukkerij Peeters"


async def test_find_relation_pages_through_substring_hits(
    client: InformerClient, state: InformerState
) -> None:
    for i in range(150):
        state.add_relation("demo", company_body(relation_number=77000 + i))
    state.add_relation("demo", company_body(relation_number=77, company_name="Zeven"))
    found = await client.find_relation_by_number(77)
    assert found is not None
    assert found.company_name == "Zeven"
    assert client.calls == 2


# --- errors ---------------------------------------------------------------------------------
async def test_validation_error_keeps_informers_field_messages(
    client: InformerClient, state: InformerState
) -> None:
    relation_id = seeded_relation_id(state)
    body = invoice_body(relation_id, lines=[invoice_line(qty=1.5), invoice_line(vat_id=999)])
    with pytest.raises(InformerValidationError) as caught:
        await client.create_invoice(body)
    error = caught.value
    assert error.status == 422
    assert set(error.fields) >= {"lines.0.qty", "lines.1.vat_id"}
    assert "geheel getal" in error.fields["lines.0.qty"]
    assert error.error == error.fields
    assert not error.transient
    message = error.plain_message()
    assert message.startswith("Informer refused the invoice")
    assert f"- lines.0.qty: {error.fields['lines.0.qty']}" in message
    assert f"- lines.1.vat_id: {error.fields['lines.1.vat_id']}" in message
    assert client.calls == 1  # never retried
    assert state.invoices("demo") == []


async def test_relation_validation_error(client: InformerClient) -> None:
    with pytest.raises(InformerValidationError) as caught:
        await client.create_relation(person_body(surname=""))
    assert "surname" in caught.value.fields
    assert "customer (relation)" in caught.value.plain_message()


async def test_wrong_security_code_is_auth_error(make_client: Factory) -> None:
    client = make_client(security_code=SecretStr("not-the-code"))
    with pytest.raises(InformerAuthError) as caught:
        await client.administration()
    assert caught.value.status == 401
    assert caught.value.error
    assert "security code" in caught.value.plain_message()
    assert client.calls == 1


async def test_unknown_relation_on_create_invoice_is_not_found(
    client: InformerClient, state: InformerState
) -> None:
    with pytest.raises(InformerNotFound) as caught:
        await client.create_invoice(invoice_body(987654))
    assert caught.value.status == 404
    assert caught.value.error == "Resource niet gevonden."
    assert "Resource niet gevonden." in caught.value.plain_message()
    assert client.calls == 1
    with pytest.raises(InformerNotFound):
        await client.invoice(987654)


# --- invoices -------------------------------------------------------------------------------
async def test_create_invoice_and_read_it_back(
    client: InformerClient, state: InformerState
) -> None:
    relation_id = seeded_relation_id(state)
    created = await client.create_invoice(invoice_body(relation_id, reference="K-1"))
    assert created.url
    assert created.url.endswith(f"/sales-invoice/{created.id}")

    invoice = await client.invoice(created.id)
    assert invoice.reference == "K-1"
    assert invoice.relation_id == relation_id
    assert invoice.invoice_date == date(2026, 3, 2)
    assert invoice.number
    assert invoice.number.startswith("F2026-")
    assert invoice.totals.incl_vat == Decimal("12.10")
    assert invoice.totals.excl_vat == Decimal("10.00")
    assert invoice.totals.vat == Decimal("2.10")
    assert invoice.created_at is not None

    page = await client.invoices_page(relation_id)
    assert page.pagination.total == 1
    assert [i.id for i in page.invoices] == [created.id]
    assert (await client.invoices_page(relation_id, page=2)).invoices == []
    assert client.calls_by_endpoint["GET /invoices/sales/{id}"] == 1


async def test_decimal_amounts_are_sent_exactly(
    client: InformerClient, state: InformerState
) -> None:
    relation_id = seeded_relation_id(state)
    lines = [
        {
            "qty": 2,
            "description": "Mok",
            "amount": Decimal("8.32"),
            "vat_id": 101,
            "ledger_id": 8001,
        },
        {
            "qty": 1,
            "description": "Mok",
            "amount": Decimal("8.33"),
            "vat_id": 101,
            "ledger_id": 8001,
        },
    ]
    raw = dumps_json(invoice_body(relation_id, reference="EXACT", lines=lines))
    assert b'"amount":8.32' in raw
    assert b'"amount":8.33' in raw

    created = await client.create_invoice(raw)
    sent = state.calls_for("POST /invoices/sales")[-1].request_json
    assert [line["amount"] for line in sent["lines"]] == [Decimal("8.32"), Decimal("8.33")]

    invoice = await client.invoice(created.id)
    assert [line.amount for line in invoice.lines] == [Decimal("8.32"), Decimal("8.33")]
    assert [line.qty for line in invoice.lines] == [2, 1]
    assert invoice.lines[0].vat is not None
    assert invoice.lines[0].vat.percentage == 21
    assert invoice.totals.incl_vat == Decimal("24.97")

    # A dict with Decimal amounts goes through the same exact encoder.
    again = await client.create_invoice(invoice_body(relation_id, lines=lines))
    assert (await client.invoice(again.id)).totals.incl_vat == Decimal("24.97")


async def test_find_invoices_by_reference_across_pages(
    client: InformerClient, state: InformerState
) -> None:
    relation_id = seeded_relation_id(state)
    other = state.add_relation("demo", company_body()).id
    # The one we look for is the oldest, so with newest first it sits on the last page.
    wanted = await client.create_invoice(invoice_body(relation_id, reference="ORDER-7"))
    await client.create_invoice(invoice_body(relation_id, reference="ORDER-77"))
    await client.create_invoice(invoice_body(other, reference="ORDER-7"))
    for i in range(205):
        await client.create_invoice(invoice_body(relation_id, reference=f"R-{i}"))
    state.clear_calls()
    before = client.calls

    found = await client.find_invoices_by_reference("ORDER-7", relation_id)
    assert [i.id for i in found] == [wanted.id]
    assert found[0].reference == "ORDER-7"
    assert client.calls - before == 3  # 207 invoices of that relation, 100 a page
    pages = state.calls_for("GET /invoices/sales")
    assert [c.query["page"] for c in pages] == ["1", "2", "3"]
    assert {c.query["relation_id"] for c in pages} == {str(relation_id)}
    assert {c.query["sort"] for c in pages} == {"created.desc"}

    assert await client.find_invoices_by_reference("ORDER", relation_id) == []
    # every invoice was made today: edited on a later day than tomorrow, none
    tomorrow = date.fromordinal(date.today().toordinal() + 1)
    before = client.calls
    assert await client.find_invoices_by_reference("ORDER-7", relation_id, last_edit=tomorrow) == []
    assert client.calls - before == 1


# --- retries and the outcome of creates ----------------------------------------------------
async def test_get_is_retried_after_server_errors(
    client: InformerClient, state: InformerState
) -> None:
    state.faults.fail_next(2, 500, method="GET", path_prefix="/vat")
    state.faults.fail_next(1, 502, method="GET", path_prefix="/vat")
    vats = await client.vat_codes()
    assert vats
    assert client.calls == 4
    assert [c.status for c in state.calls_for("GET /vat")] == [500, 500, 502, 200]


async def test_get_gives_up_after_max_attempts(make_client: Factory, state: InformerState) -> None:
    client = make_client(max_attempts=3)
    state.faults.fail_next(5, 503, method="GET")
    with pytest.raises(InformerUnavailable) as caught:
        await client.templates()
    assert caught.value.status == 503
    assert caught.value.transient
    assert caught.value.error is None  # a gateway's HTML page, not Informer's Error shape
    assert client.calls == 3


async def test_post_invoice_with_server_error_is_outcome_unknown_never_two(
    client: InformerClient, state: InformerState
) -> None:
    relation_id = seeded_relation_id(state)
    state.faults.fail_next(1, 500, method="POST", path_prefix="/invoices/sales")
    with pytest.raises(InformerOutcomeUnknown) as caught:
        await client.create_invoice(invoice_body(relation_id, reference="ONCE"))
    assert caught.value.status == 500
    assert client.calls == 1  # not repeated by the client
    assert len(state.invoices("demo")) <= 1

    # What the caller does: look it up, create only when it is not there.
    if not await client.find_invoices_by_reference("ONCE", relation_id):
        await client.create_invoice(invoice_body(relation_id, reference="ONCE"))
    stored = [i for i in state.invoices("demo") if i.body.get("reference") == "ONCE"]
    assert len(stored) == 1


async def test_lost_invoice_response_is_outcome_unknown_and_found_by_reference(
    client: InformerClient, state: InformerState
) -> None:
    relation_id = seeded_relation_id(state)
    state.faults.lose_next(1)
    with pytest.raises(InformerOutcomeUnknown) as caught:
        await client.create_invoice(invoice_body(relation_id, reference="LOST-1"))
    assert caught.value.status is None
    assert "invoice" in caught.value.plain_message()
    assert client.calls == 1
    (stored,) = state.invoices("demo")

    found = await client.find_invoices_by_reference("LOST-1", relation_id)
    assert [i.id for i in found] == [stored.id]
    assert found[0].number == stored.number
    assert len(state.invoices("demo")) == 1


async def test_lost_relation_response_is_outcome_unknown(
    client: InformerClient, state: InformerState
) -> None:
    state.faults.lose_next(1, relations=True)
    with pytest.raises(InformerOutcomeUnknown):
        await client.create_relation(company_body(relation_number=5150))
    assert client.calls == 1
    found = await client.find_relation_by_number(5150)
    assert found is not None


async def test_post_before_connecting_is_retried_and_never_unknown(
    session: aiohttp.ClientSession,
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    acquired = 0

    async def acquire() -> None:
        nonlocal acquired
        acquired += 1

    client = InformerClient(
        session,
        f"http://127.0.0.1:{port}/v2",
        SecretStr(API_KEY),
        SecretStr(SECURITY_CODE),
        acquire=acquire,
        backoff=0.01,
        max_attempts=3,
    )
    with pytest.raises(InformerUnavailable) as caught:
        await client.create_invoice(invoice_body(1))
    assert caught.value.status is None
    assert "could not connect" in str(caught.value)
    assert client.calls == acquired == 3


# --- rate limits, the budget hook and timeouts ---------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.acquired = 0
        self.rate_limited: list[float] = []
        self.slept: list[float] = []

    async def acquire(self) -> None:
        self.acquired += 1

    async def on_rate_limited(self, seconds: float) -> None:
        self.rate_limited.append(seconds)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(seconds)


async def test_429_on_get_waits_for_retry_after(make_client: Factory, state: InformerState) -> None:
    recorder = Recorder()
    client = make_client(
        acquire=recorder.acquire, on_rate_limited=recorder.on_rate_limited, sleep=recorder.sleep
    )
    state.limiter.configure(enabled=True, window_seconds=1, window_limit=1)
    await client.currencies()
    currencies = await client.currencies()
    assert currencies
    assert recorder.rate_limited == [1.0]
    assert recorder.slept == [1.0]
    assert [c.status for c in state.calls_for("GET /currencies")] == [200, 429, 200]
    assert recorder.acquired == client.calls == 3


async def test_429_on_post_is_retried_and_books_once(
    make_client: Factory, state: InformerState
) -> None:
    recorder = Recorder()
    client = make_client(
        acquire=recorder.acquire, on_rate_limited=recorder.on_rate_limited, sleep=recorder.sleep
    )
    relation_id = seeded_relation_id(state)
    state.limiter.configure(enabled=True, window_seconds=1, window_limit=1)
    await client.administration()
    created = await client.create_invoice(invoice_body(relation_id, reference="RATE"))
    assert [i.id for i in state.invoices("demo")] == [created.id]
    assert recorder.rate_limited == [1.0]
    assert [c.status for c in state.calls_for("POST /invoices/sales")] == [429, 200]
    assert recorder.acquired == 3


async def test_429_after_every_attempt_is_rate_limited(
    make_client: Factory, state: InformerState
) -> None:
    recorder = Recorder()

    async def no_sleep(seconds: float) -> None:
        recorder.slept.append(seconds)

    client = make_client(max_attempts=2, on_rate_limited=recorder.on_rate_limited, sleep=no_sleep)
    state.limiter.configure(enabled=True, window_seconds=30, window_limit=1)
    await client.ledgers()
    with pytest.raises(InformerRateLimited) as caught:
        await client.ledgers()
    assert caught.value.retry_after == 30.0
    assert caught.value.status == 429
    assert "limit" in caught.value.plain_message()
    assert recorder.rate_limited == [30.0, 30.0]
    assert recorder.slept == [30.0]

    # A Retry-After above max_retry_after is not slept through: raised at once.
    impatient = make_client(max_retry_after=5, on_rate_limited=recorder.on_rate_limited)
    with pytest.raises(InformerRateLimited):
        await impatient.ledgers()
    assert impatient.calls == 1


async def test_acquire_is_awaited_once_per_http_attempt(
    make_client: Factory, state: InformerState
) -> None:
    recorder = Recorder()
    client = make_client(acquire=recorder.acquire)
    relation_id = seeded_relation_id(state)
    state.faults.fail_next(2, 503, method="GET", path_prefix="/relations")
    await client.find_relation_by_number(1001)
    await client.create_invoice(invoice_body(relation_id))
    with pytest.raises(InformerValidationError):
        await client.create_invoice(invoice_body(relation_id, lines=[]))
    assert recorder.acquired == client.calls == len(state.calls) == 5
    assert client.calls_by_endpoint == {"GET /relations": 3, "POST /invoices/sales": 2}


async def test_get_timeout_is_retried(make_client: Factory, state: InformerState) -> None:
    client = make_client(timeout=0.3)
    state.faults.add_latency(1.0, count=1, method="GET", path_prefix="/costs")
    assert await client.cost_centres()
    assert client.calls == 2


async def test_post_timeout_is_outcome_unknown_and_found_afterwards(
    make_client: Factory, state: InformerState
) -> None:
    client = make_client(timeout=0.3)
    relation_id = seeded_relation_id(state)
    state.faults.add_latency(0.6, count=1, method="POST", path_prefix="/invoices/sales")
    with pytest.raises(InformerOutcomeUnknown) as caught:
        await client.create_invoice(invoice_body(relation_id, reference="SLOW"))
    assert "TimeoutError" in str(caught.value)
    assert client.calls == 1
    # The server carried on and stored it after the client gave up.
    await wait_until(lambda: len(state.invoices("demo")) == 1)
    found = await client.find_invoices_by_reference("SLOW", relation_id)
    assert len(found) == 1


async def wait_until(condition: Callable[[], bool], deadline: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not condition():
        assert loop.time() < end, "condition not met in time"
        await asyncio.sleep(0.02)


# --- secrets never leak ---------------------------------------------------------------------
SECRET_KEY = "key-0f9e8d7c6b5a"
SECRET_CODE = "code-1a2b3c4d5e6f"


@asynccontextmanager
async def stub_server(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    """A stand-in that answers every path with ``handler``; yields its ``/v2`` URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/v2"
    finally:
        await runner.cleanup()


def echoing_server(status: int) -> Any:
    """A hostile stand-in that echoes the credentials it received into its error body."""

    async def handler(request: web.Request) -> web.Response:
        echoed = f"{request.headers.get('Apikey')} / {request.headers.get('Securitycode')}"
        error: Any = {"relation_id": echoed} if status == 422 else [echoed]
        return web.json_response({"error": error, "response_code": status}, status=status)

    return stub_server(handler)


def assert_no_secret(*texts: Any) -> None:
    for text in texts:
        dumped = text if isinstance(text, str) else json.dumps(text, default=str)
        assert SECRET_KEY not in dumped
        assert SECRET_CODE not in dumped


@pytest.mark.parametrize(
    ("status", "call"),
    [
        (422, "post"),
        (401, "get"),
        (404, "post"),
        (500, "post"),
        (500, "get"),
        (429, "get"),
    ],
)
async def test_errors_and_logs_never_contain_key_or_code(
    session: aiohttp.ClientSession, status: int, call: str
) -> None:
    async def no_sleep(_: float) -> None:
        return None

    async with echoing_server(status) as url:
        client = InformerClient(
            session,
            url,
            SecretStr(SECRET_KEY),
            SecretStr(SECRET_CODE),
            backoff=0,
            max_attempts=2,
            sleep=no_sleep,
        )
        request: Callable[[], Awaitable[Any]] = (
            (lambda: client.create_invoice({"relation_id": 1}))
            if call == "post"
            else client.administration
        )
        with capture_logs() as logs, pytest.raises(InformerError) as caught:
            await request()
    error = caught.value
    assert error.status == status
    assert "***" in json.dumps(error.error)  # Informer's words kept, credentials masked
    assert_no_secret(str(error), repr(error), error.plain_message(), error.error, repr(client))
    assert_no_secret(*(json.dumps(entry, default=str) for entry in logs))
    if isinstance(error, InformerValidationError):
        assert_no_secret(error.fields)


async def test_connection_errors_never_contain_key_or_code(
    session: aiohttp.ClientSession,
) -> None:
    client = InformerClient(
        session,
        "http://127.0.0.1:9/v2",
        SecretStr(SECRET_KEY),
        SecretStr(SECRET_CODE),
        backoff=0,
        max_attempts=1,
    )
    with pytest.raises(InformerUnavailable) as caught:
        await client.templates()
    assert_no_secret(str(caught.value), repr(caught.value), caught.value.plain_message())


# --- answers that are not what the API describes --------------------------------------------
async def test_unreadable_success_answers(session: aiohttp.ClientSession) -> None:
    async def handler(request: web.Request) -> web.Response:
        if request.method == "POST":
            return web.Response(text="<html>ok</html>", content_type="text/html")
        return web.json_response([{"id": "not a number"}])

    async with stub_server(handler) as url:
        client = InformerClient(session, url, SecretStr(API_KEY), SecretStr(SECURITY_CODE))
        with pytest.raises(InformerUnexpectedResponse):
            await client.templates()
        # A 2xx to a create means it was stored, but without a readable id.
        with pytest.raises(InformerOutcomeUnknown) as caught:
            await client.create_invoice({"relation_id": 1})
        assert caught.value.status == 200
    assert client.calls == 2


def test_models_read_informers_loose_shapes() -> None:
    relation = Relation.model_validate(
        {
            "id": 5001,
            "relation_number": "1001",
            "relation_type": 1,
            "company_name": None,
            "firstname": "An",
            "surname_prefix": "de",
            "surname": "Smet",
            "email": None,
            "last_edit": "2025-03-01 10:00:00",
            "subtype": {"customer": True},
            "something_new": [1, 2],
        }
    )
    assert relation.relation_number == 1001
    assert relation.display_name == "An de Smet"
    assert relation.last_edit == datetime(2025, 3, 1, 10, 0, 0)

    vat = Vat.model_validate({"id": 1, "percentage": Decimal("5.5"), "available": "0"})
    assert vat.available is False
    assert Ledger.model_validate({"id": 1, "blocked": False, "costs": "0"}).blocked is False
    assert PaymentCondition.model_validate({"id": 1, "default": "1"}).default is True
    invoice = SalesInvoice.model_validate(
        {"id": 9, "invoice_date": "2026-03-02", "payment_date": None, "reference": None,
         "totals": {"incl_vat": Decimal("12.10"), "open": 12}, "lines": [{"info": "0"}]}
    )  # fmt: skip
    assert invoice.totals.open == Decimal(12)
    assert invoice.lines[0].info is False
    assert invoice.reference is None
    page = InvoicesPage.model_validate({"invoices": []})
    assert page.pagination.pages == 0


def test_codec_keeps_money_exact() -> None:
    assert dumps_json({"a": Decimal("8.32"), "b": [Decimal("10.00"), 1, "é", None, True]}) == (
        '{"a":8.32,"b":[10.00,1,"é",null,true]}'.encode()
    )
    assert dumps_json({"big": Decimal("1E+3")}) == b'{"big":1000}'
    assert loads_json(b'{"x": 0.1}') == {"x": Decimal("0.1")}
    with pytest.raises(ValueError, match="JSON"):
        dumps_json({"nan": Decimal("NaN")})
    with pytest.raises(ValueError, match="JSON"):
        dumps_json({"when": date(2026, 1, 1)})
