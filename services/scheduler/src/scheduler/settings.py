from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from common.settings import HttpSettings
from scheduler.due import validate


class SchedulerSettings(HttpSettings):
    http_port: int = Field(8082, ge=1, le=65535, description="/healthz, /readyz.")
    poll_schedule: str = Field(
        "0 * * * *", description="Cron: PollShop for every active installation (safety net)."
    )
    relation_index_schedule: str = Field(
        "30 2 * * *", description="Cron: RefreshRelationIndex for every active installation."
    )
    recheck_schedule: str = Field(
        "0 3 * * *", description="Cron: RecheckOpenOrders for every active installation."
    )
    expiry_warning_schedule: str = Field(
        "0 9 * * *",
        description="Cron: e-mail merchants whose trial or subscription ends within a week.",
    )
    reconcile_schedule: str = Field(
        "0 5 * * *", description="Cron: ReconcileShop (the day before) for every installation."
    )
    digest_schedule: str = Field(
        "0 7 * * *", description="Cron: the daily e-mail of new errors and long-Open orders."
    )
    dashboard_public_url: str = Field(
        "http://127.0.0.1:8000", description="Where merchants reach the dashboard (links)."
    )
    schedule_timezone: str = Field("Europe/Brussels", description="Zone the cron times are in.")
    tick_seconds: float = Field(15.0, gt=0, description="How often due jobs are checked.")

    _valid_poll = field_validator(
        "poll_schedule",
        "relation_index_schedule",
        "recheck_schedule",
        "expiry_warning_schedule",
        "digest_schedule",
        "reconcile_schedule",
    )(lambda cls, value: validate(value))

    @field_validator("schedule_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value
