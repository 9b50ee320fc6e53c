"""The batch-ingest fast paths (issue #21) give the answers of the paths they bypass.

- a deadline with no pause counts whole working days at once: the same moment as the
  session-by-session walk (forced here by a pause that ends before the start);
- a province-given ngày hẹn trả on a procedure whose plan has no step skips the plan:
  the mirror's deadline columns are those the plan would have given;
- a snapshot serialised once and spliced into the event's canonical JSON hashes as the
  whole event always did, so an id stored before the change is still a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta, timezone

from hub.calendar import TZ, default_calendar
from hub.models import Dossier, EventType
from hub.store.ingest import body_hash, canonical_json
from hub.testing.samples import sample_dossier, sample_event

CAL = default_calendar()


def test_unpaused_deadline_is_the_walked_one() -> None:
    rnd = random.Random(21)
    past = (datetime(2000, 1, 3, 8, tzinfo=TZ), datetime(2000, 1, 3, 9, tzinfo=TZ))
    for _ in range(3000):
        start = datetime(2024, 1, 1, tzinfo=TZ) + timedelta(minutes=rnd.randrange(3 * 525_600))
        amount = rnd.choice(
            [
                CAL.day_length * rnd.choice([0.5, 1, 2, 3, 5, 15, 22, 60]),
                timedelta(minutes=rnd.randrange(1, 60 * 24 * 20)),
            ]
        )
        fast = CAL.add_working_time(start, amount)
        walked = CAL.add_working_time(start, amount, [past])
        assert fast == walked and fast.utcoffset() == walked.utcoffset(), (start, amount)


def test_deadline_without_steps_skips_the_plan_and_answers_the_same(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import hub.deadlines as D
    from hub.catalog import load_catalog

    catalog = load_catalog()
    computer = D.DeadlineComputer(catalog, CAL)
    procedures = list(catalog)
    assert any(not p.quy_trinh for p in procedures) and any(p.quy_trinh for p in procedures)
    pause = {
        "buoc": "Bổ sung",
        "trang_thai": 5,
        "bat_dau": "2025-09-17T07:30:00+07:00",
        "ket_thuc": "2025-09-18T17:00:00+07:00",
    }
    cases = []
    rnd = random.Random(4)
    for procedure in procedures:
        for variant in [None, "no-such-variant", *(q.bien_the for q in procedure.quy_trinh)]:
            for given in (True, False):
                for history in ([], [pause]):
                    data = sample_dossier(rnd).model_dump(mode="json")
                    data["ma_tthc"] = procedure.ma_tthc
                    data["extra"] = {"bien_the": variant} if variant else {}
                    data["qua_trinh"] = history
                    data["buoc_hien_tai"] = None  # the plan names the current step
                    if not given:
                        data["ngay_hen_tra"] = None
                    cases.append(Dossier.model_validate(data))
    plans: list[object] = []
    plan = CAL.deadline_plan

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        plans.append(args)
        return plan(*args, **kwargs)

    monkeypatch.setattr(CAL, "deadline_plan", counted)
    at = datetime(2025, 10, 1, 9, tzinfo=TZ)
    fast = [computer(d, at) for d in cases]
    planned = len(plans)
    monkeypatch.setattr(D, "_no_steps", lambda *_a: False)  # always the whole plan
    assert fast == [computer(d, at) for d in cases]
    assert 0 < planned < len(plans) - planned  # the short cut was taken, not always
    assert any(f.ngay_hen_tra for f in fast) and any(f.han_buoc_hien_tai for f in fast)


def _legacy_hash(event: object) -> str:
    data = event.model_dump(mode="json", exclude={"sequence"})  # type: ignore[attr-defined]
    data["occurred_at"] = event.occurred_at.astimezone(UTC).isoformat()  # type: ignore[attr-defined]
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_body_hash_is_unchanged() -> None:
    """The event's own fields written by hand hash as the whole event dumped always did:
    every event type, ids with each allowed punctuation, ``occurred_at`` at any offset
    (naive: the province's clock), a ``sequence`` or none."""
    types = list(EventType)
    offsets = [UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3, minutes=-30)), None]
    for i in range(400):
        event = sample_event(sample_dossier(random.Random(i)), types[i % len(types)], seq=i + 1)
        at = event.occurred_at.astimezone(offsets[i % len(offsets)] or UTC)
        event = event.model_validate(
            event.model_dump()
            | {
                "id": f"{'evt.:_-'[i % 5]}{i}-ID",
                "occurred_at": at.replace(tzinfo=None) if offsets[i % 4] is None else at,
                "sequence": None if i % 3 else i + 1,
            }
        )
        text = canonical_json(event.snapshot.model_dump(mode="json"))
        assert body_hash(event) == body_hash(event, text) == _legacy_hash(event)


def test_driver_binds_are_sqlalchemys() -> None:
    """The rows ingest writes with the driver's executemany bind each value as the
    column's SQLAlchemy type would: on SQLite a time is compared as text, so the text
    must be SQLAlchemy's to the character (UTC, microseconds, year padded)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from hub.store.bulk import _driver_insert
    from hub.store.tables import Utc, UtcDateTime, dossiers, events, jobs

    rnd = random.Random(21)
    times = [
        datetime(1900, 1, 1, tzinfo=UTC),
        datetime(2025, 8, 4, 9, 10, tzinfo=TZ),
        datetime(2100, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=-11))),
        datetime(2025, 3, 1, 0, 0, 0, 1),  # naive: taken as UTC
    ] + [
        datetime(2020, 1, 1, tzinfo=UTC) + timedelta(microseconds=rnd.randrange(10**15))
        for _ in range(200)
    ]
    for dialect in (sqlite.dialect(), postgresql.psycopg.dialect()):
        theirs = Utc.dialect_impl(dialect).bind_processor(dialect)  # the TypeDecorator's too
        assert theirs is not None
        for table in (events, jobs, dossiers):
            keys = tuple(c.name for c in table.c if isinstance(c.type, UtcDateTime))
            _sql, converters = _driver_insert(dialect, table, keys, False)
            for value in times:
                for convert in converters:
                    assert convert(value) == theirs(value), (dialect.name, value)
