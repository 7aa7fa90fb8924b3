"""The long-Open flag on the dashboard's read side, from ``OrderLongOpen``.

Setting a timestamp once is idempotent by itself (a redelivery changes nothing), and
an order the projector has not seen yet keeps its flag in ingest's ``shop_orders``
until a later event about it arrives; the Open view shows the flag next to the order.
"""

from __future__ import annotations

from common.db.pool import Pool
from common.messages import Message, OrderLongOpen


async def project_long_open(pool: Pool, event: Message) -> None:
    if not isinstance(event, OrderLongOpen):
        return
    await pool.execute(
        """UPDATE order_views SET open_flagged_at = $3
            WHERE installation_id = $1 AND order_id = $2 AND open_flagged_at IS NULL""",
        event.installation_id,
        event.order_id,
        event.occurred_at,
    )
