"""Browser tests: the dashboard and the processor as real processes (on the test
database and vhost), the Informer sandbox, a capturing SMTP server the dashboard sends
to, and headless Chromium driven by Playwright.

Chromium is Debian's (``apt-get install chromium``, /usr/bin/chromium; .ci/run
installs it); Playwright never downloads a browser. Screenshots land in
test-output/screenshots/. Reuse: ``dashboard`` (the base URL), ``smtp`` (the mails),
``informer`` (the sandbox's state, with ``processor`` running against it), ``page`` (a
fresh browser context per test) and ``shoot(page, name)``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from sandbox.informer.state import InformerState
from sandbox.informer.testing import running_sandbox
from tests.fakes.processes import OUTPUT, ServiceProcess, free_port
from tests.fakes.smtp import CapturingSmtp

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = OUTPUT / "screenshots"


@pytest.fixture(scope="session")
def smtp() -> Iterator[CapturingSmtp]:
    with CapturingSmtp() as server:
        yield server


@asynccontextmanager
async def _service(
    module: str, database_url: str, amqp_url: str, secret_keys: str, env: dict[str, str]
) -> AsyncIterator[str]:
    """``python -m module`` on the test database and vhost; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = ServiceProcess(
        module,
        {
            "DATABASE_URL": database_url,
            "AMQP_URL": amqp_url,
            "SECRET_KEYS": secret_keys,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(port),
            "LOG_FORMAT": "console",
            **{k: v.replace("{base}", base) for k, v in env.items()},
        },
        name=f"browser-{module}",
    ).start()
    try:
        await service.wait_http(f"{base}/readyz", timeout=40)
        yield base
    finally:
        service.stop()


# Per module, not per session: its outbox relay and consumers would otherwise carry
# away the messages later tests on the same database and vhost look at.
@pytest.fixture(scope="module")
async def dashboard(
    database_url: str, amqp_url: str, secret_keys: str, smtp: CapturingSmtp
) -> AsyncIterator[str]:
    env = {
        "DASHBOARD_PUBLIC_URL": "{base}",
        "INGEST_PUBLIC_URL": "http://127.0.0.1:8080",
        "SESSION_COOKIE_SECURE": "false",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SUPPORT_EMAIL": "support@kmo2informer.test",
        "DB_POOL_MAX_SIZE": "6",
    }
    async with _service("dashboard", database_url, amqp_url, secret_keys, env) as base:
        yield base


@pytest.fixture(scope="module")
async def informer() -> AsyncIterator[tuple[InformerState, str]]:
    state = InformerState()
    state.limiter.configure(enabled=False)
    async with running_sandbox(state) as url:
        yield state, url


@pytest.fixture(scope="module")
async def processor(
    database_url: str, amqp_url: str, secret_keys: str, informer: tuple[InformerState, str]
) -> AsyncIterator[str]:
    """The processor against the Informer sandbox; small (two workers), so it shares
    the machine with the other test runs."""
    env = {
        "INFORMER_BASE_URL": informer[1],
        "INFORMER_BUDGET_ENABLED": "false",
        # Three connections stay on LISTEN; building the e-mail index holds one and
        # takes another: fewer than about six can starve it.
        "DB_POOL_MAX_SIZE": "8",
        "WORKER_CONCURRENCY": "2",
        "CONSUMER_PREFETCH": "8",
    }
    async with _service("processor", database_url, amqp_url, secret_keys, env) as base:
        yield base


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        await launched.close()


@pytest.fixture(params=[{"width": 1280, "height": 900}], ids=["laptop"])
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=request.param, locale="en-GB")
    new_page = await context.new_page()
    new_page.set_default_timeout(15_000)
    yield new_page
    await context.close()


async def shoot(page: Page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
