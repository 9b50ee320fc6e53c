"""The store: the one door to the hub's database.

Every SQL statement of the hub lives in a query module of this package, one concern
each, and is reached through a named method of :class:`Store` (the way procrastinate
keeps its queries behind one manager). Nothing outside ``hub/store/`` opens a
connection or imports the tables; ``tests/unit/test_store_door.py`` checks it.

=====================  =====================================================
module                 concern
=====================  =====================================================
``base``               transactions: :meth:`Store.begin` (write) and
                       :meth:`Store.read` (read-only: on SQLite a deferred BEGIN
                       that neither takes nor waits for the write lock)
``ingest``             province events into the mirror, events and jobs
``bulk``               ingest's many-row INSERTs (one statement per table on
                       PostgreSQL)
``outbox``             claiming, settling, releasing jobs; the queue's reads
``inbox``              pulls, cursors, the inbox; the liên thông search
``tracking``           ministry statuses, province updates, callbacks
``operations``         operator actions, tracked tasks
``maintenance``        queue status, retention, the audit trail; the hot
                       tables' statistics (ANALYZE after large ingests)
``reconciliation``     reconciliation runs, findings and repairs
``deadlines``          the deadline watch and the apology
``shipments``          parcels a carrier moves for dossiers, its tracking feed
``console``            the operator console's reads (keyset job pages, charts)
``payments``           online payment: attempts, Confirm notices, receipts
=====================  =====================================================

Every method is one transaction. On PostgreSQL, claims use ``FOR UPDATE SKIP
LOCKED`` so several worker processes share the queue; on SQLite the single
writer lock does the same job, and the threads of one process queue for it on a
mutex (:meth:`Store.begin`) rather than in SQLite's busy handler, which sleeps
1, 2, 5, 10 ... ms between tries.
"""

from __future__ import annotations

from hub.store.base import DeadlineFor, StoreBase, as_utc, party_names, row_dict, utcnow
from hub.store.console import ConsoleQueries
from hub.store.deadlines import DeadlineQueries
from hub.store.inbox import InboxQueries
from hub.store.ingest import IngestOutcome, IngestQueries
from hub.store.maintenance import MaintenanceQueries
from hub.store.operations import OperationQueries
from hub.store.outbox import ClaimedJob, JobOutcome, OutboxQueries, Settled
from hub.store.payments import PaymentQueries
from hub.store.reconciliation import ReconcileQueries
from hub.store.shipments import ShipmentQueries
from hub.store.tables import JobState
from hub.store.tracking import TrackingQueries

__all__ = [
    "ClaimedJob",
    "DeadlineFor",
    "IngestOutcome",
    "JobOutcome",
    "JobState",
    "Settled",
    "Store",
    "as_utc",
    "party_names",
    "row_dict",
    "utcnow",
]


class Store(
    IngestQueries,
    OutboxQueries,
    InboxQueries,
    TrackingQueries,
    OperationQueries,
    MaintenanceQueries,
    ReconcileQueries,
    DeadlineQueries,
    ShipmentQueries,
    ConsoleQueries,
    PaymentQueries,
    StoreBase,
):
    """The hub's database. One instance per process; thread-safe as the engine is."""
