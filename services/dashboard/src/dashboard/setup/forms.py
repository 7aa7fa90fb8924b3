"""The configuration page's form (pure): what the merchant typed, kept as typed.

The form is a flat list of named fields (``vat-3-rate``, ``debtor-0-method``) so it
works without JavaScript: blank rows are offered for additions, a blank row is
ignored, and "Add country" or "Remove VAT settings" re-render the same form. Parsing
never loses input: a field that does not parse is reported by name and the page shows
the text as the merchant typed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from common.installations.models import DEFAULT_PROCESSABLE, InstallationConfig
from common.messages.orders import OrderStatus
from common.vat import parse_rate

BLANK_VAT_ROWS = 3
BLANK_DEBTOR_ROWS = 2
BLANK_CURRENCY_ROWS = 1
STATUSES = [s.value for s in OrderStatus if s is not OrderStatus.CANCELLED]


@dataclass(frozen=True)
class VatRowForm:
    country: str = ""
    rate: str = ""
    vat_id: str = ""
    ledger_id: str = ""

    @property
    def blank(self) -> bool:
        return not (self.rate or self.vat_id or self.ledger_id)

    @property
    def key(self) -> str:
        return f"vat_table.{self.country}.{_rate_text(self.rate)}"


@dataclass(frozen=True)
class ConfigForm:
    shop_country: str = ""
    shop_timezone: str = ""
    template_id: str = ""
    payment_condition_id: str = ""
    prices_include_vat: str = ""
    """"yes", "no", or "" (the shop may send either)."""
    currencies: tuple[tuple[str, str], ...] = ()
    processable_statuses: tuple[str, ...] = tuple(sorted(s.value for s in DEFAULT_PROCESSABLE))
    vat_rows: tuple[VatRowForm, ...] = ()
    icp: tuple[str, str] = ("", "")
    international: tuple[str, str] = ("", "")
    fixed_debtors: tuple[tuple[str, str], ...] = ()
    costs_id: str = ""

    def countries(self) -> list[str]:
        return sorted({row.country for row in self.vat_rows if row.country and not row.blank})

    def with_blank_rows(self) -> ConfigForm:
        """The form as shown: every filled row, then blank ones for additions."""
        return replace(
            self,
            vat_rows=tuple(r for r in self.vat_rows if not r.blank)
            + (VatRowForm(country=self.shop_country),) * BLANK_VAT_ROWS,
            fixed_debtors=tuple(d for d in self.fixed_debtors if any(d))
            + (("", ""),) * BLANK_DEBTOR_ROWS,
            currencies=tuple(c for c in self.currencies if any(c))
            + (("", ""),) * BLANK_CURRENCY_ROWS,
        )


def parse_form(data: Mapping[str, str], statuses: list[str]) -> ConfigForm:
    """``data``: the posted fields; ``statuses``: every value of the status checkboxes."""

    def get(name: str) -> str:
        return str(data.get(name, "")).strip()

    def indexed(prefix: str) -> list[int]:
        found = set()
        for name in data:
            parts = name.split("-")
            if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
                found.add(int(parts[1]))
        return sorted(found)

    return ConfigForm(
        shop_country=get("shop_country").upper(),
        shop_timezone=get("shop_timezone"),
        template_id=get("template_id"),
        payment_condition_id=get("payment_condition_id"),
        prices_include_vat=get("prices_include_vat"),
        currencies=tuple(
            (get(f"currency-{i}-code").upper(), get(f"currency-{i}-id"))
            for i in indexed("currency")
        ),
        processable_statuses=tuple(sorted({s.strip() for s in statuses if s.strip()})),
        vat_rows=tuple(
            VatRowForm(
                get(f"vat-{i}-country").upper(),
                get(f"vat-{i}-rate"),
                get(f"vat-{i}-vat_id"),
                get(f"vat-{i}-ledger_id"),
            )
            for i in indexed("vat")
        ),
        icp=(get("icp-vat_id"), get("icp-ledger_id")),
        international=(get("international-vat_id"), get("international-ledger_id")),
        fixed_debtors=tuple(
            (get(f"debtor-{i}-method"), get(f"debtor-{i}-relation_id")) for i in indexed("debtor")
        ),
        costs_id=get("costs_id"),
    )


def form_from_config(
    config: InstallationConfig | None, shop_country: str, shop_timezone: str
) -> ConfigForm:
    if config is None:
        return ConfigForm(shop_country=shop_country, shop_timezone=shop_timezone)
    return ConfigForm(
        shop_country=shop_country,
        shop_timezone=shop_timezone,
        template_id=str(config.template_id),
        payment_condition_id=str(config.payment_condition_id),
        prices_include_vat=_yes_no(config.prices_include_vat),
        currencies=tuple((code, str(cid)) for code, cid in sorted(config.currencies.items())),
        processable_statuses=tuple(sorted(s.value for s in config.processable_statuses)),
        vat_rows=tuple(
            VatRowForm(country, f"{rate:.2f}", str(pair.vat_id), str(pair.ledger_id))
            for country, rates in sorted(
                config.vat_table.items(), key=lambda kv: (kv[0] != shop_country, kv[0])
            )
            for rate, pair in sorted(rates.items(), reverse=True)
        ),
        icp=(str(config.icp.vat_id), str(config.icp.ledger_id)),
        international=(str(config.international.vat_id), str(config.international.ledger_id)),
        fixed_debtors=tuple((m, str(r)) for m, r in sorted(config.fixed_debtors.items())),
        costs_id="" if config.costs_id is None else str(config.costs_id),
    )


@dataclass
class Parsed:
    config: InstallationConfig | None
    errors: dict[str, str] = field(default_factory=dict)
    """Field key (the configuration's dotted path) → what is wrong, for the merchant."""


def to_config(form: ConfigForm) -> Parsed:
    """The configuration the form describes, or every field that keeps it from being one."""
    errors: dict[str, str] = {}

    def number(key: str, label: str, text: str, *, required: bool = True) -> int | None:
        if not text:
            if required:
                errors[key] = f"{label}: choose one"
            return None
        if not text.isdigit() or int(text) < 1:
            errors[key] = f"{label}: {text!r} is not an Informer id (a whole number)"
            return None
        return int(text)

    vat_table: dict[str, dict[str, dict[str, int | None]]] = {}
    for row in form.vat_rows:
        if row.blank:
            continue
        label = f"VAT table, {row.country or '?'} {row.rate or '?'} %"
        try:
            rate = parse_rate(row.rate)
        except ValueError as exc:
            errors[row.key] = f"{label}: the rate {exc}"
            continue
        key = f"vat_table.{row.country}.{rate:.2f}"
        label = f"VAT table, {row.country} {rate:.2f} %"
        if key in errors or f"{rate:.2f}" in vat_table.get(row.country, {}):
            errors[key] = f"{label}: this country and rate appear twice"
            continue
        vat_table.setdefault(row.country, {})[f"{rate:.2f}"] = {
            "vat_id": number(key, f"{label}, VAT code", row.vat_id),
            "ledger_id": number(key + ".ledger", f"{label}, ledger", row.ledger_id),
        }
    currencies: dict[str, int | None] = {}
    for code, cid in form.currencies:
        if code or cid:
            currencies[code] = number(f"currencies.{code}", f"Currency {code or '?'}", cid)
    debtors: dict[str, int | None] = {}
    for method, relation in form.fixed_debtors:
        if method or relation:
            if not method:
                errors[f"fixed_debtors.{relation}"] = (
                    "Fixed debtor: name the payment method code (as KMO Shops sends it)"
                )
                continue
            debtors[method] = number(
                f"fixed_debtors.{method}", f"Fixed debtor for {method}", relation
            )
    draft: dict[str, Any] = {
        "template_id": number("template_id", "Invoice layout", form.template_id),
        "payment_condition_id": number(
            "payment_condition_id", "Payment condition", form.payment_condition_id
        ),
        "currencies": currencies,
        "processable_statuses": list(form.processable_statuses),
        "vat_table": vat_table,
        "icp": {
            "vat_id": number("icp", "ICP row, VAT code", form.icp[0]),
            "ledger_id": number("icp.ledger", "ICP row, ledger", form.icp[1]),
        },
        "international": {
            "vat_id": number("international", "International row, VAT code", form.international[0]),
            "ledger_id": number(
                "international.ledger", "International row, ledger", form.international[1]
            ),
        },
        "fixed_debtors": debtors,
        "costs_id": number("costs_id", "Cost centre", form.costs_id, required=False),
        "prices_include_vat": {"yes": True, "no": False}.get(form.prices_include_vat),
    }
    if errors:
        return Parsed(None, errors)
    try:
        return Parsed(InstallationConfig.model_validate(draft))
    except ValidationError as exc:
        return Parsed(None, model_errors(exc))


def model_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors as field key → sentence naming the field."""
    out: dict[str, str] = {}
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "config"
        message = str(error["msg"]).removeprefix("Value error, ")
        out.setdefault(key, f"{_field_label(key)}: {message}")
    return out


def _field_label(key: str) -> str:
    labels = {
        "processable_statuses": "Processable statuses",
        "currencies": "Currencies",
        "vat_table": "VAT table",
        "template_id": "Invoice layout",
        "payment_condition_id": "Payment condition",
        "costs_id": "Cost centre",
    }
    return labels.get(key.split(".")[0], key)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def _rate_text(text: str) -> str:
    try:
        return f"{Decimal(text):.2f}"
    except ArithmeticError:
        return text
