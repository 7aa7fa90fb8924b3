"""The KMO Shops API client: every detail of ``kmoshops/API.md`` calls lives here.

Bearer token per shop; 429 waits for its ``Retry-After``; 5xx and connection errors
are retried with backoff; all of it capped by ``max_attempts``. Orders come back as
raw JSON objects: the caller validates each one, so one broken order never hides the
others on its page.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from pydantic import SecretStr

from common.logging import get_logger

log = get_logger(__name__)


class KmoShopsError(Exception):
    """A call failed; ``transient`` says whether trying later may help."""

    def __init__(self, message: str, *, status: int | None = None, transient: bool) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient


@dataclass(frozen=True)
class OrdersPage:
    orders: list[dict[str, Any]]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class Shop:
    id: int
    name: str
    country: str
    currency: str
    timezone: str


@dataclass
class KmoShopsClient:
    session: aiohttp.ClientSession
    base_url: str
    token: SecretStr
    max_attempts: int = 5
    max_retry_after: float = 120.0
    timeout: float = 30.0
    backoff: float = 0.5
    calls: int = field(default=0, init=False)

    async def shop(self) -> Shop:
        body = await self._get("/shop", {})
        try:
            return Shop(
                id=int(body["id"]),
                name=str(body["name"]),
                country=str(body["country"]),
                currency=str(body["currency"]),
                timezone=str(body["timezone"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KmoShopsError(
                f"GET /shop answered an unexpected body: {exc!r}", transient=False
            ) from None

    async def orders(self, updated_since: datetime, page: int, limit: int) -> OrdersPage:
        if updated_since.tzinfo is None:
            raise ValueError("updated_since must be timezone-aware")
        body = await self._get(
            "/orders",
            {"updated_since": updated_since.isoformat(), "page": str(page), "limit": str(limit)},
        )
        try:
            orders = body["orders"]
            if not isinstance(orders, list):
                raise TypeError("orders is not a list")
            return OrdersPage(orders, int(body["page"]), int(body["pages"]), int(body["total"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise KmoShopsError(
                f"GET /orders answered an unexpected body: {exc!r}", transient=True
            ) from None

    async def order(self, order_id: int) -> dict[str, Any]:
        return await self._get(f"/orders/{order_id}", {})

    async def _get(self, path: str, params: dict[str, str]) -> Any:
        url = self.base_url.rstrip("/") + path
        headers = {"Authorization": f"Bearer {self.token.get_secret_value()}"}
        last_error: KmoShopsError | None = None
        for attempt in range(1, self.max_attempts + 1):
            self.calls += 1
            try:
                async with self.session.get(
                    url,
                    params=params,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.timeout),
                ) as response:
                    if response.status == 200:
                        return await response.json(content_type=None)
                    text = (await response.text())[:500]
                    last_error, wait = self._classify(path, response, text, attempt)
            except (aiohttp.ClientError, TimeoutError) as exc:
                last_error = KmoShopsError(f"GET {path}: {exc!r}", transient=True)
                wait = self.backoff * 2 ** (attempt - 1)
            if not last_error.transient or attempt == self.max_attempts:
                break
            log.info("kmoshops call will be retried", path=path, error=str(last_error), wait_s=wait)
            await asyncio.sleep(wait)
        assert last_error is not None
        raise last_error

    def _classify(
        self, path: str, response: aiohttp.ClientResponse, text: str, attempt: int
    ) -> tuple[KmoShopsError, float]:
        status = response.status
        if status == 429:
            wait = _retry_after(response.headers.get("Retry-After"), default=1.0)
            if wait > self.max_retry_after:
                return KmoShopsError(
                    f"GET {path}: rate limited for {wait:.0f}s", status=429, transient=True
                ), 0.0
            return KmoShopsError(f"GET {path}: 429 {text}", status=429, transient=True), wait
        if status >= 500:
            error = KmoShopsError(f"GET {path}: {status} {text}", status=status, transient=True)
            return error, self.backoff * 2 ** (attempt - 1)
        if status == 401:
            message = "the KMO Shops API token was refused (missing, wrong or revoked)"
            return KmoShopsError(message, status=401, transient=False), 0.0
        return KmoShopsError(f"GET {path}: {status} {text}", status=status, transient=False), 0.0


def _retry_after(value: str | None, *, default: float) -> float:
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        return default
    return max(0.0, math.ceil(seconds)) if math.isfinite(seconds) else default
