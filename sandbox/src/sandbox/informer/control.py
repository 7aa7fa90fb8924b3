"""The /_sandbox control API: no Informer auth, never logged, never rate limited."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.informer import jsonutil, views
from sandbox.informer.keys import STATE
from sandbox.informer.model import Administration
from sandbox.informer.seed import SeedError

PREFIX = "/_sandbox"
ControlHandler = Callable[[web.Request], Awaitable[web.Response]]


def _fail(status: int, message: str) -> web.HTTPException:
    exc_class = web.HTTPNotFound if status == 404 else web.HTTPBadRequest
    return exc_class(text=jsonutil.dumps({"error": message}), content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = jsonutil.loads(raw)
    except jsonutil.BadJson as exc:
        raise _fail(400, f"bad JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _fail(400, "body must be a JSON object")
    return body


def _admin(request: web.Request) -> Administration:
    try:
        return request.app[STATE].admin(request.match_info["slug"])
    except KeyError as exc:
        raise _fail(404, str(exc)) from None


def _summary(admin: Administration) -> dict[str, Any]:
    return {
        "slug": admin.slug,
        "key_id": admin.key_id,
        "country": admin.country,
        "trade": admin.trade,
        "relations": len(admin.relations),
        "invoices": len(admin.invoices),
    }


async def health(request: web.Request) -> web.Response:
    return jsonutil.json_response({"ok": True})


async def reset(request: web.Request) -> web.Response:
    body = await _body(request)
    try:
        request.app[STATE].reset(body.get("seed"))
    except (SeedError, KeyError, TypeError) as exc:
        raise _fail(400, str(exc)) from None
    return jsonutil.json_response({"ok": True})


async def list_administrations(request: web.Request) -> web.Response:
    admins = request.app[STATE].administrations.values()
    return jsonutil.json_response([_summary(a) for a in admins])


async def add_administration(request: web.Request) -> web.Response:
    try:
        admin = request.app[STATE].add_administration(await _body(request))
    except SeedError as exc:
        raise _fail(400, str(exc)) from None
    return jsonutil.json_response(_summary(admin), status=201)


async def list_relations(request: web.Request) -> web.Response:
    state, admin = request.app[STATE], _admin(request)
    return jsonutil.json_response([views.relation(state, r) for r in admin.relations.values()])


async def add_relation(request: web.Request) -> web.Response:
    """Store a relation as-is (no validation); "last_edit" may backdate it."""
    state, admin = request.app[STATE], _admin(request)
    try:
        rel = state.add_relation(admin.slug, await _body(request))
    except (TypeError, ValueError) as exc:
        raise _fail(400, str(exc)) from None
    return jsonutil.json_response(views.relation(state, rel), status=201)


async def list_invoices(request: web.Request) -> web.Response:
    state, admin = request.app[STATE], _admin(request)
    return jsonutil.json_response(
        [
            {**views.invoice(state, admin, i), "sent_via": i.sent_via}
            for i in admin.invoices.values()
        ]
    )


async def calls(request: web.Request) -> web.Response:
    q = request.query
    found = request.app[STATE].calls_for(
        q.get("endpoint"),
        method=q.get("method"),
        path_prefix=q.get("path_prefix"),
        administration=q.get("administration"),
    )
    return jsonutil.json_response([c.as_dict() for c in found])


async def clear_calls(request: web.Request) -> web.Response:
    request.app[STATE].clear_calls()
    return jsonutil.json_response({"ok": True})


async def counts(request: web.Request) -> web.Response:
    return jsonutil.json_response(request.app[STATE].counts(request.query.get("administration")))


async def get_faults(request: web.Request) -> web.Response:
    return jsonutil.json_response(request.app[STATE].faults.as_dict())


def _fault_setter(apply: Callable[[Any, dict[str, Any]], None]) -> ControlHandler:
    async def handler(request: web.Request) -> web.Response:
        faults = request.app[STATE].faults
        try:
            apply(faults, await _body(request))
        except (KeyError, TypeError, ValueError) as exc:
            raise _fail(400, str(exc)) from None
        return jsonutil.json_response(faults.as_dict())

    return handler


def _number(value: Any) -> float:
    return float(value)


async def clear_faults(request: web.Request) -> web.Response:
    request.app[STATE].faults.clear()
    return jsonutil.json_response({"ok": True})


async def get_rate_limit(request: web.Request) -> web.Response:
    return jsonutil.json_response(request.app[STATE].limiter.config.as_dict())


async def set_rate_limit(request: web.Request) -> web.Response:
    limiter = request.app[STATE].limiter
    try:
        limiter.configure(**await _body(request))
    except (TypeError, ValueError) as exc:
        raise _fail(400, str(exc)) from None
    return jsonutil.json_response(limiter.config.as_dict())


def add_control_routes(app: web.Application) -> None:
    r, p = app.router, PREFIX
    r.add_get(f"{p}/health", health)
    r.add_post(f"{p}/reset", reset)
    r.add_get(f"{p}/administrations", list_administrations)
    r.add_post(f"{p}/administrations", add_administration)
    r.add_get(f"{p}/administrations/{{slug}}/relations", list_relations)
    r.add_post(f"{p}/administrations/{{slug}}/relations", add_relation)
    r.add_get(f"{p}/administrations/{{slug}}/invoices", list_invoices)
    r.add_get(f"{p}/calls", calls)
    r.add_delete(f"{p}/calls", clear_calls)
    r.add_get(f"{p}/counts", counts)
    r.add_get(f"{p}/faults", get_faults)
    r.add_delete(f"{p}/faults", clear_faults)
    r.add_post(
        f"{p}/faults/errors",
        _fault_setter(
            lambda f, b: f.fail_next(
                int(b.get("count", 1)),
                int(b.get("status", 503)),
                b.get("method"),
                b.get("path_prefix"),
            )
        ),
    )
    r.add_post(
        f"{p}/faults/latency",
        _fault_setter(
            lambda f, b: f.add_latency(
                _number(b["seconds"]),
                None if b.get("count") is None else int(b["count"]),
                b.get("method"),
                b.get("path_prefix"),
            )
        ),
    )
    r.add_post(
        f"{p}/faults/lost",
        _fault_setter(
            lambda f, b: f.lose_next(int(b.get("count", 1)), relations=bool(b.get("relations")))
        ),
    )
    r.add_get(f"{p}/rate-limit", get_rate_limit)
    r.add_put(f"{p}/rate-limit", set_rate_limit)
