"""Seeded generator of realistic KMO Shops orders, valid and deliberately invalid."""

from sandbox.kmoshops.generator.scenarios import (
    INVALID_SCENARIOS,
    SCENARIOS,
    STATUS_SCENARIOS,
    VALID_SCENARIOS,
    GeneratedOrder,
    generate_orders,
)

__all__ = [
    "INVALID_SCENARIOS",
    "SCENARIOS",
    "STATUS_SCENARIOS",
    "VALID_SCENARIOS",
    "GeneratedOrder",
    "generate_orders",
]
