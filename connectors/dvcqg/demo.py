"""The national portal's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Every dossier the province ingests in the run, whichever scenario files it, is routed to
the mock portal (one ``[[routes]]`` rule naming no procedure) and synced with each
processing step. The portal answers some calls "busy" or with HTTP 503 (retried). One
dossier was filed on the national portal itself: the portal already holds it, so its
create is answered "đã tồn tại" and re-sent as an update. The portal's sessions all
expire while the worker runs: the connector logs in again. Once the worker has
drained, the hub reconciles the period with the portal (no difference), then the portal
loses a few dossiers and a backfill of the period (``tthc-hub dvcqg backfill``) re-sends
exactly those; run again, it finds nothing and sends nothing.

:meth:`DvcqgDemo.check` counts as lost: a dossier missing at the portal, a status or
step history that differs from the mirror's (a step missing, repeated or out of order),
a step that reached the portal before its dossier, a write applied more or less often
than its job implies, a gap the backfill left open or a dossier it sent that had none.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from hub.sdk import (
    Bilingual,
    Channel,
    DemoContext,
    DemoMock,
    DemoOptions,
    DemoScenario,
    DemoTable,
    DossierEvent,
    EventType,
    Hub,
    Period,
    Status,
    TransientError,
    sample_lifecycle,
)

from .commands import backfill
from .mapping import VN_TZ

__all__ = ["DvcqgDemo"]

#: The mock portal's test password (``MockConfig.accept_key``); never a real secret.
TEST_KEY = "test-key"
#: The NNNN of the dossier filed on the national portal (far from the other scenarios').
PORTAL_SEQ = 9999
#: Dossiers the portal loses before the backfill.
GAPS = 3
ACTOR = "demo"
WRITES = ("DongBoHoSoMC", "CapNhatTienDoHoSoMC")


def _label(vi: str, en: str) -> Bilingual:
    return Bilingual(vi, en)


class DvcqgDemo(DemoScenario):
    name = "dvcqg"

    def __init__(self) -> None:
        self.portal_filed: list[str] = []
        self.reconciled: dict[str, Any] = {}
        self.unexplained: list[str] = []
        self.gaps: list[str] = []
        self.backfilled: dict[str, Any] = {}
        self.backfill_sent: set[str] = set()
        self.rerun: dict[str, Any] = {}
        self.expected = 0
        self.at_portal = 0
        self.steps = 0
        self.calls: dict[str, Any] = {}
        self.renewals = 0
        self.updated_instead = 0

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        share = options.fault_rate / 4  # the portal is busy less often than a ministry
        faults = [{"kind": "busy", "rate": share}, {"kind": "http_503", "rate": share}]
        # The portal's writes are checked here (check): a created dossier's steps share
        # its job's idempotency key, which the generic audit would count as applied twice.
        return [DemoMock("dvcqg", faults=faults, audit=False)]

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {
            "dvcqg": {
                "base_url": mock_urls["dvcqg"],
                "username": "ubnd-tinh",
                "password": TEST_KEY,
                "dstcode": "H34",
                "madonvi": "000.00.00.H34",
                "timeout_seconds": 2.0,
                "page_size": 50,
            }
        }

    def routes(self) -> list[dict[str, Any]]:
        # No procedure named: every dossier the province ingests goes to the portal
        # (``exclude_ma_tthc`` would leave some out).
        return [{"connector": "dvcqg"}]

    async def before_drain(self, ctx: DemoContext) -> None:
        """Log in, have every session expire, then file the dossier the portal already
        holds (filed on the national portal): its create meets "đã tồn tại"."""
        url, hub = ctx.mock_url("dvcqg"), ctx.hub
        connector: Any = hub.connectors["dvcqg"]
        for _ in range(20):  # the portal is busy at times: a session first, as the worker
            try:
                await connector.national_procedures()
                break
            except TransientError:  # busy or 503: try again
                await asyncio.sleep(0.05)
        (await ctx.http.post(f"{url}/_mock/expire-sessions")).raise_for_status()
        events = _portal_filed(ctx.options.seed)
        first = events[0].snapshot
        held = {
            "ma_ho_so": first.ma_ho_so,
            "ma_tthc": first.ma_tthc_quoc_gia,
            "trang_thai": int(Status.MOI_DANG_KY),
            "updated_at": datetime.now(VN_TZ).isoformat(),
        }
        answer = await ctx.http.post(f"{url}/_mock/records", json={"records": [held]})
        answer.raise_for_status()
        self.portal_filed = [first.ma_ho_so]
        await ctx.ingest(events)

    async def after_drain(self, ctx: DemoContext) -> None:
        """Reconcile the period with the portal; plant gaps; backfill; backfill again."""
        hub, url = ctx.hub, ctx.mock_url("dvcqg")
        period = _period()
        rec = hub.reconciler()
        run_id = await rec.run("dvcqg", period, actor=ACTOR)
        self.reconciled = rec.get_run(run_id)
        # A dossier held by a dead job differs too; the hub reports it as dead, not lost.
        self.unexplained = [
            f"{f['ma_ho_so']} ({f['kind']})"
            for f in rec.findings(run_id)
            if f["action"] != "rerun_dead_job"
        ]
        self.gaps = _choose_gaps(hub, await _held_at_portal(ctx))
        for ma in self.gaps:
            (await ctx.http.post(f"{url}/_mock/forget/{ma}")).raise_for_status()
        before = len((await ctx.http.get(f"{url}/_mock/calls")).json()["calls"])
        self.backfilled = await backfill(hub, period.start, period.end)
        await _drain(hub)
        calls = (await ctx.http.get(f"{url}/_mock/calls")).json()["calls"][before:]
        self.backfill_sent = {ma for service, ma in calls if service.split(":")[0] in WRITES}
        self.rerun = await backfill(hub, period.start, period.end)
        await _drain(hub)

    async def check(self, ctx: DemoContext) -> list[str]:
        url, hub = ctx.mock_url("dvcqg"), ctx.hub
        await _drain(hub)
        self.calls = (await ctx.http.get(f"{url}/_mock/calls")).json()
        self.renewals = int(getattr(hub.connectors["dvcqg"], "session_renewals", 0))
        lost = await self._check_portal(ctx)
        lost += _check_writes(hub, (await ctx.http.get(f"{url}/_mock/received")).json())
        lost += self._check_flow()
        return lost

    async def _check_portal(self, ctx: DemoContext) -> list[str]:
        """Every ingested dossier at the portal, with the mirror's status and steps."""
        hub, url = ctx.hub, ctx.mock_url("dvcqg")
        overview = hub.store.delivery_overview()
        mine = [r for r in overview.jobs if r.connector == "dvcqg"]
        everyone = {r.ma_ho_so for r in overview.jobs}
        dead = {r.ma_ho_so for r in mine if r.state == "dead"}
        lost = [
            f"dvcqg: {ma} was never routed to the portal"
            for ma in sorted(everyone - {r.ma_ho_so for r in mine})
        ]
        wanted = sorted({r.ma_ho_so for r in mine} - dead)
        self.expected = len(wanted)
        mirror, unreadable = hub.store.current_snapshots(wanted)
        lost += [
            f"dvcqg: {ma}: the mirror cannot be read back ({why})" for ma, why in unreadable.items()
        ]
        for ma in wanted:
            view = (await ctx.http.get(f"{url}/_mock/records/{ma}")).json()
            if not view.get("record"):
                lost.append(f"dvcqg: {ma} is missing at the portal")
                continue
            dossier = mirror.get(ma)
            if dossier is None:
                continue  # unreadable: counted above
            steps = [h.get("BuocXuLy") for h in view.get("history") or []]
            self.steps += len(steps)
            if steps != [s.buoc for s in dossier.qua_trinh]:
                lost.append(f"dvcqg: {ma}: the portal's steps {steps} differ from the mirror's")
            elif view["record"].get("TrangThaiHoSo") != str(int(dossier.trang_thai)):
                lost.append(f"dvcqg: {ma}: the portal's status differs from the mirror's")
            else:
                self.at_portal += 1
        return lost

    def _check_flow(self) -> list[str]:
        """Steps after their dossier; "đã tồn tại" turned into an update; a session
        renewed; no difference; the backfill filled exactly the gaps, once."""
        lost = []
        if n := self.calls.get("steps_before_dossier"):
            lost.append(f"dvcqg: {n} step(s) reached the portal before their dossier")
        for ma in self.portal_filed:
            # A create answered "đã tồn tại", then an update (a busy portal may have
            # made the worker try the pair again).
            mine = [c[0] for c in self.calls["calls"] if c[1] == ma]
            if mine[:1] == ["DongBoHoSoMC:False"] and "DongBoHoSoMC:True" in mine:
                self.updated_instead += 1
            else:
                lost.append(f"dvcqg: {ma}: 'đã tồn tại' was not turned into an update ({mine})")
        if self.renewals < 1:
            lost.append("dvcqg: the expired session was not renewed")
        if self.unexplained or self.reconciled.get("in_flight"):
            lost.append(f"dvcqg: reconciliation found differences: {self.unexplained}")
        if self.backfill_sent != set(self.gaps) or len(self.gaps) != GAPS:
            lost.append(
                f"dvcqg: the backfill re-sent {sorted(self.backfill_sent)}, "
                f"the planted gaps were {self.gaps}"
            )
        if (self.backfilled.get("counts") or {}).get("enqueued") != len(self.gaps):
            lost.append(f"dvcqg: the backfill enqueued {self.backfilled.get('counts')}")
        if (self.rerun.get("counts") or {}).get("enqueued"):
            lost.append(f"dvcqg: the backfill run again sent {self.rerun.get('counts')}")
        return lost

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        dead = ctx.hub.store.dead_job_errors("dvcqg")
        run = self.reconciled
        rows: list[tuple[Bilingual, int | str]] = [
            (_label("Hồ sơ tỉnh đồng bộ lên Cổng", "Province dossiers synced to the portal"),
             self.expected),
            (_label("Có trên Cổng, đủ các bước, đúng thứ tự",
                    "At the portal with every step, in order"), self.at_portal),
            (_label("Bước xử lý trên Cổng", "Processing steps at the portal"), self.steps),
            (_label("'Đã tồn tại' chuyển thành cập nhật",
                    "'Already exists' turned into an update"),
             self.updated_instead),
            (_label("Phiên hết hạn, đã đăng nhập lại", "Expired sessions renewed"),
             self.renewals),
            (_label("Đối soát kỳ với Cổng: chênh lệch",
                    "Reconciliation with the portal: differences"), _differences(run)),
            (_label("Đồng bộ bù: hồ sơ Cổng bị mất", "Backfill: dossiers the portal lost"),
             len(self.gaps)),
            (_label("Đồng bộ bù: đã gửi lại", "Backfill: re-sent"), len(self.backfill_sent)),
            (_label("Đồng bộ bù lần hai: gửi thêm", "Backfill run again: sent"),
             int((self.rerun.get("counts") or {}).get("enqueued", 0))),
            (_label("Lỗi, cần xử lý", "Dead (need an operator)"), len(dead)),
        ]  # fmt: skip
        matched = _label("khớp", "matched")
        notes = [
            f"  {_label('Kỳ', 'Period')} {run.get('period_start')}..{run.get('period_end')}: "
            f"{_label('tỉnh', 'province')} {run.get('province_count')}, "
            f"{_label('Cổng', 'portal')} {run.get('remote_count')}, "
            f"{matched} {run.get('matched')}"
        ]
        notes += [f"  {reason}" for reason in dead]
        title = _label("Cổng Dịch vụ công quốc gia (DVCQG)", "National public-service portal")
        return [DemoTable(title, rows, notes)]


def _portal_filed(seed: int) -> list[DossierEvent]:
    """The events of a dossier filed online on the national portal, then received."""
    events = sample_lifecycle(f"{seed}:dvcqg", seq=PORTAL_SEQ)
    return [
        e.model_copy(
            update={"snapshot": e.snapshot.model_copy(update={"kenh": Channel.TRUC_TUYEN})}
        )
        for e in events
    ]


def _period() -> Period:
    """Yesterday and today (province time): every dossier of the run changed in it."""
    today = datetime.now(VN_TZ).date()
    return Period(today - timedelta(days=1), today)


async def _held_at_portal(ctx: DemoContext) -> list[str]:
    """What the portal lists for the period (``LayDanhSachHoSo``, through the connector)."""
    return [r.ma_ho_so async for r in ctx.hub.connectors["dvcqg"].list_remote(_period())]


def _choose_gaps(hub: Hub, held: list[str]) -> list[str]:
    """``GAPS`` dossiers spread over the portal's, each with every job succeeded."""
    jobs = [r for r in hub.store.delivery_overview().jobs if r.connector == "dvcqg"]
    unsettled = {r.ma_ho_so for r in jobs if r.state != "succeeded"}
    candidates = sorted(set(held) & {r.ma_ho_so for r in jobs} - unsettled)
    if not candidates:
        return []
    step = max(1, len(candidates) // GAPS)
    return candidates[::step][:GAPS]


async def _drain(hub: Hub, timeout: float = 60) -> None:
    """Wait until the worker can move nothing more (what check() then finds unsent is lost)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while hub.store.has_unfinished_jobs() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)


def _differences(run: Mapping[str, Any]) -> int:
    return sum(int(v) for v in (run.get("counts") or {}).values())


def _check_writes(hub: Hub, received: list[dict[str, Any]]) -> list[str]:
    """Each succeeded job's writes at the portal, as often as its event implies: a step
    event one ``CapNhatTienDoHoSoMC``; any other event one ``DongBoHoSoMC`` and, when it
    created the dossier there, one ``CapNhatTienDoHoSoMC`` per step of its history."""
    applied: Counter[tuple[str, str]] = Counter(
        (r["operation"], r["idempotency_key"]) for r in received if r.get("idempotency_key")
    )
    jobs = [
        r
        for r in hub.store.delivery_overview().jobs
        if r.connector == "dvcqg" and r.state == "succeeded"
    ]
    events = hub.store.load_events(r.event_id for r in jobs)
    lost = []
    for job in jobs:
        event = events[job.event_id]
        syncs = applied[("DongBoHoSoMC", job.idempotency_key)]
        steps = applied[("CapNhatTienDoHoSoMC", job.idempotency_key)]
        if event.type is EventType.PROGRESS and event.snapshot.qua_trinh:
            ok = (syncs, steps) == (0, 1)
        else:
            ok = syncs == 1 and steps in (0, len(event.snapshot.qua_trinh))
        if not ok:
            lost.append(
                f"dvcqg: {job.ma_ho_so} event {event.type.value}: applied "
                f"DongBoHoSoMC {syncs}x, CapNhatTienDoHoSoMC {steps}x"
            )
    return lost
