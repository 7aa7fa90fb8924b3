"""Shape check of an order against kmoshops/API.md.

The sandbox never serves an order whose shape breaks the contract, so orders created
through the control API pass through here. Business validity (totals, VAT rules) is
deliberately not checked: the generator's invalid scenarios must be storable.
"""

import re
from typing import Any

from sandbox.kmoshops.model import STATUSES, parse_rfc3339

_MONEY = re.compile(r"^\d+\.\d{2}$")
_RATE = re.compile(r"^\d{1,2}\.\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")

ORDER_KEYS = (
    "id",
    "number",
    "created_at",
    "updated_at",
    "status",
    "payment_method",
    "currency",
    "prices_include_vat",
    "customer",
    "lines",
    "shipping",
    "payment_fee",
    "total",
    "vat_total",
    "comment",
)
CUSTOMER_KEYS = (
    "email",
    "company",
    "firstname",
    "lastname",
    "address1",
    "address2",
    "housenr",
    "zipcode",
    "city",
    "isocountry",
    "telnr",
    "coc",
    "vatnr",
)
LINE_KEYS = (
    "id",
    "product_id",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "discount",
    "vat_rate",
    "total",
)
CHARGE_KEYS = ("description", "amount", "vat_rate")


class OrderShapeError(ValueError):
    pass


def order_problems(order: Any) -> list[str]:
    """Every way the order departs from the documented shape; empty when it conforms."""
    problems: list[str] = []
    if not isinstance(order, dict):
        return ["the order must be a JSON object"]
    _keys(order, ORDER_KEYS, "order", problems)
    _int(order.get("id"), "id", problems)
    _str(order.get("number"), "number", problems)
    for name in ("created_at", "updated_at"):
        _timestamp(order.get(name), name, problems)
    if order.get("status") not in STATUSES:
        problems.append(f"status must be one of {', '.join(STATUSES)}")
    method = order.get("payment_method")
    if not isinstance(method, dict) or set(method) != {"code", "name"}:
        problems.append("payment_method must be an object with exactly code and name")
    else:
        _str(method["code"], "payment_method.code", problems)
        _str(method["name"], "payment_method.name", problems)
    if not isinstance(order.get("currency"), str) or not _CURRENCY.match(order["currency"]):
        problems.append("currency must be an ISO 4217 code such as EUR")
    if not isinstance(order.get("prices_include_vat"), bool):
        problems.append("prices_include_vat must be true or false")
    _customer(order.get("customer"), problems)
    lines = order.get("lines")
    if not isinstance(lines, list) or not lines:
        problems.append("lines must be a non-empty list")
    else:
        for index, line in enumerate(lines):
            _line(line, f"lines[{index}]", problems)
    for name in ("shipping", "payment_fee"):
        _charge(order.get(name), name, problems)
    _money(order.get("total"), "total", problems)
    _money(order.get("vat_total"), "vat_total", problems)
    _str(order.get("comment"), "comment", problems)
    return problems


def check_order(order: Any) -> None:
    problems = order_problems(order)
    if problems:
        raise OrderShapeError("; ".join(problems))


def _keys(value: dict[str, Any], keys: tuple[str, ...], where: str, problems: list[str]) -> None:
    missing = [key for key in keys if key not in value]
    extra = sorted(set(value) - set(keys))
    if missing:
        problems.append(f"{where} lacks {', '.join(missing)}")
    if extra:
        problems.append(f"{where} has unknown fields {', '.join(extra)}")


def _customer(customer: Any, problems: list[str]) -> None:
    if not isinstance(customer, dict):
        problems.append("customer must be an object")
        return
    _keys(customer, CUSTOMER_KEYS, "customer", problems)
    for key in CUSTOMER_KEYS:
        if key in customer:
            _str(customer[key], f"customer.{key}", problems)
    country = customer.get("isocountry")
    if isinstance(country, str) and not _COUNTRY.match(country):
        problems.append("customer.isocountry must be ISO 3166-1 alpha-2, upper case")


def _line(line: Any, where: str, problems: list[str]) -> None:
    if not isinstance(line, dict):
        problems.append(f"{where} must be an object")
        return
    _keys(line, LINE_KEYS, where, problems)
    _int(line.get("id"), f"{where}.id", problems)
    _int(line.get("product_id"), f"{where}.product_id", problems)
    _str(line.get("sku"), f"{where}.sku", problems)
    _str(line.get("description"), f"{where}.description", problems)
    quantity = line.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        problems.append(f"{where}.quantity must be a whole number >= 1")
    for key in ("unit_price", "discount", "total"):
        _money(line.get(key), f"{where}.{key}", problems)
    _rate(line.get("vat_rate"), f"{where}.vat_rate", problems)


def _charge(charge: Any, where: str, problems: list[str]) -> None:
    if charge is None:
        return
    if not isinstance(charge, dict):
        problems.append(f"{where} must be an object or null")
        return
    _keys(charge, CHARGE_KEYS, where, problems)
    _str(charge.get("description"), f"{where}.description", problems)
    _money(charge.get("amount"), f"{where}.amount", problems)
    _rate(charge.get("vat_rate"), f"{where}.vat_rate", problems)


def _int(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        problems.append(f"{where} must be a positive integer")


def _str(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"{where} must be a string (possibly empty)")


def _money(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, str) or not _MONEY.match(value):
        problems.append(f'{where} must be a decimal string with two decimals, e.g. "6.95"')


def _rate(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, str) or not _RATE.match(value):
        problems.append(f'{where} must be a percentage string with two decimals, e.g. "21.00"')


def _timestamp(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        problems.append(f"{where} must be RFC 3339 with seconds and offset, no fraction")
        return
    try:
        parse_rfc3339(value)
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
