"""``python bench/dashboard_pages.py``: how fast the dashboard's lists page over a
million orders. Not a test: it measures.

Makes a database of its own (migrated), one installation with ``--orders`` rows in
``order_views`` (90 % processed, 7 % failed, 3 % waiting, spread over two years), and
times the dashboard's own queries (dashboard.orders.queries) for: the first page of
Report, a page deep in the list (keyset cursor), a month's period, a search by order
number, the menu counts; then prints EXPLAIN (ANALYZE, BUFFERS) of the deep page, so
the index range scan is visible. Drops the database at the end (``--keep`` to keep).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.db.migrate import migrate
from common.db.pool import create_pool
from dashboard.orders import queries

SEED = """
INSERT INTO order_views (installation_id, order_id, number, outcome, shop_status,
    order_created_at, total, currency, customer_name, customer_email, invoice_id,
    invoice_number, invoice_url, invoice_date, last_event_at)
SELECT $1, n, n::text,
       CASE WHEN n % 100 < 90 THEN 'processed' WHEN n % 100 < 97 THEN 'failed'
            ELSE 'waiting' END,
       'paid', now() - (($2 - n) * interval '63 seconds'), (n % 500) + 0.95, 'EUR',
       'Customer ' || (n % 5000), 'c' || (n % 5000) || '@example.be', n, 'F-' || n,
       'https://app.informer.eu/sales-invoice/' || n, current_date, now()
  FROM generate_series($3::bigint, $4::bigint) AS n
"""


async def timed(label: str, runs: int, work: Callable[[], Awaitable[object]]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - start) * 1000)
    p50 = statistics.median(samples)
    print(f"{label:<34} p50 {p50:7.2f} ms   max {max(samples):7.2f} ms   ({runs} runs)")
    return p50


async def main(args: argparse.Namespace) -> None:
    name = f"k2i_bench_pages_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{args.server}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.server}/{name}"
    try:
        await migrate(url)
        pool = await create_pool(url, min_size=1, max_size=2)
        installation = uuid.uuid4()
        await pool.execute(
            """INSERT INTO installations (id, name, status, shop_country, shop_timezone,
                   webhook_secret) VALUES ($1, 'bench', 'setup', 'BE', 'Europe/Brussels', '')""",
            installation,
        )
        start = time.perf_counter()
        step = 200_000
        for low in range(1, args.orders + 1, step):
            high = min(low + step - 1, args.orders)
            await pool.execute(SEED, installation, args.orders, low, high)
        await pool.execute("VACUUM ANALYZE order_views")
        print(f"seeded {args.orders:,} orders in {time.perf_counter() - start:.1f} s\n")
        zone = "Europe/Brussels"
        async with pool.acquire() as conn:
            first = await queries.list_orders(
                conn, installation, "processed", queries.Filters(), zone
            )
            deep_row = await conn.fetchrow(
                """SELECT order_created_at, order_id FROM order_views
                    WHERE installation_id = $1 AND outcome = 'processed'
                    ORDER BY order_created_at DESC, order_id DESC OFFSET $2 LIMIT 1""",
                installation,
                int(args.orders * 0.9 * 0.8),
            )
            deep = queries.Filters(after=(deep_row["order_created_at"], deep_row["order_id"]))
            month = queries.Filters(since=date(2025, 6, 1), until=date(2025, 6, 30))
            search = queries.Filters(number=str(args.orders // 3))
            results = {
                "first_page": await timed(
                    "Report, first page (50)",
                    args.runs,
                    lambda: queries.list_orders(
                        conn, installation, "processed", queries.Filters(), zone
                    ),
                ),
                "deep_page": await timed(
                    "Report, page at 80 % depth",
                    args.runs,
                    lambda: queries.list_orders(conn, installation, "processed", deep, zone),
                ),
                "next_page": await timed(
                    "Report, next page by cursor",
                    args.runs,
                    lambda: queries.list_orders(
                        conn,
                        installation,
                        "processed",
                        queries.parse_filters({"after": first.next_cursor or ""}),
                        zone,
                    ),
                ),
                "month": await timed(
                    "Errors, one month",
                    args.runs,
                    lambda: queries.list_orders(conn, installation, "failed", month, zone),
                ),
                "search": await timed(
                    "Report, search by number",
                    args.runs,
                    lambda: queries.list_orders(conn, installation, "processed", search, zone),
                ),
                "counts": await timed(
                    "menu counts", args.runs, lambda: queries.counts(conn, installation)
                ),
            }
            plan = await conn.fetch(
                f"""EXPLAIN (ANALYZE, BUFFERS)
                    SELECT {queries.COLUMNS} FROM order_views
                     WHERE installation_id = $1 AND outcome = 'processed'
                       AND (order_created_at, order_id) < ($2, $3)
                     ORDER BY order_created_at DESC, order_id DESC LIMIT 51""",
                installation,
                deep_row["order_created_at"],
                deep_row["order_id"],
            )
        print("\nEXPLAIN ANALYZE, the deep page:")
        for row in plan:
            print("  " + row[0])
        print("\n" + str({k: round(v, 2) for k, v in results.items()}))
        await pool.close()
    finally:
        if not args.keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true")
    asyncio.run(main(parser.parse_args()))
