"""Canonical dossier <-> the national portal's records: pure, table-driven functions.

No I/O. Field names follow contract/openapi.yaml. A dossier lacking what the portal
requires raises :class:`MappingError` naming the canonical field; a record that
cannot be read raises :class:`ContractError` naming the portal's field. Messages
never carry values (they may be personal data).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from hub.sdk import (
    Attachment,
    Catalog,
    Channel,
    ContractError,
    DeadlineError,
    DeliveryMethod,
    Dossier,
    MappingError,
    ProcessStep,
    RemoteRecord,
    Status,
    deadline_plan,
    fold,
    message,
)

from .messages import CITIZEN_ID

__all__ = [
    "STAMP_FMT",
    "STATUS_FROM_DVCQG",
    "VN_TZ",
    "format_stamp",
    "from_list_row",
    "from_progress",
    "parse_stamp",
    "status_from_dvcqg",
    "step_deadline",
    "to_dossier",
    "to_progress",
]

SYSTEM = "dvcqg"
#: Vietnam has no daylight saving: a fixed offset avoids depending on tzdata.
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
STAMP_FMT = "%Y%m%d%H%M%S"

#: ``TrangThaiHoSo`` travels as the code "1".."10"; a step's ``TrangThai`` as the
#: portal's word (``processing``). Both are read back either way.
STATUS_FROM_DVCQG: dict[str, Status] = {
    **{str(int(s)): s for s in Status},
    **{s.dvcqg: s for s in Status},
}
#: ``KenhThucHien``: 1 at the counter, 2 online, 3 by public postal service.
KENH = {Channel.TRUC_TIEP: 1, Channel.TRUC_TUYEN: 2, Channel.BUU_CHINH: 3}
#: ``HinhThuc`` of returning the result: 0 at the counter (or online), 1 by post.
HINH_THUC = {DeliveryMethod.TRUC_TIEP: 0, DeliveryMethod.TRUC_TUYEN: 0, DeliveryMethod.BUU_CHINH: 1}


def format_stamp(value: datetime | None) -> str:
    """``yyyyMMddHHmmss`` in Vietnam time; a naive datetime is taken as Vietnam time."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime(STAMP_FMT)


def day_bounds(start: date, end: date) -> tuple[str, str]:
    """A period of days as the portal's ``TuNgay``/``DenNgay`` stamps (both included)."""
    return (
        datetime.combine(start, time(0, 0, 0)).strftime(STAMP_FMT),
        datetime.combine(end, time(23, 59, 59)).strftime(STAMP_FMT),
    )


def parse_stamp(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value), STAMP_FMT).replace(tzinfo=VN_TZ)
    except ValueError:
        raise ContractError(
            message("contract.format", system=SYSTEM, field=field, expected="yyyyMMddHHmmss"),
            system=SYSTEM,
        ) from None


def status_from_dvcqg(value: Any, field: str = "TrangThaiHoSo") -> Status | None:
    """The canonical status of the portal's code or word; None when it sent none."""
    if value in (None, ""):
        return None
    try:
        return STATUS_FROM_DVCQG[str(value).strip()]
    except KeyError:
        raise ContractError(
            message("contract.unknown_value", system=SYSTEM, field=field), system=SYSTEM
        ) from None


# --- dossier -------------------------------------------------------------------------


def to_dossier(dossier: Dossier, *, don_vi_xu_ly: str = "") -> dict[str, Any]:
    """One ``data`` item of ``DongBoHoSoMC``: the whole dossier as the portal holds it."""
    party = dossier.chu_ho_so
    if party.loai_doi_tuong == 1 and not party.so_giay_to:
        raise MappingError(
            CITIZEN_ID(),
            field="chu_ho_so.so_giay_to",
            system=SYSTEM,
        )
    dinh_danh = []
    if party.so_giay_to:
        dinh_danh.append(
            {"LoaiDinhDanh": int(party.loai_dinh_danh or 1), "SoDinhDanh": party.so_giay_to}
        )
    ket_qua = dossier.ket_qua
    return {
        "MaHoSo": dossier.ma_ho_so,
        "MaTTHC": dossier.ma_tthc_quoc_gia,
        "TenTTHC": dossier.ten_tthc or "",
        "MaLinhVuc": dossier.ma_linh_vuc or "",
        "KenhThucHien": KENH[dossier.kenh],
        "ChuHoSo": party.ho_ten,
        "LoaiDoiTuong": party.loai_doi_tuong,
        "MaDoiTuong": "",
        "SoGiayToChuHoSo": party.so_giay_to or "",
        "DinhDanhCHS": dinh_danh,
        "SoDienThoai": party.so_dien_thoai or "",
        "Email": party.email or "",
        "DiaChi": (party.dia_chi.chi_tiet or "") if party.dia_chi else "",
        "TrichYeuHoSo": dossier.trich_yeu or dossier.ten_tthc or "",
        "NgayNopHoSo": format_stamp(dossier.ngay_nop),
        "NgayTiepNhan": format_stamp(dossier.ngay_tiep_nhan),
        "NgayHenTra": format_stamp(dossier.ngay_hen_tra),
        "NgayTra": format_stamp(dossier.ngay_tra),
        "TrangThaiHoSo": str(int(dossier.trang_thai)),
        "HinhThuc": HINH_THUC[dossier.nhan_ket_qua.method],
        "DonViXuLy": dossier.don_vi_xu_ly or don_vi_xu_ly,
        "TaiLieuNop": [_tai_lieu(f) for f in dossier.thanh_phan],
        "DanhSachGiayToKetQua": (
            [_giay_to_ket_qua(f, ket_qua.so, ket_qua.loai_giay_to) for f in ket_qua.files]
            if ket_qua is not None
            else []
        ),
        "DanhSachLePhi": [
            {
                "TenPhiLePhi": fee.ten,
                "MaPhiLePhi": fee.ma or "",
                "HinhThucThu": fee.hinh_thuc_thu or "",
                "Gia": int(fee.so_tien),
            }
            for fee in dossier.le_phi
        ],
        "DanhSachHoSoBoSung": [],
    }


def _tai_lieu(item: Attachment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "TepDinhKemId": item.sha256,
        "TenTepDinhKem": item.ten_tep or item.ten_thanh_phan,
        "MaThanhPhanHoSo": item.ma_thanh_phan or "",
        "DuongDanTaiTepTin": item.file_ref,
    }
    # Carried from the dossier; a flag the province did not state is left out.
    for name, value in (
        ("DuocSoHoa", item.duoc_so_hoa),
        ("DuocTaiSuDung", item.duoc_tai_su_dung),
        ("DuocLayTuKhoDMQG", item.duoc_lay_tu_kho_dmqg),
    ):
        if value is not None:
            out[name] = 1 if value else 0
    return out


def _giay_to_ket_qua(item: Attachment, so: str | None, loai: str | None) -> dict[str, Any]:
    return {
        "TenGiayTo": loai or item.ten_thanh_phan,
        "MaThanhPhanHoSo": item.ma_thanh_phan or "",
        "GiayToId": item.sha256,
        "DuongDanTepTinKetQua": item.file_ref,
        "MaGiayToKetQua": so or "",
    }


# --- processing steps ------------------------------------------------------------------


def step_deadline(dossier: Dossier, step: ProcessStep, catalog: Catalog | None) -> datetime | None:
    """``NgayKetThucTheoQuyDinh`` of a step: its own deadline when the province sent one;
    else the step's deadline in the procedure's process (catalog and working calendar,
    from the receipt), matched by step label or name; else ngày hẹn trả."""
    if step.han_xu_ly is not None:
        return step.han_xu_ly
    procedure = catalog.get(dossier.ma_tthc) if catalog is not None else None
    if procedure is not None and dossier.ngay_tiep_nhan is not None:
        variant = dossier.extra.get("bien_the")
        try:
            plan = deadline_plan(
                procedure, dossier.ngay_tiep_nhan, variant if isinstance(variant, str) else None
            )
        except DeadlineError:
            plan = None
        if plan is not None:
            wanted = fold(step.buoc)
            for planned in plan.steps:
                if wanted in {fold(planned.label), fold(planned.name or "")}:
                    return planned.deadline
            return dossier.ngay_hen_tra or plan.ngay_hen_tra
    return dossier.ngay_hen_tra


def to_progress(
    dossier: Dossier, step: ProcessStep, catalog: Catalog | None, *, status: Status | None = None
) -> dict[str, Any]:
    """One ``data`` item of ``CapNhatTienDoHoSoMC``. ``TrangThai`` is the dossier's status
    after the step (the latest step: the dossier's own; earlier ones: the step's)."""
    item: dict[str, Any] = {
        "MaHoSo": dossier.ma_ho_so,
        "NguoiXuLy": step.nguoi_xu_ly or "",
        "ChucDanh": step.chuc_danh or "",
        "ThoiDiemXuLy": format_stamp(step.ket_thuc or step.bat_dau),
        "PhongBanXuLy": step.phong_ban or "",
        "NoiDungXuLy": step.noi_dung or step.buoc,
        "TrangThai": (status or step.trang_thai).dvcqg,
        "NgayBatDau": format_stamp(step.bat_dau),
        "BuocXuLy": step.buoc,
    }
    deadline = step_deadline(dossier, step, catalog)
    if deadline is not None:
        item["NgayKetThucTheoQuyDinh"] = format_stamp(deadline)
    return item


def from_progress(item: dict[str, Any]) -> ProcessStep:
    """One step of ``TraCuuHoSo``'s ``QuaTrinhXuLy``."""
    status = status_from_dvcqg(item.get("TrangThai"), "QuaTrinhXuLy.TrangThai")
    started = parse_stamp(item.get("NgayBatDau"), "QuaTrinhXuLy.NgayBatDau")
    if status is None or started is None:
        raise ContractError(
            message("contract.missing", operation="QuaTrinhXuLy", field="TrangThai/NgayBatDau"),
            system=SYSTEM,
        )
    return ProcessStep(
        buoc=str(item.get("BuocXuLy") or item.get("NoiDungXuLy") or status.dvcqg)[:300],
        trang_thai=status,
        nguoi_xu_ly=item.get("NguoiXuLy") or None,
        chuc_danh=item.get("ChucDanh") or None,
        phong_ban=item.get("PhongBanXuLy") or None,
        noi_dung=item.get("NoiDungXuLy") or None,
        bat_dau=started,
        han_xu_ly=parse_stamp(
            item.get("NgayKetThucTheoQuyDinh"), "QuaTrinhXuLy.NgayKetThucTheoQuyDinh"
        ),
        ket_thuc=parse_stamp(item.get("ThoiDiemXuLy"), "QuaTrinhXuLy.ThoiDiemXuLy"),
    )


def from_list_row(row: dict[str, Any]) -> RemoteRecord:
    """One line of ``LayDanhSachHoSo``, enough to reconcile against the mirror."""
    if not isinstance(row, dict) or not row.get("MaHoSo"):
        raise ContractError(
            message("contract.missing", operation="LayDanhSachHoSo", field="MaHoSo"),
            system=SYSTEM,
        )
    return RemoteRecord(
        ma_ho_so=str(row["MaHoSo"]),
        ma_tthc=row.get("MaTTHC") or None,
        trang_thai=status_from_dvcqg(row.get("TrangThaiHoSo")),
        updated_at=parse_stamp(row.get("NgayCapNhat"), "NgayCapNhat"),
        result_number=row.get("MaGiayToKetQua") or None,
        result_sha256=row.get("GiayToId") or None,  # the last result document's id (sha256)
    )
