"""GET/POST /relations, GET/PUT /relations/{id}."""

from aiohttp import web

from sandbox.informer import jsonutil, views
from sandbox.informer.api_common import (
    context,
    json_object,
    page_params,
    page_slice,
    path_id,
    query_date,
)
from sandbox.informer.middleware import LostResponse
from sandbox.informer.relation_rules import COMPANY_FIELDS, PRIVATE_FIELDS, validate_relation

SAVED = {"success": "Relation saved"}
SEARCHED_FIELDS = ("company_name", "street", "city")


async def list_relations(request: web.Request) -> web.Response:
    """search: case-insensitive substring of company name, street, city or relation number
    (never e-mail, never a person's name); last_edit: edited on a later day than given."""
    state, admin = context(request)
    page, records = page_params(request)
    since = query_date(request, "last_edit")
    search = request.query.get("search", "").strip().lower()
    found = []
    for rel in sorted(admin.relations.values(), key=lambda r: r.id):
        if since is not None and rel.last_edit.date() <= since:
            continue
        if search:
            haystack = [str(rel.fields.get(name) or "") for name in SEARCHED_FIELDS]
            haystack.append(str(rel.relation_number))
            if not any(search in text.lower() for text in haystack):
                continue
        found.append(rel)
    return jsonutil.json_response(
        {
            "pagination": views.pagination(page, records, len(found)),
            "relations": [views.relation(state, r) for r in page_slice(found, page, records)],
        }
    )


async def get_relation(request: web.Request) -> web.Response:
    state, admin = context(request)
    rel = admin.relations.get(path_id(request))
    if rel is None:
        raise web.HTTPNotFound()
    return jsonutil.json_response(views.relation(state, rel, detail=True))


async def create_relation(request: web.Request) -> web.Response:
    """Answers without the new id, as Informer does: find it by relation_number."""
    state, admin = context(request)
    body = await json_object(request)
    errors = validate_relation(admin, body)
    if errors:
        return jsonutil.error_response(422, errors)
    state.add_relation(admin.slug, body, last_edit=state.now())
    if state.faults.take_lost("relation"):
        raise LostResponse
    return jsonutil.json_response(SAVED)


async def update_relation(request: web.Request) -> web.Response:
    state, admin = context(request)
    rel = admin.relations.get(path_id(request))
    if rel is None:
        raise web.HTTPNotFound()
    body = await json_object(request)
    stored = dict(rel.fields)
    kind = body.get("relation_type", rel.relation_type)
    for name in PRIVATE_FIELDS if kind == 0 else COMPANY_FIELDS if kind == 1 else ():
        if name not in body:
            stored.pop(name, None)
    merged = {
        **stored,
        "relation_type": rel.relation_type,
        "relation_number": rel.relation_number,
        **body,
    }
    errors = validate_relation(admin, merged, existing_id=rel.id)
    if errors:
        return jsonutil.error_response(422, errors)
    state.update_relation(admin, rel, body)
    return jsonutil.json_response(SAVED)
