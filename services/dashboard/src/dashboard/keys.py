"""Typed keys of what the web application holds (app) and what a request carries."""

from __future__ import annotations

from aiohttp import web

from common.crypto import SecretBox
from common.db.pool import Pool
from dashboard.auth.sessions import Session
from dashboard.settings import DashboardSettings

POOL = web.AppKey("pool", Pool)
BOX = web.AppKey("box", SecretBox)
SETTINGS = web.AppKey("settings", DashboardSettings)
SESSION = web.RequestKey("session", Session)
"""request[SESSION]: the logged-in :class:`Session`, or absent."""
FRESH_CSRF = web.RequestKey("fresh_csrf", str)
"""request[FRESH_CSRF]: a pre-log-in CSRF token made for this response's forms."""


def session_of(request: web.Request) -> Session:
    """The logged-in session; the auth middleware guarantees it on protected routes."""
    session: Session | None = request.get(SESSION)
    if session is None:
        raise web.HTTPUnauthorized(text="log in first")
    return session
