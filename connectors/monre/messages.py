"""MONRE's own message codes (hub.messages, docs/messages.md)."""

from __future__ import annotations

from hub.sdk import define_message

BACKEND_TIMEOUT = define_message(
    "monre.backend_timeout",
    vi="Hệ thống monre hết thời gian chờ ở hệ thống nghiệp vụ của Bộ",
    en="MONRE timed out in its own back end",
)

KHO_AFTER_RETURN = define_message(
    "monre.kho_after_return",
    vi="Chỉ lưu vào kho sau khi đã trả kết quả (trạng thái 10)",
    en="Lưu vào kho comes after the result is returned (status 10)",
)
KHO_BAD_DATE = define_message(
    "monre.kho_bad_date",
    vi="Ngày ký của giấy tờ không đúng định dạng ngày (YYYY-MM-DD)",
    en="the document's ngày ký is not a date (YYYY-MM-DD)",
)
KHO_NO_FILE = define_message(
    "monre.kho_no_file",
    vi="Bước Lưu vào kho cần tệp kết quả của hồ sơ",
    en="Lưu vào kho needs the result's file",
)
