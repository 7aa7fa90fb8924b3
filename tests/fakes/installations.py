"""Creating installations in the test database, each test its own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from common.crypto import SecretBox
from common.db.pool import Pool
from common.installations.models import InstallationFile
from common.installations.repository import create_installation


def installation_file(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "Fietsen Peeters",
        "shop": {"country": "BE", "timezone": "Europe/Brussels"},
        "kmoshops": {"base_url": "http://127.0.0.1:8101/api/v1", "api_token": "demo-kmo-token"},
        "informer": {"api_key": "demo-informer-key", "security_code": "demo-security-code"},
        "config": {
            "template_id": 1,
            "payment_condition_id": 1,
            "currencies": {"EUR": 1},
            "vat_table": {
                "BE": {"21.00": {"vat_id": 1, "ledger_id": 700000}},
                "DE": {"19.00": {"vat_id": 10, "ledger_id": 700100}},
            },
            "icp": {"vat_id": 5, "ledger_id": 700200},
            "international": {"vat_id": 6, "ledger_id": 700300},
        },
    }
    spec.update(overrides)
    return spec


@dataclass(frozen=True)
class CreatedInstallation:
    id: uuid.UUID
    webhook_secret: str


class InstallationFactory:
    def __init__(self, pool: Pool, box: SecretBox) -> None:
        self._pool = pool
        self._box = box

    async def create(self, **overrides: Any) -> CreatedInstallation:
        spec = InstallationFile.model_validate(installation_file(**overrides))
        async with self._pool.acquire() as conn:
            installation_id, secret = await create_installation(conn, self._box, spec)
        return CreatedInstallation(installation_id, secret)


async def only_active(pool: Pool, *installation_ids: uuid.UUID) -> None:
    """Disable every other active installation in the shared test database, so claims
    (which take any merchant's runnable order) touch only this test's orders. One in
    set-up is left alone: it has no credentials and cannot be disabled."""
    await pool.execute(
        """UPDATE installations SET status = 'disabled'
            WHERE NOT id = ANY($1::uuid[]) AND status = 'active'""",
        list(installation_ids),
    )
