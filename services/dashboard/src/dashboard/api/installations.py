"""JSON: installations of the account, adding one, Profile and its actions."""

from __future__ import annotations

from aiohttp import web
from pydantic import ValidationError

from common.installations.repository import webhook_url
from dashboard import installations as actions
from dashboard.accounts import AddInstallationForm, add_installation, field_errors
from dashboard.api.common import json_body, json_response, validation_error
from dashboard.api.schemas import ERROR, INSTALLATION_ID, op
from dashboard.keys import BOX, POOL, SETTINGS, session_of
from dashboard.orders.queries import counts
from dashboard.tenancy import OwnedInstallation, account_installations, requested_installation

routes = web.RouteTableDef()


def _describe(request: web.Request, installation: OwnedInstallation) -> dict[str, object]:
    return {
        **installation.to_json(),
        "webhook_url": webhook_url(request.app[SETTINGS].ingest_public_url, installation.id),
        "webhook_secret": "whsec_…",
    }


@routes.get("/api/v1/installations")
async def list_installations(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        found = await account_installations(conn, session_of(request).account_id)
    return json_response({"installations": [_describe(request, i) for i in found]})


@routes.post("/api/v1/installations")
async def add(request: web.Request) -> web.Response:
    try:
        form = AddInstallationForm.model_validate(await json_body(request))
    except ValidationError as exc:
        return validation_error(field_errors(exc))
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
    return json_response({"id": created.id, "license_key": created.license_key}, status=201)


@routes.get("/api/v1/installations/{installation_id}")
async def show(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    async with request.app[POOL].acquire() as conn:
        badges = await counts(conn, installation.id)
    return json_response({**_describe(request, installation), "counts": badges})


async def _transition(request: web.Request, action: str) -> web.Response:
    installation = await requested_installation(request)
    move = actions.stop if action == "stop" else actions.restart
    async with request.app[POOL].acquire() as conn:
        try:
            await move(conn, session_of(request).account_id, installation.id)
        except actions.NotAllowedNow as exc:
            done = "stopped" if action == "stop" else "restarted"
            raise web.HTTPConflict(text=f"Not {done}: {exc}.") from None
    return await show(request)


@routes.post("/api/v1/installations/{installation_id}/stop")
async def stop(request: web.Request) -> web.Response:
    return await _transition(request, "stop")


@routes.post("/api/v1/installations/{installation_id}/restart")
async def restart(request: web.Request) -> web.Response:
    return await _transition(request, "restart")


@routes.put("/api/v1/installations/{installation_id}/notification-email")
async def notification_email(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    value = (await json_body(request)).get("notification_email") or ""
    if not isinstance(value, str):
        return validation_error({"notification_email": "A string, or null to remove it."})
    problem = actions.notification_email_problem(value.strip())
    if problem:
        return validation_error({"notification_email": problem})
    async with request.app[POOL].acquire() as conn:
        await actions.set_notification_email(
            conn, session_of(request).account_id, installation.id, value.strip()
        )
    return await show(request)


@routes.post("/api/v1/installations/{installation_id}/webhook-secret")
async def roll_webhook_secret(request: web.Request) -> web.Response:
    installation = await requested_installation(request)
    async with request.app[POOL].acquire() as conn:
        secret = await actions.roll_webhook_secret(
            conn, request.app[BOX], session_of(request).account_id, installation.id
        )
    response = json_response({"webhook_secret": secret})
    response.headers["Cache-Control"] = "no-store"
    return response


_INSTALLATION = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "status": {"enum": ["setup", "active", "disabled"]},
        "shop_country": {"type": "string"},
        "license_key": {"type": ["string", "null"]},
        "trial_ends_at": {"type": ["string", "null"], "format": "date-time"},
        "subscription_ends_at": {"type": ["string", "null"], "format": "date-time"},
        "notification_email": {"type": ["string", "null"]},
        "stopped_at": {"type": ["string", "null"], "format": "date-time"},
        "webhook_url": {"type": "string"},
        "webhook_secret": {"type": "string"},
    },
}
_ONE = [INSTALLATION_ID]

openapi_paths = {
    "/api/v1/installations": {
        "get": op(
            "The account's installations",
            responses={
                "200": {
                    "type": "object",
                    "properties": {"installations": {"type": "array", "items": _INSTALLATION}},
                }
            },
        ),
        "post": op(
            "Add an installation (in setup, with its own trial, webhook and license)",
            body={
                "type": "object",
                "required": ["name", "shop_country"],
                "properties": {"name": {"type": "string"}, "shop_country": {"type": "string"}},
            },
            responses={"201": {"type": "object"}, "400": ERROR},
        ),
    },
    "/api/v1/installations/{installation_id}": {
        "get": op(
            "One installation (Profile), with counts of failed and waiting orders",
            parameters=_ONE,
            responses={"200": _INSTALLATION, "404": ERROR},
        ),
    },
    "/api/v1/installations/{installation_id}/stop": {
        "post": op(
            "Stop processing (keeps data)",
            parameters=_ONE,
            responses={"200": _INSTALLATION, "404": ERROR, "409": ERROR},
        ),
    },
    "/api/v1/installations/{installation_id}/restart": {
        "post": op(
            "Restart processing",
            parameters=_ONE,
            responses={"200": _INSTALLATION, "404": ERROR, "409": ERROR},
        ),
    },
    "/api/v1/installations/{installation_id}/notification-email": {
        "put": op(
            "Set (or clear, with null) the extra notification address",
            parameters=_ONE,
            body={
                "type": "object",
                "properties": {"notification_email": {"type": ["string", "null"]}},
            },
            responses={"200": _INSTALLATION, "400": ERROR, "404": ERROR},
        ),
    },
    "/api/v1/installations/{installation_id}/webhook-secret": {
        "post": op(
            "Replace the webhook secret with a new one, shown only in this answer (never"
            " cached); the old one stops working: enter the new one in KMO Shops",
            parameters=_ONE,
            responses={
                "200": {"type": "object", "properties": {"webhook_secret": {"type": "string"}}},
                "404": ERROR,
            },
        ),
    },
}
