"""Bộ Xây dựng's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Construction-permit and planning-information dossiers processed at the province, each
synced to its national system step by step (received, processing, processed, returned),
permits with their signed file; both systems answer some calls with 503, and the permit
system once answers an upload with a body that is not JSON (the upload applied: the
re-send must not write it twice). Staff then correct one permit (số tầng, a re-signed
file): the ministry's one permit is updated in place. One permit lacks số tầng: refused
before anything is sent, the field named. After the worker drains, the hub looks a
dossier up by mã hồ sơ at each system and reconciles against both
(``ctx.hub.reconciler()``, as ``tthc-hub reconcile`` does).

:meth:`XaydungDemo.check` counts as lost a permit or planning dossier missing at its
system, a permit whose file there does not hash to what the province sent, a permit
write applied twice, and any reconciliation difference but the refused dossier's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from hub.sdk import (
    Bilingual,
    DemoContext,
    DemoMock,
    DemoOptions,
    DemoScenario,
    DemoTable,
    DossierEvent,
    EventType,
    RemoteDossier,
)

from .samples import (
    CAPPHEP_CODES,
    QUYHOACH_CODES,
    construction_lifecycle,
    corrected_permit,
    without_permit_field,
)

__all__ = ["XaydungDemo"]

CAPPHEP, QUYHOACH = "xaydung_capphep", "xaydung_quyhoach"
#: The NNNN of the demo's mã hồ sơ, clear of the other scenarios' sample dossiers.
FIRST_SEQ = {"capphep": 5001, "quyhoach": 5101, "refused": 5201}
#: The permit field the refused dossier lacks.
MISSING = "so_tang"
TITLE = Bilingual("Xây dựng (Bộ Xây dựng)", "Construction (Ministry of Construction)")
#: The summary's rows counting what was synced, step by step.
STEPS = {
    EventType.RECEIVED: Bilingual("Đã đồng bộ: tiếp nhận", "Synced: received"),
    EventType.PROGRESS: Bilingual("Đã đồng bộ: bước xử lý", "Synced: process steps"),
    EventType.RESULT: Bilingual("Đã đồng bộ: kết quả", "Synced: results"),
    EventType.PERMIT_RECORDED: Bilingual(
        "Đã đồng bộ: ghi nhận giấy phép", "Synced: permits recorded"
    ),
    EventType.RETURNED: Bilingual("Đã đồng bộ: trả kết quả", "Synced: returned"),
}


class XaydungDemo(DemoScenario):
    name = "xaydung"

    def __init__(self) -> None:
        #: mã hồ sơ -> the permit the province last recorded (extra["giay_phep"]).
        self.permits: dict[str, dict[str, Any]] = {}
        self.planning: list[str] = []
        self.refused = ""
        #: The permit dossier staff correct, and its last event (returned) to correct.
        self.corrected = ""
        self._to_correct: DossierEvent | None = None
        #: mã hồ sơ -> the mock's record (GET /_mock/records), after the drain.
        self.held: dict[str, dict[str, Any] | None] = {}
        #: (mã hồ sơ, Idempotency-Key) -> how many times the permit system applied it.
        self.permit_writes: Counter[tuple[str, str]] = Counter()
        self.lookups: dict[str, RemoteDossier | None] = {}
        #: connector -> (its reconciliation run, its findings).
        self.reconciled: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        busy = {"kind": "http_503", "rate": options.fault_rate}
        # Applied, but the answer lost: the hub re-sends, the mock must not write it twice.
        garbled = {"kind": "malformed", "count": 1, "paths": ["/api/DongBoGiayPhep"]}
        return [DemoMock(CAPPHEP, faults=[garbled, busy]), DemoMock(QUYHOACH, faults=[busy])]

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {
            name: {"base_url": mock_urls[name], "api_key": "test-key", "timeout_seconds": 2.0}
            for name in (CAPPHEP, QUYHOACH)
        }

    def routes(self) -> list[dict[str, Any]]:
        return [
            {"connector": CAPPHEP, "ma_tthc": list(CAPPHEP_CODES)},
            {"connector": QUYHOACH, "ma_tthc": list(QUYHOACH_CODES)},
        ]

    def events(self, options: DemoOptions) -> list[dict[str, Any]]:
        """Permit and planning dossiers (about one in ten and one in twenty of
        ``--dossiers``), and a permit dossier whose permit lacks số tầng."""
        seed = options.seed
        lifecycles = [
            construction_lifecycle(f"{seed}:{n}", "capphep", seq=FIRST_SEQ["capphep"] + n)
            for n in range(max(2, options.dossiers // 10))
        ]
        planning = [
            construction_lifecycle(f"{seed}:{n}", "quyhoach", seq=FIRST_SEQ["quyhoach"] + n)
            for n in range(max(1, options.dossiers // 20))
        ]
        refused = construction_lifecycle(f"{seed}:thieu", "capphep", seq=FIRST_SEQ["refused"])
        self.refused = refused[0].ma_ho_so
        self._to_correct = lifecycles[0][-1]
        for events in lifecycles:
            self.permits[events[-1].ma_ho_so] = events[-1].snapshot.extra["giay_phep"]
        self.planning = [events[0].ma_ho_so for events in planning]
        out = [e for events in [*lifecycles, *planning] for e in events]
        out += [without_permit_field(e, MISSING) for e in refused]
        return [e.model_dump(mode="json", exclude={"sequence"}) for e in out]

    async def before_drain(self, ctx: DemoContext) -> None:
        """Staff correct the first permit once it is returned: one floor more, the file
        signed again (the hub sends it after the dossier's earlier events)."""
        last = self._to_correct
        assert last is not None, "events() ran first"
        code = last.ma_ho_so
        fix = corrected_permit(last, so_tang=int(self.permits[code]["so_tang"]) + 1)
        self.corrected, self.permits[code] = code, fix.snapshot.extra["giay_phep"]
        await ctx.ingest([fix])

    async def after_drain(self, ctx: DemoContext) -> None:
        """What each system holds (the mocks' admin API), a lookup by mã hồ sơ at each
        (the connector's FETCH, as ``GET /api/v1/lookup`` does), a reconciliation run
        against each."""
        for name, codes in ((CAPPHEP, [*self.permits, self.refused]), (QUYHOACH, self.planning)):
            url = ctx.mock_url(name)
            for code in codes:
                answer = await ctx.http.get(f"{url}/_mock/records/{code}")
                self.held[code] = answer.json() if answer.status_code == 200 else None
        received = (await ctx.http.get(f"{ctx.mock_url(CAPPHEP)}/_mock/received")).json()
        self.permit_writes = Counter(
            (w["ma_ho_so"], w["idempotency_key"])
            for w in received
            if w["operation"] == "DongBoGiayPhep"
        )
        # In this event loop, the worker's: the hub's API serves from its own thread, and a
        # connector's pooled client belongs to one loop.
        for name, code in ((CAPPHEP, self.corrected), (QUYHOACH, self.planning[0])):
            self.lookups[name] = await ctx.hub.connectors[name].fetch(code)
        rec = ctx.hub.reconciler()
        for name in (CAPPHEP, QUYHOACH):
            run_id = await rec.run(name, actor="demo")
            self.reconciled[name] = (rec.get_run(run_id), list(rec.findings(run_id)))

    async def check(self, ctx: DemoContext) -> list[str]:
        lost = []
        for code, sent in self.permits.items():
            held = self.held.get(code) or {}
            permit = held.get("permit")
            if permit is None:
                lost.append(f"{CAPPHEP}: the permit of {code} is missing at the ministry")
                continue
            sha = sent["tep"]["sha256"]
            if not permit["Sha256"] == held["permit_file_sha256"] == sha:
                lost.append(f"{CAPPHEP}: the permit file of {code} does not match its hash")
            keys = [n for (ma, _key), n in self.permit_writes.items() if ma == code]
            if any(n != 1 for n in keys) or permit["PhienBan"] != len(keys):
                lost.append(f"{CAPPHEP}: a permit write of {code} was applied twice")
        for code in self.planning:
            if self.held.get(code) is None:
                lost.append(f"{QUYHOACH}: {code} is missing at the ministry")
        for name, (run, findings) in self.reconciled.items():
            if run["state"] != "done":
                lost.append(f"{name}: reconciliation did not finish: {run.get('error')}")
            lost += [
                f"{name}: reconciliation found {f['kind']} for {f['ma_ho_so']}"
                for f in findings
                if f["ma_ho_so"] != self.refused
            ]
        return lost

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        rows = ctx.hub.store.jobs_with_event_type(CAPPHEP) + ctx.hub.store.jobs_with_event_type(
            QUYHOACH
        )
        done = Counter(r.type for r in rows if r.state == "succeeded")
        settled = {r.ma_ho_so for r in rows} - {r.ma_ho_so for r in rows if r.state != "succeeded"}
        unsent = ctx.hub.store.dead_job_errors(CAPPHEP)
        table: list[tuple[Bilingual, int | str]] = [
            (
                Bilingual(
                    "Hồ sơ cấp phép xây dựng đã đồng bộ", "Construction-permit dossiers synced"
                ),
                len(settled & set(self.permits)),
            ),
            (
                Bilingual("Hồ sơ thông tin quy hoạch đã đồng bộ", "Planning dossiers synced"),
                len(settled & set(self.planning)),
            ),
            *((label, done[type_.value]) for type_, label in STEPS.items()),
            (
                Bilingual("Giấy phép khớp mã băm tệp tại Bộ", "Permits whose file hash matches"),
                sum(1 for code in self.permits if self._matches(code)),
            ),
            (
                Bilingual("Giấy phép cập nhật tại chỗ", "Permits updated in place"),
                int(self._matches(self.corrected)),
            ),
            (
                Bilingual(
                    "Bị chặn trước khi gửi (thiếu trường)", "Refused before sending (missing field)"
                ),
                len(unsent),
            ),
            (
                Bilingual("Tra cứu theo mã hồ sơ (tìm thấy)", "Looked up by mã hồ sơ (found)"),
                sum(1 for found in self.lookups.values() if found),
            ),
            *self._reconcile_rows(),
        ]
        return [DemoTable(TITLE, table, self._notes(unsent))]

    def _reconcile_rows(self) -> list[tuple[Bilingual, int | str]]:
        labels = {
            CAPPHEP: Bilingual("Đối soát hệ thống cấp phép", "Reconciled, permit system"),
            QUYHOACH: Bilingual("Đối soát hệ thống quy hoạch", "Reconciled, planning system"),
        }
        out: list[tuple[Bilingual, int | str]] = []
        for name, (run, findings) in self.reconciled.items():
            shown = Bilingual(
                "{} khớp, {} đang chờ, {} chênh lệch", "{} in step, {} waiting, {} differences"
            )
            counts = (run.get("matched"), run.get("in_flight"), len(findings))
            out.append((labels[name], str(shown).format(*counts)))
        return out

    def _matches(self, code: str) -> bool:
        """The ministry's one permit of ``code`` is the one the province last recorded."""
        held = self.held.get(code) or {}
        permit, sent = held.get("permit"), self.permits.get(code)
        if permit is None or sent is None:
            return False
        sha = sent["tep"]["sha256"]
        same = permit["SoTang"] == sent["so_tang"] and permit["SoGiayPhep"] == sent["so_giay_phep"]
        return same and permit["Sha256"] == held["permit_file_sha256"] == sha

    def _notes(self, unsent: list[str]) -> list[str]:
        notes = [f"  {reason}" for reason in unsent]
        permit = (self.held.get(self.corrected) or {}).get("permit")
        if permit is not None:
            text = Bilingual(
                "  Giấy phép {} của {}: {} tầng, phiên bản {}, SHA-256 {}…",
                "  Permit {} of {}: {} floors, version {}, SHA-256 {}…",
            )
            notes.append(
                str(text).format(
                    permit["SoGiayPhep"],
                    self.corrected,
                    permit["SoTang"],
                    permit["PhienBan"],
                    permit["Sha256"][:12],
                )
            )
        text = Bilingual(
            "  Tra cứu {} tại {}: {}, {} bước", "  Look-up {} at {}: {}, process steps: {}"
        )
        for name, found in self.lookups.items():
            if found is not None and found.trang_thai is not None:
                status = Bilingual(found.trang_thai.label_vi, found.trang_thai.label_en)
                line = str(text).format(found.ma_ho_so, name, status, len(found.history))
                if found.result is not None and found.result.so:
                    line += str(Bilingual(", kết quả số {}", ", result {}")).format(found.result.so)
                notes.append(line)
        for name, (_run, findings) in self.reconciled.items():
            notes += [
                f"  {name}: {f['kind']} {f['ma_ho_so']} ({f.get('action')})" for f in findings
            ]
        return notes
