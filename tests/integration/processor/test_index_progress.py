"""The e-mail index's build records its progress page by page, and a failure in words."""

from __future__ import annotations

import pytest

from common.crypto import SecretBox
from common.db.pool import Pool
from common.informer.errors import InformerAuthError
from common.messages import RefreshRelationIndex
from sandbox.informer.state import InformerState
from tests.fakes.installations import InstallationFactory
from tests.fakes.processor import running_processor

pytestmark = pytest.mark.integration


def company(i: int) -> dict[str, object]:
    return {
        "relation_type": 0,
        "company_name": f"Klant {i}",
        "street": "Dorp",
        "house_number": str(i),
        "zip": "9000",
        "city": "Gent",
        "country": "BE",
        "email": f"klant{i}@example.be" if i % 2 else "",
    }


async def progress(pool: Pool, installation_id: object) -> dict[str, object]:
    row = await pool.fetchrow(
        """SELECT build_started_at IS NOT NULL AS started, build_finished_at >= build_started_at
                  AS finished, build_relations, build_pages, build_total_pages, build_error
             FROM relation_index_state WHERE installation_id = $1""",
        installation_id,
    )
    return dict(row)


async def test_a_full_build_counts_relations_and_pages(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    informer = InformerState()
    for i in range(249):
        informer.add_relation("demo", company(i))
    async with running_processor(pool, box, installations, informer=informer) as harness:
        await harness.handlers.refresh_relation_index(
            RefreshRelationIndex(installation_id=harness.installation_id, full=True)
        )
        assert await progress(pool, harness.installation_id) == {
            "started": True,
            "finished": True,
            "build_relations": 250,  # the sandbox's own customer and 249 more
            "build_pages": 3,
            "build_total_pages": 3,
            "build_error": None,
        }
        indexed = await pool.fetchval(
            "SELECT count(*) FROM relation_index WHERE installation_id = $1",
            harness.installation_id,
        )
        assert indexed == 1 + 124  # only relations with an e-mail


async def test_a_failed_build_says_why(
    pool: Pool, box: SecretBox, installations: InstallationFactory
) -> None:
    informer = InformerState()
    async with running_processor(pool, box, installations, informer=informer) as harness:
        await pool.execute(
            "UPDATE installations SET informer_api_key = $2 WHERE id = $1",
            harness.installation_id,
            box.encrypt("revoked-key"),
        )
        with pytest.raises(InformerAuthError):
            await harness.handlers.refresh_relation_index(
                RefreshRelationIndex(installation_id=harness.installation_id, full=True)
            )
        state = await progress(pool, harness.installation_id)
        assert state["started"]
        assert not state["finished"]
        assert "Informer refused the API key or the security code" in str(state["build_error"])
