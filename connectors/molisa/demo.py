"""MOLISA's part of ``tthc-hub demo`` (the ``register_demo_scenarios`` hook).

Social-assistance dossiers from the province, stage by stage (received, processing,
processed, returned), a few lacking the birth date MOLISA requires; the mock fails a
share of calls (HTTP 503, timeouts, dropped connections, garbled bodies) and files some
dossiers at the ministry, which the hub pulls into its inbox and the province receives.
What this adds to the summary is the hub's own table (synced, retried, inbox, lost).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.sdk import (
    DemoContext,
    DemoMock,
    DemoOptions,
    DemoScenario,
    Dossier,
    DossierEvent,
    EventType,
    Status,
    sample_batch,
)

__all__ = ["MOLISA_CODES", "MolisaDemo"]

MOLISA_CODES = ["1.001776", "1.001731"]


def _faults(rate: float) -> list[dict[str, Any]]:
    """Spread ``rate`` over the kinds of failure a ministry really shows."""
    share = rate / 4
    return [
        {"kind": "http_503", "rate": share},
        {"kind": "timeout", "rate": share, "delay_seconds": 1.5},
        {"kind": "reset", "rate": share},
        {"kind": "malformed", "rate": share},
    ]


class MolisaDemo(DemoScenario):
    name = "molisa"

    def mocks(self, options: DemoOptions) -> list[DemoMock]:
        return [
            DemoMock(
                "molisa", seed_count=options.ministry_filed, faults=_faults(options.fault_rate)
            )
        ]

    def settings(self, mock_urls: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        return {
            "molisa": {
                "base_url": mock_urls["molisa"],
                "accept_key": "test-key",
                "timeout_seconds": 1.0,
            }
        }

    def routes(self) -> list[dict[str, Any]]:
        return [{"connector": "molisa", "ma_tthc": MOLISA_CODES}]

    def events(self, options: DemoOptions) -> list[dict[str, Any]]:
        """The province's events, stage by stage across dossiers."""
        lifecycles = sample_batch(options.dossiers, options.seed)
        for lifecycle in lifecycles[: options.invalid]:
            # The officer left ngày sinh empty; MOLISA requires it.
            for i, event in enumerate(lifecycle):
                owner = event.snapshot.chu_ho_so.model_copy(update={"ngay_sinh": None})
                snapshot = event.snapshot.model_copy(update={"chu_ho_so": owner})
                lifecycle[i] = event.model_copy(update={"snapshot": snapshot})
        # Stage by stage across dossiers, as a day at the one-stop-shop would send them.
        ordered = [lc[stage] for stage in range(4) for lc in lifecycles]
        return [e.model_dump(mode="json", exclude={"sequence"}) for e in ordered]

    async def before_drain(self, ctx: DemoContext) -> None:
        """Pull the ministry-filed dossiers (as the scheduler would, retrying a failed
        pull), then receive each at the province: its reception event goes back."""
        hub = ctx.hub
        for _ in range(20):
            outcome = await hub.pull_once("molisa")
            if outcome.error is None and outcome.pulled == 0:
                break
            await asyncio.sleep(0.05)
        batch = []
        for item in hub.store.list_inbox(state="new", connector="molisa", limit=1000):
            dossier = Dossier.model_validate(item["snapshot"])
            received_at = max(datetime.now(UTC), dossier.ngay_nop + timedelta(minutes=5))
            snapshot = dossier.model_copy(
                update={"trang_thai": Status.DUOC_TIEP_NHAN, "ngay_tiep_nhan": received_at}
            )
            batch.append(
                DossierEvent(
                    id=f"tiep-nhan-{dossier.ma_ho_so}",
                    type=EventType.RECEIVED,
                    occurred_at=received_at,
                    ma_ho_so=dossier.ma_ho_so,
                    snapshot=snapshot,
                )
            )
        await ctx.ingest(batch)
