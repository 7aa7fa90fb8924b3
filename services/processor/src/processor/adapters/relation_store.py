"""The e-mail → relation index and the bookkeeping of relations being created.

The index is this project's answer to Informer's relation search ignoring e-mail: all
relations are read once per installation, new ones are added as they are created,
and a nightly refresh reads what changed since. A known customer then costs no call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg


async def lookup(conn: asyncpg.Connection, installation_id: uuid.UUID, email: str) -> int | None:
    return await conn.fetchval(
        "SELECT relation_id FROM relation_index WHERE installation_id = $1 AND email = $2",
        installation_id,
        email,
    )


async def index_built_at(conn: asyncpg.Connection, installation_id: uuid.UUID) -> datetime | None:
    return await conn.fetchval(
        "SELECT built_at FROM relation_index_state WHERE installation_id = $1", installation_id
    )


async def refreshed_at(conn: asyncpg.Connection, installation_id: uuid.UUID) -> datetime | None:
    return await conn.fetchval(
        "SELECT refreshed_at FROM relation_index_state WHERE installation_id = $1",
        installation_id,
    )


async def add_entries(
    conn: asyncpg.Connection,
    installation_id: uuid.UUID,
    entries: Iterable[tuple[str, int, int | None]],
    *,
    replace: bool,
) -> None:
    """Add (email, relation id, relation number) entries. When two relations share an
    e-mail, the oldest (lowest id) wins, so the choice is stable across rebuilds."""
    rows = [(installation_id, email, rid, number) for email, rid, number in entries if email]
    if not rows:
        return
    conflict = (
        "DO UPDATE SET relation_id = EXCLUDED.relation_id, relation_number = "
        "EXCLUDED.relation_number WHERE relation_index.relation_id > EXCLUDED.relation_id"
        if replace
        else "DO NOTHING"
    )
    await conn.executemany(
        f"""INSERT INTO relation_index (installation_id, email, relation_id, relation_number)
            VALUES ($1, $2, $3, $4) ON CONFLICT (installation_id, email) {conflict}""",
        rows,
    )


async def mark_built(
    conn: asyncpg.Connection,
    installation_id: uuid.UUID,
    *,
    full: bool,
    max_relation_number: int,
) -> None:
    await conn.execute(
        """INSERT INTO relation_index_state (installation_id, built_at, refreshed_at, relations,
                                             max_relation_number)
           VALUES ($1, CASE WHEN $2 THEN clock_timestamp() END, clock_timestamp(),
                   (SELECT count(*) FROM relation_index WHERE installation_id = $1), $3)
           ON CONFLICT (installation_id) DO UPDATE
              SET built_at = CASE WHEN $2 THEN clock_timestamp()
                                  ELSE relation_index_state.built_at END,
                  refreshed_at = clock_timestamp(),
                  build_finished_at = clock_timestamp(),
                  relations = EXCLUDED.relations,
                  max_relation_number = greatest(relation_index_state.max_relation_number,
                                                 EXCLUDED.max_relation_number)""",
        installation_id,
        full,
        max_relation_number,
    )


async def build_started(conn: asyncpg.Connection, installation_id: uuid.UUID) -> None:
    await conn.execute(
        """INSERT INTO relation_index_state (installation_id, build_started_at)
           VALUES ($1, clock_timestamp())
           ON CONFLICT (installation_id) DO UPDATE
              SET build_started_at = clock_timestamp(), build_finished_at = NULL,
                  build_relations = 0, build_pages = 0, build_total_pages = NULL,
                  build_error = NULL""",
        installation_id,
    )


async def build_progress(
    conn: asyncpg.Connection,
    installation_id: uuid.UUID,
    relations: int,
    pages: int,
    total_pages: int | None,
) -> None:
    await conn.execute(
        """UPDATE relation_index_state
              SET build_relations = $2, build_pages = $3, build_total_pages = $4
            WHERE installation_id = $1""",
        installation_id,
        relations,
        pages,
        total_pages,
    )


async def build_failed(conn: asyncpg.Connection, installation_id: uuid.UUID, error: str) -> None:
    await conn.execute(
        "UPDATE relation_index_state SET build_error = $2 WHERE installation_id = $1",
        installation_id,
        error[:2000],
    )


@dataclass(frozen=True)
class RelationClaim:
    email: str
    relation_number: int
    claim_id: uuid.UUID
    relation_id: int | None
    mine: bool
    """True when this caller holds the claim (new, or taken over after a lapsed lease)."""
    taken_over: bool = False
    """Held by someone before us who may have sent the POST: search before posting."""


async def allocate_number(conn: asyncpg.Connection, installation_id: uuid.UUID) -> int:
    """A relation number no relation known to us has, unique across concurrent callers
    (one row update serialises them). Numbers lost to a conflict are simply skipped."""
    number = await conn.fetchval(
        """UPDATE relation_index_state
              SET last_allocated_number = greatest(last_allocated_number,
                                                   max_relation_number) + 1
            WHERE installation_id = $1
        RETURNING last_allocated_number""",
        installation_id,
    )
    if number is None:
        raise LookupError("the relation index of this installation was never built")
    return number


async def claim_relation(
    conn: asyncpg.Connection, installation_id: uuid.UUID, email: str, lease: timedelta
) -> RelationClaim:
    """Take the right to create the relation for ``email``, or learn who has it.

    The relation number is chosen once, on the first claim; a claim taken over after a
    lapsed lease keeps it, so a retry after any failure creates (or finds) the same
    relation.
    """
    existing = await conn.fetchrow(
        """SELECT relation_number, claim_id, relation_id, lease_until > clock_timestamp() AS held
             FROM relation_creations WHERE installation_id = $1 AND email = $2""",
        installation_id,
        email,
    )
    if existing is not None and (existing["relation_id"] is not None or existing["held"]):
        return RelationClaim(
            email, existing["relation_number"], existing["claim_id"], existing["relation_id"], False
        )
    claim_id = uuid.uuid4()
    number = (
        existing["relation_number"] if existing else await allocate_number(conn, installation_id)
    )
    row = await conn.fetchrow(
        """INSERT INTO relation_creations (installation_id, email, relation_number,
                                           claim_id, lease_until)
           VALUES ($1, $2, $3, $4, clock_timestamp() + $5::interval)
           ON CONFLICT (installation_id, email) DO UPDATE
              SET claim_id = EXCLUDED.claim_id, lease_until = EXCLUDED.lease_until
            WHERE relation_creations.relation_id IS NULL
              AND relation_creations.lease_until < clock_timestamp()
        RETURNING relation_number, relation_id, (xmax <> 0) AS taken_over""",
        installation_id,
        email,
        number,
        claim_id,
        lease,
    )
    if row is None:  # someone else claimed it between our look and our insert
        return await claim_relation(conn, installation_id, email, lease)
    return RelationClaim(
        email, row["relation_number"], claim_id, row["relation_id"], True, row["taken_over"]
    )


async def renumber(
    conn: asyncpg.Connection, installation_id: uuid.UUID, claim: RelationClaim
) -> RelationClaim:
    """The chosen number was taken in Informer by someone else: take a fresh one."""
    number = await allocate_number(conn, installation_id)
    await conn.execute(
        """UPDATE relation_creations SET relation_number = $4
            WHERE installation_id = $1 AND email = $2 AND claim_id = $3""",
        installation_id,
        claim.email,
        claim.claim_id,
        number,
    )
    return RelationClaim(claim.email, number, claim.claim_id, None, True)


async def relation_created(
    conn: asyncpg.Connection, installation_id: uuid.UUID, claim: RelationClaim, relation_id: int
) -> None:
    await conn.execute(
        """UPDATE relation_creations SET relation_id = $4
            WHERE installation_id = $1 AND email = $2 AND claim_id = $3""",
        installation_id,
        claim.email,
        claim.claim_id,
        relation_id,
    )
    await add_entries(
        conn, installation_id, [(claim.email, relation_id, claim.relation_number)], replace=False
    )


async def give_up_relation(
    conn: asyncpg.Connection, installation_id: uuid.UUID, claim: RelationClaim
) -> None:
    """Informer refused the data: forget the claim so a fixed order can try again."""
    await conn.execute(
        """DELETE FROM relation_creations
            WHERE installation_id = $1 AND email = $2 AND claim_id = $3 AND relation_id IS NULL""",
        installation_id,
        claim.email,
        claim.claim_id,
    )
