"""Installations: the list and "add installation", an installation's start page,
its Profile (license, trial, notification address, stop/restart, webhook)."""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from common.installations.repository import webhook_url
from dashboard import installations as actions
from dashboard.accounts import AddInstallationForm, add_installation, field_errors
from dashboard.keys import BOX, POOL, SETTINGS, session_of
from dashboard.tenancy import account_installations, requested_installation
from dashboard.web.auth_pages import COUNTRIES
from dashboard.web.context import back_to, installation_page
from dashboard.web.render import render

routes = web.RouteTableDef()


async def _installations_page(
    request: web.Request, form: dict[str, object], errors: dict[str, str], status: int = 200
) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        installations = await account_installations(conn, session_of(request).account_id)
    return await render(
        "installations/list.html",
        request,
        {
            "installations": installations,
            "countries": COUNTRIES,
            "form": form,
            "errors": errors,
            "section": "installations",
            "installation": None,
            "badges": {},
            "flash": None,
        },
        status=status,
    )


@routes.get("/installations")
async def installations_list(request: web.Request) -> web.Response:
    return await _installations_page(request, {}, {})


@routes.post("/installations")
async def installations_add(request: web.Request) -> web.StreamResponse:
    data = await request.post()
    values = {k: v for k, v in data.items() if isinstance(v, str)}
    try:
        form = AddInstallationForm.model_validate(values)
    except ValidationError as exc:
        return await _installations_page(request, values, field_errors(exc), status=400)
    session = session_of(request)
    async with request.app[POOL].acquire() as conn:
        created = await add_installation(
            conn,
            request.app[BOX],
            request.app[SETTINGS],
            account_id=session.account_id,
            account_email=session.account_email,
            form=form,
        )
    raise web.HTTPSeeOther(f"/i/{created.id}?done=added")


@routes.get("/i/{installation_id}")
async def installation_home(request: web.Request) -> web.StreamResponse:
    installation = await requested_installation(request)
    if installation.status == "setup":
        context = await installation_page(
            request,
            installation,
            "setup",
            webhook_url=webhook_url(request.app[SETTINGS].ingest_public_url, installation.id),
        )
        return await render("installations/in_setup.html", request, context)
    suffix = f"?done={request.query['done']}" if "done" in request.query else ""
    raise web.HTTPFound(f"/i/{installation.id}/report{suffix}")


@routes.get("/i/{installation_id}/profile")
async def profile(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    context = await installation_page(
        request,
        installation,
        "profile",
        webhook_url=webhook_url(request.app[SETTINGS].ingest_public_url, installation.id),
        revealed_secret=None,
        email_error=None,
    )
    return await render("installations/profile.html", request, context)


@routes.post("/i/{installation_id}/stop")
async def stop(request: web.Request) -> web.StreamResponse:
    installation = await requested_installation(request)
    async with request.app[POOL].acquire() as conn:
        try:
            await actions.stop(conn, session_of(request).account_id, installation.id)
        except actions.NotAllowedNow as exc:
            raise web.HTTPConflict(text=f"Not stopped: {exc}.") from None
    raise back_to(request, f"/i/{installation.id}/profile", "stopped")


@routes.post("/i/{installation_id}/restart")
async def restart(request: web.Request) -> web.StreamResponse:
    installation = await requested_installation(request)
    async with request.app[POOL].acquire() as conn:
        try:
            await actions.restart(conn, session_of(request).account_id, installation.id)
        except actions.NotAllowedNow as exc:
            raise web.HTTPConflict(text=f"Not restarted: {exc}.") from None
    raise back_to(request, f"/i/{installation.id}/profile", "restarted")


@routes.post("/i/{installation_id}/notification-email")
async def notification_email(request: web.Request) -> web.StreamResponse:
    installation = await requested_installation(request)
    value = str((await request.post()).get("notification_email", "")).strip()
    problem = actions.notification_email_problem(value)
    if problem:
        context = await installation_page(
            request,
            installation,
            "profile",
            webhook_url=webhook_url(request.app[SETTINGS].ingest_public_url, installation.id),
            revealed_secret=None,
            email_error=problem,
        )
        return await render("installations/profile.html", request, context, status=400)
    async with request.app[POOL].acquire() as conn:
        await actions.set_notification_email(
            conn, session_of(request).account_id, installation.id, value
        )
    raise back_to(request, f"/i/{installation.id}/profile", "saved")


@routes.post("/i/{installation_id}/webhook-secret")
async def roll_webhook_secret(request: web.Request) -> web.Response:
    """A new secret, shown once in the response to the POST that makes it (never in a
    URL, never cached, never logged)."""
    installation = await requested_installation(request)
    async with request.app[POOL].acquire() as conn:
        secret = await actions.roll_webhook_secret(
            conn, request.app[BOX], session_of(request).account_id, installation.id
        )
    context = await installation_page(
        request,
        installation,
        "profile",
        webhook_url=webhook_url(request.app[SETTINGS].ingest_public_url, installation.id),
        revealed_secret=secret,
        email_error=None,
    )
    response = await render("installations/profile.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    return response
