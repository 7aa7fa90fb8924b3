"""``make bench``: signed webhooks through ingest and processor to the Informer sandbox.

Not a test: it measures. Every service runs as a process on the local PostgreSQL and
RabbitMQ (a database and vhost of its own), the Informer sandbox with its rate limit
off and the processor's budget off. Orders come from known customers, so each should
cost one Informer call. Two phases:

* throughput: ``--orders`` webhooks offered as fast as ``--concurrency`` senders go;
  orders/s = orders / (last invoice recorded − first webhook sent);
* latency: ``--rate`` orders/s offered open-loop for ``--seconds``; p50/p99 from each
  webhook's send to its invoice being recorded.

Prints the figures, then one JSON line: orders_per_s, p50_ms, p99_ms,
informer_calls_per_order, peak_rss_mb (by service).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.crypto import SecretBox
from common.db.migrate import migrate
from common.db.pool import create_pool
from common.installations.models import InstallationFile
from common.installations.repository import create_installation

PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
AMQP = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
CUSTOMERS = 200


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (ROOT / "test-output" / f"bench-{name}.log").open("w")
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, *args], env=os.environ | env, stdout=log, stderr=log
        )

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
        return round(kb / 1024, 1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not come up; see test-output/bench-*.log")


def vhost_create(name: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=False, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )


async def drop(database_url: str, vhost: str) -> None:
    """Leave nothing behind: idle quorum queues of old runs would cost the next one."""
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False, capture_output=True)
    name = database_url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def order(order_id: int, now: datetime) -> dict[str, Any]:
    customer = order_id % CUSTOMERS
    stamp = now.isoformat(timespec="seconds")
    return {
        "id": order_id,
        "number": str(order_id),
        "created_at": stamp,
        "updated_at": stamp,
        "status": "paid",
        "payment_method": {"code": "bancontact", "name": "Bancontact"},
        "currency": "EUR",
        "prices_include_vat": True,
        "customer": {
            "email": f"klant{customer}@example.be",
            "company": "",
            "firstname": "An",
            "lastname": f"Klant {customer}",
            "address1": "Kerkstraat",
            "address2": "",
            "housenr": "12",
            "zipcode": "9000",
            "city": "Gent",
            "isocountry": "BE",
            "telnr": "",
            "coc": "",
            "vatnr": "",
        },
        "lines": [
            {
                "id": 1,
                "product_id": 1,
                "sku": "MUG",
                "description": "Koffiemok",
                "quantity": 3,
                "unit_price": "8.33",
                "discount": "0.01",
                "vat_rate": "21.00",
                "total": "24.98",
            },
        ],
        "shipping": {"description": "Bpost", "amount": "6.95", "vat_rate": "21.00"},
        "payment_fee": None,
        "total": "31.93",
        "vat_total": "5.54",
        "comment": "",
    }


def signed(secret: str, data: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    delivery = str(uuid.uuid4())
    body = json.dumps(
        {
            "id": delivery,
            "topic": "order.created",
            "shop_id": 1234,
            "created_at": data["created_at"],
            "data": data,
        }
    ).encode()
    stamp = str(int(time.time()))
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {
        "Content-Type": "application/json",
        "X-KMO-Topic": "order.created",
        "X-KMO-Delivery": delivery,
        "X-KMO-Timestamp": stamp,
        "X-KMO-Signature": f"sha256={mac}",
    }


async def wait_invoiced(
    db: asyncpg.Pool, installation: uuid.UUID, count: int, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = await db.fetchval(
            "SELECT count(*) FROM order_states WHERE installation_id = $1 AND state = 'invoiced'",
            installation,
        )
        if done >= count:
            return
        await asyncio.sleep(0.25)
    raise SystemExit(f"only {done} of {count} orders invoiced within {timeout}s")


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    (ROOT / "test-output").mkdir(exist_ok=True)
    suffix = uuid.uuid4().hex[:8]
    database_url = f"{PG}/k2i_bench_{suffix}"
    vhost = f"k2i-bench-{suffix}"
    await migrate(database_url, create_database=True)
    vhost_create(vhost)
    key = SecretBox.generate_key()
    from pydantic import SecretStr

    box = SecretBox(SecretStr(key))
    spec = json.loads((ROOT / "demo" / "installation.json").read_text())
    db = await create_pool(database_url, min_size=1, max_size=4)
    async with db.acquire() as conn:
        installation, secret = await create_installation(
            conn, box, InstallationFile.model_validate(spec)
        )

    ports = {name: free_port() for name in ("informer", "ingest", "processor", "dashboard")}
    env = {
        "DATABASE_URL": database_url,
        "AMQP_URL": f"{AMQP}/{vhost}",
        "SECRET_KEYS": key,
        "LOG_LEVEL": "WARNING",
        "HTTP_HOST": "127.0.0.1",
        "INFORMER_BASE_URL": f"http://127.0.0.1:{ports['informer']}/v2",
        "INFORMER_BUDGET_ENABLED": "false",
    }
    services = [
        Service(
            "informer",
            [
                "-m",
                "sandbox.informer",
                "--host",
                "127.0.0.1",
                "--port",
                str(ports["informer"]),
                "--no-rate-limit",
            ],
            {},
        ),
        Service("ingest", ["-m", "ingest"], env | {"HTTP_PORT": str(ports["ingest"])}),
        *(
            Service(
                f"processor-{n}" if n else "processor",
                ["-m", "processor"],
                env | {"HTTP_PORT": str(ports["processor"] if n == 0 else free_port())},
            )
            for n in range(args.processors)
        ),
        Service("dashboard", ["-m", "dashboard"], env | {"HTTP_PORT": str(ports["dashboard"])}),
    ]
    try:
        await wait_http(f"http://127.0.0.1:{ports['informer']}/_sandbox/health")
        for name in ("ingest", "processor", "dashboard"):
            await wait_http(f"http://127.0.0.1:{ports[name]}/readyz")
        sandbox = f"http://127.0.0.1:{ports['informer']}/_sandbox"
        webhook = f"http://127.0.0.1:{ports['ingest']}/webhooks/kmoshops/{installation}"
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=args.concurrency)
        ) as http:
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
            now = datetime.now(ZoneInfo("Europe/Brussels"))
            # Warm-up: index built, options and administration cached.
            await send_all(http, webhook, secret, [order(1, now)], args.concurrency)
            await wait_invoiced(db, installation, 1, 60)
            async with http.delete(f"{sandbox}/calls"):
                pass

            first = 2
            ids = list(range(first, first + args.orders))
            started = time.monotonic()
            started_wall = time.time()
            await send_all(http, webhook, secret, [order(i, now) for i in ids], args.concurrency)
            offered_s = time.monotonic() - started
            await wait_invoiced(db, installation, 1 + len(ids), 300)
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
            sent_at = await send_paced(
                http, webhook, secret, [order(i, now) for i in lat_ids], args.rate
            )
            await wait_invoiced(db, installation, 1 + len(ids) + total, 300)
            rows = await db.fetch(
                """SELECT order_id, extract(epoch FROM updated_at)::float8 AS done FROM order_states
                    WHERE installation_id = $1 AND order_id = ANY($2::bigint[])""",
                installation,
                lat_ids,
            )
            latencies = sorted((r["done"] - sent_at[r["order_id"]]) * 1000 for r in rows)
        rss = {s.name: s.peak_rss_mb() for s in services}
    finally:
        for service in services:
            service.stop()
        await db.close()
        await drop(database_url, vhost)
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
    return {
        "orders_per_s": round(throughput, 1),
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "informer_calls_per_order": round(calls / len(ids), 3),
        "peak_rss_mb": rss,
    }


async def send_all(
    http: aiohttp.ClientSession,
    url: str,
    secret: str,
    orders: list[dict[str, Any]],
    concurrency: int,
) -> None:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for o in orders:
        queue.put_nowait(o)

    async def sender() -> None:
        while not queue.empty():
            body, headers = signed(secret, queue.get_nowait())
            async with http.post(url, data=body, headers=headers) as r:
                if r.status != 200:
                    raise SystemExit(f"webhook answered {r.status}: {await r.text()}")

    await asyncio.gather(*(sender() for _ in range(concurrency)))


async def send_paced(
    http: aiohttp.ClientSession, url: str, secret: str, orders: list[dict[str, Any]], rate: float
) -> dict[int, float]:
    """Open loop: order n is sent at start + n / rate whatever the answers do."""
    sent: dict[int, float] = {}
    start = time.monotonic()
    wall = time.time() - start

    async def one(n: int, data: dict[str, Any]) -> None:
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        body, headers = signed(secret, data)
        sent[data["id"]] = wall + time.monotonic()
        async with http.post(url, data=body, headers=headers) as r:
            if r.status != 200:
                raise SystemExit(f"webhook answered {r.status}")

    await asyncio.gather(*(one(n, o) for n, o in enumerate(orders)))
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processors", type=int, default=1, help="processor replicas")
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
