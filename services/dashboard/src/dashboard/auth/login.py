"""Logging in, shared by the form and the API: throttle, verify, new session."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from dashboard.accounts import find_login
from dashboard.auth import throttle
from dashboard.auth.passwords import verify_password
from dashboard.auth.sessions import end_session, start_session
from dashboard.keys import POOL, SETTINGS


class LoginRefused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


async def log_in(request: web.Request, email: str, password: str, *, old_cookie: str | None) -> str:
    """Return the new session's cookie value; raise LoginRefused with the words to show.

    A previous session of this browser is ended first: the id after log-in is always
    new (no session fixation)."""
    settings = request.app[SETTINGS]
    limits = throttle.Limits(
        settings.login_max_failures,
        settings.login_max_failures_per_address,
        timedelta(seconds=settings.login_window_seconds),
    )
    address = client_address(request)
    async with request.app[POOL].acquire() as conn:
        blocked = await throttle.blocked(conn, email, address, limits)
        if blocked is not None:
            raise LoginRefused(blocked.message(), 429)
        account = await find_login(conn, email)
        ok = await verify_password(account["password_hash"] if account else None, password)
        if not ok or account is None:
            await throttle.record_failure(conn, email, address, limits)
            raise LoginRefused("That e-mail address and password do not match.", 401)
        await throttle.clear_account(conn, email)
        if old_cookie:
            await end_session(conn, old_cookie)
        raw, _ = await start_session(conn, account["id"], timedelta(hours=settings.session_hours))
    return raw
