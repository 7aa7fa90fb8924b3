"""Informer's lists for the configuration page, read through the shared budget and
cached per administration.

Six calls fill the page (layouts, payment conditions, currencies, cost centres,
ledgers, and the sales-invoice options that carry the VAT codes with their allowed
``vat_option`` values and ledgers). They change rarely, so one read serves every page
view for ``cache_seconds``. Saving checks against lists at most :data:`FRESH_SECONDS`
old (read again otherwise: the check must be against what Informer says now, yet the
page the merchant just submitted was filled moments ago and six more calls would cost
seconds of the 60-a-minute budget), plus one call per fixed debtor. Concurrent readers
of one administration share one read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from common.informer.client import InformerClient
from common.informer.errors import InformerNotFound
from common.installations.validation import Choice, InformerLists

FRESH_SECONDS = 60.0


async def read_lists(client: InformerClient) -> InformerLists:
    templates = await client.templates()
    conditions = await client.payment_conditions()
    currencies = await client.currencies()
    costs = await client.cost_centres()
    ledgers = await client.ledgers()
    options = await client.sales_invoice_options()
    return InformerLists(
        templates=tuple(
            Choice(t.id, t.description or f"Layout {t.id}", default=t.default)
            for t in templates
            if t.type == "sales_invoice"
        ),
        payment_conditions=tuple(
            Choice(p.id, p.description or f"Condition {p.id}", default=p.default)
            for p in conditions
        ),
        currencies=tuple(
            Choice(c.id, f"{c.currency or '?'} {c.description or ''}".strip(), c.currency or "")
            for c in currencies
        ),
        cost_centres=tuple(
            Choice(c.id, " ".join(x for x in (c.number, c.description) if x) or str(c.id))
            for c in costs
        ),
        ledgers=tuple(
            Choice(x.id, " ".join(y for y in (x.number, x.description) if y) or str(x.id))
            for x in ledgers
            if not x.blocked
        ),
        options=options,
    )


async def find_relations(client: InformerClient, relation_ids: Iterable[int]) -> dict[int, str]:
    """The relations among ``relation_ids`` that exist, with their names."""
    found: dict[int, str] = {}
    for relation_id in sorted(set(relation_ids)):
        try:
            relation = await client.relation(relation_id)
        except InformerNotFound:
            continue
        found[relation_id] = relation.display_name or str(relation.relation_number or "")
    return found


class ListsCache:
    def __init__(self, cache_seconds: float) -> None:
        self._seconds = cache_seconds
        self._entries: dict[str, tuple[float, InformerLists]] = {}
        self._read_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str, client: InformerClient, *, fresh: bool = False) -> InformerLists:
        """``key``: the administration's budget key (never the API key itself);
        ``fresh``: read no more than :data:`FRESH_SECONDS` ago."""
        async with self._locks.setdefault(key, asyncio.Lock()):
            entry = self._entries.get(key)
            now = time.monotonic()
            stale = fresh and now - self._read_at.get(key, float("-inf")) > FRESH_SECONDS
            if entry is None or entry[0] <= now or stale:
                entry = (now + self._seconds, await read_lists(client))
                self._entries[key] = entry
                self._read_at[key] = now
        return entry[1]
