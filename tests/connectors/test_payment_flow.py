"""Online payment inside the hub, over loopback: the worker INITs a status-6 dossier's
fees at the PayGov mock, the citizen pays on the mock's page, the signed Confirm notice
reaches ``POST /api/v1/payment/confirm``: applied once (the ledger, the receipt, the
deadline resumed, one ``paid`` update); duplicates answer the same and change nothing;
forged, altered, stale, wrong-amount and unknown notices are refused with PayGov's
reply and a 4xx; every notice is kept masked."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.payment import ledger, signature
from connectors.payment.connector import PaymentConnector
from connectors.payment.samples import owing_event
from hub.api import create_app as create_hub_app
from hub.models import DossierEvent
from hub.service import Hub
from hub.settings import HubSettings, RetrySettings, RouteRule, WorkerSettings
from hub.testing.mock import MockConfig
from mocks.payment.app import create_app

TOKEN, SECRET, PARTNER = "paygov-token", "paygov-secret", "UBND-KONTUM"


class Env:
    def __init__(self, hub: Hub, api: httpx.Client, mock: httpx.Client) -> None:
        self.hub, self.api, self.mock = hub, api, mock

    def run(self, coro: Any) -> Any:
        """Run ``coro``, then close the connectors' clients of this event loop."""

        async def go() -> Any:
            try:
                return await coro
            finally:
                for connector in self.hub.connectors.values():
                    await connector.aclose()

        return asyncio.run(go())

    def drain(self, events: list[DossierEvent]) -> None:
        self.hub.store.ingest(events, self.hub.router.targets)
        stats = self.run(self.hub.worker.run_until_idle(timeout=30))
        jobs = self.hub.store.list_jobs(limit=100) if hasattr(self.hub.store, "list_jobs") else []
        assert all(j["state"] == "succeeded" for j in jobs), [
            (j["state"], j["last_error"]) for j in jobs
        ]
        assert stats is not None

    def updates(self, code: str, kind: str) -> list[dict[str, Any]]:
        rows = self.hub.store.list_province_updates(ma_ho_so=code, limit=1000)
        return [u for u in rows if u["kind"] == kind]

    def pay(self, url: str, bank: str = "VCB") -> httpx.Response:
        return httpx.post(url, data={"ngan_hang": bank, "hanh_dong": "pay"}, timeout=20)

    def confirm(self, body: dict[str, Any]) -> httpx.Response:
        return self.api.post("/api/v1/payment/confirm", json=body)


@pytest.fixture
def env(
    request: pytest.FixtureRequest, serve_app: Any, build_hub: Callable[..., Hub], db_url: str
) -> Any:
    """The hub and the PayGov mock over loopback; ``[connectors.payment]`` keys to add may
    be given with ``@pytest.mark.parametrize("env", [{...}], indirect=True)``."""
    server = serve_app(create_app(MockConfig(accept_key=TOKEN), secret=SECRET, ma_doi_tac=PARTNER))
    settings = HubSettings(
        database_url=db_url,
        worker=WorkerSettings(
            poll_seconds=0.02,
            retry=RetrySettings(initial_seconds=0.02, max_seconds=0.2, jitter_seconds=0.01),
        ),
        routes=[RouteRule(connector="payment", event_types=["dossier.status_changed"])],
        connectors={
            "payment": {
                "base_url": server.url,
                "token": TOKEN,
                "secret": SECRET,
                "ma_doi_tac": PARTNER,
                "timeout_seconds": 5.0,
                **getattr(request, "param", {}),
            }
        },
    )
    hub = build_hub(settings)
    server_api = serve_app(create_hub_app(hub, close_hub=True))  # closes on its own loop
    api = httpx.Client(base_url=server_api.url, timeout=20)
    mock = httpx.Client(base_url=server.url, timeout=20)
    mock.post(
        "/_mock/paygov/settings", json={"callback_url": f"{server_api.url}/api/v1/payment/confirm"}
    )
    yield Env(hub, api, mock)
    mock.close()
    api.close()


def _sign(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "MaXacThuc": signature.sign("CONFIRM", body, SECRET)}


def test_paid_once_with_receipt_and_deadline_resumed(env: Env) -> None:
    event = owing_event(1)
    code = event.ma_ho_so
    env.drain([event])
    assert ledger.sync(env.hub) == 1 and ledger.sync(env.hub) == 0
    [tx] = env.hub.store.payments_of(code)
    assert (tx["state"], tx["so_tien"]) == ("pending", event.snapshot.so_tien_con_no)
    [asked] = env.updates(code, "payment_requested")
    assert asked["payload"]["payment_url"] == tx["payment_url"]
    page = httpx.get(tx["payment_url"], timeout=10)
    assert page.status_code == 200 and "Phí thẩm định hồ sơ" in page.text

    assert env.pay(tx["payment_url"]).status_code == 200
    [sent] = env.mock.get("/_mock/paygov/sent").json()
    assert sent["status"] == 200 and sent["reply"]["MaLoi"] == "00"
    assert signature.verify("CONFIRM_REPLY", sent["reply"], SECRET)

    paid = env.hub.store.get_payment(tx["ma_tham_chieu"])
    assert paid["state"] == "paid" and paid["paid_amount"] == tx["so_tien"]
    assert paid["receipt_sha256"] is None  # fetched out of band, not while PayGov waits
    assert env.run(ledger.fetch_receipts(env.hub)) == 1
    assert env.run(ledger.fetch_receipts(env.hub)) == 0
    paid = env.hub.store.get_payment(tx["ma_tham_chieu"])
    receipt = env.api.get(f"/api/v1/payment/receipts/{tx['ma_tham_chieu']}")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF-")
    digest = hashlib.sha256(receipt.content).hexdigest()
    assert digest == paid["receipt_sha256"] == receipt.headers["X-Content-SHA256"]

    [update] = env.updates(code, "paid")
    payload = update["payload"]
    old = datetime.fromisoformat(payload["ngay_hen_tra_cu"])
    new = datetime.fromisoformat(payload["ngay_hen_tra"])
    cal = env.hub.calendar
    paused_from = datetime.fromisoformat(payload["tam_dung_tu"])
    paid_at = datetime.fromisoformat(payload["thoi_gian_thanh_toan"])
    assert new == cal.add_working_time(paid_at, cal.working_time_between(paused_from, old))
    assert new > old
    mirror = env.hub.store.get_dossier(code)
    assert mirror["ngay_hen_tra"].replace(tzinfo=UTC) == new.astimezone(UTC)

    # The same notice again (PayGov retries): the same reply, nothing changes.
    again = env.mock.post(f"/_mock/paygov/resend/{tx['ma_tham_chieu']}").json()
    assert again["status"] == 200 and again["reply"] == sent["reply"] | {
        "ThoiGianGD": again["reply"]["ThoiGianGD"],
        "MaXacThuc": again["reply"]["MaXacThuc"],
    }
    assert again["reply"]["MaLoi"] == "00"
    assert len(env.updates(code, "paid")) == 1
    outcomes = [n["outcome"] for n in env.hub.store.payment_notices(tx["ma_tham_chieu"])]
    assert outcomes == ["applied", "duplicate"]


@pytest.mark.parametrize(
    ("mode", "status", "ma_loi"),
    [("forged", 401, "01"), ("altered", 401, "01"), ("stale", 422, "04")],
)
def test_spoilt_notices_are_refused(env: Env, mode: str, status: int, ma_loi: str) -> None:
    event = owing_event(2)
    env.drain([event])
    ledger.sync(env.hub)
    [tx] = env.hub.store.payments_of(event.ma_ho_so)
    env.mock.post("/_mock/paygov/settings", json={"notice_mode": mode})
    env.pay(tx["payment_url"])
    [sent] = env.mock.get("/_mock/paygov/sent").json()
    assert sent["status"] == status
    assert sent["reply"]["MaLoi"] == ma_loi and sent["reply"]["errors"]
    assert signature.verify("CONFIRM_REPLY", sent["reply"], SECRET)
    assert env.hub.store.get_payment(tx["ma_tham_chieu"])["state"] == "pending"
    assert env.updates(event.ma_ho_so, "paid") == []
    [kept] = env.hub.store.payment_notices(tx["ma_tham_chieu"])
    assert (kept["outcome"], kept["ma_loi"]) == ("refused", ma_loi)
    # The reason is kept coded: it reads in either language.
    code, field, english = {
        "01": ("payment.notice_signature", "MaXacThuc", "MaXacThuc does not sign the notice"),
        "04": ("payment.notice_stale", "ThoiGianGD", "ThoiGianGD is outside the accepted window"),
    }[ma_loi]
    assert (kept["reason_code"], kept["reason_en"]) == (code, english)
    assert kept["reason_vi"].startswith("Th") and field in kept["reason_vi"]


def test_wrong_amount_unknown_and_malformed_notices(env: Env) -> None:
    event = owing_event(3)
    env.drain([event])
    ledger.sync(env.hub)
    [tx] = env.hub.store.payments_of(event.ma_ho_so)
    now = (datetime.now(UTC) + timedelta(hours=7)).strftime("%Y%m%d%H%M%S")
    body = {
        "LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": PARTNER,
        "MaThamChieu": tx["ma_tham_chieu"], "SoTien": tx["so_tien"] + 1, "MaTienTe": "VND",
        "MaGiaoDich": "PG1", "MaNganHang": "VCB", "ThoiGianGD": now, "ThongTinGiaoDich": "x",
    }  # fmt: skip
    wrong = env.confirm(_sign(body))
    assert (wrong.status_code, wrong.json()["MaLoi"]) == (409, "02")
    assert wrong.json()["MoTaLoi"] == "Số tiền không khớp"  # PayGov's reply text
    [why] = wrong.json()["errors"]
    assert (why["type"], why["message_en"]) == (
        "amount_mismatch",
        "SoTien differs from the amount asked",
    )
    assert why["message_vi"] == "Số tiền đã thanh toán (SoTien) khác số tiền yêu cầu"
    unknown = env.confirm(_sign(body | {"MaThamChieu": "HUBNOSUCHREFERENCE00"}))
    assert (unknown.status_code, unknown.json()["MaLoi"]) == (404, "03")
    other = env.confirm(_sign(body | {"MaDoiTac": "UBND-KHAC", "SoTien": tx["so_tien"]}))
    assert (other.status_code, other.json()["MaLoi"]) == (422, "05")
    garbage = env.api.post("/api/v1/payment/confirm", content=b"not json")
    assert (garbage.status_code, garbage.json()["MaLoi"]) == (422, "05")
    assert env.hub.store.get_payment(tx["ma_tham_chieu"])["state"] == "pending"
    right = env.confirm(_sign(body | {"SoTien": tx["so_tien"]}))
    assert (right.status_code, right.json()["MaLoi"]) == (200, "00")
    assert len(env.updates(event.ma_ho_so, "paid")) == 1


def test_sweep_queries_a_silent_payment_and_reports_an_unpaid_one_once(env: Env) -> None:
    silent, unpaid = owing_event(4), owing_event(5)
    env.drain([silent, unpaid])
    ledger.sync(env.hub)
    [tx] = env.hub.store.payments_of(silent.ma_ho_so)
    env.mock.post("/_mock/paygov/settings", json={"notice_mode": "none"})
    env.pay(tx["payment_url"])
    assert env.mock.get("/_mock/paygov/sent").json() == []
    later = datetime.now(UTC) + timedelta(days=1)

    first = env.run(ledger.sweep(env.hub, now=later))
    assert first == {"recorded": 0, "paid": 1, "reported": 1, "receipts": 1}
    assert env.hub.store.get_payment(tx["ma_tham_chieu"])["receipt_sha256"]
    assert len(env.updates(silent.ma_ho_so, "paid")) == 1
    [overdue] = env.updates(unpaid.ma_ho_so, "payment_overdue")
    assert overdue["payload"]["thanh_toan"] == "pending"
    again = env.run(ledger.sweep(env.hub, now=later))
    assert again == {"recorded": 0, "paid": 0, "reported": 0, "receipts": 0}


def test_the_scheduler_has_the_sweep_only_when_payment_is_enabled(tmp_path: Path) -> None:
    from hub.scheduler import build_scheduler

    section = {"base_url": "http://127.0.0.1:9", "token": TOKEN, "secret": SECRET}
    section |= {"ma_doi_tac": PARTNER, "sweep_every_seconds": 120}
    on = Hub(HubSettings(database_url=f"sqlite:///{tmp_path / 'on.db'}",
                         connectors={"payment": section}))  # fmt: skip
    job = build_scheduler(on).get_job("payment:sweep")
    assert job is not None and job.trigger.interval == timedelta(seconds=120)
    disabled = {"payment": {**section, "enabled": False}}
    for connectors in (disabled, {}):
        off = Hub(HubSettings(database_url=f"sqlite:///{tmp_path / 'off.db'}",
                              connectors=connectors))  # fmt: skip
        assert "payment" not in off.connectors
        assert build_scheduler(off).get_job("payment:sweep") is None
        off.engine.dispose()
    asyncio.run(on.aclose())


@pytest.mark.parametrize(
    "env", [{"pending_query_minutes": 0.001, "sweep_every_seconds": 3600}], indirect=True
)
def test_the_scheduled_sweep_queries_applies_and_fetches_the_receipt(env: Env) -> None:
    from hub.scheduler import build_scheduler

    silent, unpaid = owing_event(6), owing_event(7)
    env.drain([silent])
    ledger.sync(env.hub)
    [tx] = env.hub.store.payments_of(silent.ma_ho_so)
    env.mock.post("/_mock/paygov/settings", json={"notice_mode": "none"})
    assert env.pay(tx["payment_url"]).status_code == 200  # paid, but no notice comes
    env.drain([unpaid])  # not yet in the ledger: the job records it
    job = build_scheduler(env.hub).get_job("payment:sweep")
    assert job is not None and job.trigger.interval == timedelta(seconds=3600)
    time.sleep(0.1)  # both INITs are older than pending_query_minutes (0.06 s)
    slot = int(time.time() // 3600)

    async def run_job() -> Any:
        return await job.func(*job.args)

    first = env.run(run_job())
    assert first == {"recorded": 1, "paid": 1, "reported": 1, "receipts": 1}
    paid = env.hub.store.get_payment(tx["ma_tham_chieu"])
    assert paid["state"] == "paid" and paid["receipt_sha256"]
    assert len(env.updates(silent.ma_ho_so, "paid")) == 1
    [overdue] = env.updates(unpaid.ma_ho_so, "payment_overdue")
    assert overdue["payload"]["thanh_toan"] == "pending"
    # Once per slot: another run (or instance) in the same hour does nothing.
    again = env.run(run_job())
    if int(time.time() // 3600) == slot:  # (at an hour's edge the next slot is due)
        assert again is None
    assert len(env.updates(unpaid.ma_ho_so, "payment_overdue")) == 1


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_daily_reconciliation_finds_one_planted_difference_of_each_kind(env: Env, fmt: str) -> None:
    from connectors.payment import reconcile
    from hub.reconcile import Reconciler
    from hub.reconcile_report import render

    events = [owing_event(seed) for seed in (6, 7, 8, 9)]
    env.drain(events)
    ledger.sync(env.hub)
    refs = {}
    for event in events[:3]:
        [tx] = env.hub.store.payments_of(event.ma_ho_so)
        env.pay(tx["payment_url"])
        refs[event.ma_ho_so] = tx["ma_tham_chieu"]
    a, b = (refs[e.ma_ho_so] for e in events[:2])
    now = (datetime.now(UTC) + timedelta(hours=7)).strftime("%Y%m%d%H%M%S")
    today = datetime.strptime(now[:8], "%Y%m%d").date()
    extra = {"MaGiaoDich": "PG-X", "SoTien": 70000, "ThoiGianGD": now}
    env.mock.post(
        "/_mock/paygov/file-edits",
        json={
            "drop": [a],
            "amount": {b: 1},
            "extra": [
                {"MaThamChieu": "HUBUNKNOWNTOTHEHUB00", "MaHoSo": events[3].ma_ho_so, **extra},
                {"MaThamChieu": "HUBSECONDPAYMENT0000", "MaHoSo": events[2].ma_ho_so, **extra},
            ],
        },
    )
    # A connector of its own: the hub's holds the API server's client (ConnectorHttp keeps
    # one client, of the last event loop that used it).
    own = PaymentConnector(env.hub.connectors["payment"].settings)

    async def download() -> bytes:
        try:
            return await own.transaction_file(today, fmt)
        finally:
            await own.aclose()

    content = asyncio.run(download())
    rows = reconcile.parse_file(content, fmt)
    assert len(rows) == 4  # b, c and the two planted rows; a was left out

    outcome = reconcile.run(env.hub, today, rows, actor="test")
    assert outcome["counts"] == {
        "paid_not_recorded": 1,
        "recorded_not_paid": 1,
        "amount_mismatch": 1,
        "paid_twice": 1,
    }
    assert outcome["matched"] == 1  # c
    rec = Reconciler(env.hub)
    found = {f["kind"]: f for f in rec.findings(outcome["run"])}
    assert found["recorded_not_paid"]["ma_ho_so"] == events[0].ma_ho_so
    assert found["amount_mismatch"]["ma_ho_so"] == events[1].ma_ho_so
    assert found["paid_twice"]["ma_ho_so"] == events[2].ma_ho_so
    assert "refund" in found["paid_twice"]["remote_result"]
    assert found["paid_twice"]["action"] == "refund"
    assert found["paid_not_recorded"]["ma_ho_so"] == events[3].ma_ho_so
    html = render(rec, [rec.get_run(outcome["run"])], "html").decode()
    assert "Thu hai lần" in html and "Đã thu nhưng chưa ghi nhận" in html
    repaired = env.run(rec.repair(outcome["run"], actor="test"))
    assert repaired["counts"] == {"blocked": 4}  # money is settled by an official


def test_a_transaction_file_with_a_bad_row_names_it() -> None:
    from connectors.payment import reconcile
    from hub.sdk import ContractError

    good = "MaThamChieu,MaGiaoDich,SoTien,ThoiGianGD,MaHoSo\nHUB1,PG1,1000,20251125090000,X\n"
    assert reconcile.parse_file(good.encode(), "csv")[0].so_tien == 1000
    with pytest.raises(ContractError, match=r"row 2 .*SoTien"):
        reconcile.parse_file(good + "HUB2,PG2,abc,20251125090000,Y\n", "csv")
    with pytest.raises(ContractError, match="lacks the columns MaHoSo"):
        reconcile.parse_file("MaThamChieu,MaGiaoDich,SoTien,ThoiGianGD\n", "csv")
    with pytest.raises(ContractError, match=r"row 1 .*ThoiGianGD"):
        reconcile.parse_file('{"GiaoDich": [{"MaThamChieu": "H", "MaGiaoDich": "P", '
                             '"SoTien": 1, "ThoiGianGD": "", "MaHoSo": "X"}]}', "json")  # fmt: skip


def test_notices_out_of_order_and_late_are_each_applied_once(env: Env) -> None:
    import time

    events = [owing_event(seed) for seed in (31, 32, 33)]
    env.drain(events)
    ledger.sync(env.hub)
    txs = [env.hub.store.payments_of(e.ma_ho_so)[0] for e in events]
    env.mock.post("/_mock/paygov/settings", json={"notice_mode": "held"})
    for tx in txs[:2]:
        env.pay(tx["payment_url"])
    assert env.mock.post("/_mock/paygov/flush").json() == {"sent": 2}
    sent = env.mock.get("/_mock/paygov/sent").json()
    assert [s["body"]["MaThamChieu"] for s in sent] == [
        txs[1]["ma_tham_chieu"],
        txs[0]["ma_tham_chieu"],
    ]
    assert [s["status"] for s in sent] == [200, 200]

    env.mock.post("/_mock/paygov/settings", json={"notice_mode": "late", "delay_seconds": 0.2})
    env.pay(txs[2]["payment_url"])
    for _ in range(100):  # wait for the late notice (not a timing assertion)
        sent = env.mock.get("/_mock/paygov/sent").json()
        if len(sent) == 3 and sent[2]["status"] is not None:
            break
        time.sleep(0.05)
    assert sent[2]["status"] == 200
    for event, tx in zip(events, txs, strict=True):
        assert env.hub.store.get_payment(tx["ma_tham_chieu"])["state"] == "paid"
        assert len(env.updates(event.ma_ho_so, "paid")) == 1
