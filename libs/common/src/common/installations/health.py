"""Each installation's health at a glance, for the operator: one read-only query.

Last poll and its error (ingest), the processor's queue and what needs a human, the
e-mail index, and the Informer budget spent over the last day with any pause a 429
imposed. Counts of finished orders are left out: they grow without bound, and the
dashboard has them per merchant.
"""

from __future__ import annotations

from typing import Any

import asyncpg

_HEALTH = """
SELECT i.id, i.name, i.status,
       p.last_poll_at, p.updated_since AS poll_cursor, p.last_error AS poll_error,
       p.last_error_at AS poll_error_at,
       q.queued, q.in_progress, q.oldest_queued_at, f.failed, f.needs_review,
       r.built_at AS index_built_at, r.refreshed_at AS index_refreshed_at,
       r.relations AS index_relations,
       b.paused_until AS budget_paused_until,
       coalesce(u.calls, 0) AS budget_calls_last_day
  FROM installations i
  LEFT JOIN poll_cursors p ON p.installation_id = i.id
  LEFT JOIN relation_index_state r ON r.installation_id = i.id
  LEFT JOIN informer_budgets b ON b.budget_key = i.budget_key
  LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE state = 'queued') AS queued,
               count(*) FILTER (WHERE state IN ('claimed', 'posting')) AS in_progress,
               min(priority_at) FILTER (WHERE state = 'queued') AS oldest_queued_at
          FROM order_states s
         WHERE s.installation_id = i.id AND s.state IN ('queued', 'claimed', 'posting')
       ) q ON true
  LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE state = 'failed') AS failed,
               count(*) FILTER (WHERE state = 'needs_review') AS needs_review
          FROM order_states s
         WHERE s.installation_id = i.id AND s.state IN ('failed', 'needs_review')
       ) f ON true
  LEFT JOIN LATERAL (
        SELECT sum(calls) AS calls FROM informer_budget_usage x
         WHERE x.budget_key = i.budget_key AND x.bucket_start > now() - interval '1 day'
       ) u ON true
 WHERE $1::uuid IS NULL OR i.id = $1
 ORDER BY i.name, i.id
"""


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def installation_health(
    conn: asyncpg.Connection, installation_id: Any = None
) -> list[dict[str, Any]]:
    rows = await conn.fetch(_HEALTH, installation_id)
    return [
        {
            "id": str(row["id"]),
            "name": row["name"],
            "status": row["status"],
            "poll": {
                "last_poll_at": _json(row["last_poll_at"]),
                "cursor": _json(row["poll_cursor"]),
                "error": row["poll_error"],
                "error_at": _json(row["poll_error_at"]),
            },
            "queue": {
                "queued": row["queued"],
                "in_progress": row["in_progress"],
                "oldest_queued_at": _json(row["oldest_queued_at"]),
            },
            "errors": {"failed": row["failed"], "needs_review": row["needs_review"]},
            "relation_index": {
                "built_at": _json(row["index_built_at"]),
                "refreshed_at": _json(row["index_refreshed_at"]),
                "relations": row["index_relations"],
            },
            "budget": {
                "calls_last_day": row["budget_calls_last_day"],
                "paused_until": _json(row["budget_paused_until"]),
            },
        }
        for row in rows
    ]
