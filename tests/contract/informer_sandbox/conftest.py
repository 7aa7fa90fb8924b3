"""A fresh Informer sandbox and a test client on it, for every contract test here."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from sandbox.informer.state import InformerState
from sandbox.informer.testing import sandbox_client


@pytest.fixture
def state() -> InformerState:
    return InformerState()


@pytest.fixture
async def client(state: InformerState) -> AsyncIterator[TestClient]:
    async with sandbox_client(state) as client:
        yield client
