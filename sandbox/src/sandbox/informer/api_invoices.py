"""/invoices/sales: list, get, create, send."""

from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.informer import jsonutil, views
from sandbox.informer.api_common import (
    BadRequest,
    context,
    json_object,
    page_params,
    page_slice,
    path_id,
    query_date,
)
from sandbox.informer.checks import Checker
from sandbox.informer.invoice_rules import validate_invoice
from sandbox.informer.middleware import LostResponse
from sandbox.informer.model import Administration, Invoice

FILTERS = ("concept", "open", "collect", "accruals", "collection_fines", "payment_plans")
DEFAULT_SORT = "date.desc"


def _relation_name(admin: Administration, inv: Invoice) -> str:
    rel = admin.relations.get(inv.body["relation_id"])
    if rel is None:
        return ""
    f = rel.fields
    return str(f.get("company_name") or f"{f.get('firstname', '')} {f.get('surname', '')}")


def _sort_key(admin: Administration, field: str) -> Callable[[Invoice], Any]:
    keys: dict[str, Callable[[Invoice], Any]] = {
        "created": lambda i: (i.created_at, i.id),
        "name": lambda i: (_relation_name(admin, i).lower(), i.id),
        "number": lambda i: (i.number, i.id),
        "date": lambda i: (i.body["invoice_date"], i.id),
        "amount": lambda i: (i.totals["incl_vat"], i.id),
        "invoiceAmountPaid": lambda i: (i.totals["paid"], i.id),
        "invoiceAmountOpen": lambda i: (i.totals["open"], i.id),
    }
    if field not in keys:
        raise BadRequest(f"Onbekend sorteerveld: {field}.")
    return keys[field]


async def list_invoices(request: web.Request) -> web.Response:
    """Only the documented parameters filter; anything else (reference, number, ...) is
    ignored, so a client looking an invoice up by reference must check each result."""
    state, admin = context(request)
    page, records = page_params(request)
    since = query_date(request, "last_edit")
    status = request.query.get("filter")
    if status is not None and status not in FILTERS:
        raise BadRequest("Ongeldige waarde voor filter.")
    relation_text = request.query.get("relation_id")
    if relation_text is not None and not relation_text.isdigit():
        raise BadRequest("relation_id moet een geheel getal zijn.")
    field, _, direction = request.query.get("sort", DEFAULT_SORT).partition(".")
    if direction not in ("asc", "desc"):
        raise BadRequest("sort heeft de vorm veld.asc of veld.desc.")
    found = [
        inv
        for inv in admin.invoices.values()
        if (since is None or inv.last_edit.date() > since)
        and (relation_text is None or inv.body["relation_id"] == int(relation_text))
        # Every sandbox invoice is finalized and unpaid: "open" is the only status with any.
        and (status is None or status == "open")
    ]
    found.sort(key=_sort_key(admin, field), reverse=direction == "desc")
    return jsonutil.json_response(
        {
            "pagination": views.pagination(page, records, len(found)),
            "invoices": [views.invoice(state, admin, i) for i in page_slice(found, page, records)],
        }
    )


async def get_invoice(request: web.Request) -> web.Response:
    state, admin = context(request)
    inv = admin.invoices.get(path_id(request))
    if inv is None:
        raise web.HTTPNotFound()
    return jsonutil.json_response(views.invoice(state, admin, inv))


async def create_invoice(request: web.Request) -> web.Response:
    state, admin = context(request)
    body = await json_object(request)
    errors = validate_invoice(admin, body)
    if errors:
        return jsonutil.error_response(422, errors)
    if body["relation_id"] not in admin.relations:
        return jsonutil.error_response(404, "Resource niet gevonden.")
    inv = state.store_invoice(admin, body)
    if state.faults.take_lost("invoice"):
        raise LostResponse
    return jsonutil.json_response({"id": inv.id, "url": f"{state.web_url}/sales-invoice/{inv.id}"})


async def options(request: web.Request) -> web.Response:
    _, admin = context(request)
    return jsonutil.json_response(views.vat_options(admin))


async def send_invoice(request: web.Request) -> web.Response:
    state, admin = context(request)
    inv = admin.invoices.get(path_id(request))
    if inv is None:
        raise web.HTTPNotFound()
    body = await json_object(request)
    method = body.get("method")
    if method not in ("email", "mark", "peppol"):
        return jsonutil.error_response(422, "method moet email, mark of peppol zijn.")
    if method == "peppol":
        return jsonutil.error_response(422, "Peppol is niet beschikbaar voor deze relatie.")
    if method == "email":
        check = Checker()
        check.email("email_address", body.get("email_address"))
        rel = admin.relations.get(inv.body["relation_id"])
        known = {rel.fields.get("email"), rel.fields.get("email_invoice")} if rel else set()
        if not check.ok("email_address") or body["email_address"] not in known - {None}:
            return jsonutil.error_response(
                422, "email_address moet een e-mailadres van de relatie zijn."
            )
    inv.sent_via = method
    inv.last_edit = state.now()
    return jsonutil.json_response({"message": "Invoice has been sent successfully"})
