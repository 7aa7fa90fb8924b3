"""The wizard (/i/{id}/setup) and the configuration page (/i/{id}/configuration).

Post/redirect/get after a success; a refusal re-renders the page (status 400) with the
reason next to the field at fault and what the merchant typed, except secrets, which
are never sent back to the browser.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from common.installations.validation import Choice, ConfigProblem, InformerLists
from common.invoice_options import VatCodeOption
from common.vat import EU_MEMBERS, VatOption
from dashboard.keys import POOL
from dashboard.setup import store
from dashboard.setup.forms import (
    STATUSES,
    ConfigForm,
    VatRowForm,
    form_from_config,
    parse_form,
    to_config,
)
from dashboard.setup.prefill import (
    currency_for,
    default_choice,
    prefill_vat_rows,
    suggest_special,
)
from dashboard.setup.service import (
    RESOURCES,
    Refused,
    Saved,
    connect_informer,
    connect_shop,
    informer_lists,
    save_configuration,
)
from dashboard.tenancy import OwnedInstallation, requested_installation
from dashboard.web.context import installation_page
from dashboard.web.render import render

routes = web.RouteTableDef()


async def _setup(request: web.Request) -> tuple[OwnedInstallation, store.Setup]:
    installation = await requested_installation(request)
    res = request.app[RESOURCES]
    async with request.app[POOL].acquire() as conn:
        return installation, await store.load(conn, res.box, installation.id)


def _text(data: Any, name: str) -> str:
    value = data.get(name, "")
    return value.strip() if isinstance(value, str) else ""


# --- the wizard ------------------------------------------------------------------------
async def _wizard(
    request: web.Request,
    *,
    status: int = 200,
    refused: Refused | None = None,
    step: str | None = None,
    typed: dict[str, str] | None = None,
) -> web.Response:
    installation, setup = await _setup(request)
    context = await installation_page(
        request,
        installation,
        "setup",
        setup=setup,
        steps=setup.steps(),
        masked={
            "kmo_token": store.mask(setup.kmo_token),
            "api_key": store.mask(setup.informer_api_key),
            "security_code": store.mask(setup.informer_security_code),
        },
        refused=refused,
        refused_step=step,
        typed=typed or {},
        countries=sorted(EU_MEMBERS),
        done=request.query.get("done"),
        flash=None,
    )
    return await render("setup/wizard.html", request, context, status=status)


@routes.get("/i/{installation_id}/setup")
async def wizard(request: web.Request) -> web.Response:
    return await _wizard(request)


@routes.post("/i/{installation_id}/setup/kmoshops")
async def wizard_shop(request: web.Request) -> web.StreamResponse:
    installation = await requested_installation(request)
    data = await request.post()
    typed = {
        "base_url": _text(data, "base_url"),
        "shop_country": _text(data, "shop_country").upper(),
        "shop_timezone": _text(data, "shop_timezone"),
    }
    token = _text(data, "api_token")
    if not token:
        async with request.app[POOL].acquire() as conn:
            stored = await store.load(conn, request.app[RESOURCES].box, installation.id)
        if stored.kmo_token is None or typed["base_url"] != stored.kmo_base_url:
            return await _wizard(
                request,
                status=400,
                refused=Refused("Paste the API token you created in KMO Shops.", "api_token"),
                step="kmoshops",
                typed=typed,
            )
        token_secret = stored.kmo_token  # re-verifying the stored token
    else:
        token_secret = SecretStr(token)
    found = await connect_shop(
        request.app[RESOURCES],
        installation.id,
        typed["base_url"],
        token_secret,
        country=typed["shop_country"] or None,
        timezone=typed["shop_timezone"] or None,
    )
    if isinstance(found, Refused):
        return await _wizard(request, status=400, refused=found, step="kmoshops", typed=typed)
    raise web.HTTPSeeOther(f"/i/{installation.id}/setup?done=shop-connected")


@routes.post("/i/{installation_id}/setup/informer")
async def wizard_informer(request: web.Request) -> web.StreamResponse:
    installation = await requested_installation(request)
    data = await request.post()
    found = await connect_informer(
        request.app[RESOURCES],
        installation.id,
        SecretStr(_text(data, "api_key")),
        SecretStr(_text(data, "security_code")),
    )
    if isinstance(found, Refused):
        return await _wizard(request, status=400, refused=found, step="informer")
    raise web.HTTPSeeOther(f"/i/{installation.id}/setup?done=informer-connected")


@routes.post("/i/{installation_id}/setup/index")
async def wizard_rebuild_index(request: web.Request) -> web.StreamResponse:
    """Read Informer's relations again (after a failed build, or relations changed)."""
    installation, setup = await _setup(request)
    if setup.informer_verified_at is None:
        raise web.HTTPConflict(text="Connect Informer first.")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await store.request_index(conn, installation.id)
    raise web.HTTPSeeOther(f"/i/{installation.id}/setup?done=index-requested")


# --- the configuration -----------------------------------------------------------------
def _initial_form(setup: store.Setup, lists: InformerLists | None) -> ConfigForm:
    form = form_from_config(setup.config, setup.shop_country, setup.shop_timezone)
    if setup.config is not None or lists is None:
        return form
    return _prefilled(form, lists, setup, [setup.shop_country])


def _prefilled(
    form: ConfigForm, lists: InformerLists, setup: store.Setup, countries: list[str]
) -> ConfigForm:
    """A new configuration: Informer's defaults, the shop currency, and the VAT table
    of ``countries`` at their standard rates with the codes that fit."""
    include = {"yes": True, "no": False}.get(form.prices_include_vat)
    rows = tuple(
        VatRowForm(r.country, f"{r.rate:.2f}", _id(r.vat_id), _id(r.ledger_id))
        for r in prefill_vat_rows(countries, lists.options, form.shop_country, include)
    )
    icp = suggest_special(lists.options, VatOption.ICV_WITHIN_EU)
    outside = suggest_special(lists.options, VatOption.ICV_OUTSIDE_EU)
    currency = setup.shop_currency or "EUR"
    return replace(
        form,
        template_id=form.template_id or _id(default_choice(lists.templates)),
        payment_condition_id=form.payment_condition_id
        or _id(default_choice(lists.payment_conditions)),
        currencies=form.currencies or ((currency, _id(currency_for(lists, currency))),),
        vat_rows=rows,
        icp=form.icp if any(form.icp) else (_id(icp.vat_id), _id(icp.ledger_id)),
        international=form.international
        if any(form.international)
        else (_id(outside.vat_id), _id(outside.ledger_id)),
    )


def _choices(lists: InformerLists | None) -> dict[str, list[tuple[int, str]]]:
    """(id, label) per drop-down; empty lists (plain id inputs) without Informer."""
    if lists is None:
        names = ("templates", "payment_conditions", "cost_centres", "currencies", "vat_codes")
        return {name: [] for name in (*names, "ledgers")}

    def plain(choices: tuple[Choice, ...]) -> list[tuple[int, str]]:
        return [(c.id, c.label) for c in choices]

    return {
        "templates": plain(lists.templates),
        "payment_conditions": plain(lists.payment_conditions),
        "cost_centres": plain(lists.cost_centres),
        "currencies": plain(lists.currencies),
        "vat_codes": [
            (
                c.id,
                f"{c.id} · {c.name}"
                + (f" ({c.percentage:.2f} %)" if c.percentage is not None else ""),
            )
            for c in lists.options.vat_codes
        ],
        "ledgers": [(c.id, f"{c.id} · {c.label}") for c in lists.ledgers],
    }


def _vat_label(code: VatCodeOption) -> str:
    rate = f" ({code.percentage:.2f} %)" if code.percentage is not None else ""
    return f"{code.id} · {code.name}{rate}"


def _id(value: int | None) -> str:
    return "" if value is None else str(value)


async def _configuration(
    request: web.Request,
    form: ConfigForm | None = None,
    *,
    errors: dict[str, str] | None = None,
    problems: list[ConfigProblem] | None = None,
    refused: Refused | None = None,
    status: int = 200,
) -> web.Response:
    installation, setup = await _setup(request)
    lists = await informer_lists(request.app[RESOURCES], setup)
    if isinstance(lists, Refused):
        refused = refused or lists
        lists = None
    shown = form or _initial_form(setup, lists)
    context = await installation_page(
        request,
        installation,
        "configuration",
        setup=setup,
        steps=setup.steps(),
        form=shown.with_blank_rows(),
        lists=lists,
        choices=_choices(lists),
        errors=errors or {},
        problems=problems or [],
        problem_fields={p.field for p in problems or []},
        refused=refused,
        statuses=STATUSES,
        countries=sorted(EU_MEMBERS),
        done=request.query.get("done"),
        flash=None,
    )
    return await render("setup/configuration.html", request, context, status=status)


@routes.get("/i/{installation_id}/configuration")
async def configuration(request: web.Request) -> web.Response:
    return await _configuration(request)


@routes.post("/i/{installation_id}/configuration")
async def configuration_post(request: web.Request) -> web.StreamResponse:
    installation, setup = await _setup(request)
    data = await request.post()
    fields = {k: v for k, v in data.items() if isinstance(v, str)}
    form = parse_form(fields, [s for s in data.getall("status", []) if isinstance(s, str)])
    action = _text(data, "action") or "save"
    if action in ("add_country", "reset_vat"):
        return await _rework_vat_table(request, setup, form, action, _text(data, "add_country"))
    parsed = to_config(form)
    if parsed.config is None:
        return await _configuration(request, form, errors=parsed.errors, status=400)
    result = await save_configuration(
        request.app[RESOURCES],
        setup,
        parsed.config,
        country=form.shop_country or setup.shop_country,
        timezone=form.shop_timezone or setup.shop_timezone,
    )
    if isinstance(result, Refused):
        return await _configuration(request, form, refused=result, status=400)
    if isinstance(result, list):
        return await _configuration(request, form, problems=result, status=400)
    assert isinstance(result, Saved)
    done = "activated" if result.activated else "saved"
    raise web.HTTPSeeOther(f"/i/{installation.id}/configuration?done={done}")


async def _rework_vat_table(
    request: web.Request, setup: store.Setup, form: ConfigForm, action: str, country: str
) -> web.Response:
    """ "Add country" appends that country's rates; "Remove VAT settings" starts the
    table over from the shop country's standard rates. Neither saves anything."""
    lists = await informer_lists(request.app[RESOURCES], setup)
    if isinstance(lists, Refused):
        return await _configuration(request, form, refused=lists, status=400)
    if action == "reset_vat":
        fresh = _prefilled(form, lists, setup, [form.shop_country or setup.shop_country])
        return await _configuration(request, replace(form, vat_rows=fresh.vat_rows))
    country = country.upper()
    if country not in EU_MEMBERS or country in form.countries():
        return await _configuration(request, form)
    added = _prefilled(form, lists, setup, [country])
    kept = tuple(r for r in form.vat_rows if not r.blank)
    return await _configuration(request, replace(form, vat_rows=kept + added.vat_rows))
