"""``python bench/launch.py MODULE``: run a service with its SQL round trips counted.

Used by ``bench/run.py --count-statements``. Every pooled asyncpg connection gets a
query logger; at exit the counts by statement go to
``$BENCH_STATEMENTS_DIR/statements-$BENCH_SERVICE.json``. Production code is untouched.
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg

import common.db.pool as pool_module

counts: Counter[str] = Counter()
original_init = pool_module._init_connection


async def counting_init(conn: asyncpg.Connection) -> None:
    await original_init(conn)
    conn.add_query_logger(lambda record: counts.update([record.query]))


def write_counts() -> None:
    path = Path(os.environ["BENCH_STATEMENTS_DIR"]) / f"statements-{os.environ['BENCH_SERVICE']}"
    path.with_suffix(".json").write_text(json.dumps(counts))


def main(argv: list[str]) -> Any:
    pool_module._init_connection = counting_init  # type: ignore[assignment]
    atexit.register(write_counts)
    sys.argv = [argv[0], *argv[1:]]
    return runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
