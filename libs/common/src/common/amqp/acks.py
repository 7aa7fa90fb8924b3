"""Positive acks of one channel, sent together.

An ack was a frame of its own: a turn of the connection's writer, a socket write and a
drain, and a command in the quorum queue's log. In the dashboard it was a seventh of
the CPU an event cost. An ack asked for now is sent at the end of the event loop's
current turn, with every other ack asked for by then:

* one ``basic.ack`` with ``multiple`` for the deliveries below the oldest one still
  being handled: it covers exactly those, since everything below that one has been
  settled already;
* a plain ``basic.ack`` for each of the others, so that no ack ever waits for a slow
  delivery (unacked deliveries fill the prefetch window, and consuming would stop).

Deliveries are announced (:meth:`ChannelAcks.delivered`) in the order the broker sent
them, before their handler's first await: aiormq and aio-pika start one task per
delivery, in order, and a handler cannot finish before its own task started, so a
delivery below one that asks for its ack is always known here. A nack or reject is
sent by the consumer itself, and reported with :meth:`ChannelAcks.settled` only
once its frame has been written: until then it holds the floor.
"""

from __future__ import annotations

import asyncio
from collections import deque

from aiormq.abc import AbstractChannel


class ChannelAcks:
    def __init__(self, channel: AbstractChannel) -> None:
        self.channel = channel
        self._unsettled: set[int] = set()
        self._asked: list[tuple[int, asyncio.Future[None]]] = []
        self._flush_scheduled = False
        self._frames: deque[tuple[int, bool, list[tuple[int, asyncio.Future[None]]]]] = deque()
        self._sending: set[asyncio.Task[None]] = set()
        self.frames = 0
        """``basic.ack`` frames sent so far (for tests and diagnostics)."""

    @property
    def handling(self) -> int:
        """Deliveries announced and not settled yet."""
        return len(self._unsettled)

    @property
    def idle(self) -> bool:
        """No ack is waiting to be sent or being sent."""
        return not self._asked and not self._frames and not self._sending

    def delivered(self, tag: int) -> None:
        self._unsettled.add(tag)

    def settled(self, tag: int) -> None:
        """The delivery was nacked or rejected, and that frame written."""
        self._unsettled.discard(tag)

    async def ack(self, tag: int) -> None:
        """Ack the delivery; return once a frame covering it has been written."""
        loop = asyncio.get_running_loop()
        written: asyncio.Future[None] = loop.create_future()
        self._unsettled.discard(tag)
        self._asked.append((tag, written))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        await written

    def _flush(self) -> None:
        self._flush_scheduled = False
        asked, self._asked = self._asked, []
        floor = min(self._unsettled, default=None)
        covered = [a for a in asked if floor is None or a[0] < floor]
        alone = [a for a in asked if floor is not None and a[0] > floor]  # never == floor
        if covered:
            self._frames.append((max(tag for tag, _ in covered), True, covered))
        self._frames.extend((tag, False, [(tag, written)]) for tag, written in alone)
        if not self._sending:
            task = asyncio.create_task(self._send())
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self) -> None:
        """Write the frames in the order they were decided, one sender at a time: a
        multiple ack decided later may cover a tag acked alone earlier, never the
        other way round (acking a tag twice closes the channel)."""
        while self._frames:
            tag, multiple, waiting = self._frames.popleft()
            try:
                await self.channel.basic_ack(delivery_tag=tag, multiple=multiple)
            except Exception as exc:
                for _, written in waiting:
                    if not written.done():
                        written.set_exception(exc)
                continue
            self.frames += 1
            for _, written in waiting:
                if not written.done():  # its waiter may have been cancelled
                    written.set_result(None)
