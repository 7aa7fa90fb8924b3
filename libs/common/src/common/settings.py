"""Typed settings shared by every service.

Each service subclasses :class:`CommonSettings` with its own fields. Settings are read
from the environment once, in ``__main__``, and passed down; nothing reads
``os.environ`` anywhere else. Connection URLs and keys are ``SecretStr`` so that a
settings object can be logged or printed without leaking a password.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

INFORMER_PRODUCTION_URL = "https://api.informer.eu/v2"


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    database_url: SecretStr = Field(
        SecretStr("postgresql://postgres@127.0.0.1:5432/kmo2informer"),
        description="PostgreSQL DSN of the one database all services share.",
    )
    amqp_url: SecretStr = Field(
        SecretStr("amqp://guest:guest@127.0.0.1:5672/"),
        description="RabbitMQ URL, including the vhost.",
    )
    secret_keys: SecretStr = Field(
        SecretStr(""),
        description=(
            "Comma-separated Fernet keys that encrypt credentials and webhook secrets at "
            "rest. The first encrypts; all decrypt, so a new key can be put in front and "
            "the old one dropped after `kmo2informer keys rotate`."
        ),
    )
    log_format: Literal["json", "console"] = Field("json", description="json in production.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    db_pool_min_size: int = Field(2, ge=1)
    db_pool_max_size: int = Field(10, ge=1)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class HttpSettings(CommonSettings):
    """Settings of a service that listens for HTTP."""

    http_host: str = "0.0.0.0"  # noqa: S104 - services run in containers
    http_port: int = Field(8080, ge=1, le=65535)


class InformerSettings(BaseSettings):
    """How a service reaches Informer, and the call budget it shares with every other
    process that calls Informer with the same API key (see common.informer.budget)."""

    informer_base_url: str = Field(
        INFORMER_PRODUCTION_URL, description="Informer API v2; the sandbox in dev and tests."
    )
    informer_timeout_seconds: float = Field(30.0, gt=0)
    informer_budget_enabled: bool = Field(True, description="Off only for benchmarks.")
    informer_window_seconds: float = Field(60.0, gt=0)
    informer_window_limit: int = Field(60, ge=1)
    informer_day_seconds: float = Field(86_400.0, gt=0)
    informer_day_limit: int = Field(5_000, ge=1)
    informer_burst: int = Field(5, ge=1)
    informer_margin: int = Field(2, ge=0)
