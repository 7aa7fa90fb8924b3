"""JSON: sign-up, log-in (a session cookie and its CSRF token), log-out, the account."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from pydantic import ValidationError

from dashboard.accounts import EmailTaken, SignUpForm, field_errors, sign_up
from dashboard.api.common import json_body, json_response, validation_error
from dashboard.api.schemas import ERROR, op
from dashboard.auth.login import LoginRefused, log_in
from dashboard.auth.middleware import clear_session_cookie, set_session_cookie
from dashboard.auth.sessions import COOKIE, end_session, load_session, start_session
from dashboard.keys import BOX, POOL, SESSION, SETTINGS, session_of

routes = web.RouteTableDef()


@routes.post("/api/v1/signup")
async def signup(request: web.Request) -> web.Response:
    try:
        form = SignUpForm.model_validate(await json_body(request))
    except ValidationError as exc:
        return validation_error(field_errors(exc))
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn:
        try:
            account_id, installation = await sign_up(conn, request.app[BOX], settings, form)
        except EmailTaken:
            return validation_error({"email": "There is an account for this address: log in."})
        raw, csrf = await start_session(conn, account_id, timedelta(hours=settings.session_hours))
    response = json_response(
        {
            "account_id": account_id,
            "installation_id": installation.id,
            "license_key": installation.license_key,
            "csrf_token": csrf,
        },
        status=201,
    )
    set_session_cookie(request, response, raw)
    return response


@routes.post("/api/v1/session")
async def login(request: web.Request) -> web.Response:
    body = await json_body(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return validation_error({"email": "Give email and password as strings."})
    try:
        raw = await log_in(request, email.strip(), password, old_cookie=request.cookies.get(COOKIE))
    except LoginRefused as refused:
        raise _refused(refused) from None
    async with request.app[POOL].acquire() as conn:
        session = await load_session(conn, raw)
    assert session is not None
    response = json_response({"account_id": session.account_id, "csrf_token": session.csrf_token})
    set_session_cookie(request, response, raw)
    return response


def _refused(refused: LoginRefused) -> web.HTTPException:
    error = web.HTTPTooManyRequests if refused.status == 429 else web.HTTPUnauthorized
    return error(text=str(refused))


@routes.delete("/api/v1/session")
async def logout(request: web.Request) -> web.Response:
    raw = request.cookies.get(COOKIE)
    if raw and SESSION in request:
        async with request.app[POOL].acquire() as conn:
            await end_session(conn, raw)
    response = web.Response(status=204)
    clear_session_cookie(response)
    return response


@routes.get("/api/v1/account")
async def account(request: web.Request) -> web.Response:
    session = session_of(request)
    return json_response(
        {
            "id": session.account_id,
            "name": session.account_name,
            "email": session.account_email,
            "csrf_token": session.csrf_token,
        }
    )


_SIGNUP_BODY = {
    "type": "object",
    "required": ["name", "email", "shop_country", "password", "accept_terms"],
    "properties": {
        "name": {"type": "string"},
        "email": {"type": "string"},
        "shop_country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "password": {"type": "string", "minLength": 10},
        "accept_terms": {"type": "boolean"},
    },
}
_LOGIN_BODY = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
}
_SESSION = {
    "type": "object",
    "properties": {"account_id": {"type": "string"}, "csrf_token": {"type": "string"}},
}

openapi_paths = {
    "/api/v1/signup": {
        "post": op(
            "Sign up for a 30-day trial (also logs in)",
            body=_SIGNUP_BODY,
            responses={"201": _SESSION, "400": ERROR},
            public=True,
        ),
    },
    "/api/v1/session": {
        "post": op(
            "Log in: sets the session cookie, returns the CSRF token",
            body=_LOGIN_BODY,
            responses={"200": _SESSION, "401": ERROR, "429": ERROR},
            public=True,
        ),
        "delete": op("Log out: ends the session", responses={"204": None}),
    },
    "/api/v1/account": {
        "get": op(
            "The logged-in account, with the session's CSRF token",
            responses={"200": {"type": "object"}},
        ),
    },
}
