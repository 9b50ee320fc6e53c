"""What every mock shares beyond faults and contracts: config, bookkeeping, ``/_mock/`` admin.

A mock's state class subclasses :class:`MockState` and implements the four
ministry-specific methods; :func:`admin_router` then serves the admin API that
the conformance suite and the tests rely on (``docs/mocks.md``):

=========================  =====================================================
``POST /_mock/faults``     ``{"faults": [...]}`` replaces the fault set
``GET /_mock/faults``      the current fault set
``DELETE /_mock/faults``   clears the faults
``POST /_mock/reset``      clears state, faults and counters
``GET /_mock/stats``       requests, accepted, duplicates, records, contract_violations,
                           faults_injected
``GET /_mock/records/X``   the ministry-side record X, its history, ``applied``
``GET /_mock/received``    the applied writes, in order
``POST /_mock/seed``       ``{"count": n, "seed": s}`` -> ministry-filed dossiers
=========================  =====================================================
"""

from __future__ import annotations

import abc
from collections import Counter
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hub.testing.mock.contract import Violation
from hub.testing.mock.faults import Fault, FaultInjector

__all__ = ["FaultSet", "Journal", "MockConfig", "MockState", "SeedRequest", "admin_router"]


class MockConfig(BaseModel):
    """How a mock starts."""

    model_config = ConfigDict(extra="forbid")

    accept_key: str = "test-key"
    faults: list[Fault] = Field(default_factory=list)
    #: Ministry-filed dossiers created at start (synthetic, deterministic by ``seed``).
    seed_count: int = Field(default=0, ge=0)
    seed: int = 0


class FaultSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    faults: list[Fault]


class SeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=1, ge=0, le=100_000)
    seed: int = 0


class Journal:
    """Counters, applied writes and idempotency answers of one mock."""

    def __init__(self) -> None:
        self.requests = 0
        self.accepted = 0
        self.duplicates = 0
        self.violations: list[dict[str, str]] = []
        self.received: list[dict[str, Any]] = []
        self.applied: Counter[str] = Counter()
        self._answers: dict[str, dict[str, Any]] = {}

    def replay(self, key: str | None) -> dict[str, Any] | None:
        """The stored answer of an already-applied write with this key (a duplicate)."""
        if key is None or key not in self._answers:
            return None
        self.duplicates += 1
        return self._answers[key]

    def remember(self, key: str | None, answer: dict[str, Any]) -> None:
        if key is not None:
            self._answers[key] = answer

    def record_write(
        self, operation: str, ma_ho_so: str, key: str | None, status_id: str | None
    ) -> None:
        """Note one applied write (for ``/_mock/received`` and ``applied``)."""
        self.accepted += 1
        self.applied[ma_ho_so] += 1
        self.received.append(
            {
                "seq": len(self.received) + 1,
                "operation": operation,
                "ma_ho_so": ma_ho_so,
                "idempotency_key": key,
                "status_id": status_id,
            }
        )

    def violation(self, violation: Violation) -> None:
        self.violations.append(violation.as_dict())


class MockState(abc.ABC):
    """The state of one mock app (``app.state.mock``): config, journal, faults, records."""

    def __init__(self, config: MockConfig, *, busy_body: dict[str, Any] | None = None) -> None:
        self.config = config
        self.journal = Journal()
        self.faults = FaultInjector(seed=config.seed, busy_body=busy_body)
        self.faults.set(config.faults)
        self._seq_per_day: dict[date, int] = {}

    def next_ma_ho_so(self, agency: str, day: date, *, first: int = 1) -> str:
        """The next mã hồ sơ the ministry issues on ``day``: ``<agency>-<YYMMDD>-<NNNN>``,
        numbered from ``first`` per day, never twice in one mock."""
        seq = self._seq_per_day.get(day, 0) + 1
        self._seq_per_day[day] = seq
        return f"{agency}-{day:%y%m%d}-{first - 1 + seq:04d}"

    def reset(self) -> None:
        """Back to empty: no records, faults or counts (``seed_count`` is not re-applied)."""
        self.journal = Journal()
        self.faults.reset()
        self.clear_records()

    @abc.abstractmethod
    def clear_records(self) -> None:
        """Forget every ministry-side record."""

    @abc.abstractmethod
    def record_count(self) -> int:
        """How many dossiers the ministry holds."""

    @abc.abstractmethod
    def record_view(self, ma_ho_so: str) -> dict[str, Any] | None:
        """``{"record", "history", ...}`` of one dossier, or None when unknown."""

    @abc.abstractmethod
    def seed(self, count: int, seed: int) -> list[str]:
        """Create ``count`` ministry-filed dossiers; return their mã hồ sơ."""

    def stats(self) -> dict[str, Any]:
        return {
            "requests": self.journal.requests,
            "accepted": self.journal.accepted,
            "duplicates": self.journal.duplicates,
            "records": self.record_count(),
            "contract_violations": list(self.journal.violations),
            "faults_injected": dict(self.faults.injected),
        }


def admin_router(state: MockState) -> APIRouter:
    """The ``/_mock/`` routes over ``state`` (never faulted: see :mod:`hub.testing.mock.faults`)."""
    router = APIRouter(prefix="/_mock", tags=["mock admin"])

    @router.post("/faults")
    async def set_faults(body: FaultSet) -> dict[str, Any]:
        state.faults.set(body.faults)
        return {"faults": [f.model_dump() for f in state.faults.faults]}

    @router.get("/faults")
    async def get_faults() -> dict[str, Any]:
        return {"faults": [f.model_dump() for f in state.faults.faults]}

    @router.delete("/faults")
    async def clear_faults() -> dict[str, Any]:
        state.faults.clear()
        return {"faults": []}

    @router.post("/reset")
    async def reset() -> dict[str, Any]:
        state.reset()
        return {"ok": True}

    @router.get("/stats")
    async def stats() -> dict[str, Any]:
        return state.stats()

    @router.get("/records/{ma_ho_so}")
    async def record(ma_ho_so: str) -> dict[str, Any]:
        view = state.record_view(ma_ho_so)
        if view is None:
            raise HTTPException(status_code=404, detail="no such record")
        return {"ma_ho_so": ma_ho_so, **view, "applied": state.journal.applied[ma_ho_so]}

    @router.get("/received")
    async def received() -> list[dict[str, Any]]:
        return list(state.journal.received)

    @router.post("/seed")
    async def seed(body: SeedRequest) -> dict[str, Any]:
        codes = state.seed(body.count, body.seed)
        return {"ma_ho_so": codes}

    return router
