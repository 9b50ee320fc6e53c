"""Hộ tịch's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Birth, death and marriage registrations received at the province, one birth lacking the
child's date of birth (refused before it is sent); the mock answers 503 to some
submissions (retried, not lost); after the worker drains, the ministry refuses one
registration and the hub polls the others to their results, whose certificates must
match their hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.sdk import (
    Bilingual,
    DemoContext,
    DemoMock,
    DemoOptions,
    DemoScenario,
    DemoTable,
    sample_ho_tich_batch,
    sample_ho_tich_lifecycle,
)

__all__ = ["CIVIL_TITLE", "HOTICH_CODES", "HotichDemo"]

HOTICH_CODES = ["1.001193", "1.000656", "1.000894"]

#: Shared with the liên thông scenario: one table for both.
CIVIL_TITLE = Bilingual("Hộ tịch và liên thông", "Civil status and interlinked services")


class HotichDemo(DemoScenario):
    name = "hotich"

    def __init__(self) -> None:
        self.refused = ""
        self.certificates: dict[str, bool] = {}

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        # Hộ tịch answers 503 to some submissions: they must be retried, not lost.
        # Each result poll moves a dossier one step: received, processing, done.
        busy = {
            "kind": "http_503",
            "rate": min(0.5, options.fault_rate * 2),
            "paths": ["/NhanDKHT"],
        }
        return [DemoMock("hotich", faults=[busy])]

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {
            "hotich": {
                "base_url": mock_urls["hotich"],
                "api_key": "test-key",
                "timeout_seconds": 2.0,
            }
        }

    def routes(self) -> list[dict[str, Any]]:
        return [{"connector": "hotich", "ma_tthc": HOTICH_CODES}]

    def events(self, options: DemoOptions) -> list[dict[str, Any]]:
        """Births, deaths and marriages; one birth lacks the child's date of birth, which
        hộ tịch requires: refused before it is sent."""
        events = sample_ho_tich_batch(9, seed=options.seed)
        incomplete = sample_ho_tich_lifecycle(f"{options.seed}:thieu-ngay-sinh", module="LTKS")[0]
        extra = incomplete.snapshot.extra
        child = {
            k: v for k, v in extra["ho_tich"]["nguoi_duoc_khai_sinh"].items() if k != "ngay_sinh"
        }
        ho_tich = {**extra["ho_tich"], "nguoi_duoc_khai_sinh": child}
        snapshot = incomplete.snapshot.model_copy(update={"extra": {**extra, "ho_tich": ho_tich}})
        events.append(incomplete.model_copy(update={"snapshot": snapshot}))
        self.refused = events[1].ma_ho_so
        return [e.model_dump(mode="json", exclude={"sequence"}) for e in events]

    async def after_drain(self, ctx: DemoContext) -> None:
        """The ministry refuses one registration; the hub polls the others to their
        results, and each certificate must match the hash the ministry issued."""
        url = ctx.mock_url("hotich")
        await ctx.http.post(
            f"{url}/_mock/decide",
            json={
                "maHoSoMCDT": self.refused,
                "trangThai": "6",
                "ghiChu": "Hồ sơ đã được đăng ký tại cơ quan khác",
            },
        )
        for _ in range(5):
            outcome = await ctx.hub.track_once("hotich")
            if outcome.error is None and outcome.checked == 0:
                break
        for update in ctx.hub.store.list_province_updates(limit=10_000):
            if update["kind"] == "result_ready" and update["payload"].get("result"):
                record = (await ctx.http.get(f"{url}/_mock/records/{update['ma_ho_so']}")).json()
                files = update["payload"]["result"]["files"]
                self.certificates[update["ma_ho_so"]] = bool(files) and all(
                    f["sha256"] == record.get("certificate_sha256") for f in files
                )

    def summary(self, ctx: DemoContext) -> list[DemoTable | str]:
        """Results with verified certificates, the refusal with its reason, the
        registration refused before sending."""
        updates = ctx.hub.store.list_province_updates(limit=10_000)
        refusal = next((u for u in updates if u["kind"] == "refused"), None)
        unsent = ctx.hub.store.dead_job_errors("hotich")
        rows: list[tuple[Bilingual, int | str]] = [
            (
                Bilingual("Hồ sơ hộ tịch có kết quả", "Civil-status dossiers with a result"),
                len(self.certificates),
            ),
            (
                Bilingual("Giấy tờ hộ tịch khớp mã băm", "Certificates matching their hash"),
                sum(self.certificates.values()),
            ),
            (
                Bilingual(
                    "Cơ quan đăng ký hộ tịch từ chối (kèm lý do)",
                    "Refused by the registration authority (reason)",
                ),
                1 if refusal else 0,
            ),
            (
                Bilingual(
                    "Bị chặn trước khi gửi (thiếu thông tin)",
                    "Refused before sending (missing detail)",
                ),
                len(unsent),
            ),
        ]
        notes = [f"  {refusal['ma_ho_so']}: {refusal['payload'].get('note')}"] if refusal else []
        notes += [f"  {reason}" for reason in unsent]
        return [DemoTable(CIVIL_TITLE, rows, notes)]
