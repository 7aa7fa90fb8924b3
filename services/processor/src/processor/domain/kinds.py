"""The kind of an order (MAPPING.md "Kinds of order") and what follows from it."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from common.installations.models import InstallationConfig, VatLedger
from common.messages.orders import ShopOrder
from common.vat import VatOption, is_eu


class OrderKind(StrEnum):
    REGULAR = "regular"
    ICP = "icp"
    """Intra-community B2B: an EU customer outside the shop's country, every rate 0."""
    INTERNATIONAL = "international"
    """A customer outside the EU."""


def all_rates_zero(order: ShopOrder) -> bool:
    """Every rate on the order (lines, shipping, payment fee) is 0."""
    return all(rate == 0 for rate in order.rates())


def classify(order: ShopOrder, shop_country: str) -> OrderKind:
    """International when the customer is outside the EU; ICP when in another member
    state and nothing on the order carries VAT; Regular otherwise.

    An international order with VAT on it is still INTERNATIONAL: the pre-checks refuse
    it (``INTERNATIONAL_WITH_VAT``) rather than book it as something else.
    """
    country = order.customer.isocountry.upper()
    if not is_eu(country):
        return OrderKind.INTERNATIONAL
    if country != shop_country.upper() and all_rates_zero(order):
        return OrderKind.ICP
    return OrderKind.REGULAR


def vat_option(kind: OrderKind, prices_include_vat: bool) -> VatOption:
    if kind is OrderKind.INTERNATIONAL:
        return VatOption.ICV_OUTSIDE_EU
    if kind is OrderKind.ICP:
        return VatOption.ICV_WITHIN_EU
    return VatOption.INCL if prices_include_vat else VatOption.EXCL


def vat_ledger(
    config: InstallationConfig, kind: OrderKind, country: str, rate: Decimal
) -> VatLedger | None:
    """The (vat_id, ledger_id) pair a line at ``rate`` is booked with; None when the
    VAT table has no row for a regular order's country and rate."""
    if kind is OrderKind.INTERNATIONAL:
        return config.international
    if kind is OrderKind.ICP:
        return config.icp
    return config.vat_for(country.upper(), rate)
