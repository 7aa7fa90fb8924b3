"""Per installation: its Informer client (budget plugged in) and what is worth caching.

The administration (its country decides ``delivery_date``) and the sales-invoice
options (valid VAT code / ledger / vat_option combinations) change rarely; reading them
for every order would double the calls per order. They are cached for
``cache_seconds``, so a known customer's order costs one call: the invoice POST.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from pydantic import SecretStr

from common.crypto import SecretBox
from common.db.pool import Pool
from common.informer.budget import Budget
from common.informer.client import InformerClient
from common.informer.models import Administration
from common.installations.changes import changed_installation
from common.installations.models import Installation
from common.installations.repository import InstallationNotFound, budget_key, get_installation
from common.invoice_options import InformerOptions
from common.metrics import INFORMER_CALLS, INFORMER_RATE_LIMITED, BoundedLabel


@dataclass
class _Cached:
    value: Any
    expires: float


@dataclass
class InformerContext:
    installation: Installation
    client: InformerClient
    budget_key: str
    cache_seconds: float
    index_ready: bool = False
    """The e-mail index was built once; it never goes back to unbuilt."""
    index_building: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held while this process checks for or builds the index: the process's other
    orders of the installation wait for that build rather than go back to the queue."""
    _cache: dict[str, _Cached] = field(default_factory=dict)
    _loading: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def _cached(self, name: str, load: Any) -> Any:
        """One load per expiry however many workers ask at once: each read costs a
        call from the merchant's budget."""
        entry = self._cache.get(name)
        if entry is not None and entry.expires > time.monotonic():
            return entry.value
        async with self._loading.setdefault(name, asyncio.Lock()):
            entry = self._cache.get(name)
            if entry is None or entry.expires <= time.monotonic():
                entry = _Cached(await load(), time.monotonic() + self.cache_seconds)
                self._cache[name] = entry
        return entry.value

    async def administration(self) -> Administration:
        return await self._cached("administration", self.client.administration)

    async def options(self) -> InformerOptions:
        return await self._cached("options", self.client.sales_invoice_options)

    def forget_options(self) -> None:
        self._cache.pop("options", None)


class InformerContexts:
    """Builds and caches one context per installation for this process."""

    def __init__(
        self,
        pool: Pool,
        box: SecretBox,
        session: aiohttp.ClientSession,
        budget: Budget,
        *,
        base_url: str,
        timeout: float,
        cache_seconds: float,
        installation_seconds: float = 30.0,
        metric_labels: BoundedLabel | None = None,
    ) -> None:
        self._pool = pool
        self._box = box
        self._session = session
        self._budget = budget
        self._base_url = base_url
        self._timeout = timeout
        self._cache_seconds = cache_seconds
        self._installation_seconds = installation_seconds
        self._contexts: dict[uuid.UUID, tuple[float, InformerContext]] = {}
        self._metric_labels = metric_labels or BoundedLabel(100)

    def forget(self, installation_id: uuid.UUID | None) -> None:
        """Read the installation (``None``: every one) and Informer's VAT options afresh
        at its next order: a configuration just saved may use a VAT code Informer added
        after our options were cached. The client stays while the API key is the same."""
        for key, (_, context) in list(self._contexts.items()):
            if installation_id is None or key == installation_id:
                context.forget_options()
                self._contexts[key] = (0.0, context)

    def on_change(self, _conn: object, _pid: int, _channel: str, payload: str | None) -> None:
        """Listens on common.installations.changes.CHANNEL: forget an installation as
        soon as a change to it is committed."""
        self.forget(changed_installation(payload))

    async def get(self, installation_id: uuid.UUID) -> InformerContext:
        now = time.monotonic()
        cached = self._contexts.get(installation_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._pool.acquire() as conn:
            installation = await get_installation(conn, self._box, installation_id)
        key = budget_key(installation.informer_api_key)
        # Read again after the await: orders arriving together must share one context
        # (one options cache, one index build), not each make their own.
        latest = self._contexts.get(installation_id)
        previous = latest[1] if latest else None
        if previous is not None and previous.budget_key == key:
            previous.installation = installation
            context = previous
        else:
            context = InformerContext(
                installation,
                self._client(
                    installation_id,
                    installation.informer_api_key,
                    installation.informer_security_code,
                ),
                key,
                self._cache_seconds,
            )
        self._contexts[installation_id] = (now + self._installation_seconds, context)
        return context

    async def index_client(self, installation_id: uuid.UUID) -> InformerClient:
        """A client for reading the e-mail index, in any status: the wizard has it built
        as soon as Informer is connected, before the installation is active."""
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                """SELECT informer_api_key, informer_security_code FROM installations
                    WHERE id = $1 AND informer_api_key IS NOT NULL""",
                installation_id,
            )
        if row is None:
            raise InstallationNotFound(f"{installation_id} (no Informer credentials)")
        return self._client(
            installation_id,
            self._box.decrypt(row["informer_api_key"]),
            self._box.decrypt(row["informer_security_code"]),
        )

    def _client(
        self, installation_id: uuid.UUID, api_key: SecretStr, security_code: SecretStr
    ) -> InformerClient:
        """Every call takes its token from the shared budget and is counted."""
        key = budget_key(api_key)
        label = self._metric_labels(str(installation_id))
        calls = INFORMER_CALLS.labels(label)
        limited = INFORMER_RATE_LIMITED.labels(label)

        async def acquire() -> None:
            await self._budget.acquire(key)
            calls.inc()

        async def on_rate_limited(seconds: float) -> None:
            limited.inc()
            await self._budget.pause(key, seconds)

        return InformerClient(
            self._session,
            self._base_url,
            api_key,
            security_code,
            acquire=acquire,
            on_rate_limited=on_rate_limited,
            timeout=self._timeout,
        )
