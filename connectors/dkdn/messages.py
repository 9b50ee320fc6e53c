"""dkdn's own message codes (hub.messages, docs/messages.md): what each of its
error codes means, in Vietnamese and English."""

from __future__ import annotations

from hub.sdk import Message, define_message

#: error code -> (worth a retry?, its words).
ERRORS: dict[str, tuple[bool, Message]] = {}

_TABLE: dict[str, tuple[bool, str, str]] = {
    "1": (False, "khóa ApiKey không đúng: kiểm tra connectors.dkdn.api_key", "the key was refused"),
    "2": (False, "tham số không hợp lệ", "the gateway found an invalid parameter"),
    "3": (False, "không tìm thấy", "not found"),
    "99": (True, "hệ thống đang bận", "the gateway is busy"),
}

for _code, (_transient, _vi, _en) in _TABLE.items():
    _make = define_message(
        f"dkdn.error.{_code}", vi=f"mã lỗi {_code}: {_vi}", en=f"error code {_code}: {_en}"
    )
    ERRORS[_code] = (_transient, _make())

REFUSED = define_message(
    "dkdn.refused",
    vi="Hệ thống dkdn từ chối yêu cầu (mã lỗi {code})",
    en="dkdn refused the request (error code {code})",
)
