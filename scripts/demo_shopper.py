"""Keeps the demo alive: places a generated order in the KMO Shops sandbox now and then.

    python scripts/demo_shopper.py [--sandbox-url URL] [--shop-id N] [--every SECONDS]

Each order reaches ingest as a signed webhook, then the processor books it in the
Informer sandbox, exactly as a real shop's would. Stdlib and aiohttp only.
"""

from __future__ import annotations

import argparse
import asyncio
import random

import aiohttp


async def shop(sandbox_url: str, shop_id: int, every: float) -> None:
    seed = random.randrange(1_000_000)
    async with aiohttp.ClientSession() as http:
        while True:
            seed += 1
            try:
                async with http.post(
                    f"{sandbox_url}/_sandbox/shops/{shop_id}/orders/generate",
                    json={"seed": seed, "count": 1, "include_invalid": seed % 5 == 0},
                ) as response:
                    made = await response.json()
                print(f"placed order: {made}", flush=True)
            except (aiohttp.ClientError, ValueError) as exc:
                print(f"sandbox not answering ({exc!r}); trying again", flush=True)
            await asyncio.sleep(every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sandbox-url", default="http://127.0.0.1:8101")
    parser.add_argument("--shop-id", type=int, default=1234)
    parser.add_argument("--every", type=float, default=30.0)
    args = parser.parse_args()
    asyncio.run(shop(args.sandbox_url, args.shop_id, args.every))


if __name__ == "__main__":
    main()
