"""The deadline watch: ngày hẹn trả on the mirror, the at-risk and overdue events, the apology.

The decision's rule (the environment-sector decision, "Trường hợp hồ sơ quá hạn"): at
the latest one working day before the deadline, the processing office sends the
citizen a notice or apology letter giving the reason and a new appointment date, and
may set a new date only once. So:

* at ingest, :class:`DeadlineComputer` gives the mirror ngày hẹn trả, the current step
  and its deadline: the province's own values when its snapshot has them, else the
  catalog's plan (:func:`hub.calendar.WorkingCalendar.deadline_plan`);
* :meth:`DeadlineWatch.run` (scheduled, ``now`` injectable) moves ``deadline_state``
  forward, ``ok`` → ``at_risk`` (one working day before) → ``overdue`` (past it), and
  queues a province update on each move, once;
* :meth:`DeadlineWatch.record_apology` records the new appointment date once, refuses
  a second, audits it and tells the province; the watch then follows the new date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, overload

from hub import reasons_api as A
from hub.calendar import TZ, DeadlineError, WorkingCalendar, default_calendar
from hub.errors import ActionRefused, Reason
from hub.logging import get_logger
from hub.models import Dossier, Status

if TYPE_CHECKING:
    from hub.calendar import Pause
    from hub.catalog import Catalog, Procedure
    from hub.store.store import Store

__all__ = [
    "RULE_EN",
    "RULE_VI",
    "ApologyRefused",
    "DeadlineComputer",
    "DeadlineState",
    "DeadlineWatch",
    "MirrorDeadline",
    "snapshot_deadline",
]

log = get_logger("hub.deadlines")

RULE_VI = (
    "Chậm nhất một ngày làm việc trước ngày hết hạn, cơ quan xử lý hồ sơ phải gửi thông báo "
    "hoặc văn bản xin lỗi đến tổ chức, cá nhân, nêu rõ lý do quá hạn và hẹn lại ngày trả kết "
    "quả; việc hẹn lại chỉ được thực hiện một lần."
)
RULE_EN = (
    "At the latest one working day before the deadline, the processing office must send the "
    "citizen a notice or apology letter giving the reason and a new appointment date; a new "
    "date may be set only once."
)


class DeadlineState(StrEnum):
    """Where a dossier stands against its deadline; the watch only moves it forward."""

    OK = "ok"  #: more than one working day left
    AT_RISK = "at_risk"  #: within one working day of the deadline: the apology is due
    OVERDUE = "overdue"  #: past the deadline


_RANK = {DeadlineState.OK: 0, DeadlineState.AT_RISK: 1, DeadlineState.OVERDUE: 2}
_KIND = {DeadlineState.AT_RISK: "deadline_at_risk", DeadlineState.OVERDUE: "deadline_overdue"}

#: Statuses whose clock is stopped (a supplement or the citizen's financial obligation
#: awaited), or not started (filed, not yet received): the watch passes them by.
_CLOCK_STOPPED = (
    int(Status.MOI_DANG_KY),
    int(Status.YEU_CAU_BO_SUNG),
    int(Status.YEU_CAU_NGHIA_VU_TAI_CHINH),
)
_PAUSING = {Status.YEU_CAU_BO_SUNG, Status.YEU_CAU_NGHIA_VU_TAI_CHINH}


class ApologyRefused(ActionRefused):
    """An apology the rule refuses (a second one, a date not later); ``reason`` says why.

    On the API: not_found 404, refused 409, invalid 422 (``ActionRefused``'s map), at
    ``new_date`` for a date or reason the rule refuses, else at ``ma_ho_so``.
    """

    messages_vi: ClassVar[dict[str, str]] = {
        "not_found": "không có hồ sơ này",
        "refused": (
            "không ghi nhận được: chỉ được hẹn lại một lần, với hồ sơ chưa giải quyết xong"
        ),
        "invalid": "ngày hẹn mới phải sau ngày hẹn hiện tại và phải có lý do",
    }

    def __init__(self, reason: Reason, *, code: str = "refused") -> None:
        super().__init__(reason, code=code, loc="new_date" if code == "invalid" else "ma_ho_so")


# --- at ingest: what the mirror carries ------------------------------------------------


@dataclass(frozen=True, slots=True)
class MirrorDeadline:
    """The deadline columns of one mirror row, as aware datetimes."""

    ngay_hen_tra: datetime | None = None
    buoc_hien_tai: str | None = None
    han_buoc_hien_tai: datetime | None = None

    def columns(self) -> dict[str, Any]:
        """The values for the ``dossiers`` table, times in UTC (how the store keeps them)."""
        return {
            "ngay_hen_tra": _utc(self.ngay_hen_tra),
            "buoc_hien_tai": self.buoc_hien_tai[:300] if self.buoc_hien_tai else None,
            "han_buoc_hien_tai": _utc(self.han_buoc_hien_tai),
        }


def snapshot_deadline(dossier: Dossier) -> MirrorDeadline:
    """What the province itself says: ``ngay_hen_tra``, ``qua_trinh[-1]`` or ``buoc_hien_tai``."""
    last = dossier.qua_trinh[-1] if dossier.qua_trinh else None
    return MirrorDeadline(
        ngay_hen_tra=dossier.ngay_hen_tra,
        buoc_hien_tai=(last.buoc if last else None) or dossier.buoc_hien_tai,
        han_buoc_hien_tai=last.han_xu_ly if last else None,
    )


class DeadlineComputer:
    """``deadline_for(dossier, at)`` for :meth:`hub.store.store.Store.ingest`.

    The province's values win; what it leaves out comes from the catalog's plan,
    counted from ``ngay_tiep_nhan`` with the supplement and payment periods of
    ``qua_trinh`` as pauses. A procedure with several processes needs the variant in
    ``extra["bien_the"]``; without it (or without a stated time) the columns the
    province did not send stay empty. With no named step, the current step is the one
    the plan expects at ``at``: the first whose deadline is still ahead.
    """

    def __init__(self, catalog: Catalog, calendar: WorkingCalendar | None = None) -> None:
        self.catalog = catalog
        self.calendar = calendar or default_calendar()

    def __call__(self, dossier: Dossier, at: datetime) -> MirrorDeadline:
        given = snapshot_deadline(dossier)
        if given.ngay_hen_tra is not None and given.han_buoc_hien_tai is not None:
            return given  # the province said it all
        procedure = self.catalog.get(dossier.ma_tthc)
        if procedure is None or dossier.ngay_tiep_nhan is None:
            return given
        named = dossier.extra.get("bien_the")
        variant = str(named) if named is not None else None
        if given.ngay_hen_tra is not None and _no_steps(procedure, variant):
            # The province's date wins and the plan would name no step: counting it (every
            # ingested event) would give nothing the columns take.
            return given
        try:
            plan = self.calendar.deadline_plan(
                procedure, dossier.ngay_tiep_nhan, variant, _pauses(dossier)
            )
        except DeadlineError as exc:
            log.info("deadline_not_computed", ma_tthc=dossier.ma_tthc, reason=str(exc))
            return given
        step_name, step_deadline = given.buoc_hien_tai, given.han_buoc_hien_tai
        if step_deadline is None and plan.steps:
            if step_name is None:
                step = next((s for s in plan.steps if s.deadline > at), plan.steps[-1])
                step_name = f"{step.label}. {step.name}" if step.name else step.label
                step_deadline = step.deadline
            else:
                step_deadline = _step_deadline(plan.steps, step_name)
        return MirrorDeadline(
            ngay_hen_tra=given.ngay_hen_tra or plan.ngay_hen_tra,
            buoc_hien_tai=step_name,
            han_buoc_hien_tai=step_deadline,
        )


def _no_steps(procedure: Procedure, variant: str | None) -> bool:
    """The plan of ``procedure`` (``variant``) would have no step, and no reason not to
    be computed (a variant to choose, no stated time: those are still logged)."""
    process = procedure.process(variant)
    if process is None:
        return not procedure.quy_trinh and procedure.thoi_han_ngay_lam_viec is not None
    return not process.buoc and process.tong_ngay is not None


def _pauses(dossier: Dossier) -> list[Pause]:
    """Closed supplement and payment periods of the history: the clock stops in them."""
    return [
        (s.bat_dau, s.ket_thuc)
        for s in dossier.qua_trinh
        if s.trang_thai in _PAUSING and s.ket_thuc is not None and s.ket_thuc > s.bat_dau
    ]


def _step_deadline(steps: list[Any], name: str) -> datetime | None:
    """The plan's deadline of the step the province names (``03``, ``Bước 03``, ``03. …``)."""
    key = name.strip().lower().removeprefix("bước").strip().split(".")[0].split(" ")[0]
    for s in steps:
        if s.label.lower() == key or s.label.lower().lstrip("0") == key.lstrip("0"):
            return s.deadline
    return None


# --- the watch -------------------------------------------------------------------------


class DeadlineWatch:
    """Moves ``deadline_state`` forward and tells the province; records apologies."""

    def __init__(self, store: Store, calendar: WorkingCalendar | None = None) -> None:
        self.store = store
        self.calendar = calendar or default_calendar()

    def run(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """One pass: each dossier whose deadline is within one working day or past moves
        to ``at_risk`` or ``overdue``, with one province update per move. Returns them.

        A dossier that went from ``ok`` straight past its deadline (the hub was down)
        gets only the overdue update: the at-risk moment is gone.
        """
        now = _aware(now or datetime.now(UTC))
        cal = self.calendar
        # Every deadline whose at-risk moment is before ``now`` lies before this bound
        # (one working day ahead, pushed to the next session's start across a night).
        bound = _utc(cal.start_of_clock(cal.add_working_time(now, cal.day_length)))
        rows = self.store.deadline_candidates(bound, _CLOCK_STOPPED)
        queued = []
        for row in rows:
            deadline = _aware(row["ngay_hen_tra_moi"] or row["ngay_hen_tra"])
            if cal.is_overdue(deadline, now):
                target = DeadlineState.OVERDUE
            elif cal.at_risk_from(deadline) <= now:
                target = DeadlineState.AT_RISK
            else:
                continue
            current = DeadlineState(row["deadline_state"])
            if _RANK[target] <= _RANK[current]:
                continue
            update_ = self._advance(row, current, target, deadline)
            if update_ is not None:
                queued.append(update_)
        return queued

    def _advance(
        self,
        row: dict[str, Any],
        current: DeadlineState,
        target: DeadlineState,
        deadline: datetime,
    ) -> dict[str, Any] | None:
        """Move one dossier and queue its update in one transaction; None if another
        watcher (or an apology) changed the row first."""
        payload = _payload(row, target, deadline, self.calendar)
        update_id = self.store.advance_deadline(
            row, current.value, target.value, _KIND[target], payload
        )
        if update_id is None:
            return None
        log.info(
            "deadline_state_changed",
            ma_ho_so=row["ma_ho_so"],
            state=target.value,
            update_id=update_id,
        )
        return {"id": int(update_id), "kind": _KIND[target], "payload": payload}

    # --- the apology -----------------------------------------------------------------

    def record_apology(
        self,
        ma_ho_so: str,
        new_date: datetime,
        *,
        actor: str,
        reason: str,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Record the apology letter's new appointment date, once.

        Refused (:class:`ApologyRefused`): an unknown or finished dossier, one without a
        ngày hẹn trả, a second apology, a new date not after the current one, no reason.
        Recorded after the at-risk moment, it is kept and marked ``late``. Audited, and
        the province hears ``appointment_rescheduled``; the watch follows the new date.
        """
        now = _aware(now or datetime.now(UTC))
        new_date = _aware(new_date)
        if not reason or not reason.strip():
            raise ApologyRefused(A.APOLOGY_REASON(), code="invalid")
        outcome: dict[str, Any] = {}

        def plan(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
            late, old = self._check_apology(ma_ho_so, row, new_date, now)
            values = {
                "apology_sent_at": _utc(now),
                "ngay_hen_tra_moi": _utc(new_date),
                "deadline_state": DeadlineState.OK.value,
            }
            detail = {
                "ngay_hen_tra": _local(old),
                "ngay_hen_tra_moi": _local(new_date),
                "late": late,
            }
            outcome.update(
                ma_ho_so=ma_ho_so,
                ma_tthc=row["ma_tthc"],
                ngay_hen_tra=_local(old),
                ngay_hen_tra_moi=_local(new_date),
                apology_sent_at=_local(now),
                late=late,
                reason=reason,
                rule_vi=RULE_VI,
                rule_en=RULE_EN,
            )
            return values, detail, dict(outcome)

        update_id = self.store.record_apology(ma_ho_so, plan, actor=actor, reason=reason)
        if update_id is None:
            raise ApologyRefused(A.APOLOGY_NO_DOSSIER(ma_ho_so=ma_ho_so), code="not_found")
        payload, late = outcome, outcome["late"]
        log.info("appointment_rescheduled", ma_ho_so=ma_ho_so, late=late, update_id=update_id)
        return {"update_id": int(update_id), **payload}

    def _check_apology(
        self, ma_ho_so: str, row: dict[str, Any], new_date: datetime, now: datetime
    ) -> tuple[bool, datetime]:
        """Refuse what the rule forbids; else (late, the current ngày hẹn trả)."""
        if Status(row["trang_thai"]) in _FINISHED:
            status = Status(row["trang_thai"]).label_vi
            raise ApologyRefused(A.APOLOGY_FINISHED(ma_ho_so=ma_ho_so, status=status))
        if row["apology_sent_at"] is not None:
            moved_to, sent = _local(row["ngay_hen_tra_moi"]), _local(row["apology_sent_at"])
            raise ApologyRefused(A.APOLOGY_TWICE(ma_ho_so=ma_ho_so, moved_to=moved_to, sent=sent))
        if row["ngay_hen_tra"] is None:
            raise ApologyRefused(A.APOLOGY_NO_DATE(ma_ho_so=ma_ho_so))
        old = _aware(row["ngay_hen_tra"])
        if new_date <= old:
            raise ApologyRefused(
                A.APOLOGY_NOT_LATER(new=_local(new_date), old=_local(old)),
                code="invalid",
            )
        return now > self.calendar.at_risk_from(old), old

    # --- reading ---------------------------------------------------------------------

    def list_dossiers(
        self,
        *,
        overdue_only: bool = False,
        connector: str | None = None,
        ma_tthc: str | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """Dossiers at risk or overdue (as the last watch left them), soonest deadline first."""
        states = ["overdue"] if overdue_only else ["at_risk", "overdue"]
        prefix = ".".join(ma_tthc.split(".")[0:2]) if ma_tthc else None
        rows = self.store.deadline_dossiers(
            states, ma_tthc_prefix=prefix, connector=connector, limit=limit
        )
        out = []
        for r in rows:
            deadline = r["ngay_hen_tra_moi"] or r["ngay_hen_tra"]
            out.append(
                {
                    "ma_ho_so": r["ma_ho_so"],
                    "ma_tthc": r["ma_tthc"],
                    "trang_thai": r["trang_thai"],
                    "deadline_state": r["deadline_state"],
                    "han": _local(deadline),
                    "ngay_hen_tra": _local(r["ngay_hen_tra"]),
                    "ngay_hen_tra_moi": _local(r["ngay_hen_tra_moi"]),
                    "buoc_hien_tai": r["buoc_hien_tai"],
                    "han_buoc_hien_tai": _local(r["han_buoc_hien_tai"]),
                    "apology_sent_at": _local(r["apology_sent_at"]),
                    "apology_allowed": r["apology_sent_at"] is None,
                }
            )
        out.sort(key=lambda d: d["han"] or "")
        return out


_FINISHED = frozenset(
    {
        Status.KHONG_DUOC_TIEP_NHAN,
        Status.CONG_DAN_RUT_HO_SO,
        Status.DUNG_XU_LY,
        Status.DA_XU_LY_XONG,
        Status.DA_TRA_KET_QUA,
    }
)


def _payload(
    row: dict[str, Any], state: DeadlineState, deadline: datetime, calendar: WorkingCalendar
) -> dict[str, Any]:
    return {
        "ma_ho_so": row["ma_ho_so"],
        "ma_tthc": row["ma_tthc"],
        "deadline_state": state.value,
        "han": _local(deadline),
        "ngay_hen_tra": _local(row["ngay_hen_tra"]),
        "ngay_hen_tra_moi": _local(row["ngay_hen_tra_moi"]),
        "at_risk_from": _local(calendar.at_risk_from(deadline)),
        "buoc_hien_tai": row["buoc_hien_tai"],
        "han_buoc_hien_tai": _local(row["han_buoc_hien_tai"]),
        "apology_sent_at": _local(row["apology_sent_at"]),
        "apology_allowed": row["apology_sent_at"] is None,
        "rule_vi": RULE_VI,
        "rule_en": RULE_EN,
    }


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


@overload
def _utc(moment: datetime) -> datetime: ...
@overload
def _utc(moment: None) -> None: ...
def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment).astimezone(UTC)


def _local(moment: datetime | None) -> str | None:
    """ISO 8601 in province time, as officials read it."""
    return None if moment is None else _aware(moment).astimezone(TZ).isoformat()
