"""KMO Shops sandbox: an independent implementation of kmoshops/API.md for tests."""

from sandbox.kmoshops.app import create_app, serve
from sandbox.kmoshops.generator import GeneratedOrder, generate_orders
from sandbox.kmoshops.keys import SENDER, STATE
from sandbox.kmoshops.signing import sign, verify
from sandbox.kmoshops.state import KmoShopsState

__all__ = [
    "SENDER",
    "STATE",
    "GeneratedOrder",
    "KmoShopsState",
    "create_app",
    "generate_orders",
    "serve",
    "sign",
    "verify",
]
