import json
from collections.abc import Iterator

import pytest
import structlog
from pydantic import SecretStr

from common.crypto import SecretBox, SecretKeyError
from common.logging import configure_logging


def test_encrypt_decrypt_and_rotation_to_a_new_key() -> None:
    old = SecretBox.generate_key()
    new = SecretBox.generate_key()
    token = SecretBox(SecretStr(old)).encrypt("api-key-123")
    both = SecretBox(SecretStr(f"{new},{old}"))
    assert both.decrypt(token).get_secret_value() == "api-key-123"
    rotated = both.rotate(token)
    assert SecretBox(SecretStr(new)).decrypt(rotated).get_secret_value() == "api-key-123"
    with pytest.raises(SecretKeyError, match="cannot be decrypted"):
        SecretBox(SecretStr(new)).decrypt(token)


@pytest.mark.parametrize(("keys", "message"), [("", "empty"), ("abc", "entry 1 is not")])
def test_bad_secret_keys_are_named(keys: str, message: str) -> None:
    with pytest.raises(SecretKeyError, match=message):
        SecretBox(SecretStr(keys))


@pytest.fixture
def fresh_structlog() -> Iterator[None]:
    """configure_logging binds stdout (here pytest's capture) and caches loggers: undo
    it, or later tests would log into a closed stream."""
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def test_log_lines_are_json_with_bound_ids_and_no_secrets(
    capsys: pytest.CaptureFixture[str], fresh_structlog: None
) -> None:
    configure_logging("ingest", "json", "INFO")
    with structlog.contextvars.bound_contextvars(installation_id="i-1", order_id=7):
        structlog.get_logger().info(
            "hello", api_key="k-123", webhook_secret="s", kmo_token="t", vat_id=5
        )
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["event"] == "hello"
    assert line["service"] == "ingest"
    assert line["installation_id"] == "i-1"
    assert line["order_id"] == 7
    assert line["api_key"] == line["webhook_secret"] == line["kmo_token"] == "***"
    assert line["vat_id"] == 5
