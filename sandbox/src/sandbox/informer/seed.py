"""Turn seed data (the default, or a JSON file of the same shape) into administrations."""

from decimal import Decimal
from pathlib import Path
from typing import Any

from sandbox.informer import jsonutil
from sandbox.informer.model import (
    VAT_OPTIONS,
    Administration,
    CostCentre,
    Currency,
    Ledger,
    PaymentCondition,
    Product,
    Template,
    Vat,
)

ADMINISTRATION_INFO_FIELDS = (
    "company_name", "contact", "address", "house_number", "house_number_suffix", "zip",
    "city", "country", "email", "phone_number", "mobile", "web", "coc", "vat", "oin",
    "iban", "bic",
)  # fmt: skip


class SeedError(ValueError):
    pass


def load_seed_file(path: str | Path) -> dict[str, Any]:
    data = jsonutil.loads(Path(path).read_bytes())
    if not isinstance(data, dict) or not isinstance(data.get("administrations"), list):
        raise SeedError("a seed file is an object with an 'administrations' list")
    return data


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _by_id(items: list[Any]) -> dict[int, Any]:
    result = {item.id: item for item in items}
    if len(result) != len(items):
        raise SeedError("duplicate id in seed list")
    return result


def build_administration(data: dict[str, Any]) -> Administration:
    """Build one administration (without its relations, which the state adds)."""
    try:
        slug = str(data["slug"])
        ledgers = _by_id([Ledger(**item) for item in data.get("ledgers", [])])
        vats = _by_id([_vat(item) for item in data.get("vat_rates", [])])
        for vat in vats.values():
            unknown = set(vat.ledger_ids) - ledgers.keys()
            if unknown:
                raise SeedError(f"vat {vat.id} names unknown ledgers {sorted(unknown)}")
        blocked = data.get("blocked_period")
        return Administration(
            slug=slug,
            api_key=str(data["api_key"]),
            security_code=str(data["security_code"]),
            key_id=str(data.get("key_id") or f"{slug}-key"),
            info={name: data.get(name) for name in ADMINISTRATION_INFO_FIELDS},
            country=str(data["country"]).upper(),
            trade=bool(data.get("modules", {}).get("trade", False)),
            blocked_period=(int(blocked["year"]), int(blocked["month"])) if blocked else None,
            ledgers=ledgers,
            vats=vats,
            templates=_by_id([Template(**item) for item in data.get("templates", [])]),
            payment_conditions=_by_id(
                [PaymentCondition(**item) for item in data.get("payment_conditions", [])]
            ),
            currencies=_by_id(
                [
                    Currency(**{**item, "rate": _dec(item.get("rate", 1))})
                    for item in data.get("currencies", [])
                ]
            ),
            costs=_by_id([CostCentre(**item) for item in data.get("costs", [])]),
            products=_by_id(
                [
                    Product(**{**item, "price": _dec(item["price"])})
                    for item in data.get("products", [])
                ]
            ),
        )
    except (KeyError, TypeError) as exc:
        raise SeedError(f"bad administration in seed: {exc!r}") from exc


def _vat(item: dict[str, Any]) -> Vat:
    options = frozenset(item.get("vat_options", ()))
    if not options <= set(VAT_OPTIONS):
        raise SeedError(f"vat {item.get('id')}: unknown vat_options {sorted(options)}")
    return Vat(
        id=int(item["id"]),
        name=str(item["name"]),
        percentage=_dec(item["percentage"]),
        vat_options=options,
        ledger_ids=tuple(int(i) for i in item.get("ledgers", ())),
        vat_code=item.get("vat_code"),
        available=bool(item.get("available", True)),
    )
