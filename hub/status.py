"""The national dossier status codes 1-10 (``TrangThaiHoSo``), their names in
Vietnamese, English and the DVCQG portal's words, and the changes of status the
one-stop-shop rules allow. Re-exported by :mod:`hub.models` and :mod:`hub.sdk`."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ALLOWED_TRANSITIONS", "FINAL_STATUSES", "Status", "transition_allowed"]


class Status(IntEnum):
    """Dossier status, the national portal's ``TrangThaiHoSo`` codes."""

    MOI_DANG_KY = 1  #: Mới đăng ký: filed, not yet received
    DUOC_TIEP_NHAN = 2  #: Được tiếp nhận
    KHONG_DUOC_TIEP_NHAN = 3  #: Không được tiếp nhận
    DANG_XU_LY = 4  #: Đang xử lý
    YEU_CAU_BO_SUNG = 5  #: Yêu cầu bổ sung giấy tờ
    YEU_CAU_NGHIA_VU_TAI_CHINH = 6  #: Yêu cầu thực hiện nghĩa vụ tài chính
    CONG_DAN_RUT_HO_SO = 7  #: Công dân yêu cầu rút hồ sơ
    DUNG_XU_LY = 8  #: Dừng xử lý
    DA_XU_LY_XONG = 9  #: Đã xử lý xong
    DA_TRA_KET_QUA = 10  #: Đã trả kết quả

    @property
    def label_vi(self) -> str:
        return _STATUS_VI[self]

    @property
    def label_en(self) -> str:
        return _STATUS_EN[self]

    @property
    def dvcqg(self) -> str:
        """The DVCQG string for this status (``receiving``, ``new``, ...)."""
        return _STATUS_DVCQG[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


_STATUS_VI = {
    Status.MOI_DANG_KY: "Mới đăng ký",
    Status.DUOC_TIEP_NHAN: "Được tiếp nhận",
    Status.KHONG_DUOC_TIEP_NHAN: "Không được tiếp nhận",
    Status.DANG_XU_LY: "Đang xử lý",
    Status.YEU_CAU_BO_SUNG: "Yêu cầu bổ sung giấy tờ",
    Status.YEU_CAU_NGHIA_VU_TAI_CHINH: "Yêu cầu thực hiện nghĩa vụ tài chính",
    Status.CONG_DAN_RUT_HO_SO: "Công dân yêu cầu rút hồ sơ",
    Status.DUNG_XU_LY: "Dừng xử lý",
    Status.DA_XU_LY_XONG: "Đã xử lý xong",
    Status.DA_TRA_KET_QUA: "Đã trả kết quả",
}
_STATUS_EN = {
    Status.MOI_DANG_KY: "Newly filed",
    Status.DUOC_TIEP_NHAN: "Received",
    Status.KHONG_DUOC_TIEP_NHAN: "Not received",
    Status.DANG_XU_LY: "Processing",
    Status.YEU_CAU_BO_SUNG: "Supplement required",
    Status.YEU_CAU_NGHIA_VU_TAI_CHINH: "Financial obligation required",
    Status.CONG_DAN_RUT_HO_SO: "Withdrawn by the citizen",
    Status.DUNG_XU_LY: "Processing stopped",
    Status.DA_XU_LY_XONG: "Processed",
    Status.DA_TRA_KET_QUA: "Result returned",
}
_STATUS_DVCQG = {
    Status.MOI_DANG_KY: "receiving",
    Status.DUOC_TIEP_NHAN: "new",
    Status.KHONG_DUOC_TIEP_NHAN: "denied",
    Status.DANG_XU_LY: "processing",
    Status.YEU_CAU_BO_SUNG: "waiting",
    Status.YEU_CAU_NGHIA_VU_TAI_CHINH: "paying",
    Status.CONG_DAN_RUT_HO_SO: "cancelled",
    Status.DUNG_XU_LY: "unresolved",
    Status.DA_XU_LY_XONG: "releasing",
    Status.DA_TRA_KET_QUA: "done",
}

FINAL_STATUSES = frozenset(
    {
        Status.KHONG_DUOC_TIEP_NHAN,
        Status.CONG_DAN_RUT_HO_SO,
        Status.DUNG_XU_LY,
        Status.DA_TRA_KET_QUA,
    }
)

_S = Status
#: The transitions the one-stop-shop rules allow (Nghị định 118/2025/NĐ-CP):
#: a filed dossier is received or refused; a received one goes to processing;
#: processing may ask for a supplement or a financial obligation and come back,
#: may stop, or finish; a finished one is returned. The citizen may withdraw at
#: any point before the result. Staying in the same status is always allowed
#: (a progress update within a status).
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    _S.MOI_DANG_KY: frozenset(
        {_S.DUOC_TIEP_NHAN, _S.KHONG_DUOC_TIEP_NHAN, _S.YEU_CAU_BO_SUNG, _S.CONG_DAN_RUT_HO_SO}
    ),
    _S.DUOC_TIEP_NHAN: frozenset(
        {
            _S.DANG_XU_LY,
            _S.YEU_CAU_BO_SUNG,
            _S.YEU_CAU_NGHIA_VU_TAI_CHINH,
            _S.CONG_DAN_RUT_HO_SO,
            _S.DUNG_XU_LY,
            _S.DA_XU_LY_XONG,
        }
    ),
    _S.DANG_XU_LY: frozenset(
        {
            _S.YEU_CAU_BO_SUNG,
            _S.YEU_CAU_NGHIA_VU_TAI_CHINH,
            _S.CONG_DAN_RUT_HO_SO,
            _S.DUNG_XU_LY,
            _S.DA_XU_LY_XONG,
        }
    ),
    _S.YEU_CAU_BO_SUNG: frozenset(
        {_S.DUOC_TIEP_NHAN, _S.DANG_XU_LY, _S.CONG_DAN_RUT_HO_SO, _S.DUNG_XU_LY}
    ),
    _S.YEU_CAU_NGHIA_VU_TAI_CHINH: frozenset(
        {_S.DANG_XU_LY, _S.DA_XU_LY_XONG, _S.CONG_DAN_RUT_HO_SO, _S.DUNG_XU_LY}
    ),
    _S.DA_XU_LY_XONG: frozenset({_S.DA_TRA_KET_QUA, _S.YEU_CAU_NGHIA_VU_TAI_CHINH}),
    _S.KHONG_DUOC_TIEP_NHAN: frozenset(),
    _S.CONG_DAN_RUT_HO_SO: frozenset(),
    _S.DUNG_XU_LY: frozenset(),
    _S.DA_TRA_KET_QUA: frozenset(),
}


def transition_allowed(old: Status, new: Status) -> bool:
    return old == new or new in ALLOWED_TRANSITIONS[old]
