"""Create the demo installation and register its webhook in the KMO Shops sandbox.

    python scripts/seed_demo.py [--file FILE] [--kmo-base-url URL] [--if-absent]
                                [--shop-id N] [--sandbox-url URL] [--no-webhook]
                                [--poll] [--wait SECONDS] [--login EMAIL]

Used by the ``demo-seed`` service of docker-compose.yml and by ``make dev``. It reads
DATABASE_URL, SECRET_KEYS and INGEST_PUBLIC_URL exactly as the ``kmo2informer`` CLI
does, and expects the migrations to have been applied.

Running it twice with ``--if-absent`` creates one installation: an installation with
the file's name is reused (an advisory lock keeps two seeds from racing). The webhook
is registered only when the sandbox does not have it yet, which matters because the
sandbox keeps its state in memory and forgets every webhook when it restarts, while
the installation lives on in PostgreSQL. Webhooks of the same shop that point at
another installation of this ingest are removed, so a shop never signs for a stale id.

With ``--login EMAIL`` (and the password in DEMO_PASSWORD) it also makes a dashboard
account that owns the demo installation, its connections marked verified, so the demo
merchant's orders can be seen at http://localhost:8000 (demo use only).

Prints one JSON object: id, name, created, webhook_url, webhook (registered, present
or skipped), stale_webhooks_removed, poll_queued. The webhook secret is not printed.
Exit codes as the CLI: 1 for bad input or an unreachable dependency, 2 for bad
configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
from pydantic import SecretStr, ValidationError

from common.cli import CliSettings, webhook_url
from common.crypto import SecretBox, SecretKeyError
from common.db.outbox import enqueue
from common.installations.models import Installation, InstallationFile
from common.installations.repository import create_installation, list_installations
from common.messages import PollShop
from dashboard.auth.passwords import hash_password

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "demo" / "installation.json"
DEMO_SHOP_ID = 1234  # sandbox.kmoshops.demo.DEMO_SHOP_ID, created by --seed-demo
SEED_LOCK_ID = 0x6B326901  # next to the migrations' lock; only seeds take it

T = TypeVar("T")


class SeedError(Exception):
    """A problem the operator can fix; the message is shown as it is."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python scripts/seed_demo.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--file",
        type=Path,
        default=DEFAULT_FILE,
        help="installation file as read by `kmo2informer installations create` "
        "(default: demo/installation.json, set up for local dev)",
    )
    parser.add_argument(
        "--kmo-base-url",
        help="replace kmoshops.base_url of the file, e.g. "
        "http://kmoshops-sandbox:8101/api/v1 inside compose",
    )
    parser.add_argument(
        "--if-absent",
        action="store_true",
        help="reuse an installation with the file's name instead of failing",
    )
    parser.add_argument(
        "--shop-id",
        type=int,
        default=DEMO_SHOP_ID,
        help=f"the sandbox shop the webhook is registered for (default {DEMO_SHOP_ID})",
    )
    parser.add_argument(
        "--sandbox-url",
        help="root URL of the KMO Shops sandbox, whose control API is under /_sandbox "
        "(default: scheme and host of the KMO Shops base URL)",
    )
    parser.add_argument(
        "--no-webhook", action="store_true", help="do not touch the sandbox's webhooks"
    )
    parser.add_argument(
        "--poll",
        action="store_true",
        help="queue a PollShop, so orders already in the shop are fetched now rather "
        "than at the scheduler's next round",
    )
    parser.add_argument(
        "--login",
        metavar="EMAIL",
        help="make a dashboard account EMAIL (password from DEMO_PASSWORD) owning the demo "
        "installation, unless one exists",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=30.0,
        help="seconds to keep retrying PostgreSQL and the sandbox while they start (default 30)",
    )
    return parser


def load_spec(path: Path, kmo_base_url: str | None) -> InstallationFile:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise SeedError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise SeedError(f"{path} is not JSON: {exc}") from None
    if kmo_base_url:
        raw.setdefault("kmoshops", {})["base_url"] = kmo_base_url
    try:
        return InstallationFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()
        )
        raise SeedError(f"{path} is not a valid installation file: {problems}") from None


async def retrying(what: str, deadline: float, attempt: Callable[[], Awaitable[T]]) -> T:
    """Retry ``attempt`` on connection errors until ``deadline`` (time.monotonic())."""
    while True:
        try:
            return await attempt()
        except (OSError, aiohttp.ClientConnectionError, asyncpg.CannotConnectNowError) as exc:
            if time.monotonic() >= deadline:
                raise SeedError(f"{what} unavailable: {exc}") from None
        await asyncio.sleep(1.0)


async def connect(settings: CliSettings, deadline: float) -> asyncpg.Connection:
    dsn = settings.database_url.get_secret_value()
    conn = await retrying("database", deadline, lambda: asyncpg.connect(dsn))
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, schema="pg_catalog", encoder=json.dumps, decoder=json.loads, format="text"
        )
    return conn


async def ensure_installation(
    conn: asyncpg.Connection, box: SecretBox, spec: InstallationFile, *, if_absent: bool, poll: bool
) -> tuple[uuid.UUID, SecretStr, bool]:
    """Return (id, webhook secret, created) of the installation named ``spec.name``."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", SEED_LOCK_ID)
        same_name = [i for i in await list_installations(conn, box) if i.name == spec.name]
        if same_name and not if_absent:
            raise SeedError(
                f"an installation named {spec.name!r} exists ({same_name[0].id}); "
                "pass --if-absent to reuse it"
            )
        created = not same_name
        if created:
            installation_id, secret = await create_installation(conn, box, spec)
            webhook_secret = SecretStr(secret)
        else:
            found = _preferred(same_name)
            _warn_if_different(found, spec)
            installation_id, webhook_secret = found.id, found.webhook_secret
        if poll:
            await enqueue(conn, [PollShop(installation_id=installation_id)])
    return installation_id, webhook_secret, created


async def ensure_demo_login(
    conn: asyncpg.Connection, installation_id: uuid.UUID, email: str, password: str
) -> bool:
    """Give the demo installation a dashboard account; return whether one was made.

    Its connections are marked verified and its configuration saved, as the wizard
    would after checking them, since the demo file's credentials are the sandboxes'.
    """
    password_hash = await hash_password(password)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", SEED_LOCK_ID)
        account_id = await conn.fetchval(
            "SELECT id FROM accounts WHERE lower(email) = lower($1)", email
        )
        made = account_id is None
        if made:
            account_id = uuid.uuid4()
            await conn.execute(
                """INSERT INTO accounts (id, name, email, password_hash, shop_country,
                       terms_accepted_at)
                   SELECT $1, name, $2, $3, shop_country, now() FROM installations
                    WHERE id = $4""",
                account_id,
                email,
                password_hash,
                installation_id,
            )
        await conn.execute(
            """UPDATE installations
                  SET account_id = $2, kmo_verified_at = coalesce(kmo_verified_at, now()),
                      informer_verified_at = coalesce(informer_verified_at, now()),
                      config_saved_at = coalesce(config_saved_at, now())
                WHERE id = $1 AND (account_id IS NULL OR account_id = $2)""",
            installation_id,
            account_id,
        )
    return made


def _preferred(candidates: list[Installation]) -> Installation:
    active = [i for i in candidates if i.active]
    return (active or candidates)[0]


def _warn_if_different(found: Installation, spec: InstallationFile) -> None:
    wanted = str(spec.kmoshops.base_url).rstrip("/")
    if found.kmo_base_url != wanted:
        sys.stderr.write(
            f"warning: reusing installation {found.id}, whose KMO Shops base URL is "
            f"{found.kmo_base_url}, not {wanted}\n"
        )
    if not found.active:
        sys.stderr.write(f"warning: reusing installation {found.id}, which is disabled\n")


def control_url(spec: InstallationFile, sandbox_url: str | None) -> str:
    if sandbox_url:
        return sandbox_url.rstrip("/") + "/_sandbox"
    parts = urlsplit(str(spec.kmoshops.base_url))
    return urlunsplit((parts.scheme, parts.netloc, "/_sandbox", "", ""))


async def ensure_webhook(
    http: aiohttp.ClientSession,
    control: str,
    shop_id: int,
    url: str,
    secret: SecretStr,
    stale_prefix: str,
    deadline: float,
) -> tuple[str, int]:
    """Register ``url`` for the shop unless it is there; return (outcome, stale removed)."""

    async def listing() -> list[dict[str, Any]]:
        async with http.get(f"{control}/shops/{shop_id}/webhooks") as response:
            if response.status == 404:
                raise SeedError(
                    f"the KMO Shops sandbox at {control} has no shop {shop_id}; "
                    "start it with --seed-demo"
                )
            response.raise_for_status()
            return (await response.json())["webhooks"]

    hooks = await retrying("KMO Shops sandbox", deadline, listing)
    removed = 0
    for hook in hooks:
        if hook["url"] != url and hook["url"].startswith(stale_prefix):
            async with http.delete(f"{control}/webhooks/{hook['id']}") as response:
                response.raise_for_status()
            removed += 1
    if any(hook["url"] == url for hook in hooks):
        return "present", removed
    body = {"url": url, "secret": secret.get_secret_value()}
    async with http.post(f"{control}/shops/{shop_id}/webhooks", json=body) as response:
        response.raise_for_status()
    return "registered", removed


async def seed(args: argparse.Namespace, settings: CliSettings) -> dict[str, Any]:
    spec = load_spec(args.file, args.kmo_base_url)
    box = SecretBox(settings.secret_keys)
    deadline = time.monotonic() + args.wait
    conn = await connect(settings, deadline)
    try:
        installation_id, secret, created = await ensure_installation(
            conn, box, spec, if_absent=args.if_absent, poll=args.poll
        )
        login_created = None
        if args.login:
            password = os.environ.get("DEMO_PASSWORD", "")
            if not password:
                raise SeedError("--login needs the account's password in DEMO_PASSWORD")
            login_created = await ensure_demo_login(conn, installation_id, args.login, password)
    finally:
        await conn.close()
    url = webhook_url(settings, installation_id)
    outcome, removed = "skipped", 0
    if not args.no_webhook:
        stale_prefix = webhook_url(settings, uuid.UUID(int=0)).rsplit("/", 1)[0] + "/"
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            outcome, removed = await ensure_webhook(
                http,
                control_url(spec, args.sandbox_url),
                args.shop_id,
                url,
                secret,
                stale_prefix,
                deadline,
            )
    return {
        "id": str(installation_id),
        "name": spec.name,
        "created": created,
        "webhook_url": url,
        "webhook": outcome,
        "stale_webhooks_removed": removed,
        "poll_queued": args.poll,
        "login": args.login,
        "login_created": login_created,
    }


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = CliSettings()
        result = asyncio.run(seed(args, settings))
    except SeedError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except (SecretKeyError, ValidationError) as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        return 2
    except (OSError, asyncpg.PostgresError, aiohttp.ClientError) as exc:
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n")
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
