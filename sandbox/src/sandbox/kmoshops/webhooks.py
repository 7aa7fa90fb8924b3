"""The webhook sender: a background task per registered webhook, started with the app.

First attempts of one webhook go out one at a time in the order the events happened
(only the out_of_order switch changes that), so tests can rely on arrival order.
A failed attempt schedules its retry as its own task and does not block later
deliveries. Every attempt carries the same delivery id and the same body bytes, with
a fresh X-KMO-Timestamp and signature (so receivers may reject stale timestamps).
Redirects are not followed: only a 2xx answer counts.
"""

import asyncio
import contextlib
import time
from datetime import UTC, datetime

import aiohttp

from sandbox.kmoshops.deliveries import (
    ABANDONED,
    DELIVERED,
    FAILED,
    RETRY_PAUSES,
    Attempt,
    Delivery,
)
from sandbox.kmoshops.signing import sign
from sandbox.kmoshops.state import KmoShopsState


class WebhookSender:
    def __init__(self, state: KmoShopsState) -> None:
        self.state = state
        self._session: aiohttp.ClientSession | None = None
        self._queues: dict[int, asyncio.Queue[tuple[Delivery, int]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def busy(self) -> int:
        """Copies of deliveries not yet delivered or given up (queued, in flight, waiting)."""
        return self._busy

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self.state.notify = self.pump
        self.pump()

    async def stop(self) -> None:
        if self.state.notify == self.pump:
            self.state.notify = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._queues.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def wait_idle(self, within: float = 5.0) -> None:
        """Wait until every queued delivery is delivered or given up; TimeoutError after
        ``within`` seconds."""
        async with asyncio.timeout(within):
            await self._idle.wait()

    def pump(self) -> None:
        """Move the state's outbox into the per-webhook queues."""
        while self.state.outbox:
            delivery = self.state.outbox.popleft()
            for copy in range(1, delivery.copies + 1):
                self._enqueue(delivery, copy)

    def _enqueue(self, delivery: Delivery, copy: int) -> None:
        queue = self._queues.get(delivery.webhook_id)
        if queue is None:
            queue = self._queues[delivery.webhook_id] = asyncio.Queue()
            self._spawn(self._worker(queue))
        self._busy += 1
        self._idle.clear()
        queue.put_nowait((delivery, copy))

    def _spawn(self, coroutine: object) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _worker(self, queue: asyncio.Queue[tuple[Delivery, int]]) -> None:
        while True:
            delivery, copy = await queue.get()
            if await self._attempt(delivery, copy, 1):
                continue
            self._spawn(self._retry(delivery, copy))

    async def _retry(self, delivery: Delivery, copy: int) -> None:
        for number, pause in enumerate(RETRY_PAUSES, start=2):
            await asyncio.sleep(pause * self.state.webhook_settings.retry_time_scale)
            if await self._attempt(delivery, copy, number):
                return
        self._finish(delivery, copy, FAILED)

    async def _attempt(self, delivery: Delivery, copy: int, number: int) -> bool:
        """True when this copy is finished (delivered or abandoned)."""
        webhook = self.state.webhooks.get(delivery.webhook_id)
        if self.state.deliveries.get(delivery.id) is not delivery or webhook is None:
            self._finish(delivery, copy, ABANDONED)
            return True
        assert self._session is not None
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-KMO-Topic": delivery.topic,
            "X-KMO-Delivery": delivery.id,
            "X-KMO-Timestamp": timestamp,
            "X-KMO-Signature": sign(webhook.secret, timestamp, delivery.body),
        }
        timeout = aiohttp.ClientTimeout(total=self.state.webhook_settings.timeout_seconds)
        status: int | None = None
        error: str | None = None
        started = time.monotonic()
        try:
            async with self._session.post(
                webhook.url,
                data=delivery.body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                status = response.status
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    await response.read()
        except TimeoutError:
            error = f"no answer within {self.state.webhook_settings.timeout_seconds:g} s"
        except aiohttp.ClientError as exc:
            error = f"{type(exc).__name__}: {exc}"
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        seconds = time.monotonic() - started
        delivery.attempts.append(Attempt(copy, number, at, status, error, seconds))
        if status is not None and 200 <= status < 300:
            self._finish(delivery, copy, DELIVERED)
            return True
        return False

    def _finish(self, delivery: Delivery, copy: int, outcome: str) -> None:
        delivery.finish_copy(copy, outcome)
        self._busy -= 1
        if not self._busy:
            self._idle.set()
