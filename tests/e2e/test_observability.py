"""Metrics scraped from the running services after real traffic, and one order followed
through every service's JSON logs by its correlation id."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from common.messages import order_correlation_id
from tests.e2e.test_order_to_invoice import (  # noqa: F401 - the fixture
    System,
    start_ready,
    system,
)
from tests.fakes.processes import ServiceProcess

pytestmark = pytest.mark.e2e

SHOP = 1234


async def scrape(process: ServiceProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{process.port}/metrics") as response,  # type: ignore[attr-defined]
    ):
        assert response.status == 200
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def log_lines(process: ServiceProcess) -> list[dict[str, object]]:
    lines = []
    for line in process.logs().splitlines():
        if line.startswith("{"):
            lines.append(orjson.loads(line))
    return lines


async def test_metrics_count_the_real_traffic_and_one_correlation_id_follows_an_order(
    system: System,  # noqa: F811 - the imported fixture
) -> None:
    ingest = system.processes[0]
    processor = await start_ready(system, "processor")
    dashboard = await start_ready(system, "dashboard")
    made = system.kmo.generate(SHOP, 5150, 12, scenarios=["domestic_b2c"])
    order_ids = {g.order["id"] for g in made}
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{ingest.port}/webhooks/kmoshops/{system.installation.id}"  # type: ignore[attr-defined]
        async with http.post(
            url, data=b"{}", headers={"X-KMO-Timestamp": "1", "X-KMO-Signature": "forged"}
        ) as response:
            assert response.status == 401
    states = await system.wait_settled(order_ids)
    await asyncio.sleep(1.0)  # the projector's last events

    stored = await system.pool.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE installation_id = $1 AND effect = 'stored'",
        system.installation.id,
    )
    ingest_metrics = await scrape(ingest)
    assert ingest_metrics[("k2i_webhooks_received_total", (("outcome", "stored"),))] == stored
    assert stored >= len(order_ids)
    assert ingest_metrics[("k2i_webhooks_rejected_total", (("reason", "unauthenticated"),))] == 1
    assert ("k2i_outbox_lag_seconds", ()) in ingest_metrics

    outcomes = Counter(row["state"] for row in states.values())
    metrics = await scrape(processor)
    assert metrics[("k2i_orders_total", (("outcome", "invoiced"),))] == outcomes["invoiced"]
    assert outcomes["invoiced"] == len(order_ids)
    assert metrics[("k2i_order_processing_seconds_count", ())] >= len(order_ids)
    consumed = metrics[("k2i_messages_consumed_total", (("queue", "processor.process-order"),))]
    assert consumed >= stored
    installation = (("installation", str(system.installation.id)),)
    assert metrics[("k2i_informer_calls_total", installation)] == len(system.informer.calls)
    assert metrics[("k2i_informer_rate_limited_total", installation)] == 0
    # Shared state (earlier tests' leftovers share the database and vhost): read, not exact.
    assert ("k2i_queue_messages", (("queue", "processor.process-order"),)) in metrics
    assert ("k2i_queue_messages", (("queue", "k2i.dead-letter"),)) in metrics
    assert ("k2i_work_queue_orders", (("state", "queued"),)) in metrics
    assert metrics[("k2i_outbox_lag_seconds", ())] < 60

    # The dashboard's /metrics needs no log-in (like /healthz); a merchant's data is not in it.
    assert ("k2i_outbox_lag_seconds", ()) in await scrape(dashboard)

    order_id = min(order_ids)
    correlation = str(order_correlation_id(system.installation.id, order_id))
    followed = {
        name: [line["event"] for line in log_lines(p) if line.get("correlation_id") == correlation]
        for name, p in (("ingest", ingest), ("processor", processor), ("dashboard", dashboard))
    }
    assert "webhook received" in followed["ingest"]
    assert "order received" in followed["processor"]
    assert "invoice created" in followed["processor"]
    assert followed["dashboard"], "the projector logged nothing under the correlation id"
