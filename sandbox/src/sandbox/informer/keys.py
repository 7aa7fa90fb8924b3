"""Typed keys for what the app and a request carry."""

from aiohttp import web

from sandbox.informer.model import Administration
from sandbox.informer.state import InformerState

STATE = web.AppKey("informer_state", InformerState)
ADMINISTRATION = web.RequestKey("informer_administration", Administration)
API_PREFIX = "/v2"
