"""Sign-up, log-in and log-out pages."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import ValidationError

from common.vat import EU_MEMBERS
from dashboard.accounts import EmailTaken, SignUpForm, field_errors, sign_up
from dashboard.auth.login import LoginRefused, log_in
from dashboard.auth.middleware import clear_session_cookie, set_session_cookie
from dashboard.auth.sessions import COOKIE, end_session, start_session
from dashboard.keys import BOX, POOL, SESSION, SETTINGS, session_of
from dashboard.tenancy import account_installations
from dashboard.web.render import render

routes = web.RouteTableDef()

COUNTRIES = sorted(EU_MEMBERS)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    async with request.app[POOL].acquire() as conn:
        installations = await account_installations(conn, session_of(request).account_id)
    if not installations:
        raise web.HTTPFound("/installations")
    raise web.HTTPFound(f"/i/{installations[0].id}")


@routes.get("/terms")
async def terms(request: web.Request) -> web.Response:
    return await render("auth/terms.html", request, {})


@routes.get("/signup")
async def signup_form(request: web.Request) -> web.Response:
    return await render(
        "auth/signup.html",
        request,
        {
            "countries": COUNTRIES,
            "form": {},
            "errors": {},
            "trial_days": request.app[SETTINGS].trial_days,
        },
    )


@routes.post("/signup")
async def signup(request: web.Request) -> web.StreamResponse:
    data = await request.post()
    values = {k: v for k, v in data.items() if isinstance(v, str)}
    values["accept_terms"] = "accept_terms" in data  # type: ignore[assignment]
    try:
        form = SignUpForm.model_validate(values)
    except ValidationError as exc:
        return await _signup_again(request, values, field_errors(exc))
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn:
        try:
            account_id, installation = await sign_up(conn, request.app[BOX], settings, form)
        except EmailTaken:
            return await _signup_again(
                request, values, {"email": "There is an account for this address: log in."}
            )
        raw, _ = await start_session(conn, account_id, timedelta(hours=settings.session_hours))
    response = web.HTTPSeeOther(f"/i/{installation.id}?done=signed-up")
    set_session_cookie(request, response, raw)
    raise response


async def _signup_again(
    request: web.Request, values: dict[str, object], errors: dict[str, str]
) -> web.Response:
    values.pop("password", None)
    return await render(
        "auth/signup.html",
        request,
        {
            "countries": COUNTRIES,
            "form": values,
            "errors": errors,
            "trial_days": request.app[SETTINGS].trial_days,
        },
        status=400,
    )


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return await render(
        "auth/login.html",
        request,
        {"error": None, "email": "", "next": _safe_next(request.query.get("next"))},
    )


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    data = await request.post()
    email = str(data.get("email", "")).strip()
    password = str(data.get("password", ""))
    target = _safe_next(str(data.get("next", "")))
    try:
        raw = await log_in(request, email, password, old_cookie=request.cookies.get(COOKIE))
    except LoginRefused as refused:
        return await render(
            "auth/login.html",
            request,
            {"error": str(refused), "email": email, "next": target},
            status=refused.status,
        )
    response = web.HTTPSeeOther(target)
    set_session_cookie(request, response, raw)
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    raw = request.cookies.get(COOKIE)
    if raw and SESSION in request:
        async with request.app[POOL].acquire() as conn:
            await end_session(conn, raw)
    response = web.HTTPSeeOther("/login")
    clear_session_cookie(response)
    raise response
