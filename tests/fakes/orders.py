"""A valid KMO Shops order in wire format (API.md's example), for tests to vary."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

EXAMPLE_ORDER: dict[str, Any] = {
    "id": 6224,
    "number": "6224",
    "created_at": "2022-12-06T09:14:03+01:00",
    "updated_at": "2022-12-06T09:20:41+01:00",
    "status": "paid",
    "payment_method": {"code": "bancontact", "name": "Bancontact"},
    "currency": "EUR",
    "prices_include_vat": True,
    "customer": {
        "email": "sophie.fischer@example.de",
        "company": "",
        "firstname": "Sophie",
        "lastname": "Fischer",
        "address1": "Hauptstrasse",
        "address2": "",
        "housenr": "12a",
        "zipcode": "10115",
        "city": "Berlin",
        "isocountry": "DE",
        "telnr": "+49 30 1234567",
        "coc": "",
        "vatnr": "",
    },
    "lines": [
        {
            "id": 1,
            "product_id": 10023,
            "sku": "EXT-18",
            "description": "18-month extension",
            "quantity": 1,
            "unit_price": "200.00",
            "discount": "0.00",
            "vat_rate": "19.00",
            "total": "200.00",
        }
    ],
    "shipping": {"description": "DHL", "amount": "6.95", "vat_rate": "19.00"},
    "payment_fee": None,
    "total": "206.95",
    "vat_total": "33.04",
    "comment": "Please ring twice",
}


def order(**overrides: Any) -> dict[str, Any]:
    result = copy.deepcopy(EXAMPLE_ORDER)
    result.update(overrides)
    return result


def recent_order(order_id: int, **overrides: Any) -> dict[str, Any]:
    """The example order, dated today (Informer refuses dates in a closed period)."""
    now = datetime.now(ZoneInfo("Europe/Brussels")).replace(microsecond=0)
    stamp = now.isoformat()
    return order(id=order_id, number=str(order_id), created_at=stamp, updated_at=stamp) | overrides


def customer(**overrides: Any) -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE_ORDER["customer"]) | overrides
