"""A configuration change applies to the very next order, not after a cache expires."""

from __future__ import annotations

import asyncio

import pytest

from common.crypto import SecretBox
from common.db.pool import Pool
from common.installations.changes import announce_change
from tests.fakes.installations import InstallationFactory
from tests.fakes.processor import DEMO_CONFIG, running_processor
from tests.integration.processor.test_pipeline import belgian_order

pytestmark = pytest.mark.integration


async def test_a_saved_configuration_applies_to_the_next_order(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    async with running_processor(pool, box, installations) as harness:
        first = belgian_order(status="paid")
        await harness.send(first)
        [row] = await harness.settled(first["id"])
        assert row["state"] == "invoiced"

        # The merchant stops treating 'paid' as processable (the processor cached the
        # installation for 30 s when it read the first order).
        config = DEMO_CONFIG | {"processable_statuses": ["shipped", "completed"]}
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE installations SET config = $2, updated_at = now() WHERE id = $1",
                harness.installation_id,
                config,
            )
            await announce_change(conn, harness.installation_id)
        await asyncio.sleep(0.3)  # the notification travels

        second = belgian_order(status="paid")
        await harness.send(second)
        [row] = await harness.settled(second["id"])
        assert row["state"] == "waiting"
