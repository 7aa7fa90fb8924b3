"""The README documents every setting each service reads."""

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from common.cli import CliSettings
from dashboard.settings import DashboardSettings
from ingest.settings import IngestSettings
from processor.settings import ProcessorSettings
from scheduler.settings import SchedulerSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize(
    "settings",
    [CliSettings, IngestSettings, ProcessorSettings, SchedulerSettings, DashboardSettings],
)
def test_every_setting_is_in_the_readme(settings: type[BaseSettings]) -> None:
    missing = [name.upper() for name in settings.model_fields if f"`{name.upper()}`" not in README]
    assert missing == []
