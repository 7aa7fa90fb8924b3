"""Who is asking, and may they: sessions, log-in required, CSRF, error pages.

CSRF rules (README, "Security"):

* HTML forms: every POST carries ``csrf_token``. With a session it must equal the
  session's token; before log-in (the log-in and sign-up forms) it must equal the
  ``k2i_csrf`` cookie set with the form (double submit), so another site cannot log a
  visitor into an account of its choosing.
* JSON API: every POST/PUT/PATCH/DELETE must be ``application/json`` (a cross-site form
  cannot send that without a CORS preflight, which we never allow) and, with a
  session, carry the session's token in ``X-CSRF-Token`` (returned at log-in and by
  ``GET /api/v1/account``).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from dashboard.auth.sessions import COOKIE, load_session
from dashboard.keys import FRESH_CSRF, POOL, SESSION, SETTINGS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSRF_COOKIE = "k2i_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PUBLIC_PREFIXES = ("/static/", "/healthz", "/readyz", "/metrics", "/api/openapi.json")
PUBLIC_PATHS = frozenset({"/login", "/signup", "/terms", "/api/v1/session", "/api/v1/signup"})


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def is_public_path(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_public(request: web.Request) -> bool:
    return is_public_path(request.path)


def anonymous_csrf_token(request: web.Request, response: web.StreamResponse | None = None) -> str:
    """The pre-log-in form token: the visitor's ``k2i_csrf`` cookie, made if missing."""
    token = request.cookies.get(CSRF_COOKIE) or request.get(FRESH_CSRF)
    if token is None:
        token = secrets.token_urlsafe(32)
        request[FRESH_CSRF] = token
    return token


async def template_context(request: web.Request) -> dict[str, Any]:
    """What every template may use: the session and the token for its forms."""
    session = request.get(SESSION)
    return {
        "session": session,
        "csrf_field": CSRF_FIELD,
        "csrf_token": session.csrf_token if session else anonymous_csrf_token(request),
    }


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def _csrf_ok(request: web.Request) -> bool:
    session = request.get(SESSION)
    if is_api(request):
        if request.content_type != "application/json":
            return False
        return session is None or _same(request.headers.get(CSRF_HEADER), session.csrf_token)
    form = await request.post()
    sent = form.get(CSRF_FIELD)
    sent = sent if isinstance(sent, str) else None
    expected = session.csrf_token if session else request.cookies.get(CSRF_COOKIE)
    return _same(sent, expected)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    raw = request.cookies.get(COOKIE)
    if raw:
        async with request.app[POOL].acquire() as conn:
            session = await load_session(conn, raw)
        if session is not None:
            request[SESSION] = session
    if request.method in UNSAFE and not await _csrf_ok(request):
        raise web.HTTPForbidden(
            text="The form or request is missing its security token (CSRF). "
            "Reload the page and try again."
        )
    if SESSION not in request and not is_public(request):
        if is_api(request):
            raise web.HTTPUnauthorized(text="Log in first: POST /api/v1/session.")
        raise web.HTTPFound(f"/login?next={request.path_qs}" if request.path != "/" else "/login")
    response = await handler(request)
    fresh = request.get(FRESH_CSRF)
    if fresh is not None and CSRF_COOKIE not in request.cookies:
        response.set_cookie(
            CSRF_COOKIE,
            fresh,
            httponly=True,
            samesite="Lax",
            secure=request.app[SETTINGS].session_cookie_secure,
            path="/",
        )
    return response


def set_session_cookie(request: web.Request, response: web.StreamResponse, raw: str) -> None:
    settings = request.app[SETTINGS]
    response.set_cookie(
        COOKIE,
        raw,
        httponly=True,
        samesite="Lax",
        secure=settings.session_cookie_secure,
        max_age=settings.session_hours * 3600,
        path="/",
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")
