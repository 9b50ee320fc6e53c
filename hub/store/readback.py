"""Reading stored events back, one row at a time, so that one row the hub cannot read
(stored before today's ingest limits, or written by hand) fails alone: its job ends dead
with a reason, and the worker goes on with the others (issue #23).

What can fail: a time outside the years Python represents (PostgreSQL stores year 1 BC,
and its driver raises on the whole result when it meets one: so times are read as text
and parsed here), a snapshot nested deeper than the JSON parser allows, a snapshot that
no longer validates. Reasons name the column and the kind of fault, never a value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from hub.fastcheck import FastValidator
from hub.masking import mask_text
from hub.models import Dossier, DossierEvent, EventType

__all__ = [
    "UNREADABLE_EVENT",
    "EventRow",
    "Unreadable",
    "read_dossier",
    "read_event",
    "read_stored_time",
    "shown_event",
    "unreadable_reason",
]

#: The error class of a job whose stored event cannot be read back.
UNREADABLE_EVENT = "unreadable_event"

#: A snapshot is validated as ``Dossier.model_validate_json`` does, its common case
#: without the Python text and date checks (issue #21, hub.fastcheck).
_DOSSIER = FastValidator(Dossier)


class Unreadable(ValueError):
    """A stored value the hub cannot read back; ``reason`` says which and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


EventRow = Any  #: a row of ``Statements.events``: id, type, occurred_at (text), ..., snapshot


def read_stored_time(value: Any, column: str) -> datetime:
    """A stored time read as text (``CAST(... AS TEXT)``), as an aware UTC datetime.

    SQLite gives ``2024-05-01 01:27:00.000000`` (UTC); PostgreSQL gives the instant in
    the session's time zone, ``2024-05-01 08:27:00+07``, and ``... BC`` before year 1.
    """
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if value is None:
        raise Unreadable(f"{column} is empty")
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise Unreadable(
            f"{column} is outside the years the hub can represent (1-9999) or not a time"
        ) from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def unreadable_reason(what: str, exc: Exception) -> str:
    """Why ``what`` cannot be read back: the fault's kind and place, no value."""
    if isinstance(exc, Unreadable):
        return f"{what}: {exc.reason}"
    if isinstance(exc, ValidationError):
        faults = []
        for e in exc.errors(include_input=False, include_url=False)[:3]:
            loc = ".".join(str(p) for p in e["loc"]) or "snapshot"
            faults.append(f"{loc}: {e['msg']}")
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        return mask_text(f"{what}: " + "; ".join(faults) + more)[:500]
    if isinstance(exc, RecursionError):
        return f"{what}: nested too deeply to be read"
    return f"{what}: {type(exc).__name__}"


def read_event(row: EventRow) -> DossierEvent:
    """One stored event (validated when it was accepted): the snapshot parsed from its
    JSON text by pydantic (in Rust), the event's own columns as stored. Raises
    :class:`Unreadable` with the reason when the row cannot be read back."""
    try:
        return DossierEvent.model_construct(
            id=row.id,
            type=EventType(row.type),
            occurred_at=read_stored_time(row.occurred_at, "occurred_at"),
            ma_ho_so=row.ma_ho_so,
            sequence=row.sequence,
            snapshot=_DOSSIER.validate_json(row.snapshot),
        )
    except Exception as exc:  # one row's data: reported for this row alone
        raise Unreadable(unreadable_reason("the stored event cannot be read back", exc)) from None


def read_dossier(snapshot: str) -> Dossier:
    """A mirror row's snapshot (its JSON as text) as a Dossier; :class:`Unreadable` if not."""
    try:
        return _DOSSIER.validate_json(snapshot)
    except Exception as exc:
        raise Unreadable(
            unreadable_reason("the dossier's current state cannot be read back", exc)
        ) from None


def shown_event(row: Any) -> dict[str, Any]:
    """An event row for the operator's view, ``occurred_at`` read as text (see
    :func:`read_stored_time`): shown as stored when Python cannot represent it."""
    shown = {
        k: (v.astimezone(UTC) if v.tzinfo else v.replace(tzinfo=UTC))
        if isinstance(v, datetime)
        else v
        for k, v in row._mapping.items()
    }
    try:
        shown["occurred_at"] = read_stored_time(shown["occurred_at"], "occurred_at")
    except Unreadable:
        pass
    return shown
