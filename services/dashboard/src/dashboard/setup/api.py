"""The wizard and the configuration as JSON under /api/v1 (same rules as the pages:
nothing stored that was not verified live or validated against Informer; secrets are
accepted, never returned but masked)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import SecretStr, ValidationError

from common.installations.models import InstallationConfig
from common.installations.validation import ConfigProblem, InformerLists
from common.vat import EU_MEMBERS
from dashboard.api.common import json_body, json_response, validation_error
from dashboard.api.schemas import ERROR, INSTALLATION_ID, op
from dashboard.keys import POOL
from dashboard.setup import store
from dashboard.setup.forms import model_errors
from dashboard.setup.prefill import prefill_vat_rows
from dashboard.setup.service import (
    RESOURCES,
    Refused,
    connect_informer,
    connect_shop,
    informer_lists,
    place_problem,
    save_configuration,
)
from dashboard.tenancy import requested_installation

routes = web.RouteTableDef()

BASE = "/api/v1/installations/{installation_id}"


async def _setup(request: web.Request) -> store.Setup:
    installation = await requested_installation(request)
    async with request.app[POOL].acquire() as conn:
        return await store.load(conn, request.app[RESOURCES].box, installation.id)


def _refused(refused: Refused, status: int = 422) -> web.Response:
    fields = {refused.field: refused.message} if refused.field else {}
    return json_response(
        {"error": {"status": status, "message": refused.message, "fields": fields}},
        status=status,
    )


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    return value.strip() if isinstance(value, str) else ""


@routes.get(BASE + "/setup")
async def show_setup(request: web.Request) -> web.Response:
    return json_response((await _setup(request)).to_json())


@routes.put(BASE + "/setup/kmoshops")
async def put_kmoshops(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    body = await json_body(request)
    found = await connect_shop(
        request.app[RESOURCES],
        installation.id,
        _text(body, "base_url"),
        SecretStr(_text(body, "api_token")),
        country=_text(body, "shop_country") or None,
        timezone=_text(body, "shop_timezone") or None,
    )
    if isinstance(found, Refused):
        return _refused(found)
    return json_response((await _setup(request)).to_json())


@routes.put(BASE + "/setup/informer")
async def put_informer(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    body = await json_body(request)
    found = await connect_informer(
        request.app[RESOURCES],
        installation.id,
        SecretStr(_text(body, "api_key")),
        SecretStr(_text(body, "security_code")),
    )
    if isinstance(found, Refused):
        return _refused(found)
    return json_response((await _setup(request)).to_json())


@routes.get(BASE + "/configuration")
async def show_configuration(request: web.Request) -> web.Response:
    setup = await _setup(request)
    return json_response(
        {
            "shop": {"country": setup.shop_country, "timezone": setup.shop_timezone},
            "config": None if setup.config is None else setup.config.model_dump(mode="json"),
            "saved_at": setup.config_saved_at,
        }
    )


@routes.put(BASE + "/configuration")
async def put_configuration(request: web.Request) -> web.Response:
    setup = await _setup(request)
    body = await json_body(request)
    shop = body.get("shop") or {}
    country = (_text(shop, "country") if isinstance(shop, dict) else "") or setup.shop_country
    timezone = (_text(shop, "timezone") if isinstance(shop, dict) else "") or setup.shop_timezone
    wrong_place = place_problem(country.upper(), timezone)
    if wrong_place is not None:
        return _refused(wrong_place, 400)
    try:
        config = InstallationConfig.model_validate(body.get("config"))
    except ValidationError as exc:
        return validation_error({f"config.{k}": v for k, v in model_errors(exc).items()})
    result = await save_configuration(
        request.app[RESOURCES], setup, config, country=country.upper(), timezone=timezone
    )
    if isinstance(result, Refused):
        return _refused(result, 503)
    if isinstance(result, list):
        return json_response(
            {
                "error": {
                    "status": 422,
                    "message": "Not saved: " + "; ".join(p.message for p in result),
                    "fields": _by_field(result),
                    "problems": [
                        {"field": f"config.{p.field}", "row": p.row, "message": p.message}
                        for p in result
                    ],
                }
            },
            status=422,
        )
    return json_response({**(await _setup(request)).to_json(), "activated": result.activated})


@routes.get(BASE + "/configuration/choices")
async def choices(request: web.Request) -> web.Response:
    lists = await informer_lists(request.app[RESOURCES], await _setup(request))
    if isinstance(lists, Refused):
        return _refused(lists, 503)
    return json_response(_lists_json(lists))


@routes.get(BASE + "/configuration/vat-table-prefill")
async def vat_prefill(request: web.Request) -> web.Response:
    """The VAT table as the page prefills it, for the given countries."""
    setup = await _setup(request)
    countries = [c.strip().upper() for c in request.query.get("countries", "").split(",")]
    countries = [c for c in countries if c] or [setup.shop_country]
    unknown = sorted(set(countries) - EU_MEMBERS)
    if unknown:
        return validation_error({"countries": f"not EU member states: {', '.join(unknown)}"})
    lists = await informer_lists(request.app[RESOURCES], setup)
    if isinstance(lists, Refused):
        return _refused(lists, 503)
    include = setup.config.prices_include_vat if setup.config else None
    table: dict[str, dict[str, dict[str, int | None]]] = {}
    for row in prefill_vat_rows(countries, lists.options, setup.shop_country, include):
        table.setdefault(row.country, {})[f"{row.rate:.2f}"] = {
            "vat_id": row.vat_id,
            "ledger_id": row.ledger_id,
        }
    return json_response({"vat_table": table})


def _by_field(problems: list[ConfigProblem]) -> dict[str, str]:
    fields: dict[str, list[str]] = {}
    for p in problems:
        fields.setdefault(f"config.{p.field}", []).append(p.message)
    return {field: "; ".join(messages) for field, messages in fields.items()}


def _lists_json(lists: InformerLists) -> dict[str, Any]:
    def plain(choices: Any) -> list[dict[str, Any]]:
        return [{"id": c.id, "label": c.label, "default": c.default} for c in choices]

    return {
        "templates": plain(lists.templates),
        "payment_conditions": plain(lists.payment_conditions),
        "currencies": [{"id": c.id, "code": c.code, "label": c.label} for c in lists.currencies],
        "cost_centres": plain(lists.cost_centres),
        "ledgers": plain(lists.ledgers),
        "vat_codes": [
            {
                "id": c.id,
                "name": c.name,
                "percentage": None if c.percentage is None else f"{c.percentage:.2f}",
                "vat_options": sorted(o.value for o in c.vat_options),
                "usable_ledgers": [{"id": led.id, "costs": led.costs} for led in c.usable_ledgers],
            }
            for c in lists.options.vat_codes
        ],
    }


# --- OpenAPI ---------------------------------------------------------------------------
_ONE = [INSTALLATION_ID]
INDEX_STATES = ("none", "waiting", "running", "done", "failed")
_PAIR = {
    "type": "object",
    "required": ["vat_id", "ledger_id"],
    "properties": {"vat_id": {"type": "integer"}, "ledger_id": {"type": "integer"}},
}
_CONFIG = {
    "type": "object",
    "description": "As MAPPING.md and the README's installation file describe it.",
    "required": ["template_id", "payment_condition_id", "currencies", "icp", "international"],
    "properties": {
        "template_id": {"type": "integer"},
        "payment_condition_id": {"type": "integer"},
        "currencies": {"type": "object", "additionalProperties": {"type": "integer"}},
        "processable_statuses": {"type": "array", "items": {"type": "string"}},
        "vat_table": {
            "type": "object",
            "description": 'EU country → rate ("21.00") → VAT code and ledger',
            "additionalProperties": {"type": "object", "additionalProperties": _PAIR},
        },
        "icp": _PAIR,
        "international": _PAIR,
        "fixed_debtors": {"type": "object", "additionalProperties": {"type": "integer"}},
        "costs_id": {"type": ["integer", "null"]},
        "prices_include_vat": {"type": ["boolean", "null"]},
    },
}
_SETUP = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["setup", "active", "disabled"]},
        "steps": {
            "type": "object",
            "description": "true: verified live (connections) or saved after validation",
            "properties": {
                "kmoshops": {"type": "boolean"},
                "informer": {"type": "boolean"},
                "configuration": {"type": "boolean"},
            },
        },
        "kmoshops": {"type": "object", "description": "base_url; api_token masked"},
        "shop": {"type": "object", "description": "country, timezone, currency"},
        "informer": {"type": "object", "description": "api_key and security_code masked"},
        "relation_index": {
            "type": "object",
            "properties": {
                "state": {
                    "type": "string",
                    "enum": ["none", "waiting", "running", "done", "failed"],
                },
                "relations_read": {"type": "integer"},
                "pages_read": {"type": "integer"},
                "pages_total": {"type": ["integer", "null"]},
                "emails_indexed": {"type": "integer"},
                "error": {"type": ["string", "null"]},
            },
        },
    },
}
_REFUSED = {"description": "not verified or not valid: error.message says why", **ERROR}

openapi_paths = {
    BASE + "/setup": {
        "get": op(
            "The three set-up steps, the masked credentials and the e-mail index's progress",
            parameters=_ONE,
            responses={"200": _SETUP, "404": ERROR},
        ),
    },
    BASE + "/setup/kmoshops": {
        "put": op(
            "Step 1: verify the shop URL and API token with GET /shop, then store them",
            parameters=_ONE,
            body={
                "type": "object",
                "required": ["base_url", "api_token"],
                "properties": {
                    "base_url": {"type": "string", "format": "uri"},
                    "api_token": {"type": "string"},
                    "shop_country": {"type": "string", "description": "default: from GET /shop"},
                    "shop_timezone": {"type": "string", "description": "default: from GET /shop"},
                },
            },
            responses={"200": _SETUP, "404": ERROR, "422": _REFUSED},
        ),
    },
    BASE + "/setup/informer": {
        "put": op(
            "Step 2: verify the API key and security code with GET /administration, store "
            "them and have the e-mail index built",
            parameters=_ONE,
            body={
                "type": "object",
                "required": ["api_key", "security_code"],
                "properties": {"api_key": {"type": "string"}, "security_code": {"type": "string"}},
            },
            responses={"200": _SETUP, "404": ERROR, "422": _REFUSED},
        ),
    },
    BASE + "/configuration": {
        "get": op(
            "The saved configuration (null before step 3)",
            parameters=_ONE,
            responses={"200": {"type": "object"}, "404": ERROR},
        ),
        "put": op(
            "Step 3: check every row against Informer and save; 422 names each wrong row "
            "and saves nothing",
            parameters=_ONE,
            body={
                "type": "object",
                "required": ["config"],
                "properties": {
                    "shop": {
                        "type": "object",
                        "properties": {
                            "country": {"type": "string"},
                            "timezone": {"type": "string"},
                        },
                    },
                    "config": _CONFIG,
                },
            },
            responses={
                "200": _SETUP,
                "400": ERROR,
                "404": ERROR,
                "422": _REFUSED,
                "503": _REFUSED,
            },
        ),
    },
    BASE + "/configuration/choices": {
        "get": op(
            "What Informer offers: layouts, payment conditions, currencies, cost centres, "
            "ledgers and VAT codes (with their vat_options and usable ledgers)",
            parameters=_ONE,
            responses={"200": {"type": "object"}, "404": ERROR, "503": _REFUSED},
        ),
    },
    BASE + "/configuration/vat-table-prefill": {
        "get": op(
            "The VAT table prefilled with the countries' standard and reduced rates and "
            "the VAT codes that fit",
            parameters=[
                INSTALLATION_ID,
                {
                    "name": "countries",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "description": "comma-separated, e.g. BE,NL"},
                },
            ],
            responses={"200": {"type": "object"}, "400": ERROR, "404": ERROR, "503": _REFUSED},
        ),
    },
}
