"""What every Informer call goes through: latency, auth, rate limit, injected 5xx, the log.

Order matters and is part of the contract: a call that fails auth or is rate limited
costs no budget; an injected 5xx is answered after the budget was counted (a real
server error happens inside the API, so retries are not free) and changes nothing.
"""

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from sandbox.informer import jsonutil
from sandbox.informer.keys import ADMINISTRATION, API_PREFIX, STATE
from sandbox.informer.ratelimit import Verdict

GATEWAY_PAGE = "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"


class LostResponse(Exception):
    """Raised by a handler after its work is stored: drop the connection, answer nothing."""


def _endpoint(request: web.Request) -> str:
    resource = request.match_info.route.resource
    template = resource.canonical if resource is not None else request.path
    return f"{request.method} {template.removeprefix(API_PREFIX) or '/'}"


def _loggable_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return jsonutil.loads(raw)
    except jsonutil.BadJson:
        return {"_unparsable_body": raw[:2000].decode("utf-8", "replace")}


def _server_error(status: int) -> web.Response:
    if status == 500:
        return jsonutil.error_response(500, "Er is een interne fout opgetreden.")
    # 502/503 come from the gateway in front of the API: HTML, not the Error shape.
    return web.Response(
        status=status, text=GATEWAY_PAGE.format(status=status), content_type="text/html"
    )


def _http_error(exc: web.HTTPException) -> web.Response:
    messages = {404: "Resource niet gevonden.", 405: "Methode niet toegestaan."}
    return jsonutil.error_response(exc.status, messages.get(exc.status, exc.reason))


@web.middleware
async def informer_api(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not (request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")):
        return await handler(request)
    state = request.app[STATE]
    method, path = request.method, request.path.removeprefix(API_PREFIX) or "/"
    raw = await request.read()
    log = {
        "method": method,
        "path": path,
        "endpoint": _endpoint(request),
        "query": dict(request.query),
        "request_json": _loggable_json(raw),
    }
    delay = state.faults.take_latency(method, path)
    if delay:
        await asyncio.sleep(delay)

    admin = state.authenticate(request.headers.get("Apikey"), request.headers.get("Securitycode"))
    if admin is None:
        state.record_call(**log, key_id=None, administration=None, status=401)
        return jsonutil.error_response(401, "Ongeldige API-sleutel of beveiligingscode.")
    log |= {"key_id": admin.key_id, "administration": admin.slug}

    verdict = state.limiter.check(admin.key_id, state.clock())
    if not verdict.allowed:
        response = jsonutil.error_response(429, "Te veel verzoeken. Probeer het later opnieuw.")
        _add_limit_headers(response, verdict)
        state.record_call(**log, status=429)
        return response

    request[ADMINISTRATION] = admin
    status = state.faults.take_error(method, path)
    if status is not None:
        response: web.StreamResponse = _server_error(status)
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = _http_error(exc)
        except LostResponse:
            state.record_call(**log, status=None, lost=True)
            if request.transport is not None:
                request.transport.abort()
            # Writing this to the aborted transport fails quietly inside aiohttp
            # ("premature client disconnection"), so not a byte reaches the client;
            # 444 (nginx's "no response") is only what the access log shows.
            return web.Response(status=444, reason="No Response")
    _add_limit_headers(response, verdict)
    state.record_call(**log, status=response.status)
    return response


def _add_limit_headers(response: web.StreamResponse, verdict: Verdict) -> None:
    response.headers.update(verdict.headers)
    if not verdict.allowed:
        response.headers["Retry-After"] = str(verdict.retry_after)
