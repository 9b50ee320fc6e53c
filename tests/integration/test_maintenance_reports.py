"""Every writer of the hot tables (jobs, events, dossiers) reports what it wrote to the
maintenance guards, not ingest alone: the worker's round trips, an operator's re-run,
skip or cancel (one job or a task of many), a pull into the inbox and the mirror, the
deadline watch, a paid notice and retention's deletions (a reconciliation's re-sends:
test_reconcile.py). On PostgreSQL the guards ANALYZE and VACUUM after
enough rows (test_statistics_guard.py, test_vacuum_guard.py); here counting guards
stand in for them, on both databases, so each count is exact."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hub.connector import PulledDossier
from hub.models import Status
from hub.service import Hub
from hub.settings import HubSettings, RouteRule
from hub.store.base import utcnow
from hub.store.operations import JobFilter

from .recording import RecordingConnector
from .test_deadlines import AT_RISK, event
from .test_vacuum_guard import Counting


def counted(hub: Hub) -> tuple[Counting, Counting]:
    stats, vacuum = Counting(), Counting()
    hub.store.statistics_guard = stats  # type: ignore[assignment]
    hub.store.vacuum_guard = vacuum  # type: ignore[assignment]
    return stats, vacuum


def delta(guards: tuple[Counting, Counting], action: Callable[[], object]) -> tuple[int, int]:
    """Rows reported to (statistics, vacuum) while ``action`` ran."""
    before = (guards[0].rows, guards[1].rows)
    action()
    return guards[0].rows - before[0], guards[1].rows - before[1]


def test_every_writer_of_the_hot_tables_reports(build_hub, db_url: str) -> None:  # type: ignore[no-untyped-def]
    settings = HubSettings(database_url=db_url, routes=[RouteRule(connector="rec")])
    hub = build_hub(settings, connectors={"rec": RecordingConnector()})
    guards = counted(hub)
    store, targets = hub.store, hub.router.targets

    # Ingest: per event its row and one job inserted, its mirror row written.
    first = [event(n, 1, Status.DUOC_TIEP_NHAN) for n in range(1, 6)]
    assert delta(guards, lambda: store.ingest(first, targets)) == (15, 5)
    assert delta(guards, lambda: store.ingest(first, targets)) == (0, 0), "repeats wrote nothing"

    # The worker: each job's row rewritten when claimed and when its outcome is written.
    stats, vacuum = delta(guards, lambda: asyncio.run(hub.worker.run_until_idle()))
    assert stats == vacuum >= 10

    # An operator cancels one pending job, then a task skips the other four.
    later = [event(n, 2) for n in range(1, 6)]
    store.ingest(later, targets)
    pending = sorted(j["id"] for j in store.list_jobs(state="pending"))
    assert len(pending) == 5
    cancel = lambda: store.act_on_job("cancel", pending[0], actor="ops", reason="test")  # noqa: E731
    assert delta(guards, cancel) == (1, 1)
    assert delta(guards, cancel) == (0, 0), "refused: the job is no longer pending"

    def skip_the_rest() -> None:
        op_id = store.create_task("skip", JobFilter(state="pending"), actor="ops", reason="test")
        assert store.claim_task("ops-runner") == op_id
        assert store.run_task(op_id, "ops-runner", chunk=3)["applied"] == 4

    assert delta(guards, skip_the_rest) == (4, 4)

    # A pull: new dossiers inserted into the mirror; a changed one rewrites its row.
    pulled = [PulledDossier(remote_id=f"R{n}", dossier=event(n, 1).snapshot) for n in (21, 22)]
    assert delta(guards, lambda: store.store_pulled("rec", pulled, "c1")) == (2, 0)
    assert delta(guards, lambda: store.store_pulled("rec", pulled, "c2")) == (0, 0), "unchanged"
    moved = event(21, 1).snapshot.model_copy(update={"trang_thai": Status.YEU_CAU_BO_SUNG})
    again = [PulledDossier(remote_id="R21", dossier=moved)]
    assert delta(guards, lambda: store.store_pulled("rec", again, "c3")) == (1, 1)

    # The deadline watch: each dossier it moves to "at risk" has its mirror row rewritten.
    fired = []
    stats, vacuum = delta(guards, lambda: fired.extend(hub.deadlines.run(now=AT_RISK)))
    assert fired and stats == vacuum == len(fired)
    assert delta(guards, lambda: hub.deadlines.run(now=AT_RISK + timedelta(hours=1))) == (0, 0)

    # A paid notice: its dossier's mirror row rewritten (the new ngày hẹn trả), once.
    store.record_payment_request(
        {
            "ma_tham_chieu": "TT-1",
            "connector": "rec",
            "ma_ho_so": first[0].ma_ho_so,
            "so_tien": 50_000,
            "fees": [],
            "state": "pending",
            "requested_at": utcnow(),
        },
        {},
    )

    Values = dict[str, Any]

    def plan(tx: Values, mirror: Values | None) -> tuple[Values, Values, Values]:
        assert mirror is not None
        return {"state": "paid"}, {"ngay_hen_tra": utcnow() + timedelta(days=3)}, {}

    notice = lambda: store.apply_payment_notice("rec", "TT-1", "{}", plan)  # noqa: E731
    assert delta(guards, notice) == (1, 1)
    assert delta(guards, notice) == (0, 0), "a duplicate notice changes nothing"

    # Retention: every job and event it deletes leaves a dead row behind.
    later_than_all = utcnow() + timedelta(days=1)
    culled: dict[str, int] = {}

    def cull() -> None:
        culled.update(store.cull(finished_before=later_than_all, excerpts_before=later_than_all))

    stats, vacuum = delta(guards, cull)
    assert culled["jobs"] > 0 and culled["events"] > 0
    assert stats == vacuum == culled["jobs"] + culled["events"]
    assert delta(guards, cull) == (0, 0), "nothing left to cull"
