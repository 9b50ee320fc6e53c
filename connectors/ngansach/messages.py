"""ngansach's own message codes (hub.messages, docs/messages.md): what each of its
error codes means, in Vietnamese and English."""

from __future__ import annotations

from hub.sdk import Message, define_message

#: error code -> (worth a retry?, its words).
ERRORS: dict[str, tuple[bool, Message]] = {}

_TABLE: dict[str, tuple[bool, str, str]] = {
    "BUSY": (True, "hệ thống đang bận", "the ministry is busy"),
    "INVALID": (False, "yêu cầu không hợp lệ", "the ministry found invalid data"),
    "AUTH": (
        False,
        "khóa truy cập không đúng: kiểm tra connectors.ngansach.access_key",
        "key refused",
    ),
    "NOT_FOUND": (False, "không tìm thấy hồ sơ", "no such dossier"),
}

for _code, (_transient, _vi, _en) in _TABLE.items():
    _make = define_message(
        f"ngansach.error.{_code}", vi=f"mã lỗi {_code}: {_vi}", en=f"error code {_code}: {_en}"
    )
    ERRORS[_code] = (_transient, _make())

REFUSED = define_message(
    "ngansach.refused",
    vi="Hệ thống ngansach từ chối yêu cầu (mã lỗi {code})",
    en="ngansach refused the request (error code {code})",
)
