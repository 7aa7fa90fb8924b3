"""Orders, configurations and Informer options for the domain tests.

The ids follow the Informer sandbox's ``demo`` administration (BE), so that drafts built
here can also be checked against the sandbox's own validation.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from common.installations.models import InstallationConfig
from common.messages.orders import ShopOrder
from processor.domain import InformerOptions
from tests.fakes.orders import EXAMPLE_ORDER

SHOP_COUNTRY = "BE"
SHOP_TZ = "Europe/Brussels"

VAT_BE_21, VAT_BE_12, VAT_BE_6, VAT_BE_0 = 101, 102, 103, 104
VAT_ICP, VAT_EXPORT, VAT_SHIFTED = 105, 106, 107
VAT_DE_19, VAT_DE_7 = 120, 121
VAT_FR_20, VAT_FR_5_5 = 131, 133
VAT_NL_21, VAT_NL_9 = 163, 164
LEDGER_BE, LEDGER_OSS, LEDGER_ICP, LEDGER_EXPORT, LEDGER_PROJECTS = 8001, 8002, 8003, 8004, 8005
COSTS = 31
FIXED_CASH = 4242
CURRENCY_EUR, CURRENCY_USD = 1, 2


def _ledger(ledger_id: int) -> dict[str, Any]:
    costs = {LEDGER_ICP: "disabled", LEDGER_EXPORT: "disabled", LEDGER_PROJECTS: "required"}
    return {
        "id": ledger_id,
        "number": str(700000 + ledger_id),
        "description": f"Omzet {ledger_id}",
        "costs": costs.get(ledger_id, "optional"),
    }


def _vat(
    vat_id: int, name: str, percentage: float, options: list[str], ledgers: list[int]
) -> dict[str, Any]:
    every = ["incl", "excl", "shifted", "icv_within_eu", "icv_outside_eu"]
    return {
        "id": vat_id,
        "name": name,
        "percentage": percentage,  # a float, as json.loads gives it
        "vat_options": {option: option in options for option in every},
        "usable_ledgers": [_ledger(i) for i in ledgers],
    }


NORMAL = ["incl", "excl"]
OPTIONS_JSON: list[dict[str, Any]] = [
    _vat(VAT_BE_21, "BTW 21%", 21.0, NORMAL, [LEDGER_BE, LEDGER_PROJECTS]),
    _vat(VAT_BE_12, "BTW 12%", 12.0, NORMAL, [LEDGER_BE]),
    _vat(VAT_BE_6, "BTW 6%", 6.0, NORMAL, [LEDGER_BE]),
    _vat(VAT_BE_0, "BTW 0%", 0.0, NORMAL, [LEDGER_BE]),
    _vat(VAT_ICP, "0% ICP", 0.0, ["icv_within_eu"], [LEDGER_ICP]),
    _vat(VAT_EXPORT, "0% export", 0.0, ["icv_outside_eu"], [LEDGER_EXPORT]),
    _vat(VAT_SHIFTED, "BTW verlegd", 0.0, ["shifted"], [LEDGER_BE]),
    _vat(VAT_DE_19, "OSS DE 19%", 19.0, NORMAL, [LEDGER_OSS]),
    _vat(VAT_DE_7, "OSS DE 7%", 7.0, NORMAL, [LEDGER_OSS]),
    _vat(VAT_FR_20, "OSS FR 20%", 20.0, NORMAL, [LEDGER_OSS]),
    _vat(VAT_FR_5_5, "OSS FR 5.5%", 5.5, NORMAL, [LEDGER_OSS]),
    _vat(VAT_NL_21, "OSS NL 21%", 21.0, NORMAL, [LEDGER_OSS]),
    _vat(VAT_NL_9, "OSS NL 9%", 9.0, NORMAL, [LEDGER_OSS]),
]
OPTIONS = InformerOptions.from_json(OPTIONS_JSON)


def pair(vat_id: int, ledger_id: int) -> dict[str, int]:
    return {"vat_id": vat_id, "ledger_id": ledger_id}


VAT_TABLE: dict[str, dict[str, dict[str, int]]] = {
    "BE": {
        "21.00": pair(VAT_BE_21, LEDGER_BE),
        "12.00": pair(VAT_BE_12, LEDGER_BE),
        "6.00": pair(VAT_BE_6, LEDGER_BE),
        "0.00": pair(VAT_BE_0, LEDGER_BE),
    },
    "DE": {"19.00": pair(VAT_DE_19, LEDGER_OSS), "7.00": pair(VAT_DE_7, LEDGER_OSS)},
    "FR": {"20.00": pair(VAT_FR_20, LEDGER_OSS), "5.50": pair(VAT_FR_5_5, LEDGER_OSS)},
    "NL": {"21.00": pair(VAT_NL_21, LEDGER_OSS), "9.00": pair(VAT_NL_9, LEDGER_OSS)},
}


def config_dict(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "template_id": 1,
        "payment_condition_id": 1,
        "currencies": {"EUR": CURRENCY_EUR, "USD": CURRENCY_USD},
        "vat_table": copy.deepcopy(VAT_TABLE),
        "icp": pair(VAT_ICP, LEDGER_ICP),
        "international": pair(VAT_EXPORT, LEDGER_EXPORT),
        "fixed_debtors": {"cash": FIXED_CASH},
        "costs_id": None,
    }
    spec.update(overrides)
    return spec


def make_config(**overrides: Any) -> InstallationConfig:
    return InstallationConfig.model_validate(config_dict(**overrides))


def cents(value: Decimal) -> str:
    return f"{value:.2f}"


def line(
    id: int = 1,
    description: str = "Bidon",
    quantity: int = 1,
    unit_price: str = "10.00",
    discount: str = "0.00",
    vat_rate: str = "21.00",
) -> dict[str, Any]:
    total = quantity * Decimal(unit_price) - Decimal(discount)
    return {
        "id": id,
        "product_id": None,
        "sku": f"SKU-{id}",
        "description": description,
        "quantity": quantity,
        "unit_price": unit_price,
        "discount": discount,
        "vat_rate": vat_rate,
        "total": cents(total),
    }


def charge(description: str, amount: str, vat_rate: str = "21.00") -> dict[str, Any]:
    return {"description": description, "amount": amount, "vat_rate": vat_rate}


def _vat_of(amount: Decimal, rate: Decimal, incl: bool) -> Decimal:
    if incl:
        return (amount * rate / (100 + rate)).quantize(Decimal("0.01"))
    return (amount * rate / 100).quantize(Decimal("0.01"))


def order_dict(
    *, customer: dict[str, Any] | None = None, consistent: bool = True, **overrides: Any
) -> dict[str, Any]:
    """API.md's example, with overrides; the customer is merged field by field.

    With ``consistent`` (the default), ``total`` and ``vat_total`` are recomputed from the
    lines and charges unless given, so each test states only what it is about.
    """
    data = copy.deepcopy(EXAMPLE_ORDER)
    data["customer"] = {
        **data["customer"],
        "isocountry": "BE",
        "address1": "Kerkstraat 12",
        "housenr": "",
        "zipcode": "2000",
        "city": "Antwerpen",
        "email": "sophie@example.be",
        **(customer or {}),
    }
    data["lines"] = [line()]
    data["shipping"] = charge("bpost", "6.95")
    data.update({k: v for k, v in overrides.items() if k not in {"total", "vat_total"}})
    if consistent:
        incl = data["prices_include_vat"]
        items = [(Decimal(item["total"]), Decimal(item["vat_rate"])) for item in data["lines"]]
        for c in (data["shipping"], data["payment_fee"]):
            if c is not None:
                items.append((Decimal(c["amount"]), Decimal(c["vat_rate"])))
        base = sum((amount for amount, _ in items), Decimal("0.00"))
        vat = sum((_vat_of(amount, rate, incl) for amount, rate in items), Decimal("0.00"))
        data["vat_total"] = cents(vat)
        data["total"] = cents(base if incl else base + vat)
    for key in ("total", "vat_total"):
        if key in overrides:
            data[key] = overrides[key]
    return data


def make_order(*, customer: dict[str, Any] | None = None, **overrides: Any) -> ShopOrder:
    return ShopOrder.model_validate(order_dict(customer=customer, **overrides))
