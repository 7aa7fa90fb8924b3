"""Verifying a merchant's credentials live: ``GET /shop`` at KMO Shops and
``GET /administration`` at Informer, each failure explained in the merchant's terms.

One attempt each (two for a connection that never got established), short timeouts:
the merchant is waiting on the page, and "try again" is one click away. Secrets never
appear in a result or a log line; only what they unlock does.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from pydantic import SecretStr

from common.informer.budget import Budget, BudgetExhausted
from common.informer.client import InformerClient
from common.informer.errors import (
    InformerAuthError,
    InformerError,
    InformerNotFound,
    InformerRateLimited,
    InformerUnavailable,
)
from common.informer.models import Administration
from common.installations.repository import budget_key
from common.kmoshops import KmoShopsClient, KmoShopsError, Shop

VERIFY_TIMEOUT = 15.0


@dataclass(frozen=True)
class Refused:
    """Why a connection could not be verified: ``field`` is the form field at fault
    (None: not the merchant's input), ``message`` what to do, for the merchant."""

    message: str
    field: str | None = None


def shop_url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return (
            "Enter the full address of your shop's API, starting with https://, for "
            "example https://yourshop.kmoshops.be/api/v1"
        )
    return None


def normalised_shop_url(url: str) -> str:
    return url.strip().rstrip("/")


async def verify_shop(
    session: aiohttp.ClientSession, base_url: str, token: SecretStr
) -> Shop | Refused:
    problem = shop_url_problem(base_url)
    if problem:
        return Refused(problem, "base_url")
    if not token.get_secret_value().strip():
        return Refused("Paste the API token you created in KMO Shops.", "api_token")
    client = KmoShopsClient(
        session, normalised_shop_url(base_url), token, max_attempts=1, timeout=VERIFY_TIMEOUT
    )
    try:
        return await client.shop()
    except KmoShopsError as exc:
        return _shop_refusal(exc, base_url)
    except ValueError:  # a 200 whose body is not JSON: some other web site
        return Refused(
            f"{base_url} answered, but not as the KMO Shops API does. Check that the "
            "address ends in /api/v1.",
            "base_url",
        )


def _shop_refusal(exc: KmoShopsError, base_url: str) -> Refused:
    status = exc.status
    if status == 401:
        return Refused(
            "KMO Shops refused this API token: it is wrong or was revoked. Create a new "
            "token in KMO Shops (Settings > API) and paste it here.",
            "api_token",
        )
    if status is None and not exc.transient:
        return Refused(
            f"{base_url} answered, but not as the KMO Shops API does. Check that the "
            "address ends in /api/v1.",
            "base_url",
        )
    if status is None:
        return Refused(
            f"Could not reach {base_url}: no answer from that address. Check the shop "
            "URL (for example https://yourshop.kmoshops.be/api/v1) and try again.",
            "base_url",
        )
    if status in (404, 405):
        return Refused(
            f"{base_url} answered, but has no KMO Shops API there (HTTP {status}). "
            "Check that the address ends in /api/v1.",
            "base_url",
        )
    if status == 429:
        return Refused(
            "KMO Shops asks to slow down (too many requests with this token). Try "
            "again in a minute."
        )
    if status >= 500:
        return Refused(
            f"KMO Shops had a temporary problem (HTTP {status}). Nothing is wrong with "
            "what you entered; try again in a few minutes."
        )
    return Refused(f"KMO Shops answered HTTP {status} to GET /shop.", "base_url")


async def verify_informer(
    session: aiohttp.ClientSession,
    base_url: str,
    api_key: SecretStr,
    security_code: SecretStr,
    budget: Budget,
) -> Administration | Refused:
    if not api_key.get_secret_value().strip():
        return Refused("Paste the API key you created in Informer.", "api_key")
    if not security_code.get_secret_value().strip():
        return Refused("Enter your company's security code from Informer.", "security_code")
    client = informer_client(session, base_url, api_key, security_code, budget)
    try:
        return await client.administration()
    except InformerAuthError:
        return Refused(
            "Informer refused this API key or security code (it does not say which). "
            "Check both in Informer: the API key under Settings > API, the security code "
            "in your company's settings. Paste them again exactly, without spaces.",
            "api_key",
        )
    except (BudgetExhausted, InformerError) as exc:
        return informer_refusal(exc)


def informer_client(
    session: aiohttp.ClientSession,
    base_url: str,
    api_key: SecretStr,
    security_code: SecretStr,
    budget: Budget,
) -> InformerClient:
    """A client for the dashboard's few calls: on the shared budget, short timeout,
    no long waits (a page is waiting)."""
    key = budget_key(api_key)
    return InformerClient(
        session,
        base_url,
        api_key,
        security_code,
        acquire=lambda: budget.acquire(key),
        on_rate_limited=lambda seconds: budget.pause(key, seconds),
        timeout=VERIFY_TIMEOUT,
        max_attempts=2,
        max_retry_after=5.0,
    )


def informer_refusal(exc: BudgetExhausted | InformerError) -> Refused:
    """An Informer failure other than refused credentials, for the merchant."""
    if isinstance(exc, BudgetExhausted | InformerRateLimited):
        seconds = exc.wait_seconds if isinstance(exc, BudgetExhausted) else exc.retry_after
        return Refused(
            "Informer's limit of API calls for this API key is reached for now (it is "
            f"shared with the orders being booked). Try again in about {seconds:.0f} seconds."
        )
    if isinstance(exc, InformerUnavailable):
        return Refused(
            "Informer could not be reached or had a temporary problem. Nothing is wrong "
            "with what you entered; try again in a few minutes."
        )
    if isinstance(exc, InformerNotFound):
        return Refused("Informer answered that this administration was not found.", "api_key")
    return Refused(exc.plain_message())
