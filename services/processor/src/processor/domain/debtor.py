"""Who the invoice is for (MAPPING.md "The debtor"): a fixed debtor, a relation found by
e-mail, or a new relation drafted from the order."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from common.installations.models import InstallationConfig
from common.messages.orders import ShopOrder
from processor.domain.addresses import split_house_number
from processor.domain.kinds import OrderKind
from processor.domain.vatnumbers import valid_vat_number


def email_key(email: str) -> str:
    """The form in which e-mail addresses are compared and indexed: trimmed and
    lower-cased. Every lookup in the e-mail index goes through this one function."""
    return email.strip().lower()


def fixed_debtor(order: ShopOrder, config: InstallationConfig, kind: OrderKind) -> int | None:
    """The relation id mapped to the order's payment method, unless the order is ICP
    (an ICP invoice must name the customer and its VAT number).

    Payment method codes are compared trimmed and case-insensitively, so a merchant
    who typed "Bancontact" in the configuration matches KMO Shops' "bancontact".
    """
    if kind is OrderKind.ICP:
        return None
    wanted = order.payment_method.code.strip().lower()
    for code, relation_id in config.fixed_debtors.items():
        if code.strip().lower() == wanted:
            return relation_id
    return None


@dataclass(frozen=True)
class RelationDraft:
    """A ``RelationInput`` for ``POST /relations``.

    Required fields (names, address) are always sent, also when empty, so that
    Informer's own message says what is missing. Optional fields Informer validates
    (``vat``, ``email``, ``phone``, ``coc``) are None when the order has nothing for them
    and are then left out of the JSON: Informer refuses ``null`` and blank values.
    """

    relation_number: int
    relation_type: int
    street: str
    house_number: str
    zip: str
    city: str
    country: str
    payment_condition_id: int
    sales_invoice_template_id: int
    company_name: str | None = None
    firstname: str | None = None
    surname: str | None = None
    phone: str | None = None
    coc: str | None = None
    vat: str | None = None
    email: str | None = None
    email_invoice: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def _or_none(text: str) -> str | None:
    text = text.strip()
    return text or None


def street_and_number(address1: str, address2: str, housenr: str) -> tuple[str, str]:
    """``street`` = address1 + " " + address2, trimmed; ``house_number`` = housenr, or
    split off address1 when housenr is empty (see :mod:`processor.domain.addresses`)."""
    number = housenr.strip()
    street1 = address1.strip()
    if not number:
        street1, number = split_house_number(address1)
    return " ".join(f"{street1} {address2.strip()}".split()), number


def relation_draft(
    order: ShopOrder, config: InstallationConfig, relation_number: int
) -> RelationDraft:
    """The new relation for the order's customer.

    ``relation_number`` is chosen by the caller: ``POST /relations`` answers without
    the new relation's id, so the caller finds it again by this number.
    The VAT number is sent only when it is a valid number of the customer's country
    (compact, with prefix, EL for Greece); an invalid one on a regular order is left
    out rather than letting Informer refuse the whole relation (ICP orders never get
    here with an invalid number: the pre-checks stop them).
    """
    customer = order.customer
    street, number = street_and_number(customer.address1, customer.address2, customer.housenr)
    email = _or_none(customer.email)
    names: dict[str, Any]
    if customer.company.strip():
        names = {"relation_type": 0, "company_name": customer.company.strip()}
    else:
        names = {
            "relation_type": 1,
            "firstname": customer.firstname.strip(),
            "surname": customer.lastname.strip(),
        }
    return RelationDraft(
        relation_number=relation_number,
        street=street,
        house_number=number,
        zip=customer.zipcode.strip(),
        city=customer.city.strip(),
        country=customer.isocountry.upper(),
        payment_condition_id=config.payment_condition_id,
        sales_invoice_template_id=config.template_id,
        phone=_or_none(customer.telnr),
        coc=_or_none(customer.coc),
        vat=valid_vat_number(customer.vatnr, customer.isocountry),
        email=email,
        email_invoice=email,
        **names,
    )
