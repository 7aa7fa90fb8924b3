"""Helpers for in-process tests: a test client on the sandbox and a webhook receiver."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sandbox.kmoshops.app import create_app
from sandbox.kmoshops.state import KmoShopsState


@asynccontextmanager
async def sandbox_client(state: KmoShopsState) -> AsyncIterator[TestClient]:
    """A test client on a fresh app around ``state``, webhook sender running."""
    client = TestClient(TestServer(create_app(state)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """A tiny aiohttp app that records every POST and answers from a script.

    ``answers`` are popped per request: an int is the status to answer, a float is a
    delay in seconds before answering 200 (to provoke the sender's timeout). When the
    script is empty it answers 200.
    """

    answers: list[int | float] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(Received(dict(request.headers), body))
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, float):
            await asyncio.sleep(answer)
            answer = 200
        return web.Response(status=answer, text="ok")

    async def start(self) -> "WebhookReceiver":
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
