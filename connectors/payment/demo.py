"""Online payment's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Dossiers asked to pay their fees (status 6) are INITed at the PayGov mock by the worker;
then citizens pay on the mock's page: most notices come on time, one twice (applied
once), one forged (refused, then sent right), one never (the sweep's QUERY finds it
paid); one dossier is never paid and is reported. Receipts are fetched and their hashes
checked against PayGov's own; the day's transaction file, with one planted difference
of each kind, is reconciled against the ledger.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from hub.sdk import Bilingual, DemoContext, DemoMock, DemoOptions, DemoScenario, DemoTable

from . import ledger, mapping, reconcile
from .connector import PaymentConnector
from .samples import owing_event

__all__ = ["PaymentDemo"]
#: How the notice of each paid dossier comes, in order; then one dossier is never paid.
KIND_LABELS = {
    "paid_not_recorded": ("đã thu, chưa ghi nhận", "paid, not recorded"),
    "recorded_not_paid": ("ghi nhận, chưa thu", "recorded, not paid"),
    "amount_mismatch": ("lệch số tiền", "amount differs"),
    "paid_twice": ("thu hai lần (hoàn trả)", "paid twice (refund)"),
}
MODES = ("on_time", "on_time", "on_time", "twice", "forged", "none", "late")


def _connector(ctx: DemoContext) -> PaymentConnector:
    return cast(PaymentConnector, ctx.hub.connectors["payment"])


class PaymentDemo(DemoScenario):
    name = "payment"

    def __init__(self) -> None:
        self.refs: dict[str, str] = {}  #: mã hồ sơ -> MaThamChieu
        self.replies: dict[str, list[Any]] = {}  #: mode -> HTTP statuses the hub answered
        self.sweep: dict[str, int] = {}
        self.receipts: dict[str, tuple[str, str, str]] = {}  #: ref -> (stored, API, PayGov)
        self.recon: dict[str, Any] = {}
        self.resumed: list[tuple[str, str | None, str | None]] = []

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        return [DemoMock("payment")]

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {
            "payment": {
                "base_url": mock_urls["payment"],
                "token": "test-key",
                "secret": "paygov-secret",
                "ma_doi_tac": "UBND-KONTUM",
                "timeout_seconds": 5.0,
            }
        }

    def routes(self) -> list[dict[str, Any]]:
        return [
            {
                # A change of status with fees owed: the payment request (status 6).
                "connector": "payment",
                "event_types": ["dossier.status_changed"],
                "with_fees": True,
            }
        ]

    def events(self, options: DemoOptions) -> list[dict[str, Any]]:
        count = len(MODES) + 1
        events = [owing_event(options.seed * 100 + n) for n in range(count)]
        return [e.model_dump(mode="json", exclude={"sequence"}) for e in events]

    async def after_drain(self, ctx: DemoContext) -> None:
        hub, mock = ctx.hub, ctx.mock_url("payment")
        await ctx.http.post(f"{mock}/_mock/paygov/settings",
                            json={"callback_url": f"{ctx.api_url}/api/v1/payment/confirm",
                                  "delay_seconds": 0.2})  # fmt: skip
        await asyncio.to_thread(ledger.sync, hub)
        pending = await asyncio.to_thread(
            hub.store.stale_pending_payments, datetime.now(UTC) + timedelta(days=1)
        )
        for n, tx in enumerate(pending):
            self.refs[tx["ma_ho_so"]] = tx["ma_tham_chieu"]
            if n < len(MODES):  # the last one is never paid
                await self._pay(ctx, tx, MODES[n])
        await asyncio.sleep(0.5)  # the late notice
        later = datetime.now(UTC) + timedelta(
            minutes=_connector(ctx).settings.pending_query_minutes + 1
        )
        self.sweep = await ledger.sweep(hub, now=later)
        await self._receipts(ctx)
        await self._reconcile(ctx)
        for code, ref in self.refs.items():
            for update in hub.store.list_province_updates(ma_ho_so=code, limit=100):
                if update["kind"] == "paid" and update["payload"]["ma_tham_chieu"] == ref:
                    p = update["payload"]
                    self.resumed.append((code, p["ngay_hen_tra_cu"], p["ngay_hen_tra"]))

    async def _pay(self, ctx: DemoContext, tx: dict[str, Any], mode: str) -> None:
        """The citizen pays on PayGov's page; the notice goes as ``mode`` says."""
        mock = ctx.mock_url("payment")
        await ctx.http.post(f"{mock}/_mock/paygov/settings", json={"notice_mode": mode})
        page = await ctx.http.get(tx["payment_url"])
        page.raise_for_status()
        sent_before = len((await ctx.http.get(f"{mock}/_mock/paygov/sent")).json())
        await ctx.http.post(tx["payment_url"], data={"ngan_hang": "VCB", "hanh_dong": "pay"})
        sent = (await ctx.http.get(f"{mock}/_mock/paygov/sent")).json()[sent_before:]
        self.replies[mode] = [s["status"] for s in sent]
        if mode == "forged":  # PayGov sends it again, rightly signed
            again = await ctx.http.post(f"{mock}/_mock/paygov/resend/{tx['ma_tham_chieu']}")
            self.replies["forged_then_right"] = [again.json()["status"]]

    async def _receipts(self, ctx: DemoContext) -> None:
        hub = ctx.hub
        connector = _connector(ctx)
        for ref in self.refs.values():
            tx = hub.store.get_payment(ref)
            if tx is None or tx["state"] != "paid":
                continue
            got = await ctx.http.get(f"{ctx.api_url}/api/v1/payment/receipts/{ref}")
            api = hashlib.sha256(got.content).hexdigest() if got.status_code == 200 else ""
            paygov = hashlib.sha256(await connector.get_bill(ref)).hexdigest()
            self.receipts[ref] = (tx["receipt_sha256"] or "", api, paygov)

    async def _reconcile(self, ctx: DemoContext) -> None:
        """Plant one difference of each kind in today's file, then reconcile it."""
        paid = [
            r
            for r in self.refs.values()
            if (ctx.hub.store.get_payment(r) or {}).get("state") == "paid"
        ]
        unpaid = [c for c, r in self.refs.items() if r not in paid]
        if len(paid) < 3 or not unpaid:
            return
        now = datetime.now(mapping.VN_TZ)
        stamp = now.strftime(mapping.STAMP_FMT)
        twice = ctx.hub.store.get_payment(paid[2])
        assert twice is not None  # paid above
        extra = [
            {"MaThamChieu": "HUBKHONGCOTRONGSOHUB", "MaGiaoDich": "PG-NGOAI-SO", "SoTien": 200000,
             "ThoiGianGD": stamp, "MaHoSo": unpaid[0]},
            {"MaThamChieu": "HUBTHANHTOANLANHAI00", "MaGiaoDich": "PG-LAN-HAI",
             "SoTien": twice["so_tien"], "ThoiGianGD": stamp, "MaHoSo": twice["ma_ho_so"]},
        ]  # fmt: skip
        edits = {"drop": [paid[0]], "amount": {paid[1]: 1000}, "extra": extra}
        await ctx.http.post(f"{ctx.mock_url('payment')}/_mock/paygov/file-edits", json=edits)
        content = await _connector(ctx).transaction_file(now.date(), "csv")
        rows = reconcile.parse_file(content, "csv")
        self.recon = await asyncio.to_thread(reconcile.run, ctx.hub, now.date(), rows, actor="demo")

    async def check(self, ctx: DemoContext) -> list[str]:
        problems = []
        paid = sum(
            (ctx.hub.store.get_payment(r) or {}).get("state") == "paid" for r in self.refs.values()
        )
        if paid != len(MODES):
            problems.append(f"payment: {paid} of {len(MODES)} paid dossiers are recorded as paid")
        if self.replies.get("forged") != [401] or self.replies.get("forged_then_right") != [200]:
            problems.append(f"payment: the forged notice was answered {self.replies.get('forged')}")
        if self.replies.get("twice") != [200, 200]:
            problems.append(
                f"payment: the duplicated notice was answered {self.replies.get('twice')}"
            )
        for code in self.refs:
            paid_updates = [
                u
                for u in ctx.hub.store.list_province_updates(ma_ho_so=code, limit=100)
                if u["kind"] == "paid"
            ]
            if len(paid_updates) > 1:
                problems.append(f"payment: {code} was told 'paid' {len(paid_updates)} times")
        bad = [r for r, (a, b, c) in self.receipts.items() if not (a == b == c and a)]
        if bad or len(self.receipts) != len(MODES):
            problems.append(f"payment: receipts with hashes that differ or are missing: {len(bad)}")
        counts = self.recon.get("counts", {})
        if counts != dict.fromkeys(reconcile.ACTIONS, 1):
            problems.append(f"payment: the reconciliation found {counts}, one of each kind planted")
        return problems

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        replies = self.replies
        rows: list[tuple[Bilingual, int | str]] = [
            (Bilingual("Yêu cầu thanh toán (INIT)", "Payment requests (INIT)"), len(self.refs)),
            (Bilingual("Thời hạn tiếp tục, ngày hẹn trả mới", "Deadline resumed, new date"),
             sum(1 for _code, old, new in self.resumed if new and old and new > old)),
            (Bilingual("Đã thanh toán, ghi nhận một lần", "Paid, recorded once"),
             len(self.resumed)),
            (Bilingual("Thông báo giả mạo bị từ chối (HTTP)", "Forged notice refused (HTTP)"),
             ", ".join(map(str, replies.get("forged", [])))),
            (Bilingual("Thông báo trùng: trả lời (HTTP)", "Duplicated notice: answers (HTTP)"),
             ", ".join(map(str, replies.get("twice", [])))),
            (Bilingual("Không có thông báo, tìm thấy bằng QUERY", "No notice, found by QUERY"),
             self.sweep.get("paid", 0)),
            (Bilingual("Chờ quá hạn, đã báo tỉnh", "Pending too long, reported"),
             self.sweep.get("reported", 0)),
            (Bilingual("Biên lai khớp mã băm (lưu = API = PayGov)",
                       "Receipts with matching hashes (stored = API = PayGov)"),
             sum(1 for a, b, c in self.receipts.values() if a == b == c and a)),
        ]  # fmt: skip
        for kind, n in (self.recon.get("counts") or {}).items():
            vi, en = KIND_LABELS[kind]
            rows.append((Bilingual(f"Đối soát: {vi}", f"Reconciliation: {en}"), n))
        notes = [f"{code}: {old} -> {new}" for code, old, new in self.resumed[:3]]
        title = Bilingual("Thanh toán trực tuyến (PayGov)", "Online payment (PayGov)")
        return [DemoTable(title=title, rows=rows, notes=notes)]
