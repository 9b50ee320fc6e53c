"""Repair of a reconciliation run's findings.

Repair goes through the normal outbox: for each resend, a repair event
``<latest event id>:repair:<run id>`` carrying the mirror's current state is added to
the dossier's events (next sequence) with one job for the connector, so the worker
keeps the per-dossier order and the ministry sees a fresh idempotency key
``<connector>:<event id>:repair:<run id>``. Ministry-only dossiers are pulled into the
inbox (a pull, then a lookup for those a pull does not return). Every repair is
written to the audit log; a dry run writes nothing and says what would be sent.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from hub.connector import Capability, PulledDossier
from hub.errors import HubError
from hub.models import EventType

if TYPE_CHECKING:
    from hub.reconcile import Reconciler

__all__ = ["Repairer", "repair_event_id"]


class Repairer:
    """Closes the findings of one reconciler's runs: resend through the outbox, or pull."""

    def __init__(self, rec: Reconciler) -> None:
        self.rec = rec

    async def repair(self, run_id: int, *, actor: str, dry_run: bool = False) -> dict[str, Any]:
        """Enqueue what closes each unrepaired finding of the run (or, dry, say what would be).

        Returns ``{"dry_run", "counts": {outcome: n}, "items": [...first 1000...]}``.
        """
        run = self.rec.get_run(run_id)
        connector = run["connector"]
        counts: dict[str, int] = {}
        items: list[dict[str, Any]] = []
        capabilities = self.rec.hub.connectors[connector].capabilities
        # A pull first brings most ministry-only dossiers at once; without PULL, each is
        # looked up (FETCH), or refused with the reason when the ministry has neither.
        pulled_first = Capability.PULL not in capabilities
        from hub.reconcile import PAYMENT_KINDS

        for finding in list(self._unrepaired(run_id)):
            if finding["kind"] in PAYMENT_KINDS:  # money: an official settles it
                outcome, detail = "blocked", {"detail": "settled by an official, not re-sent"}
                if not dry_run:
                    outcome, detail = await asyncio.to_thread(
                        self._record_now, finding, "blocked", detail["detail"], actor
                    )
            elif finding["kind"] == "only_ministry":
                if not dry_run and not pulled_first:
                    await self.rec.hub.pull_once(connector)
                    pulled_first = True
                outcome, detail = await self._pull(connector, finding, run_id, actor, dry_run)
            else:
                outcome, detail = await asyncio.to_thread(
                    self._resend, connector, finding, run_id, actor, dry_run
                )
            counts[outcome] = counts.get(outcome, 0) + 1
            if len(items) < 1000:
                items.append({"ma_ho_so": finding["ma_ho_so"], "kind": finding["kind"]} | detail)
        if not dry_run:
            done = sum(n for k, n in counts.items() if k in ("enqueued", "pulled"))
            self.rec.store.add_repaired(run_id, done)
            notify = getattr(self.rec.hub.worker, "notify", None)
            if notify is not None and counts.get("enqueued"):
                notify()
        return {"run": run_id, "dry_run": dry_run, "counts": counts, "items": items}

    def _unrepaired(self, run_id: int) -> Iterator[dict[str, Any]]:
        for finding in self.rec.findings(run_id):
            if finding["repair"] is None:
                yield finding

    def _resend(
        self, connector: str, finding: dict[str, Any], run_id: int, actor: str, dry_run: bool
    ) -> tuple[str, dict[str, Any]]:
        def plan(
            kind: str, latest: EventType, latest_id: str, snapshot: dict[str, Any]
        ) -> tuple[EventType, str]:
            return _repair_type(kind, latest, snapshot), repair_event_id(latest_id, run_id)

        return self.rec.store.resend_finding(connector, finding, plan, actor=actor, dry_run=dry_run)

    async def _pull(
        self, connector: str, finding: dict[str, Any], run_id: int, actor: str, dry_run: bool
    ) -> tuple[str, dict[str, Any]]:
        ma = finding["ma_ho_so"]
        if dry_run:
            return "would_pull", {"detail": "pull into the inbox"}
        if not self.rec.store.inbox_holds(connector, ma):
            target = self.rec.hub.connectors[connector]
            if Capability.FETCH not in target.capabilities:
                why = (
                    f"connector {connector!r} can neither pull nor look up a dossier "
                    "(no PULL, no FETCH): take it in at the ministry's portal"
                    if Capability.PULL not in target.capabilities
                    else "the ministry cannot be looked up"
                )
                return self._record_now(finding, "blocked", why, actor)
            try:
                remote = await target.fetch(ma)
            except HubError as exc:
                return self._record_now(finding, "failed", exc.reason, actor)
            if remote is None or remote.dossier is None:
                return self._record_now(
                    finding, "failed", "the ministry's record is not a whole dossier", actor
                )
            item = PulledDossier(remote_id=remote.remote_id or ma, dossier=remote.dossier)
            await asyncio.to_thread(
                self.rec.store.store_pulled, connector, [item], self.rec.store.get_cursor(connector)
            )
        return self._record_now(finding, "pulled", "in the inbox", actor)

    def _record_now(
        self, finding: dict[str, Any], outcome: str, detail: str, actor: str
    ) -> tuple[str, dict[str, Any]]:
        return self.rec.store.record_repair(finding, outcome, detail, actor)


def repair_event_id(event_id: str, run_id: int) -> str:
    """``<event id>:repair:<run id>``, shortened with a hash when too long for an event id."""
    out = f"{event_id}:repair:{run_id}"
    if len(out) <= 100:
        return out
    digest = hashlib.sha256(event_id.encode()).hexdigest()[:16]
    return f"{event_id[:60]}~{digest}:repair:{run_id}"


def _repair_type(kind: str, latest: EventType, snapshot: dict[str, Any]) -> EventType:
    """The event type a repair re-sends: the latest one, as a whole-state sync; where the
    ministry lacks the result (a result difference, a lost dossier with a result), the
    result itself."""
    if kind in ("result_mismatch", "only_province") and snapshot.get("ket_qua"):
        return EventType.RESULT  # the whole state and the result files, not the state alone
    if latest is EventType.PROGRESS:
        return EventType.UPDATED  # a step alone cannot land where the dossier is missing
    return latest
