"""Customers' VAT numbers, as typed, made into what Informer and VIES accept.

The compact form always carries the VAT prefix of the customer's country. For Greece
that prefix is **EL** (as VIES, stdnum and Informer use it), although the customer's
``isocountry`` is GR: a typed "GR094259216", "EL 094 259 216" or "094259216" for a GR
customer all become "EL094259216", and "EL…" is what is sent to Informer.

A number is valid only for the customer's own country: a valid Dutch number on a
Belgian customer is refused, because the VAT treatment follows the customer's country.
"""

from __future__ import annotations

import re
from types import ModuleType

from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from processor.domain.errors import ErrorCode, Failure

_SEPARATORS = re.compile(r"[\s.\-/,_:]+")


def vat_prefix(country: str) -> str:
    """The VAT prefix of a country: its ISO code, except EL for Greece."""
    country = country.upper()
    return "EL" if country == "GR" else country


class InvalidVatNumber(ValueError):
    """A typed VAT number that is not a valid number of the given country."""

    def __init__(self, typed: str, country: str, reason: str) -> None:
        super().__init__(reason)
        self.typed = typed
        self.country = country.upper()
        self.reason = reason

    @property
    def failure(self) -> Failure:
        return Failure(
            ErrorCode.VAT_NUMBER_INVALID,
            f'The customer\'s VAT number "{self.typed}" is not a valid VAT number of '
            f"{self.country}: {self.reason}. Correct the VAT number in the order in "
            "KMO Shops, then press Process.",
            {"vat_number": self.typed, "country": self.country, "reason": self.reason},
        )


def _clean(typed: str) -> str:
    return _SEPARATORS.sub("", typed).upper()


def _module(country: str) -> ModuleType | None:
    """stdnum's VAT module for a non-EU country (CH, GB, NO, ...), if it has one."""
    try:
        return get_cc_module(country.lower(), "vat")
    except (ImportError, ValueError):
        return None


def _candidates(cleaned: str, country: str) -> list[str]:
    """The readings of what was typed: with the country's prefix stripped when it
    starts with one (GR or EL for Greece), and as a number without prefix."""
    accepted = {country, vat_prefix(country)}
    bodies = [cleaned[2:]] if cleaned[:2] in accepted else []
    bodies.append(cleaned)
    return [vat_prefix(country) + body for body in bodies if body]


def _other_country(cleaned: str, country: str) -> str | None:
    """The country a number starting with another member state's prefix belongs to,
    when it is valid there."""
    prefix = cleaned[:2]
    if not prefix.isalpha() or prefix in {country, vat_prefix(country)}:
        return None
    other = "GR" if prefix == "EL" else prefix
    if other.lower() in eu_vat.MEMBER_STATES:
        try:
            eu_vat.validate(cleaned)
        except ValidationError:
            return None
        return other
    return None


def _reason(error: ValidationError) -> str:
    text = str(error.message).rstrip(".")
    return text[:1].lower() + text[1:]


def normalise_vat_number(typed: str, country: str) -> str:
    """The compact VAT number with its country prefix, e.g. "BE0403019261".

    Accepts the number with or without prefix, with spaces, dots, dashes or slashes.
    Format and check digits are checked for ``country`` (an EU member state through
    ``stdnum.eu.vat``; another country through its own stdnum VAT module, when stdnum
    has one). Raises :class:`InvalidVatNumber` otherwise.
    """
    country = country.upper()
    cleaned = _clean(typed)
    if not cleaned:
        raise InvalidVatNumber(typed, country, "it is empty")
    if country.lower() in eu_vat.MEMBER_STATES and country != "XI":
        return _normalise_eu(typed, cleaned, country)
    return _normalise_other(typed, cleaned, country)


def _normalise_eu(typed: str, cleaned: str, country: str) -> str:
    first_error: ValidationError | None = None
    for candidate in _candidates(cleaned, country):
        try:
            compact = eu_vat.validate(candidate)
        except ValidationError as error:
            first_error = first_error or error
            continue
        return vat_prefix(country) + compact[2:]
    other = _other_country(cleaned, country)
    if other is not None:
        raise InvalidVatNumber(
            typed,
            country,
            f"it is a VAT number of {other}, but the customer's country is {country}",
        )
    assert first_error is not None
    raise InvalidVatNumber(typed, country, _reason(first_error))


def _normalise_other(typed: str, cleaned: str, country: str) -> str:
    module = _module(country)
    if module is None:
        raise InvalidVatNumber(typed, country, f"VAT numbers of {country} cannot be checked")
    bodies = [cleaned[2:], cleaned] if cleaned.startswith(country) else [cleaned]
    first_error: ValidationError | None = None
    for body in bodies:
        try:
            compact = str(module.validate(body))
        except ValidationError as error:
            first_error = first_error or error
            continue
        full = compact if compact.startswith(country) else country + compact
        if module.is_valid(full):
            return full
    assert first_error is not None
    raise InvalidVatNumber(typed, country, _reason(first_error))


def valid_vat_number(typed: str, country: str) -> str | None:
    """The compact number when ``typed`` is a valid VAT number of ``country``, else None."""
    if not typed.strip():
        return None
    try:
        return normalise_vat_number(typed, country)
    except InvalidVatNumber:
        return None
