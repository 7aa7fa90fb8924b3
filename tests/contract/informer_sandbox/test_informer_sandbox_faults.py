"""Rate limits, injected 5xx, lost responses and latency."""

import asyncio
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from sandbox.informer import InformerState, RateLimitConfig
from sandbox.informer.testing import (
    DE_HEADERS,
    DEMO_HEADERS,
    company_body,
    invoice_body,
)


class FakeClock:
    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01 00:00 UTC
        self.now = start

    def __call__(self) -> float:
        return self.now


# --- rate limits ------------------------------------------------------------------------------
async def test_window_limit_answers_429_then_recovers(
    client: TestClient, state: InformerState
) -> None:
    state.limiter.configure(window_seconds=1.0, window_limit=5)
    remaining = []
    for _ in range(5):
        response = await client.get("/v2/vat", headers=DEMO_HEADERS)
        assert response.status == 200
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
        assert response.headers["X-RateLimit-Limit"] == "5"
    assert remaining == [4, 3, 2, 1, 0]
    limited = await client.get("/v2/vat", headers=DEMO_HEADERS)
    assert limited.status == 429
    body = await limited.json()
    assert body["response_code"] == 429
    assert isinstance(body["error"], str)
    assert limited.headers["Retry-After"] == "1"
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(time.time())
    # Another key has its own budget.
    assert (await client.get("/v2/vat", headers=DE_HEADERS)).status == 200
    await asyncio.sleep(1.05)
    recovered = await client.get("/v2/vat", headers=DEMO_HEADERS)
    assert recovered.status == 200


async def test_refused_calls_do_not_consume_budget(
    client: TestClient, state: InformerState
) -> None:
    clock = FakeClock()
    state.clock = clock
    state.limiter.configure(window_seconds=10.0, window_limit=2)
    for _ in range(3):
        assert (await client.get("/v2/vat", headers={"Apikey": "demo-informer-key"})).status == 401
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200
    clock.now += 4
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200
    clock.now += 4
    for _ in range(3):
        limited = await client.get("/v2/vat", headers=DEMO_HEADERS)
        assert limited.status == 429
    # The first call leaves the rolling window 10 s after it was made: 2 s from now,
    # however many 429s were answered in between.
    assert limited.headers["Retry-After"] == "2"
    clock.now += 2
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200


async def test_daily_limit(client: TestClient, state: InformerState) -> None:
    clock = FakeClock()
    state.clock = clock
    state.limiter.configure(window_seconds=1.0, window_limit=100, daily_limit=3)
    for expected_remaining in ("2", "1", "0"):
        response = await client.get("/v2/vat", headers=DEMO_HEADERS)
        assert response.headers["X-DailyLimit-Remaining"] == expected_remaining
        assert response.headers["X-DailyLimit-Limit"] == "3"
        clock.now += 10
    limited = await client.get("/v2/vat", headers=DEMO_HEADERS)
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) == 86_400 - 30
    clock.now += 86_400 - 30
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200


async def test_rate_limit_can_be_switched_off(client: TestClient, state: InformerState) -> None:
    state.limiter.configure(enabled=False, window_limit=1)
    for _ in range(5):
        response = await client.get("/v2/vat", headers=DEMO_HEADERS)
        assert response.status == 200


def test_configure_refuses_unknown_settings() -> None:
    with pytest.raises(ValueError, match="unknown"):
        InformerState(rate_limit=RateLimitConfig()).limiter.configure(per_hour=5)


# --- 5xx --------------------------------------------------------------------------------------
async def test_injected_5xx_changes_nothing_and_runs_out(
    client: TestClient, state: InformerState
) -> None:
    relation_id = state.relations("demo")[0].id
    state.faults.fail_next(2, status=503, method="POST", path_prefix="/invoices/sales")
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200
    for _ in range(2):
        response = await client.post(
            "/v2/invoices/sales", json=invoice_body(relation_id), headers=DEMO_HEADERS
        )
        assert response.status == 503
        assert response.content_type == "text/html"
    assert state.invoices("demo") == []
    response = await client.post(
        "/v2/invoices/sales", json=invoice_body(relation_id), headers=DEMO_HEADERS
    )
    assert response.status == 200
    assert [c.status for c in state.calls_for("POST /invoices/sales")] == [503, 503, 200]


async def test_injected_500_uses_the_error_shape(client: TestClient, state: InformerState) -> None:
    state.faults.fail_next(1, status=500)
    response = await client.get("/v2/relations", headers=DEMO_HEADERS)
    assert response.status == 500
    assert (await response.json())["response_code"] == 500


def test_only_server_errors_can_be_injected() -> None:
    with pytest.raises(ValueError, match="status"):
        InformerState().faults.fail_next(1, status=404)


# --- lost responses ---------------------------------------------------------------------------
async def test_lost_invoice_response_stores_the_invoice_and_drops_the_connection(
    client: TestClient, state: InformerState
) -> None:
    relation_id = state.relations("demo")[0].id
    state.faults.lose_next(1)
    body = invoice_body(relation_id, reference="LOST-1")
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await client.post("/v2/invoices/sales", json=body, headers=DEMO_HEADERS)
    [stored] = state.invoices("demo")
    assert stored.body["reference"] == "LOST-1"
    [record] = state.calls_for("POST /invoices/sales")
    assert record.lost
    assert record.status is None
    # The next call answers normally, and the stored invoice can be found again.
    listed = await client.get("/v2/invoices/sales", headers=DEMO_HEADERS)
    references = [i["reference"] for i in (await listed.json())["invoices"]]
    assert references == ["LOST-1"]


async def test_lost_relation_response(client: TestClient, state: InformerState) -> None:
    state.faults.lose_next(1, relations=True)
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await client.post(
            "/v2/relations", json=company_body(relation_number=4711), headers=DEMO_HEADERS
        )
    assert 4711 in {r.relation_number for r in state.relations("demo")}
    response = await client.post("/v2/relations", json=company_body(), headers=DEMO_HEADERS)
    assert response.status == 200


async def test_lost_mode_for_invoices_leaves_relations_alone(
    client: TestClient, state: InformerState
) -> None:
    state.faults.lose_next(1)
    response = await client.post("/v2/relations", json=company_body(), headers=DEMO_HEADERS)
    assert response.status == 200
    assert state.faults.lost_invoices == 1


# --- latency ----------------------------------------------------------------------------------
async def test_latency_delays_matching_calls(client: TestClient, state: InformerState) -> None:
    state.faults.add_latency(0.3, count=1, path_prefix="/vat")
    started = time.monotonic()
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    await client.get("/v2/vat", headers=DEMO_HEADERS)
    await client.get("/v2/ledgers", headers=DEMO_HEADERS)
    assert time.monotonic() - started < 0.3


async def test_latency_lets_a_client_timeout_fire(client: TestClient, state: InformerState) -> None:
    state.faults.add_latency(0.5)
    with pytest.raises(asyncio.TimeoutError):
        await client.get(
            "/v2/administration", headers=DEMO_HEADERS, timeout=aiohttp.ClientTimeout(total=0.1)
        )


async def test_injected_5xx_consumes_budget_and_carries_limit_headers(
    client: TestClient, state: InformerState
) -> None:
    state.clock = FakeClock()
    state.limiter.configure(window_seconds=60.0, window_limit=2)
    state.faults.fail_next(1, status=502)
    failed = await client.get("/v2/vat", headers=DEMO_HEADERS)
    assert failed.status == 502
    assert failed.headers["X-RateLimit-Remaining"] == "1"
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 200
    assert (await client.get("/v2/vat", headers=DEMO_HEADERS)).status == 429
