"""The circuit breaker: a ministry that is down is not hammered, waiting jobs keep their
attempts, one probe at a time finds it back, and everything is then delivered."""

from __future__ import annotations

import asyncio
from collections import Counter

import sqlalchemy as sa

from hub.connector import PushResult
from hub.models import Dossier, DossierEvent
from hub.service import Hub
from hub.settings import CircuitSettings, HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.store.tables import attempts
from hub.testing.samples import sample_batch

from .recording import RecordingConnector, transient


class FlakyMinistry(RecordingConnector):
    """Answers 503 to everything while ``down``."""

    def __init__(self) -> None:
        super().__init__("bo")
        self.down = True
        self.calls = 0

    async def push(self, event: DossierEvent, dossier: Dossier) -> PushResult:
        self.calls += 1
        if self.down:
            await asyncio.sleep(0.01)
            raise transient()
        return await super().push(event, dossier)


def test_breaker_opens_probes_and_closes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bo = FlakyMinistry()
    settings = HubSettings(
        database_url=f"sqlite:///{tmp_path / 'c.db'}",
        worker=WorkerSettings(
            concurrency=4,
            poll_seconds=0.01,
            retry=RetrySettings(
                initial_seconds=0.01, max_seconds=0.02, jitter_seconds=0, max_attempts=50
            ),
            circuit=CircuitSettings(failure_threshold=3, open_seconds=0.2, max_open_seconds=0.4),
        ),
        routes=[RouteRule(connector="bo")],
    )
    hub = Hub(settings, connectors={"bo": bo})
    events = [lc[0] for lc in sample_batch(20, seed="circuit")]
    hub.store.ingest(events, hub.router.targets)

    async def scenario() -> tuple[int, str, int]:
        stop = asyncio.Event()
        task = asyncio.create_task(hub.worker.run(stop))
        await asyncio.sleep(1.0)
        calls_while_down = bo.calls
        state_while_down = hub.worker.circuits["bo"].state
        bo.down = False  # the ministry is back; the next probe finds it
        for _ in range(200):
            if len(bo.sent) == 20:
                break
            await asyncio.sleep(0.02)
        stop.set()
        await task
        return calls_while_down, state_while_down, len(bo.sent)

    calls_while_down, state_while_down, delivered = asyncio.run(scenario())
    # Without the breaker each of the 20 jobs would retry every ~20 ms: hundreds of calls.
    # With it: the first burst (at most the concurrency) and a probe per pause.
    assert calls_while_down <= 4 + 6, calls_while_down
    assert state_while_down in ("open", "half_open")
    assert delivered == 20
    assert hub.worker.circuits["bo"].state == "closed"
    with hub.engine.connect() as conn:
        per_job = Counter(conn.execute(sa.select(attempts.c.job_id)).scalars())
    # Waiting jobs did not burn their attempts while the circuit was open.
    assert max(per_job.values()) <= 4
    hub.engine.dispose()
