"""The benchmark's processes and its throwaway database and vhost."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
AMQP = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
OUTPUT = ROOT / "test-output"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """A service (or the sandbox) as a process; with ``count_statements`` it runs under
    ``bench/launch.py``, which counts its SQL round trips."""

    def __init__(
        self, name: str, module: str, args: list[str], env: dict[str, str], *, count: bool = False
    ) -> None:
        log = (OUTPUT / f"bench-{name}.log").open("w")
        self.name = name
        launcher = [str(ROOT / "bench" / "launch.py")] if count else ["-m"]
        extra = {"BENCH_SERVICE": name, "BENCH_STATEMENTS_DIR": str(OUTPUT)} if count else {}
        self.process = subprocess.Popen(
            [sys.executable, *launcher, module, *args],
            env=os.environ | env | extra,
            stdout=log,
            stderr=log,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
        return round(kb / 1024, 1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not come up; see test-output/bench-*.log")


def vhost_create(name: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=False, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )


async def drop(database_url: str, vhost: str) -> None:
    """Leave nothing behind: idle quorum queues of old runs would cost the next one."""
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False, capture_output=True)
    name = database_url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
