"""The control API under /_sandbox (no auth): a JSON layer over KmoShopsState.

Calls that fire webhooks (create, generate, status, refund) take per-call delivery
options in the query string: ?duplicate=true&out_of_order=true&drop=true, which
override the shop's switches for that call only.
"""

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from sandbox.kmoshops.errors import ApiError
from sandbox.kmoshops.keys import SENDER, STATE
from sandbox.kmoshops.model import TransitionRefused, parse_rfc3339
from sandbox.kmoshops.state import Conflict, NotFound
from sandbox.kmoshops.validate import OrderShapeError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _mapped(handler: Handler) -> Handler:
    """State exceptions become 404 / 409 / 400 answers."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except NotFound as exc:
            raise ApiError(404, "not_found", str(exc)) from None
        except (Conflict, TransitionRefused) as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        except (OrderShapeError, ValueError, KeyError, TypeError) as exc:
            raise ApiError(400, "bad_request", f"{type(exc).__name__}: {exc}") from None

    return wrapped


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError as exc:
        raise ApiError(400, "bad_request", f"body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "body must be a JSON object")
    return body


def _options(request: web.Request) -> dict[str, bool]:
    options = {}
    for name in ("duplicate", "out_of_order", "drop"):
        if name in request.query:
            options[name] = request.query[name].lower() in {"1", "true", "yes"}
    return options


def _int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise NotFound(f"no {name} {request.match_info[name]!r}") from None


async def reset(request: web.Request) -> web.Response:
    request.app[STATE].reset()
    return web.json_response({"reset": True})


async def list_shops(request: web.Request) -> web.Response:
    shops = request.app[STATE].shops.values()
    return web.json_response({"shops": [s.control_view() for s in shops]})


async def create_shop(request: web.Request) -> web.Response:
    body = await _body(request)
    tokens = body.pop("tokens", [])
    if "token" in body:
        tokens = [body.pop("token"), *tokens]
    shop = request.app[STATE].create_shop(tokens=tokens, **body)
    return web.json_response(shop.control_view(), status=201)


async def get_shop(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].shop(_int(request, "shop_id")).control_view())


async def add_token(request: web.Request) -> web.Response:
    body = await _body(request)
    request.app[STATE].add_token(_int(request, "shop_id"), body["token"])
    return web.json_response({"added": True}, status=201)


async def revoke_token(request: web.Request) -> web.Response:
    request.app[STATE].revoke_token(_int(request, "shop_id"), request.match_info["token"])
    return web.json_response({"revoked": True})


async def create_order(request: web.Request) -> web.Response:
    state = request.app[STATE]
    order = state.add_order(
        _int(request, "shop_id"), await _body(request), options=_options(request)
    )
    return web.json_response(order, status=201)


async def generate(request: web.Request) -> web.Response:
    body = await _body(request)
    window: tuple[datetime, datetime] | None = None
    if "start" in body or "end" in body:
        window = (parse_rfc3339(body["start"]), parse_rfc3339(body["end"]))
    made = request.app[STATE].generate(
        _int(request, "shop_id"),
        body["seed"],
        int(body["count"]),
        scenarios=body.get("scenarios"),
        include_invalid=bool(body.get("include_invalid", False)),
        window=window,
        options=_options(request),
    )
    rows = [
        {"id": g.order["id"], "scenario": g.scenario, "kind": g.kind, "expected": g.expected}
        for g in made
    ]
    return web.json_response({"orders": rows}, status=201)


async def get_order(request: web.Request) -> web.Response:
    state = request.app[STATE]
    order_id = _int(request, "order_id")
    order = state.order(order_id)
    generated = state.scenarios.get(order_id)
    label = None
    if generated is not None:
        label = {"scenario": generated.scenario, "kind": generated.kind}
        label["expected"] = generated.expected
    return web.json_response({"order": order, "generated": label})


async def set_status(request: web.Request) -> web.Response:
    body = await _body(request)
    state = request.app[STATE]
    order = state.set_status(_int(request, "order_id"), body["status"], options=_options(request))
    return web.json_response(order)


async def create_refund(request: web.Request) -> web.Response:
    body = await _body(request)
    state = request.app[STATE]
    refund = state.create_refund(
        _int(request, "order_id"), body["amount"], options=_options(request)
    )
    return web.json_response(refund, status=201)


async def list_webhooks(request: web.Request) -> web.Response:
    shop_id = _int(request, "shop_id")
    state = request.app[STATE]
    state.shop(shop_id)
    hooks = [w.as_dict() for w in state.webhooks.values() if w.shop_id == shop_id]
    return web.json_response({"webhooks": hooks})


async def register_webhook(request: web.Request) -> web.Response:
    body = await _body(request)
    hook = request.app[STATE].register_webhook(
        _int(request, "shop_id"), body["url"], body["secret"]
    )
    return web.json_response(hook.as_dict(), status=201)


async def unregister_webhook(request: web.Request) -> web.Response:
    request.app[STATE].unregister_webhook(_int(request, "webhook_id"))
    return web.json_response({"removed": True})


async def set_switches(request: web.Request) -> web.Response:
    switches = request.app[STATE].set_switches(_int(request, "shop_id"), **await _body(request))
    return web.json_response(switches.as_dict())


async def release_held(request: web.Request) -> web.Response:
    body = await _body(request)
    released = request.app[STATE].release_held(body.get("order_id"))
    return web.json_response({"released": released})


async def add_faults(request: web.Request) -> web.Response:
    body = await _body(request)
    statuses = body.get("statuses") or [int(body.get("status", 500))] * int(body.get("count", 1))
    state = request.app[STATE]
    shop_id = _int(request, "shop_id")
    state.add_faults(shop_id, statuses)
    return web.json_response({"pending_faults": state.shop(shop_id).faults})


async def set_rate_limit(request: web.Request) -> web.Response:
    limiter = request.app[STATE].limiter
    limiter.configure(**await _body(request))
    return web.json_response(limiter.config.as_dict())


async def set_webhook_settings(request: web.Request) -> web.Response:
    settings = request.app[STATE].webhook_settings
    body = await _body(request)
    for name in ("retry_time_scale", "timeout_seconds"):
        if name in body:
            value = float(body.pop(name))
            if value <= 0:
                raise ValueError(f"{name} must be > 0")
            setattr(settings, name, value)
    if body:
        raise ValueError(f"unknown webhook settings {sorted(body)}")
    return web.json_response(vars(settings))


async def list_deliveries(request: web.Request) -> web.Response:
    shop = request.query.get("shop_id")
    with_body = request.query.get("with_body", "").lower() in {"1", "true", "yes"}
    deliveries = request.app[STATE].delivery_list(int(shop) if shop else None)
    views = [d.as_dict(with_body=with_body) for d in deliveries]
    return web.json_response({"deliveries": views})


async def wait_deliveries(request: web.Request) -> web.Response:
    body = await _body(request)
    sender = request.app[SENDER]
    try:
        await sender.wait_idle(float(body.get("timeout", 10)))
    except TimeoutError:
        raise ApiError(504, "timeout", f"{sender.busy} deliveries still busy") from None
    return web.json_response({"busy": sender.busy})


def add_routes(app: web.Application, prefix: str = "/_sandbox") -> None:
    routes: list[tuple[str, str, Handler]] = [
        ("POST", "/reset", reset),
        ("GET", "/shops", list_shops),
        ("POST", "/shops", create_shop),
        ("GET", "/shops/{shop_id}", get_shop),
        ("POST", "/shops/{shop_id}/tokens", add_token),
        ("DELETE", "/shops/{shop_id}/tokens/{token}", revoke_token),
        ("POST", "/shops/{shop_id}/orders", create_order),
        ("POST", "/shops/{shop_id}/orders/generate", generate),
        ("GET", "/shops/{shop_id}/webhooks", list_webhooks),
        ("POST", "/shops/{shop_id}/webhooks", register_webhook),
        ("PUT", "/shops/{shop_id}/switches", set_switches),
        ("POST", "/shops/{shop_id}/release-held", release_held),
        ("POST", "/shops/{shop_id}/faults", add_faults),
        ("GET", "/orders/{order_id}", get_order),
        ("POST", "/orders/{order_id}/status", set_status),
        ("POST", "/orders/{order_id}/refunds", create_refund),
        ("DELETE", "/webhooks/{webhook_id}", unregister_webhook),
        ("PUT", "/rate-limit", set_rate_limit),
        ("PUT", "/webhook-settings", set_webhook_settings),
        ("GET", "/deliveries", list_deliveries),
        ("POST", "/deliveries/wait", wait_deliveries),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, prefix + path, _mapped(handler))
