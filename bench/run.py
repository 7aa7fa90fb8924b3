"""``make bench``: signed webhooks through ingest and processor to the Informer sandbox.

Not a test: it measures. Every service runs as a process on the local PostgreSQL and
RabbitMQ (a database and vhost of its own), the Informer sandbox with its rate limit
off and the processor's budget off. Orders come from known customers, so each should
cost one Informer call. Two phases:

* throughput: ``--orders`` webhooks offered as fast as ``--concurrency`` senders go;
  orders/s = orders / (last invoice recorded − first webhook sent);
* latency: ``--rate`` orders/s offered open-loop for ``--seconds``; p50/p99 from each
  webhook's send to its invoice being recorded.

Throughput swings with whatever else runs on the machine; what an order costs does
not (``bench/meter.py``): CPU milliseconds per order by process group, measured in
each phase until every order is invoiced and projected on the dashboard, the
machine's ceiling that implies (cores / CPU per order), and the database work and
AMQP messages and deliveries per order (a delivery beyond one per message is a second
copy, work for nothing). Prints the figures, then one JSON line: orders_per_s,
p50_ms, p99_ms, informer_calls_per_order, peak_rss_mb (by service), cpu_ms_per_order
(by group, per phase), ceiling_orders_per_s, db_transactions_per_order,
amqp_messages_per_order, amqp_deliveries_per_order, and with ``--count-statements``
statements_per_order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import AMQP, OUTPUT, PG, ROOT, Service, drop, free_port, vhost_create, wait_http
from load import CUSTOMERS, order, send_all, send_paced, sign_all
from meter import (
    BENCH_APPLICATION,
    CpuMeter,
    database_work,
    per_order_ms,
    statement_counts,
    statement_label,
)

from common.crypto import SecretBox
from common.db.migrate import migrate
from common.db.pool import create_pool
from common.installations.models import InstallationFile
from common.installations.repository import create_installation

CORES = os.cpu_count() or 1


async def wait_done(db: asyncpg.Pool, installation: uuid.UUID, count: int, timeout: float) -> None:
    """Until ``count`` orders are invoiced and the dashboard shows them processed."""
    deadline = time.monotonic() + timeout
    done = projected = 0
    while time.monotonic() < deadline:
        done = await db.fetchval(
            "SELECT count(*) FROM order_states WHERE installation_id = $1 AND state = 'invoiced'",
            installation,
        )
        if done >= count:
            projected = await db.fetchval(
                """SELECT count(*) FROM order_views
                    WHERE installation_id = $1 AND outcome = 'processed'""",
                installation,
            )
            if projected >= count:
                return
        await asyncio.sleep(0.1)
    raise SystemExit(f"{done} of {count} orders invoiced, {projected} projected in {timeout}s")


def services_for(
    ports: dict[str, int], env: dict[str, str], processors: int, count: bool
) -> list[Service]:
    sandbox_args = [
        "--host",
        "127.0.0.1",
        "--port",
        str(ports["informer"]),
        "--no-rate-limit",
        "--no-access-log",
    ]
    return [
        Service("informer", "sandbox.informer", sandbox_args, {}),
        Service("ingest", "ingest", [], env | {"HTTP_PORT": str(ports["ingest"])}, count=count),
        *(
            Service(
                f"processor-{n}" if n else "processor",
                "processor",
                [],
                env | {"HTTP_PORT": str(ports[f"processor-{n}" if n else "processor"])},
                count=count,
            )
            for n in range(processors)
        ),
        Service(
            "dashboard", "dashboard", [], env | {"HTTP_PORT": str(ports["dashboard"])}, count=count
        ),
    ]


async def consumed(port: int) -> float:
    """The RabbitMQ deliveries a service's consumers took, from its /metrics."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        text = await response.text()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "k2i_messages_consumed_total"
    )


async def seed_customers(http: aiohttp.ClientSession, sandbox: str) -> None:
    for n in range(CUSTOMERS):
        await http.post(
            f"{sandbox}/administrations/demo/relations",
            json={
                "relation_type": 1,
                "firstname": "An",
                "surname": f"Klant {n}",
                "street": "Kerkstraat",
                "house_number": "12",
                "zip": "9000",
                "city": "Gent",
                "country": "BE",
                "email": f"klant{n}@example.be",
            },
        )


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    OUTPUT.mkdir(exist_ok=True)
    for stale in OUTPUT.glob("statements-*.json"):
        stale.unlink()
    suffix = uuid.uuid4().hex[:8]
    database_url = f"{PG}/k2i_bench_{suffix}"
    vhost = f"k2i-bench-{suffix}"
    await migrate(database_url, create_database=True)
    vhost_create(vhost)
    key = SecretBox.generate_key()
    from pydantic import SecretStr

    box = SecretBox(SecretStr(key))
    spec = json.loads((ROOT / "demo" / "installation.json").read_text())
    db = await create_pool(
        database_url,
        min_size=2,
        max_size=4,
        server_settings={"application_name": BENCH_APPLICATION},
    )
    async with db.acquire() as conn:
        installation, secret = await create_installation(
            conn, box, InstallationFile.model_validate(spec)
        )

    processors = [f"processor-{n}" if n else "processor" for n in range(args.processors)]
    ports = {name: free_port() for name in ("informer", "ingest", *processors, "dashboard")}
    env = {
        "DATABASE_URL": database_url,
        "AMQP_URL": f"{AMQP}/{vhost}",
        "SECRET_KEYS": key,
        "LOG_LEVEL": "WARNING",
        "HTTP_HOST": "127.0.0.1",
        "INFORMER_BASE_URL": f"http://127.0.0.1:{ports['informer']}/v2",
        "INFORMER_BUDGET_ENABLED": "false",
    }
    services = services_for(ports, env, args.processors, args.count_statements)
    cpu: dict[str, dict[str, float]] = {}
    try:
        await wait_http(f"http://127.0.0.1:{ports['informer']}/_sandbox/health")
        for name in ("ingest", "processor", "dashboard"):
            await wait_http(f"http://127.0.0.1:{ports[name]}/readyz")
        sandbox = f"http://127.0.0.1:{ports['informer']}/_sandbox"
        webhook = f"http://127.0.0.1:{ports['ingest']}/webhooks/kmoshops/{installation}"
        meter = CpuMeter(db, {s.name: s.pid for s in services})
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=args.concurrency)
        ) as http:
            await seed_customers(http, sandbox)
            now = datetime.now(ZoneInfo("Europe/Brussels"))
            # Warm-up: index built, options and administration cached.
            await send_all(http, webhook, sign_all(secret, [order(1, now)]), 1)
            await wait_done(db, installation, 1, 60)
            async with http.delete(f"{sandbox}/calls"):
                pass

            first = 2
            ids = list(range(first, first + args.orders))
            webhooks = sign_all(secret, [order(i, now) for i in ids])
            await meter.start()
            started = time.monotonic()
            started_wall = time.time()
            await send_all(http, webhook, webhooks, args.concurrency)
            offered_s = time.monotonic() - started
            await wait_done(db, installation, 1 + len(ids), 300)
            cpu["throughput"] = per_order_ms(await meter.stop(), len(ids))
            elapsed = (
                await db.fetchval(
                    """SELECT extract(epoch FROM max(updated_at))::float8 FROM order_states
                    WHERE installation_id = $1 AND order_id = ANY($2::bigint[])""",
                    installation,
                    ids,
                )
                - started_wall
            )
            throughput = len(ids) / elapsed
            async with http.get(f"{sandbox}/counts") as r:
                counts = await r.json()
            calls = sum(counts.values())

            first = ids[-1] + 1
            total = int(args.rate * args.seconds)
            lat_ids = list(range(first, first + total))
            webhooks = sign_all(secret, [order(i, now) for i in lat_ids])
            await meter.start()
            sent_at = await send_paced(http, webhook, webhooks, args.rate)
            await wait_done(db, installation, 1 + len(ids) + total, 300)
            cpu["latency"] = per_order_ms(await meter.stop(), total)
            rows = await db.fetch(
                """SELECT order_id, extract(epoch FROM updated_at)::float8 AS done FROM order_states
                    WHERE installation_id = $1 AND order_id = ANY($2::bigint[])""",
                installation,
                lat_ids,
            )
            latencies = sorted((r["done"] - sent_at[r["order_id"]]) * 1000 for r in rows)
        rss = {s.name: s.peak_rss_mb() for s in services}
        deliveries = sum(
            [await consumed(http_port) for name, http_port in ports.items() if name != "informer"]
        )
        for service in services:
            service.stop()
        await asyncio.sleep(0.5)  # exited backends have flushed their statistics
        async with db.acquire() as conn:
            work = await database_work(conn)
    finally:
        for service in services:
            service.stop()
        await db.close()
        await drop(database_url, vhost)
    orders = 1 + len(ids) + total
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"throughput: {len(ids)} orders offered in {offered_s:.1f}s, all invoiced in "
        f"{elapsed:.1f}s: {throughput:.0f} orders/s"
    )
    print(
        f"latency at {args.rate:.0f} orders/s offered for {args.seconds:.0f}s: "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms"
    )
    print(f"Informer calls per order (known customers): {calls / len(ids):.3f} ({counts})")
    print(f"peak RSS (MB): {rss}")
    for phase, groups in cpu.items():
        print(f"CPU ms per order ({phase}): {groups}")
    ceiling = CORES * 1000 / cpu["throughput"]["total"]
    print(f"ceiling on {CORES} cores at the throughput phase's CPU per order: {ceiling:.0f}/s")
    tables: dict[str, dict[str, int]] = work["tables"]  # type: ignore[assignment]
    print(f"database, per order of {orders}:")
    for name, t in tables.items():
        print("  " + name + ": " + ", ".join(f"{k} {v / orders:.2f}" for k, v in t.items() if v))
    messages = tables.get("outbox", {}).get("ins", 0) / orders
    transactions = int(work["transactions"]) / orders  # type: ignore[call-overload]
    print(
        f"transactions per order: {transactions:.2f}; AMQP messages per order: {messages:.2f}, "
        f"deliveries per order: {deliveries / orders:.2f}"
    )
    result: dict[str, Any] = {
        "orders_per_s": round(throughput, 1),
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "informer_calls_per_order": round(calls / len(ids), 3),
        "peak_rss_mb": rss,
        "cpu_ms_per_order": cpu,
        "ceiling_orders_per_s": round(ceiling, 1),
        "db_transactions_per_order": round(transactions, 2),
        "amqp_messages_per_order": round(messages, 2),
        "amqp_deliveries_per_order": round(deliveries / orders, 2),
    }
    if args.count_statements:
        by_service = statement_counts(OUTPUT)
        for service, statements in by_service.items():
            print(f"statements of {service}, per order:")
            for sql, n in statements.most_common():
                if n / orders >= 0.01:
                    print(f"  {n / orders:6.2f}  {statement_label(sql)}")
        result["statements_per_order"] = {
            service: round(sum(s.values()) / orders, 2) for service, s in by_service.items()
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processors", type=int, default=1, help="processor replicas")
    parser.add_argument(
        "--count-statements",
        action="store_true",
        help="count every service's SQL round trips (bench/launch.py; costs a little CPU)",
    )
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
