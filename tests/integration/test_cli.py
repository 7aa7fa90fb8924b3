"""The operator CLI, run as the operator runs it, against the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from common.db.pool import Pool
from common.messages import PollShop, parse_message
from tests.fakes.installations import installation_file

pytestmark = pytest.mark.integration


def cli(
    *args: str, database_url: str, secret_keys: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEYS": secret_keys,
        "INGEST_PUBLIC_URL": "https://hooks.example.test",
    }
    return subprocess.run(
        [sys.executable, "-m", "common.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def run(database_url: str, secret_keys: str):  # type: ignore[no-untyped-def]
    def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return cli(*args, database_url=database_url, secret_keys=secret_keys, stdin=stdin)

    return _run


def write(tmp_path: Path, spec: dict[str, Any]) -> str:
    path = tmp_path / "installation.json"
    path.write_text(json.dumps(spec))
    return str(path)


async def test_create_prints_id_webhook_url_and_secret_and_stores_secrets_encrypted(
    run: Any, tmp_path: Path, pool: Pool
) -> None:
    result = run("installations", "create", write(tmp_path, installation_file(name="Shop A")))
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    installation_id = uuid.UUID(created["id"])
    assert (
        created["webhook_url"] == f"https://hooks.example.test/webhooks/kmoshops/{installation_id}"
    )
    assert created["webhook_secret"].startswith("whsec_")

    row = await pool.fetchrow("SELECT * FROM installations WHERE id = $1", installation_id)
    for column in ("kmo_token", "informer_api_key", "informer_security_code", "webhook_secret"):
        assert b"demo" not in bytes(row[column])
        assert created["webhook_secret"].encode() not in bytes(row[column])

    shown = run("installations", "show", created["id"])
    assert shown.returncode == 0, shown.stderr
    described = json.loads(shown.stdout)
    assert described["name"] == "Shop A"
    assert described["informer"]["api_key"] == "…-key"
    assert "demo-informer-key" not in shown.stdout
    assert created["webhook_secret"] not in shown.stdout


def test_create_from_standard_input(run: Any) -> None:
    result = run("installations", "create", "-", stdin=json.dumps(installation_file()))
    assert result.returncode == 0, result.stderr


def test_invalid_file_is_refused_with_the_field_at_fault(run: Any, tmp_path: Path) -> None:
    spec = installation_file()
    spec["config"]["currencies"] = {}
    result = run("installations", "create", write(tmp_path, spec))
    assert result.returncode == 1
    assert "config.currencies" in result.stderr
    assert run("installations", "create", str(tmp_path / "missing.json")).returncode == 1


def test_list_disable_enable(run: Any, tmp_path: Path) -> None:
    created = json.loads(
        run("installations", "create", write(tmp_path, installation_file())).stdout
    )
    assert json.loads(run("installations", "disable", created["id"]).stdout)["status"] == "disabled"
    listed = {i["id"]: i for i in json.loads(run("installations", "list").stdout)}
    assert listed[created["id"]]["status"] == "disabled"
    run("installations", "enable", created["id"])
    listed = {i["id"]: i for i in json.loads(run("installations", "list").stdout)}
    assert listed[created["id"]]["status"] == "active"


def test_unknown_or_malformed_ids(run: Any) -> None:
    missing = run("installations", "show", str(uuid.uuid4()))
    assert missing.returncode == 1
    assert "no installation" in missing.stderr
    malformed = run("installations", "disable", "nope")
    assert malformed.returncode == 1
    assert "not an installation id" in malformed.stderr


async def test_poll_queues_a_poll_shop_command(run: Any, tmp_path: Path, pool: Pool) -> None:
    created = json.loads(
        run("installations", "create", write(tmp_path, installation_file())).stdout
    )
    result = run("poll", created["id"])
    assert result.returncode == 0, result.stderr
    message_id = json.loads(result.stdout)["message_id"]
    body = await pool.fetchval(
        "SELECT body FROM outbox WHERE message_id = $1", uuid.UUID(message_id)
    )
    command = parse_message(bytes(body))
    assert isinstance(command, PollShop)
    assert str(command.installation_id) == created["id"]


def test_missing_or_bad_secret_keys_is_a_configuration_error(database_url: str) -> None:
    result = cli("installations", "list", database_url=database_url, secret_keys="")
    assert result.returncode == 2
    assert "SECRET_KEYS is empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_keys_generate_and_rotate(run: Any, database_url: str, secret_keys: str) -> None:
    new_key = json.loads(run("keys", "generate").stdout)["key"]
    rotated = cli(
        "keys", "rotate", database_url=database_url, secret_keys=f"{new_key},{secret_keys}"
    )
    assert rotated.returncode == 0, rotated.stderr
    assert json.loads(rotated.stdout)["rotated"] >= 0
    try:
        # After rotation the new key alone reads every installation.
        listed = cli("installations", "list", database_url=database_url, secret_keys=new_key)
        assert listed.returncode == 0, listed.stderr
        old_alone = cli("installations", "list", database_url=database_url, secret_keys=secret_keys)
        assert old_alone.returncode == 2
    finally:
        # The database is shared by the whole run: put everything back under the old key.
        back = cli(
            "keys", "rotate", database_url=database_url, secret_keys=f"{secret_keys},{new_key}"
        )
        assert back.returncode == 0, back.stderr
