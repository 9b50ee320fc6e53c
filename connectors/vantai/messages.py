"""vantai's own message codes (hub.messages, docs/messages.md): what each of its
error codes means, in Vietnamese and English."""

from __future__ import annotations

from hub.sdk import Message, define_message

#: error code -> (worth a retry?, its words).
ERRORS: dict[str, tuple[bool, Message]] = {}

_TABLE: dict[str, tuple[bool, str, str]] = {
    "-300": (False, "Mã đơn vị (MaDonVi) để trống: đặt ma_don_vi", "the unit code is empty"),
    "-301": (False, "ApiKey để trống: đặt api_key", "the ApiKey is empty"),
    "-302": (
        False,
        "ApiKey không đúng: kiểm tra api_key Bộ GTVT cấp cho tỉnh",
        "the ApiKey is wrong",
    ),
    "-303": (False, "Mã đơn vị (MaDonVi) không đúng: kiểm tra ma_don_vi", "unknown unit code"),
    "-304": (
        False,
        "ApiKey lỗi (không dùng được cho đơn vị này)",
        "the ApiKey is not valid for this unit",
    ),
    "1": (False, "sai tên đăng nhập hoặc mật khẩu", "the login was refused: check the settings"),
    "2": (False, "dữ liệu gửi không hợp lệ", "the ministry found invalid data"),
    "3": (False, "không tìm thấy hồ sơ", "no such dossier"),
    "-1": (False, "phiên làm việc mới cũng bị từ chối", "a fresh session was refused"),
    "99": (True, "hệ thống đang bận", "the ministry is busy"),
}

for _code, (_transient, _vi, _en) in _TABLE.items():
    _make = define_message(
        f"vantai.error.{_code}", vi=f"mã lỗi {_code}: {_vi}", en=f"error code {_code}: {_en}"
    )
    ERRORS[_code] = (_transient, _make())

REFUSED = define_message(
    "vantai.refused",
    vi="Hệ thống vantai từ chối yêu cầu (mã lỗi {code})",
    en="vantai refused the request (error code {code})",
)
