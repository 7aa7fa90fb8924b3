"""What one order costs, measured in ways that survive a shared, noisy machine.

Throughput on two shared cores swings with whatever else runs; the work an order
causes does not. So besides orders/s the benchmark reports:

* CPU seconds per order, summed over every process involved: our services, the
  Informer sandbox, the load generator (this process), the PostgreSQL backends of the
  benchmark's database, and, shared with anything else on the machine, PostgreSQL's
  background processes and RabbitMQ's ``beam.smp``. Read from ``/proc/<pid>/stat``
  while the processes live. ``cores / cpu_s_per_order`` is the machine's ceiling.
* Database work per order from PostgreSQL's own counters for the database
  (transactions, rows inserted / updated / HOT-updated / deleted per table; outbox
  inserts are AMQP messages published), read after the services stopped, when every
  backend has flushed its statistics.
* Statements per order (``--count-statements``): each service runs under
  ``bench/launch.py``, which counts asyncpg round trips by statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

TICK = os.sysconf("SC_CLK_TCK")
BENCH_APPLICATION = "k2i-bench"


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of one process, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def beam_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "beam.smp":
                    pids.append(int(entry.name))
    return pids


@dataclass
class CpuMeter:
    """CPU used by each process group between ``start`` and ``stop``."""

    db: asyncpg.Pool
    services: dict[str, int]
    interval: float = 0.5
    _first: dict[int, float] = field(default_factory=dict)
    _last: dict[int, float] = field(default_factory=dict)
    _group: dict[int, str] = field(default_factory=dict)
    _self_start: float = 0.0
    _task: asyncio.Task[None] | None = None

    async def _discover(self) -> dict[int, str]:
        groups = {pid: name for name, pid in self.services.items()}
        rows = await self.db.fetch(
            """SELECT pid, datname IS NULL AS shared, application_name = $1 AS ours
                 FROM pg_stat_activity
                WHERE datname = current_database() OR datname IS NULL""",
            BENCH_APPLICATION,
        )
        for row in rows:
            groups[row["pid"]] = (
                "loadgen" if row["ours"] else "postgres-shared" if row["shared"] else "postgres"
            )
        groups.update(dict.fromkeys(beam_pids(), "rabbitmq-shared"))
        return groups

    async def _sample(self, initial: bool) -> None:
        for pid, group in (await self._discover()).items():
            used = cpu_seconds(pid)
            if used is None:
                continue
            if pid not in self._group:
                self._group[pid] = group
                self._first[pid] = used if initial else 0.0
            self._last[pid] = used

    async def start(self) -> None:
        self._first.clear()
        self._last.clear()
        self._group.clear()
        self._self_start = _own_cpu()
        await self._sample(initial=True)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._sample(initial=False)

    async def stop(self) -> dict[str, float]:
        """CPU seconds by group since ``start``."""
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._sample(initial=False)
        used: Counter[str] = Counter()
        for pid, group in self._group.items():
            used[group] += self._last[pid] - self._first[pid]
        used["loadgen"] += _own_cpu() - self._self_start
        return {group: round(seconds, 3) for group, seconds in sorted(used.items())}


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def per_order_ms(cpu: dict[str, float], orders: int) -> dict[str, float]:
    result = {group: round(seconds * 1000 / orders, 3) for group, seconds in cpu.items()}
    result["total"] = round(sum(cpu.values()) * 1000 / orders, 3)
    return result


async def database_work(conn: asyncpg.Connection) -> dict[str, object]:
    """The database's own counters for this database since it was created."""
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    xacts = await conn.fetchval(
        """SELECT xact_commit + xact_rollback FROM pg_stat_database
            WHERE datname = current_database()"""
    )
    tables = await conn.fetch(
        """SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del
             FROM pg_stat_user_tables
            WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY relname"""
    )
    return {
        "transactions": xacts,
        "tables": {
            r["relname"]: {
                "ins": r["n_tup_ins"],
                "upd": r["n_tup_upd"],
                "hot_upd": r["n_tup_hot_upd"],
                "del": r["n_tup_del"],
            }
            for r in tables
        },
    }


def statement_counts(directory: Path) -> dict[str, Counter[str]]:
    """Statements by service, as written by ``bench/launch.py`` at exit."""
    import json

    counts: dict[str, Counter[str]] = {}
    for path in sorted(directory.glob("statements-*.json")):
        counts[path.stem.removeprefix("statements-")] = Counter(json.loads(path.read_text()))
    return counts


def statement_label(sql: str) -> str:
    return " ".join(sql.split())[:90]
