"""The real PostgreSQL and RabbitMQ for tests: a fresh database and vhost per test run.

URLs come from TEST_DATABASE_URL and TEST_AMQP_URL (default: the local services). When
those are unreachable and a Docker engine is present, testcontainers starts them.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from urllib.parse import quote, urlsplit, urlunsplit

import aiohttp

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_MANAGEMENT_URL = "http://guest:guest@127.0.0.1:15672"


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


def with_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    if reachable(url, 5432) or shutil.which("docker") is None:
        yield url
        return
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16", driver=None) as container:
        yield container.get_connection_url()


@contextlib.contextmanager
def rabbitmq_server() -> Iterator[tuple[str, str]]:
    """Yield (AMQP URL, management URL)."""
    url = os.environ.get("TEST_AMQP_URL", DEFAULT_AMQP_URL)
    management = os.environ.get("TEST_RABBITMQ_MANAGEMENT_URL", DEFAULT_MANAGEMENT_URL)
    if reachable(url, 5672) or shutil.which("docker") is None:
        yield url, management
        return
    from testcontainers.rabbitmq import RabbitMqContainer

    with RabbitMqContainer("rabbitmq:3-management") as container:
        host = container.get_container_host_ip()
        amqp = f"amqp://guest:guest@{host}:{container.get_exposed_port(5672)}/"
        yield amqp, f"http://guest:guest@{host}:{container.get_exposed_port(15672)}"


def _management(management_url: str) -> tuple[dict[str, str], str]:
    parts = urlsplit(management_url)
    token = base64.b64encode(f"{parts.username or 'guest'}:{parts.password or 'guest'}".encode())
    base = urlunsplit(parts._replace(netloc=f"{parts.hostname}:{parts.port or 15672}"))
    return {"Authorization": "Basic " + token.decode()}, base


async def create_vhost(management_url: str, vhost: str) -> None:
    """Create a vhost through the management API, or rabbitmqctl where it is local."""
    headers, base = _management(management_url)
    try:
        async with aiohttp.ClientSession(headers=headers) as http:
            async with http.put(f"{base}/api/vhosts/{quote(vhost, safe='')}") as r:
                r.raise_for_status()
            async with http.put(
                f"{base}/api/permissions/{quote(vhost, safe='')}/guest",
                json={"configure": ".*", "write": ".*", "read": ".*"},
            ) as r:
                r.raise_for_status()
        return
    except aiohttp.ClientError:
        if shutil.which("rabbitmqctl") is None:
            raise
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )


async def delete_vhost(management_url: str, vhost: str) -> None:
    headers, base = _management(management_url)
    try:
        async with (
            aiohttp.ClientSession(headers=headers) as http,
            http.delete(f"{base}/api/vhosts/{quote(vhost, safe='')}") as r,
        ):
            r.raise_for_status()
        return
    except aiohttp.ClientError:
        if shutil.which("rabbitmqctl") is None:
            return
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False, capture_output=True)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
