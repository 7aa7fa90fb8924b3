"""Rendering a page: the template's own values plus what every page uses (session,
CSRF token). Done here rather than with aiohttp_jinja2's context processors, whose
middleware stores its state under a plain string request key."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from dashboard.auth.middleware import template_context


async def render(
    template: str, request: web.Request, context: dict[str, Any], status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(
        template, request, {**await template_context(request), **context}, status=status
    )
