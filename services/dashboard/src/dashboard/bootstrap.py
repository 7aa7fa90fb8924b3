"""Builds the dashboard service: the web application (HTML and JSON), the projector
that keeps the read side, the mailer that sends SendEmail commands, and the outbox
relay for what the dashboard writes (events of the merchant's actions, e-mails)."""

from __future__ import annotations

import asyncio

from common.amqp.broker import BrokerLink
from common.amqp.consumer import Consumer
from common.amqp.topology import PROJECTIONS, SEND_EMAIL
from common.crypto import SecretBox
from common.db.outbox import OutboxRelay
from common.db.pool import application_name, open_pool
from common.logging import get_logger
from common.mail import SmtpMailer
from common.metrics_probes import queue_probe
from common.runtime import run_until_stopped
from common.web.health import add_health_routes, serve
from dashboard.app import create_app
from dashboard.mailer import Mailer
from dashboard.projector import Projector
from dashboard.settings import DashboardSettings

log = get_logger(__name__)


async def main(settings: DashboardSettings, stop: asyncio.Event) -> None:
    box = SecretBox(settings.secret_keys)
    async with open_pool(settings, "dashboard") as pool:
        projector = Projector(pool)
        mailer = Mailer(pool, SmtpMailer(settings))
        # The projector writes every event delivered while its previous write ran in
        # one round trip, and a message is acked only after its write committed, so the
        # prefetch bounds its batches: with a handful in flight each event would still
        # cost a round trip and a commit of its own under load.
        broker = BrokerLink(
            settings.amqp_url.get_secret_value(),
            "dashboard",
            consumers=[
                Consumer(PROJECTIONS, projector.registry(), prefetch=64),
                Consumer(SEND_EMAIL, mailer.registry(), prefetch=4),
            ],
        )
        relay = OutboxRelay(pool, broker.publisher, producer=application_name("dashboard"))
        app = create_app(settings, pool, box)
        add_health_routes(app, pool, broker.ready, [queue_probe(broker.queue_depths)])
        runner = await serve(app, settings.http_host, settings.http_port)
        log.info("listening", host=settings.http_host, port=settings.http_port)
        await run_until_stopped(stop, [broker.run(stop), relay.run(stop)], cleanup=runner.cleanup)
