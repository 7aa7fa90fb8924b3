"""Builds the processor from its settings: intake consumers, workers, relay, health."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
from aiohttp import web

from common.amqp.broker import BrokerLink
from common.amqp.consumer import Consumer
from common.amqp.topology import PROCESS_ORDER, RELATION_INDEX
from common.crypto import SecretBox
from common.db.outbox import OutboxRelay
from common.db.pool import application_name, open_pool
from common.informer.budget import Budget, BudgetPolicy
from common.installations import changes as installation_changes
from common.metrics import BoundedLabel
from common.metrics_probes import queue_probe
from common.runtime import run_until_stopped
from common.web.health import add_health_routes, serve
from processor.handlers import Handlers
from processor.informer_context import InformerContexts
from processor.pipeline import Pipeline, PipelineSettings
from processor.settings import ProcessorSettings
from processor.worker import Workers, spacing, work_queue_probe


async def main(settings: ProcessorSettings, stop: asyncio.Event) -> None:
    box = SecretBox(settings.secret_keys)
    policy = BudgetPolicy.from_settings(settings)
    pipeline_settings = PipelineSettings(
        lease=timedelta(seconds=settings.lease_seconds),
        settle=timedelta(seconds=settings.settle_seconds),
        max_attempts=settings.max_attempts,
    )
    async with open_pool(settings, "processor") as pool, aiohttp.ClientSession() as http:
        contexts = InformerContexts(
            pool,
            box,
            http,
            Budget(pool, policy),
            base_url=settings.informer_base_url,
            timeout=settings.informer_timeout_seconds,
            cache_seconds=settings.options_cache_seconds,
            metric_labels=BoundedLabel(settings.metrics_installation_labels),
        )
        workers = Workers(
            pool,
            Pipeline(pool, contexts, pipeline_settings),
            policy,
            pipeline_settings,
            concurrency=settings.worker_concurrency,
            claim_batch=settings.claim_batch,
            listeners={installation_changes.CHANNEL: contexts.on_change},
            direct_limit=settings.direct_concurrency,
        )
        handlers = Handlers(pool, box, contexts, spacing(policy), direct=workers)
        consumers = [
            Consumer(
                PROCESS_ORDER,
                {"ProcessOrder": handlers.receive_order},
                prefetch=settings.consumer_prefetch,
                on_dead_letter=handlers.record_dead_letter,
            ),
            Consumer(
                RELATION_INDEX,
                {"RefreshRelationIndex": handlers.refresh_relation_index},
                prefetch=1,
            ),
        ]
        broker = BrokerLink(settings.amqp_url.get_secret_value(), "processor", consumers=consumers)
        relay = OutboxRelay(pool, broker.publisher, producer=application_name("processor"))
        app = web.Application()
        add_health_routes(
            app, pool, broker.ready, [queue_probe(broker.queue_depths), work_queue_probe(pool)]
        )
        runner = await serve(app, settings.http_host, settings.http_port)
        await run_until_stopped(
            stop, [broker.run(stop), relay.run(stop), workers.run(stop)], cleanup=runner.cleanup
        )
