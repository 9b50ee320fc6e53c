"""What every mock shares beyond faults and contracts: config, bookkeeping, ``/_mock/`` admin.

A mock's state class subclasses :class:`MockState` and implements the four
ministry-specific abstract methods (and :meth:`MockState.put_record` for the
conformance suite's FETCH and LIST checks); :func:`admin_router` then serves the admin API that
the conformance suite and the tests rely on (``docs/mocks.md``):

=============================  =====================================================
``POST /_mock/faults``         ``{"faults": [...]}`` replaces the fault set
``GET /_mock/faults``          the current fault set
``DELETE /_mock/faults``       clears the faults
``POST /_mock/reset``          clears state, faults, counters and a changed key
``GET /_mock/stats``           requests, accepted, duplicates, records, contract_violations,
                               faults_injected
``GET /_mock/records/X``       the ministry-side record X, its history, ``applied``
``GET /_mock/received``        the applied writes, in order
``POST /_mock/seed``           ``{"count": n, "seed": s}`` -> ministry-filed dossiers
``POST /_mock/records``        ``{"records": [SeedRecord, ...]}``: records with a known status,
                               history and date (:meth:`MockState.put_record`)
``POST /_mock/credentials``    ``{"accept_key": k}``: the key the mock accepts until reset
=============================  =====================================================
"""

from __future__ import annotations

import abc
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hub.models import Status
from hub.testing.mock.contract import Violation
from hub.testing.mock.faults import BusyReply, Fault, FaultInjector

__all__ = [
    "FaultSet",
    "Journal",
    "MockConfig",
    "MockState",
    "SeedRecord",
    "SeedRecords",
    "SeedRequest",
    "SeedStep",
    "UnsupportedRecord",
    "admin_router",
    "vn_wall_time",
]

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


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


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept_key: str = Field(min_length=1)


class SeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=1, ge=0, le=100_000)
    seed: int = 0


def vn_wall_time(value: datetime) -> datetime:
    """``value`` as naive Vietnam wall-clock time (a naive value is taken as such already)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(VN_TZ).replace(tzinfo=None)


class SeedStep(BaseModel):
    """One process step of a seeded record, in the hub's canonical terms."""

    model_config = ConfigDict(extra="forbid")

    buoc: str = Field(min_length=1, max_length=300)
    trang_thai: Status
    noi_dung: str | None = Field(default=None, max_length=2000)
    nguoi_xu_ly: str | None = Field(default=None, max_length=200)
    phong_ban: str | None = Field(default=None, max_length=300)
    bat_dau: datetime  #: naive = Vietnam wall-clock time
    ket_thuc: datetime | None = None


class SeedRecord(BaseModel):
    """A ministry-side record with a known status, history and date of last change.

    The mock writes it in its own wire terms (status codes, date formats), so a
    connector that reads it back must map it to exactly these canonical values.
    """

    model_config = ConfigDict(extra="forbid")

    ma_ho_so: str = Field(min_length=1, max_length=50)
    #: The procedure code; None = one the mock knows.
    ma_tthc: str | None = Field(default=None, max_length=50)
    trang_thai: Status
    #: When the record last changed: the listing by period goes by this day.
    updated_at: datetime
    history: list[SeedStep] = Field(default_factory=list, max_length=100)


class SeedRecords(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[SeedRecord] = Field(max_length=10_000)


class UnsupportedRecord(ValueError):
    """The ministry cannot hold this record (e.g. a status it has no code for): HTTP 422."""


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

    def __init__(
        self, config: MockConfig, *, busy_body: dict[str, Any] | BusyReply | None = None
    ) -> None:
        self.config = config
        self.journal = Journal()
        self.faults = FaultInjector(seed=config.seed, busy_body=busy_body)
        self.faults.set(config.faults)
        self._seq_per_day: dict[date, int] = {}
        self._accept_key = config.accept_key  # POST /_mock/credentials changes it until reset

    def next_ma_ho_so(self, agency: str, day: date, *, first: int = 1) -> str:
        """The next mã hồ sơ the ministry issues on ``day``: ``<agency>-<YYMMDD>-<NNNN>``,
        numbered from ``first`` per day, never twice in one mock."""
        seq = self._seq_per_day.get(day, 0) + 1
        self._seq_per_day[day] = seq
        return f"{agency}-{day:%y%m%d}-{first - 1 + seq:04d}"

    def reset(self) -> None:
        """Back to empty: no records, faults or counts, the configured key (``seed_count``
        is not re-applied)."""
        self.config.accept_key = self._accept_key
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

    def put_record(self, record: SeedRecord) -> None:
        """Hold ``record`` (replacing one with the same mã hồ sơ) as the ministry would.

        Write its status, history and ``updated_at`` in the ministry's own codes and
        formats, so that a lookup answers them and a listing of a period holding
        ``updated_at`` includes it. Raise :class:`UnsupportedRecord` for what the
        ministry cannot express. The conformance suite's FETCH and LIST checks
        seed their data through this (``POST /_mock/records``); a mock that does
        not implement it answers 501 and those checks fail, saying so.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement put_record")

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

    @router.post("/credentials")
    async def credentials(body: Credentials) -> dict[str, Any]:
        state.config.accept_key = body.accept_key
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

    @router.post("/records")
    async def put_records(body: SeedRecords) -> dict[str, Any]:
        for n, record in enumerate(body.records):
            try:
                state.put_record(record)
            except NotImplementedError as exc:
                raise HTTPException(status_code=501, detail=str(exc)) from None
            except UnsupportedRecord as exc:
                raise HTTPException(status_code=422, detail=f"records.{n}: {exc}") from None
        return {"ma_ho_so": [record.ma_ho_so for record in body.records]}

    return router
