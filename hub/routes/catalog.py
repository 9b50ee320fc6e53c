"""``/api/v1/catalog``: the procedures, their steps, and a deadline check, as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from hub.catalog_laws import outdated_basis
from hub.errors import RequestRefused
from hub.params import DATE_RANGE, ApiDateTime, text_path, text_query
from hub.routes import error_response

if TYPE_CHECKING:
    from hub.catalog import Procedure
    from hub.service import Hub

__all__ = ["build", "procedure_json"]

_RECEIVED = f"ISO 8601 within {DATE_RANGE}; without an offset, local time (UTC+7)"


def _error(loc: str, type_: str, message_en: str, status: int) -> JSONResponse:
    return error_response(RequestRefused(message_en, code=type_, status=status, loc=loc))


def _summary(p: Procedure) -> dict[str, Any]:
    return {
        "ma_tthc": p.ma_tthc,
        "ten": p.ten,
        "nganh": p.nganh,
        "linh_vuc": p.linh_vuc,
        "cap": p.cap.value if p.cap else None,
        "thoi_han_ngay_lam_viec": p.thoi_han_ngay_lam_viec,
        "bien_the": [v for v in p.variants if v],
    }


def procedure_json(p: Procedure) -> dict[str, Any]:
    """A procedure with its processes, the computed step sums and the mismatches."""
    data = p.model_dump(mode="json")
    for process, out in zip(p.quy_trinh, data["quy_trinh"], strict=True):
        out["tong_ngay_cac_buoc"] = process.step_days
    data["chenh_lech"] = [
        {
            "bien_the": m.variant,
            "buoc": m.step,
            "theo_van_ban": m.stated,
            "cong_cac_buoc": m.computed,
            "chenh_lech": m.difference,
            "mo_ta": m.describe("vi"),
            "mo_ta_en": m.describe("en"),
        }
        for m in p.step_total_mismatch
    ]
    # The newer laws the procedure's legal basis predates (hub/catalog_laws.py).
    data["can_cu_truoc_luat_moi"] = outdated_basis(p)
    return data


def build(hub: Hub) -> APIRouter:
    router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

    @router.get("")
    async def list_procedures(
        sector: str | None = text_query(),
        search: str | None = text_query(),
        level: str | None = text_query(),
    ) -> dict[str, Any]:
        return {
            "items": [
                _summary(p) for p in hub.catalog.search(sector=sector, text=search, level=level)
            ]
        }

    @router.get("/{ma_tthc}")
    async def get_procedure(ma_tthc: str = text_path()) -> JSONResponse:
        p = hub.catalog.get(ma_tthc)
        if p is None:
            return _error("ma_tthc", "ma_tthc_unknown", "mã TTHC is not in the catalog", 404)
        return JSONResponse(procedure_json(p))

    @router.get("/{ma_tthc}/deadline")
    async def deadline(
        # In Annotated: FastAPI drops a type's validators when Query() is the default.
        received: Annotated[ApiDateTime, Query(description=_RECEIVED)],
        ma_tthc: str = text_path(),
        variant: str | None = text_query(),
    ) -> JSONResponse:
        from hub.calendar import TZ, DeadlineError
        from hub.commands.catalog import plan_json

        p = hub.catalog.get(ma_tthc)
        if p is None:
            return _error("ma_tthc", "ma_tthc_unknown", "mã TTHC is not in the catalog", 404)
        received_at = received
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=TZ)
        try:
            plan = hub.calendar.deadline_plan(p, received_at, variant)  # office hours: settings
        except DeadlineError as exc:
            refused = RequestRefused(
                exc.message, code="deadline_unavailable", status=422, loc="variant"
            )
            return error_response(refused)
        return JSONResponse(plan_json(plan))

    return router
