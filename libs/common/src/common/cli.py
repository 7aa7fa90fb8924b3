"""``kmo2informer``: the operator's command line.

    kmo2informer installations create FILE     create from a JSON file (see README)
    kmo2informer installations list            one JSON object per installation
    kmo2informer installations show ID
    kmo2informer installations disable ID / enable ID
    kmo2informer poll ID                        ask ingest to poll that shop now
    kmo2informer health [ID]                    poll, queue, errors, index, budget
    kmo2informer queues                         messages ready in every RabbitMQ queue
    kmo2informer dead-letters list              what is in the dead-letter queue
    kmo2informer dead-letters replay [--type T] [--installation ID] [--limit N]
                                                publish them again after a fix
    kmo2informer backfill start ID --from DAY --to DAY | status BID | list ID
                                                historical orders, resumable (see README)
    kmo2informer reconcile show ID | run ID [--day DAY]   daily completeness checks
    kmo2informer keys generate                  print a new Fernet key for SECRET_KEYS
    kmo2informer keys rotate                    re-encrypt every secret under the first key

Output is JSON on stdout; errors are one line on stderr with exit code 1 (bad input)
or 2 (bad configuration). Secrets are masked, except the webhook secret that
``create`` prints once so the operator can register the webhook.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
from pydantic import Field, SecretStr, ValidationError

from common.amqp.broker import queue_depths
from common.amqp.dead_letters import Selection, list_dead_letters, replay_dead_letters
from common.backfill_cli import add_backfill_parser, run_backfill
from common.backfills import BackfillError
from common.crypto import SecretBox, SecretKeyError
from common.db.outbox import enqueue
from common.installations.health import installation_health
from common.installations.models import AnyInstallation, InstallationFile, InstallationInSetup
from common.installations.repository import (
    InstallationNotFound,
    create_installation,
    get_any_installation,
    get_installation,
    list_installations,
    rotate_secrets,
    set_status,
)
from common.installations.repository import webhook_url as installation_webhook_url
from common.messages import PollShop
from common.reconcile_cli import ReconcileError, add_reconcile_parser, run_reconcile
from common.settings import CommonSettings


class CliSettings(CommonSettings):
    ingest_public_url: str = Field(
        "http://127.0.0.1:8080",
        description="The URL KMO Shops reaches ingest at; webhook URLs are built from it.",
    )


class CliError(Exception):
    """Bad input from the operator; the message is shown as it is."""


def mask(secret: SecretStr) -> str:
    value = secret.get_secret_value()
    return "…" + value[-4:] if len(value) > 8 else "***"


def webhook_url(settings: CliSettings, installation_id: uuid.UUID) -> str:
    return installation_webhook_url(settings.ingest_public_url, installation_id)


def describe(installation: AnyInstallation, settings: CliSettings) -> dict[str, Any]:
    if isinstance(installation, InstallationInSetup):
        return {
            "id": str(installation.id),
            "name": installation.name,
            "status": installation.status,
            "shop": {"country": installation.shop_country, "timezone": installation.shop_timezone},
            "webhook_url": webhook_url(settings, installation.id),
            "webhook_secret": mask(installation.webhook_secret),
            "created_at": installation.created_at.isoformat(),
        }
    return {
        "id": str(installation.id),
        "name": installation.name,
        "status": installation.status,
        "shop": {"country": installation.shop_country, "timezone": installation.shop_timezone},
        "kmoshops": {
            "base_url": installation.kmo_base_url,
            "api_token": mask(installation.kmo_token),
        },
        "informer": {
            "api_key": mask(installation.informer_api_key),
            "security_code": mask(installation.informer_security_code),
        },
        "webhook_url": webhook_url(settings, installation.id),
        "webhook_secret": mask(installation.webhook_secret),
        "config": installation.config.model_dump(mode="json"),
        "created_at": installation.created_at.isoformat(),
    }


def read_installation_file(path: str) -> InstallationFile:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text("utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return InstallationFile.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()
        )
        raise CliError(f"{path} is not a valid installation file: {problems}") from None


def parse_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CliError(f"{value!r} is not an installation id (a UUID)") from None


async def _with_conn(
    settings: CliSettings, work: Callable[[asyncpg.Connection], Awaitable[Any]]
) -> Any:
    conn = await asyncpg.connect(settings.database_url.get_secret_value())
    try:
        await conn.set_type_codec(
            "jsonb", schema="pg_catalog", encoder=json.dumps, decoder=json.loads, format="text"
        )
        async with conn.transaction():
            return await work(conn)
    finally:
        await conn.close()


async def _broker(settings: CliSettings, args: argparse.Namespace) -> Any:
    try:
        connection = await aio_pika.connect(
            settings.amqp_url.get_secret_value(),
            client_properties={"connection_name": "kmo2informer-cli"},
            timeout=10,
        )
    except (OSError, aio_pika.exceptions.AMQPError) as exc:
        raise CliError(f"RabbitMQ unavailable: {exc!r}") from None
    async with connection:
        if args.group == "queues":
            return await queue_depths(connection)
        if args.action == "list":
            return [d.as_dict() for d in await list_dead_letters(connection, args.limit)]
        selection = Selection(
            message_type=args.type,
            installation_id=parse_id(args.installation) if args.installation else None,
            limit=args.limit,
        )
        replayed = await replay_dead_letters(connection, selection)
        return {"replayed": len(replayed), "messages": [d.as_dict() for d in replayed]}


async def run(args: argparse.Namespace, settings: CliSettings) -> Any:
    if args.group == "keys" and args.action == "generate":
        return {"key": SecretBox.generate_key()}
    if args.group in ("queues", "dead-letters"):
        return await _broker(settings, args)
    if args.group == "reconcile":
        installation_id = parse_id(args.id)
        return await _with_conn(settings, lambda c: run_reconcile(args, c, installation_id))
    if args.group == "backfill":
        return await _with_conn(settings, lambda c: run_backfill(args, c, parse_id))
    if args.group == "health":
        installation_id = parse_id(args.id) if args.id else None
        return await _with_conn(settings, lambda c: installation_health(c, installation_id))
    box = SecretBox(settings.secret_keys)

    if args.group == "keys":
        return {"rotated": await _with_conn(settings, lambda c: rotate_secrets(c, box))}
    if args.group == "poll":
        installation_id = parse_id(args.id)

        async def _poll(conn: asyncpg.Connection) -> dict[str, str]:
            await get_installation(conn, box, installation_id)
            command = PollShop(installation_id=installation_id)
            await enqueue(conn, [command])
            return {"queued": command.type, "message_id": str(command.message_id)}

        return await _with_conn(settings, _poll)

    action = args.action
    if action == "create":
        spec = read_installation_file(args.file)
        installation_id, secret = await _with_conn(
            settings, lambda c: create_installation(c, box, spec)
        )
        return {
            "id": str(installation_id),
            "webhook_url": webhook_url(settings, installation_id),
            "webhook_secret": secret,
        }
    if action == "list":
        found = await _with_conn(settings, lambda c: list_installations(c, box))
        return [describe(i, settings) for i in found]
    installation_id = parse_id(args.id)
    if action == "show":
        found = await _with_conn(settings, lambda c: get_any_installation(c, box, installation_id))
        return describe(found, settings)
    status = "disabled" if action == "disable" else "active"
    await _with_conn(settings, lambda c: set_status(c, installation_id, status))
    return {"id": str(installation_id), "status": status}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kmo2informer", description=__doc__.split("\n")[0])
    groups = parser.add_subparsers(dest="group", required=True)
    inst = groups.add_parser("installations", help="create, list, show, disable, enable")
    actions = inst.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create an installation from a JSON file")
    create.add_argument("file", help="path to the JSON file, or - for standard input")
    actions.add_parser("list", help="list installations")
    for name in ("show", "disable", "enable"):
        actions.add_parser(name, help=f"{name} an installation").add_argument("id")
    poll = groups.add_parser("poll", help="poll one installation's shop now")
    poll.add_argument("id")
    health = groups.add_parser("health", help="installations and their health")
    health.add_argument("id", nargs="?", help="one installation (default: all)")
    groups.add_parser("queues", help="messages ready in every RabbitMQ queue")
    dead = groups.add_parser("dead-letters", help="the dead-letter queue")
    dead_actions = dead.add_subparsers(dest="action", required=True)
    dead_list = dead_actions.add_parser("list", help="show what is there (changes nothing)")
    dead_list.add_argument("--limit", type=int, default=100)
    replay = dead_actions.add_parser("replay", help="publish dead letters again after a fix")
    replay.add_argument("--type", help="only this message type, e.g. ProcessOrder")
    replay.add_argument("--installation", help="only this installation's messages")
    replay.add_argument("--limit", type=int, default=1000)
    add_backfill_parser(groups)
    add_reconcile_parser(groups)
    keys = groups.add_parser("keys", help="encryption keys for secrets at rest")
    key_actions = keys.add_subparsers(dest="action", required=True)
    key_actions.add_parser("generate", help="print a new key")
    key_actions.add_parser("rotate", help="re-encrypt all secrets under the first key")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = CliSettings()
        result = asyncio.run(run(args, settings))
    except (CliError, InstallationNotFound, BackfillError, ReconcileError) as exc:
        message = f"no installation {exc}" if isinstance(exc, InstallationNotFound) else str(exc)
        sys.stderr.write(f"error: {message}\n")
        return 1
    except (SecretKeyError, ValidationError) as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        return 2
    except (OSError, asyncpg.PostgresError) as exc:
        sys.stderr.write(f"error: database unavailable: {exc}\n")
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
