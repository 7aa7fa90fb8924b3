"""Switches that make the sandbox misbehave the way a real network and API do."""

from dataclasses import dataclass, field
from typing import Any

SERVER_ERRORS = (500, 502, 503)


@dataclass
class ErrorFault:
    """The next `remaining` matching calls answer `status` and change nothing."""

    status: int
    remaining: int
    method: str | None = None
    path_prefix: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


@dataclass
class LatencyFault:
    """Delay matching calls by `seconds`; `remaining` None means every call."""

    seconds: float
    remaining: int | None = None
    method: str | None = None
    path_prefix: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


@dataclass
class Faults:
    errors: list[ErrorFault] = field(default_factory=list)
    latencies: list[LatencyFault] = field(default_factory=list)
    lost_invoices: int = 0
    lost_relations: int = 0

    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> None:
        if status not in SERVER_ERRORS:
            raise ValueError(f"status must be one of {SERVER_ERRORS}")
        if count < 1:
            raise ValueError("count must be at least 1")
        self.errors.append(ErrorFault(status, count, method and method.upper(), path_prefix))

    def add_latency(
        self,
        seconds: float,
        count: int | None = None,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> None:
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self.latencies.append(LatencyFault(seconds, count, method and method.upper(), path_prefix))

    def lose_next(self, count: int = 1, *, relations: bool = False) -> None:
        """The next `count` POST /invoices/sales (or POST /relations) are stored and
        then the connection is dropped without an answer."""
        if count < 1:
            raise ValueError("count must be at least 1")
        if relations:
            self.lost_relations += count
        else:
            self.lost_invoices += count

    def take_error(self, method: str, path: str) -> int | None:
        for fault in self.errors:
            if fault.matches(method, path):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.errors.remove(fault)
                return fault.status
        return None

    def take_latency(self, method: str, path: str) -> float:
        total = 0.0
        for fault in list(self.latencies):
            if fault.matches(method, path):
                total += fault.seconds
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.latencies.remove(fault)
        return total

    def take_lost(self, kind: str) -> bool:
        if kind == "invoice" and self.lost_invoices > 0:
            self.lost_invoices -= 1
            return True
        if kind == "relation" and self.lost_relations > 0:
            self.lost_relations -= 1
            return True
        return False

    def clear(self) -> None:
        self.errors.clear()
        self.latencies.clear()
        self.lost_invoices = 0
        self.lost_relations = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "errors": [vars(f).copy() for f in self.errors],
            "latencies": [vars(f).copy() for f in self.latencies],
            "lost_invoices": self.lost_invoices,
            "lost_relations": self.lost_relations,
        }
