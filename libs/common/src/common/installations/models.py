"""An installation: one KMO Shops webshop connected to one Informer administration.

:class:`InstallationConfig` is the merchant's configuration as MAPPING.md lists it.
:class:`InstallationFile` is the JSON an operator hands to ``kmo2informer
installations create``; the README documents it with a complete example.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from common.messages.orders import CountryCode, CurrencyCode, OrderStatus
from common.vat import EU_MEMBERS, VatRate

DEFAULT_PROCESSABLE = frozenset(
    {OrderStatus.PAID, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.COMPLETED}
)
InformerId = Annotated[int, Field(strict=True, ge=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VatLedger(_Strict):
    """An Informer VAT code and the revenue ledger it is booked on."""

    vat_id: InformerId
    ledger_id: InformerId


class InstallationConfig(_Strict):
    template_id: InformerId
    payment_condition_id: InformerId
    currencies: dict[CurrencyCode, InformerId] = Field(min_length=1)
    processable_statuses: frozenset[OrderStatus] = DEFAULT_PROCESSABLE
    vat_table: dict[CountryCode, dict[VatRate, VatLedger]] = Field(default_factory=dict)
    icp: VatLedger
    international: VatLedger
    fixed_debtors: dict[str, InformerId] = Field(default_factory=dict)
    costs_id: InformerId | None = None
    prices_include_vat: bool | None = None
    """Whether the shop's prices include VAT, so which ``vat_option`` (incl or excl)
    the VAT table's codes must allow; None: the shop may send either, both must be
    allowed. The processor still takes it from each order."""

    @field_validator("vat_table")
    @classmethod
    def _eu_countries_only(
        cls, table: dict[str, dict[Decimal, VatLedger]]
    ) -> dict[str, dict[Decimal, VatLedger]]:
        outside = sorted(set(table) - EU_MEMBERS)
        if outside:
            raise ValueError(
                f"the VAT table is for EU member states; {', '.join(outside)} "
                "is not one (orders from outside the EU use the international row)"
            )
        return table

    @field_validator("processable_statuses")
    @classmethod
    def _cancelled_is_never_processable(
        cls, statuses: frozenset[OrderStatus]
    ) -> frozenset[OrderStatus]:
        if OrderStatus.CANCELLED in statuses:
            raise ValueError("cancelled orders are never processable")
        if not statuses:
            raise ValueError("at least one status must be processable")
        return statuses

    def vat_for(self, country: str, rate: Decimal) -> VatLedger | None:
        return self.vat_table.get(country, {}).get(rate)


EU_TIMEZONES: dict[str, str] = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "BG": "Europe/Sofia",
    "CY": "Asia/Nicosia",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn",
    "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GR": "Europe/Athens",
    "HR": "Europe/Zagreb",
    "HU": "Europe/Budapest",
    "IE": "Europe/Dublin",
    "IT": "Europe/Rome",
    "LT": "Europe/Vilnius",
    "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga",
    "MT": "Europe/Malta",
    "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw",
    "PT": "Europe/Lisbon",
    "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm",
    "SI": "Europe/Ljubljana",
    "SK": "Europe/Bratislava",
}
"""The shop's time zone until the merchant says otherwise: the capital's."""


def _valid_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone such as Europe/Brussels") from None
    return name


class ShopSection(_Strict):
    country: CountryCode
    timezone: str

    _tz = field_validator("timezone")(_valid_timezone)


class KmoShopsSection(_Strict):
    base_url: AnyHttpUrl
    api_token: SecretStr = Field(min_length=1)


class InformerSection(_Strict):
    api_key: SecretStr = Field(min_length=1)
    security_code: SecretStr = Field(min_length=1)


class InstallationFile(_Strict):
    name: str = Field(min_length=1)
    shop: ShopSection
    kmoshops: KmoShopsSection
    informer: InformerSection
    config: InstallationConfig

    @model_validator(mode="after")
    def _shop_country_in_eu(self) -> InstallationFile:
        if self.shop.country not in EU_MEMBERS:
            raise ValueError(f"shop.country {self.shop.country} is not an EU member state")
        return self


class InstallationInSetup(_Strict):
    """An installation a merchant signed up for and has not connected yet: no shop,
    no Informer credentials, no configuration. Nothing is processed for it."""

    id: uuid.UUID
    name: str
    status: Literal["setup"]
    shop_country: str
    shop_timezone: str
    webhook_secret: SecretStr
    created_at: datetime

    @property
    def active(self) -> bool:
        return False


class Installation(_Strict):
    """A stored, connected installation with its secrets decrypted (as SecretStr)."""

    id: uuid.UUID
    name: str
    status: Literal["active", "disabled"]
    shop_country: str
    shop_timezone: str
    kmo_base_url: str
    kmo_token: SecretStr
    informer_api_key: SecretStr
    informer_security_code: SecretStr
    webhook_secret: SecretStr
    config: InstallationConfig
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.status == "active"


AnyInstallation = Installation | InstallationInSetup
