"""What every page of one installation shows around its content: the installation
switcher, the menu with its badges."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dashboard.keys import POOL, session_of
from dashboard.orders.queries import counts
from dashboard.tenancy import OwnedInstallation, account_installations


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
        "flash": request.query.get("done"),
        **values,
    }


def back_to(request: web.Request, path: str, done: str) -> web.HTTPSeeOther:
    """Post/redirect/get: after an action, back to the page with a short notice."""
    return web.HTTPSeeOther(f"{path}?done={done}")
