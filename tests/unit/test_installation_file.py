from typing import Any

import pytest
from pydantic import ValidationError

from common.installations.models import InstallationFile
from tests.fakes.installations import installation_file


def test_example_file_is_valid_and_rates_are_normalised() -> None:
    spec = InstallationFile.model_validate(installation_file())
    assert str(spec.config.vat_for("BE", __import__("decimal").Decimal("21")).vat_id) == "1"
    assert spec.config.processable_statuses == {"paid", "processing", "shipped", "completed"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shop": {"country": "CH", "timezone": "Europe/Zurich"}}, "not an EU member"),
        ({"shop": {"country": "BE", "timezone": "Europe/Brusels"}}, "IANA time zone"),
        ({"kmoshops": {"base_url": "not a url", "api_token": "x"}}, "base_url"),
    ],
)
def test_invalid_files_say_what_is_wrong(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        InstallationFile.model_validate(installation_file(**change))


def test_config_refuses_non_eu_vat_rows_and_cancelled_status() -> None:
    config = installation_file()["config"]
    with pytest.raises(ValidationError, match="US is not one"):
        InstallationFile.model_validate(
            installation_file(config=config | {"vat_table": {"US": {}}})
        )
    with pytest.raises(ValidationError, match="never processable"):
        InstallationFile.model_validate(
            installation_file(config=config | {"processable_statuses": ["paid", "cancelled"]})
        )
    with pytest.raises(ValidationError, match="extra"):
        InstallationFile.model_validate(installation_file(config=config | {"colour": "red"}))
