"""The load: KMO Shops order webhooks, signed, sent closed-loop or open-loop."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime
from typing import Any

import aiohttp

CUSTOMERS = 200


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


Signed = tuple[int, bytes, dict[str, str]]
"""An order id with its webhook body and headers, signed before the clock starts: the
load generator shares the machine with what it measures, so it does as little as it
can while measuring (the signature's timestamp stays valid for five minutes)."""


def sign_all(secret: str, orders: list[dict[str, Any]]) -> list[Signed]:
    return [(o["id"], *signed(secret, o)) for o in orders]


async def send_all(
    http: aiohttp.ClientSession, url: str, webhooks: list[Signed], concurrency: int
) -> None:
    pending = iter(webhooks)

    async def sender() -> None:
        for _, body, headers in pending:
            async with http.post(url, data=body, headers=headers) as r:
                if r.status != 200:
                    raise SystemExit(f"webhook answered {r.status}: {await r.text()}")

    await asyncio.gather(*(sender() for _ in range(concurrency)))


async def send_paced(
    http: aiohttp.ClientSession, url: str, webhooks: list[Signed], rate: float
) -> dict[int, float]:
    """Open loop: webhook n is sent at start + n / rate whatever the answers do."""
    sent: dict[int, float] = {}
    start = time.monotonic()
    wall = time.time() - start

    async def one(n: int, order_id: int, body: bytes, headers: dict[str, str]) -> None:
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        sent[order_id] = wall + time.monotonic()
        async with http.post(url, data=body, headers=headers) as r:
            if r.status != 200:
                raise SystemExit(f"webhook answered {r.status}")

    await asyncio.gather(*(one(n, *webhook) for n, webhook in enumerate(webhooks)))
    return sent
