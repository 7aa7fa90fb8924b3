"""A stand-in for Informer's API v2, as strict as the real one (see sandbox/docs/informer.md)."""

from sandbox.informer.app import create_app
from sandbox.informer.keys import STATE
from sandbox.informer.ratelimit import RateLimitConfig
from sandbox.informer.state import InformerState

__all__ = ["STATE", "InformerState", "RateLimitConfig", "create_app"]
