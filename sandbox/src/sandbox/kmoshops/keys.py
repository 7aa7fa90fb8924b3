from aiohttp import web

from sandbox.kmoshops.state import KmoShopsState
from sandbox.kmoshops.webhooks import WebhookSender

STATE = web.AppKey("kmoshops_state", KmoShopsState)
SENDER = web.AppKey("kmoshops_sender", WebhookSender)
