"""What every page of one installation shows around its content: the installation
switcher, the menu with its badges."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dashboard.keys import POOL, SETTINGS, session_of
from dashboard.orders.queries import counts
from dashboard.tenancy import OwnedInstallation, account_installations

FLASH = {
    "signed-up": "Welcome! Your {trial_days}-day trial has started.",
    "added": "Installation added.",
    "processing": "The order is being processed again.",
    "ignored": "The order is ignored.",
    "stopped": "The integration is stopped.",
    "restarted": "The integration runs again.",
    "saved": "Saved.",
    "backfill-started": "The back-fill has started; its progress is below.",
}
"""The notice after an action (post/redirect/get carries only its key)."""


def flash_text(request: web.Request) -> str | None:
    key = request.query.get("done")
    if key not in FLASH:
        return None
    return FLASH[key].format(trial_days=request.app[SETTINGS].trial_days)


async def installation_page(
    request: web.Request, installation: OwnedInstallation, section: str, **values: Any
) -> dict[str, Any]:
    async with request.app[POOL].acquire() as conn:
        installations = await account_installations(conn, session_of(request).account_id)
        badges = await counts(conn, installation.id)
    return {
        "installations": installations,
        "installation": installation,
        "section": section,
        "badges": badges,
        "flash": flash_text(request),
        **values,
    }


def back_to(request: web.Request, path: str, done: str) -> web.HTTPSeeOther:
    """Post/redirect/get: after an action, back to the page with a short notice."""
    return web.HTTPSeeOther(f"{path}?done={done}")
