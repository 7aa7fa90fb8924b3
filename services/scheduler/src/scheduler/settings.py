from __future__ import annotations

from pydantic import Field

from common.settings import HttpSettings


class SchedulerSettings(HttpSettings):
    http_port: int = Field(8082, ge=1, le=65535, description="/healthz, /readyz, /metrics.")
    poll_schedule: str = Field("0 * * * *", description="Cron expression: PollShop per shop.")
