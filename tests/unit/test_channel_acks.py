"""Acks sent together: one multiple ack exactly where it covers only settled deliveries."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from common.amqp.acks import ChannelAcks


class FakeChannel:
    """Acks as RabbitMQ takes them: a tag acked twice, alone or as the tag of a
    multiple ack, closes the channel (PRECONDITION_FAILED, unknown delivery tag)."""

    def __init__(self, *, fail: bool = False, drain_turns: int = 1) -> None:
        self.frames: list[tuple[int, bool]] = []
        self.acked: set[int] = set()
        self.fail = fail
        self.drain_turns = drain_turns

    async def basic_ack(self, delivery_tag: int, multiple: bool = False) -> None:
        if self.fail:
            raise ConnectionError("channel closed")
        if delivery_tag in self.acked:
            raise ConnectionError(f"unknown delivery tag {delivery_tag}")
        self.acked |= set(range(1, delivery_tag + 1)) if multiple else {delivery_tag}
        self.frames.append((delivery_tag, multiple))
        for _ in range(self.drain_turns):  # the write is drained later
            await asyncio.sleep(0)


def acks_on(channel: FakeChannel, *tags: int) -> ChannelAcks:
    acks = ChannelAcks(channel)  # type: ignore[arg-type]
    for tag in tags:
        acks.delivered(tag)
    return acks


async def ack_together(acks: ChannelAcks, *tags: int) -> list[Any]:
    return await asyncio.gather(*(acks.ack(tag) for tag in tags))


async def test_acks_asked_together_below_every_unsettled_delivery_are_one_multiple_frame() -> None:
    channel = FakeChannel()
    acks = acks_on(channel, 1, 2, 3, 4, 5)
    await ack_together(acks, 3, 1, 2)
    assert channel.frames == [(3, True)]
    await ack_together(acks, 5, 4)
    assert channel.frames == [(3, True), (5, True)]


async def test_an_ack_above_a_delivery_still_being_handled_goes_alone() -> None:
    """A multiple ack there would ack the unfinished delivery; holding the ack back
    would fill the prefetch window behind a slow one."""
    channel = FakeChannel()
    acks = acks_on(channel, 1, 2, 3, 4)
    await ack_together(acks, 1, 3, 4)  # 2 is still being handled
    assert channel.frames == [(1, True), (3, False), (4, False)]


async def test_a_nacked_delivery_holds_the_floor_until_its_frame_is_written() -> None:
    channel = FakeChannel()
    acks = acks_on(channel, 1, 2, 3)
    await ack_together(acks, 2)
    assert channel.frames == [(2, False)]
    acks.settled(1)  # its nack was written
    await ack_together(acks, 3)
    assert channel.frames == [(2, False), (3, True)]


async def test_a_cancelled_handler_never_has_its_delivery_covered() -> None:
    channel = FakeChannel()
    acks = acks_on(channel, 1, 2, 3)
    waiter = asyncio.create_task(acks.ack(1))
    await asyncio.sleep(0)
    waiter.cancel()  # the ack of 1 was asked for: it is still sent
    await ack_together(acks, 3)  # 2 never settles: its handler was cancelled
    await asyncio.sleep(0.01)
    assert sorted(channel.frames) == [(1, True), (3, False)]


async def test_a_failed_frame_fails_the_acks_it_carried() -> None:
    acks = acks_on(FakeChannel(fail=True), 1, 2)
    with pytest.raises(ConnectionError):
        await ack_together(acks, 1, 2)


async def test_frames_go_out_in_the_order_they_were_decided() -> None:
    """A multiple ack decided after a lone one covers it harmlessly; written before
    it, the lone ack would ack its tag a second time and close the channel."""
    channel = FakeChannel(drain_turns=5)
    acks = acks_on(channel, 1, 2, 3, 4, 5, 6)
    first = asyncio.gather(acks.ack(3), acks.ack(4))  # 1 and 2 still handled: alone
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await ack_together(acks, 1, 2, 5, 6)  # nothing unsettled: one multiple ack of 6
    await first
    assert channel.frames == [(3, False), (4, False), (6, True)]
