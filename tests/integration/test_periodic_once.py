"""Several hub instances schedule the same periodic jobs; each slot runs once."""

from __future__ import annotations

import asyncio

from hub.scheduler import once_per_slot
from hub.service import Hub
from hub.settings import HubSettings

from .recording import RecordingConnector


def test_each_slot_runs_once_across_instances(db_url: str) -> None:
    settings = HubSettings(database_url=db_url)
    instances = [Hub(settings, connectors={"rec": RecordingConnector()}) for _ in range(3)]
    runs: list[int] = []

    async def job(who: int) -> int:
        runs.append(who)
        return who

    async def scenario() -> list[object]:
        # All three fire at the same moment, for three different jobs (hourly slots).
        results = []
        for key in ("pull:rec", "track:rec", "retention"):
            results += await asyncio.gather(
                *(once_per_slot(hub, key, 3600, job, i) for i, hub in enumerate(instances))
            )
        # The same job again in the same slot: nobody runs it.
        results += await asyncio.gather(
            *(once_per_slot(hub, "pull:rec", 3600, job, i) for i, hub in enumerate(instances))
        )
        return results

    results = asyncio.run(scenario())
    assert len(runs) == 3  # one per job and slot, not one per instance
    assert sum(r is not None for r in results) == 3
    for hub in instances:
        hub.engine.dispose()
