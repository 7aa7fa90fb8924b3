"""How values read on the page: money with two decimals, times in the shop's zone,
ages in words, secrets masked. Jinja filters, registered once on the environment."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import jinja2


def money(amount: Decimal | None, currency: str = "") -> str:
    if amount is None:
        return ""
    return f"{currency} {amount:,.2f}".strip()


def when(value: datetime | date | None, timezone: str = "Europe/Brussels") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def age(since: datetime | None, now: datetime | None = None) -> str:
    if since is None:
        return ""
    seconds = int(((now or datetime.now(UTC)) - since) / timedelta(seconds=1))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "just now"


def mask(value: str | None) -> str:
    """Never more than the last four characters of a secret."""
    if not value:
        return ""
    return "•" * 8 + value[-4:] if len(value) > 12 else "•" * 8


def detail_text(value: object) -> str:
    """A value of an error's detail: as it is, a list of plain values joined, anything
    nested as indented JSON."""
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return str(value)


STATUS_WORDS = {"setup": "to set up", "active": "running", "disabled": "stopped"}
"""An installation's status as the merchant reads it."""


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def register(env: jinja2.Environment) -> None:
    env.filters.update(
        money=money, when=when, age=age, mask=mask, status=status_words, detail=detail_text
    )
