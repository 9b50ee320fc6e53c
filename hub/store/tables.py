"""The store's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

* ``dossiers``: the province mirror, one row per mã hồ sơ, with the last snapshot;
* ``events``: every accepted event with its per-dossier sequence and snapshot;
* ``jobs``: the outbox, one row per (connector, event), with its retry state;
* ``attempts``: every call made for a job, with masked excerpts;
* ``remote_refs``: what each ministry calls our dossier, and its last known status;
* ``inbox``: dossiers filed at a ministry, pulled and waiting for the province;
* ``pull_cursors``: where each connector's pull left off;
* ``province_updates``: what the hub has to tell the province, in order.

Times are stored in UTC on every database (:class:`UtcDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT ids on PostgreSQL; SQLite only auto-increments INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, stored as UTC and read back as an aware UTC datetime.

    PostgreSQL's ``timestamptz`` keeps the instant whatever the offset; SQLite has no
    time type, and SQLAlchemy writes an aware value's wall time with its offset dropped
    (08:27+07:00 became 08:27, read back as 08:27 UTC: seven hours late). So every value
    is converted to UTC before it is written; a naive value is taken as UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


Utc = UtcDateTime()


class JobState(StrEnum):
    """The states of an outbox job."""

    PENDING = "pending"  #: waiting to be claimed
    RUNNING = "running"  #: claimed by a worker holding a lease
    FAILED = "failed"  #: a transient error; waits for next_run_at to be retried
    SUCCEEDED = "succeeded"  #: the ministry acknowledged it
    DEAD = "dead"  #: permanent error or retries exhausted; waits for an operator
    SKIPPED = "skipped"  #: an operator decided not to send it (reason recorded)
    CANCELLED = "cancelled"  #: an operator withdrew it before it was sent (reason recorded)


#: States after which a job no longer holds back the later jobs of its dossier.
DONE_STATES = (JobState.SUCCEEDED.value, JobState.SKIPPED.value, JobState.CANCELLED.value)
#: States retention may cull after their age; never failed or dead ones.
CULLABLE_STATES = DONE_STATES
#: States a worker may claim (running ones only when their lease has expired).
CLAIMABLE_STATES = (JobState.PENDING.value, JobState.FAILED.value)

#: Dossiers the deadline watch looks at: not refused, withdrawn, stopped, processed or
#: returned (statuses 3, 7, 8, 9, 10); the partial indexes of the watch use the same predicate.
WATCHED_SQL = "trang_thai NOT IN (3, 7, 8, 9, 10)"

dossiers = Table(
    "dossiers",
    metadata,
    Column("ma_ho_so", String(64), primary_key=True),
    Column("ma_tthc", String(64), nullable=False, index=True),
    Column("trang_thai", SmallInteger, nullable=False),
    Column("origin", String(16), nullable=False),
    Column("origin_system", String(50)),
    Column("last_sequence", Integer, nullable=False, server_default=text("0")),
    Column("snapshot", Json, nullable=False),
    Column("created_at", Utc, nullable=False),
    Column("updated_at", Utc, nullable=False, index=True),
    # --- deadlines (hub/deadlines.py): from the snapshot, else the catalog's plan
    Column("ngay_hen_tra", Utc),
    Column("buoc_hien_tai", String(300)),
    Column("han_buoc_hien_tai", Utc),  #: the current step's deadline
    #: ok | at_risk | overdue: moved forward by the watch, each move told to the province once
    Column("deadline_state", String(16), nullable=False, server_default=text("'ok'")),
    Column("apology_sent_at", Utc),  #: the apology letter, recorded once
    Column("ngay_hen_tra_moi", Utc),  #: the new appointment date it gave
    Index(
        "ix_dossiers_watch_hen_tra",
        "ngay_hen_tra",
        sqlite_where=text(WATCHED_SQL),
        postgresql_where=text(WATCHED_SQL),
    ),
    Index(
        "ix_dossiers_watch_hen_tra_moi",
        "ngay_hen_tra_moi",
        sqlite_where=text(WATCHED_SQL),
        postgresql_where=text(WATCHED_SQL),
    ),
    Index("ix_dossiers_deadline_state", "deadline_state"),
    # On PostgreSQL also ix_dossiers_ma_ho_so_c on (ma_ho_so COLLATE "C"): reconciliation's
    # keyset pages in byte order (migration 0011_reconcile_byte_order; SQLite's key
    # already compares bytes).
)

events = Table(
    "events",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("ma_ho_so", String(64), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("type", String(40), nullable=False),
    Column("occurred_at", Utc, nullable=False),
    Column("received_at", Utc, nullable=False),
    Column("snapshot", Json, nullable=False),
    #: sha256 of the event's canonical JSON (hub.store.ingest.body_hash): a repeated id
    #: with another body is refused. NULL for events stored before migration 0007.
    Column("body_hash", String(64)),
    UniqueConstraint("ma_ho_so", "sequence", name="uq_events_dossier_sequence"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connector", String(50), nullable=False),
    Column("ma_ho_so", String(64), nullable=False),
    Column("event_id", String(100), ForeignKey("events.id"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_run_at", Utc, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_until", Utc),
    Column("last_error", Text),
    Column("error_class", String(50)),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("remote_id", String(200)),
    Column("ma_tthc", String(64)),
    #: Attempts made before the last operator re-run; the retry policy counts from here.
    Column("retry_base", Integer, nullable=False, server_default=text("0")),
    Column("rerun_at", Utc),
    #: Send the dossier's current mirror state instead of the event's snapshot.
    Column("use_current_state", Boolean, nullable=False, server_default=sa_false()),
    Column("operator_reason", Text),
    Column("created_at", Utc, nullable=False),
    Column("updated_at", Utc, nullable=False),
    Column("finished_at", Utc),
    # The claim query: due jobs in claimable states, oldest first. Partial, so it
    # stays small however many finished jobs the table holds (measured on PostgreSQL: a
    # partial index on pending jobs claimed ~1,080/s against ~630/s for (state, id)).
    Index(
        "ix_jobs_due",
        "next_run_at",
        "id",
        sqlite_where=text("state IN ('pending', 'failed')"),
        postgresql_where=text("state IN ('pending', 'failed')"),
    ),
    Index(
        "ix_jobs_running_lease",
        "lease_until",
        sqlite_where=text("state = 'running'"),
        postgresql_where=text("state = 'running'"),
    ),
    # Ordering per (connector, dossier): "is an earlier job still unfinished?"
    Index("ix_jobs_chain", "connector", "ma_ho_so", "id"),
    Index("ix_jobs_dossier", "ma_ho_so", "id"),  # the console: a dossier's jobs, any connector
    Index("ix_jobs_state_connector", "state", "connector"),
    Index("ix_jobs_error_class", "error_class"),
    Index("ix_jobs_updated_at", "updated_at"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("job_id", Id, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("worker", String(100)),
    Column("started_at", Utc, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("outcome", String(16), nullable=False),  # ok | transient | permanent
    Column("error_class", String(50)),
    Column("http_status", Integer),
    Column("error", Text),
    Column("request_excerpt", Text),
    Column("response_excerpt", Text),
)

remote_refs = Table(
    "remote_refs",
    metadata,
    Column("connector", String(50), primary_key=True),
    Column("ma_ho_so", String(64), primary_key=True),
    Column("remote_id", String(200)),
    Column("last_event_id", String(100)),
    Column("last_status", SmallInteger),
    Column("updated_at", Utc, nullable=False),
    # What the ministry says, for systems that process what the province sent (TRACK).
    Column("remote_status", SmallInteger),
    Column("remote_raw_status", String(50)),
    Column("remote_checked_at", Utc),
)

#: What the hub has to tell the province: a ministry's result, refusal or request for
#: a supplement, a deadline at risk. The province reads it in order (``after_id``).
province_updates = Table(
    "province_updates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connector", String(50)),
    Column("ma_ho_so", String(64), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("trang_thai", SmallInteger),
    Column("payload", Json, nullable=False),
    Column("created_at", Utc, nullable=False),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connector", String(50), nullable=False),
    Column("remote_id", String(200), nullable=False),
    Column("ma_ho_so", String(64), nullable=False, index=True),
    Column("ma_tthc", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # new | taken
    Column("snapshot", Json, nullable=False),
    Column("raw_excerpt", Text),
    Column("pulled_at", Utc, nullable=False),
    Column("acked_at", Utc),
    Column("taken_at", Utc),
    Column("taken_by_event", String(100)),
    UniqueConstraint("connector", "remote_id", name="uq_inbox_connector_remote"),
    Index("ix_inbox_state_id", "state", "id"),
)

pull_cursors = Table(
    "pull_cursors",
    metadata,
    Column("connector", String(50), primary_key=True),
    Column("cursor", Text),
    Column("last_success_at", Utc),
    Column("last_error", Text),
    Column("last_error_at", Utc),
    Column("updated_at", Utc, nullable=False),
)


#: Every operator action: who, when, what, why, how many. Append-only: the database
#: refuses UPDATE and DELETE on it (triggers created by the migration).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", Utc, nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(50), nullable=False),
    Column("target", Text, nullable=False),
    Column("reason", Text),
    Column("count", Integer, nullable=False),
    Column("detail", Json),
)

#: Operator tasks acting on many jobs (re-run, skip, cancel by filter), run by the
#: server in chunks, resumable, with an outcome per job.
operations = Table(
    "operations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # retry | skip | cancel
    Column("filter", Json, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text),
    Column("use_current_state", Boolean, nullable=False, server_default=sa_false()),
    Column("state", String(16), nullable=False),  # queued | running | paused | done | failed
    Column("owner", String(100)),
    Column("lease_until", Utc),
    Column("total", Integer, nullable=False, server_default=text("0")),
    Column("processed", Integer, nullable=False, server_default=text("0")),
    Column("applied", Integer, nullable=False, server_default=text("0")),
    Column("refused", Integer, nullable=False, server_default=text("0")),
    Column("last_job_id", Id, nullable=False, server_default=text("0")),
    Column("error", Text),
    Column("created_at", Utc, nullable=False),
    Column("started_at", Utc),
    Column("finished_at", Utc),
    Index("ix_operations_state", "state"),
)

operation_items = Table(
    "operation_items",
    metadata,
    Column("operation_id", Id, ForeignKey("operations.id", ondelete="CASCADE"), primary_key=True),
    Column("job_id", Id, primary_key=True),
    Column("outcome", String(20), nullable=False),  # applied | refused
    Column("detail", Text),
)


# --- reconciliation (issue 7; migration 0004_reconcile) ---------------------------

#: One comparison of the province mirror with one ministry's listing for a period.
reconcile_runs = Table(
    "reconcile_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connector", String(50), nullable=False),
    Column("period_start", String(10), nullable=False),  # YYYY-MM-DD, province time
    Column("period_end", String(10), nullable=False),
    Column("state", String(16), nullable=False),  # running | done | failed
    Column("actor", String(200), nullable=False),
    Column("province_count", Integer, nullable=False, server_default=text("0")),
    Column("remote_count", Integer, nullable=False, server_default=text("0")),
    Column("matched", Integer, nullable=False, server_default=text("0")),
    Column("in_flight", Integer, nullable=False, server_default=text("0")),
    #: Findings per kind: {"only_province": 3, ...}.
    Column("counts", Json, nullable=False),
    Column("repaired", Integer, nullable=False, server_default=text("0")),
    Column("error", Text),
    Column("started_at", Utc, nullable=False),
    Column("finished_at", Utc),
    Index("ix_reconcile_runs_connector_id", "connector", "id"),
)

#: One difference found by a run, and what repair did about it.
reconcile_findings = Table(
    "reconcile_findings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("reconcile_runs.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ma_ho_so", String(64), nullable=False),
    Column("ma_tthc", String(64)),
    Column("province_status", SmallInteger),
    Column("remote_status", SmallInteger),
    Column("province_result", String(200)),
    Column("remote_result", String(200)),
    Column("province_updated_at", Utc),
    Column("remote_updated_at", Utc),
    Column("action", String(30), nullable=False),
    #: What repair did: enqueued | pulled | blocked | failed (None until repaired).
    Column("repair", String(20)),
    Column("repair_detail", Text),
    Index("ix_reconcile_findings_run_kind", "run_id", "kind", "id"),
)


# --- periodic runs (0005) -------------------------------------------------------------

#: One row per (periodic job, time slot) that some hub instance ran: the unique key that
#: makes each scheduled run happen once however many instances are scheduling it.
periodic_runs = Table(
    "periodic_runs",
    metadata,
    Column("job", String(100), primary_key=True),
    Column("slot", BigInteger, primary_key=True, autoincrement=False),
    Column("owner", String(100), nullable=False),
    Column("started_at", Utc, nullable=False, index=True),
)


# --- callback nonces (0006) -------------------------------------------------------------

#: Nonces of the ministry callbacks accepted: a replayed callback finds its row and is
#: refused. Rows older than twice the freshness window can go (nothing older is accepted).
callback_nonces = Table(
    "callback_nonces",
    metadata,
    Column("connector", String(50), primary_key=True),
    Column("nonce", String(200), primary_key=True),
    Column("received_at", Utc, nullable=False, index=True),
)


# --- shipments (0008_bcci) -----------------------------------------------------------------

#: Parcels a carrier (VNPost, connectors/bcci) moves for a dossier: one row per
#: (connector, mã hồ sơ, direction), ``pickup`` (the citizen's dossier to the office) or
#: ``delivery`` (the result to the citizen), at its last tracked state. Written only from
#: the carrier's tracking feed (:meth:`hub.store.shipments.ShipmentQueries.store_tracking_page`).
shipments = Table(
    "shipments",
    metadata,
    Column("connector", String(50), primary_key=True),
    Column("ma_ho_so", String(64), primary_key=True),
    Column("direction", String(16), primary_key=True),
    Column("item_code", String(64)),
    Column("status_code", String(20)),
    Column("kind", String(40), nullable=False),
    Column("post_office", String(100)),
    Column("event_time", Utc),
    Column("events", Integer, nullable=False, server_default=text("0")),
    #: why an operator must act (a delivery that failed for good), until someone does
    Column("attention", Text),
    Column("updated_at", Utc, nullable=False, index=True),
)

#: Where each carrier's tracking feed left off: the last event id seen.
tracking_cursors = Table(
    "tracking_cursors",
    metadata,
    Column("connector", String(50), primary_key=True),
    Column("cursor", Text),
    Column("last_success_at", Utc),
    Column("last_error", Text),
    Column("updated_at", Utc, nullable=False),
)


# --- online payment (PayGov, connectors/payment; migration 0010_payment) ---------------

#: One payment attempt (MaThamChieu): the fees asked by INIT, and what PayGov said.
payment_transactions = Table(
    "payment_transactions",
    metadata,
    Column("ma_tham_chieu", String(50), primary_key=True),
    Column("connector", String(50), nullable=False),
    Column("ma_ho_so", String(64), nullable=False, index=True),
    Column("job_id", Id),
    Column("so_tien", BigInteger, nullable=False),  #: the amount asked, VND
    Column("fees", Json, nullable=False),  #: [{ma, ten, so_tien}]
    Column("payment_url", Text),
    Column("state", String(16), nullable=False),  # pending | paid | cancelled | failed
    Column("requested_at", Utc, nullable=False),  #: the clock is paused from here
    Column("paid_at", Utc),
    Column("paid_amount", BigInteger),
    Column("ma_giao_dich", String(100)),
    Column("ma_ngan_hang", String(50)),
    Column("queried_at", Utc),
    Column("reported_at", Utc),  #: pending too long, told to the province
    Column("receipt", LargeBinary),
    Column("receipt_sha256", String(64)),
    Column("receipt_at", Utc),
    Column("created_at", Utc, nullable=False),
    Column("updated_at", Utc, nullable=False),
    Index("ix_payment_transactions_state_requested", "state", "requested_at"),
)

#: Every Confirm notice received, masked: applied, duplicate or refused (and why).
payment_notices = Table(
    "payment_notices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connector", String(50), nullable=False),
    Column("ma_tham_chieu", String(50), index=True),
    Column("received_at", Utc, nullable=False),
    Column("outcome", String(16), nullable=False),  # applied | duplicate | refused
    Column("ma_loi", String(4), nullable=False),  #: the reply's MaLoi
    Column("reason", Text),
    Column("body", Text),  #: the notice, masked
)
