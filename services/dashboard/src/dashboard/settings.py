from __future__ import annotations

from pydantic import Field

from common.mail import SmtpSettings
from common.settings import HttpSettings, InformerSettings


class DashboardSettings(HttpSettings, InformerSettings, SmtpSettings):
    http_port: int = Field(8000, ge=1, le=65535)
    informer_lists_cache_seconds: float = Field(
        300.0,
        ge=0,
        description="How long Informer's layouts, currencies, VAT codes, ledgers... are "
        "reused for the configuration page (saving always reads them afresh).",
    )
    ingest_public_url: str = Field(
        "http://127.0.0.1:8080", description="Where KMO Shops reaches ingest's webhooks."
    )
    dashboard_public_url: str = Field(
        "http://127.0.0.1:8000", description="Where merchants reach the dashboard (in e-mails)."
    )
    support_email: str = Field(
        "support@kmo2informer.local", description="Where reported problems are e-mailed."
    )
    session_cookie_secure: bool = Field(
        True, description="Send the session cookie over HTTPS only; false for plain-http dev."
    )
    session_hours: int = Field(12, ge=1, description="A session ends this long after log-in.")
    login_max_failures: int = Field(5, ge=1, description="Failed log-ins per account per window.")
    login_max_failures_per_address: int = Field(
        20, ge=1, description="Failed log-ins per client address per window."
    )
    login_window_seconds: int = Field(900, ge=1)
    trial_days: int = Field(30, ge=1)
