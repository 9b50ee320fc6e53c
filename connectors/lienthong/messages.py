"""Liên thông's own message codes (hub.messages, docs/messages.md)."""

from __future__ import annotations

from hub.sdk import define_message

LOGIN_REFUSED = define_message(
    "lienthong.login_refused",
    vi="Hệ thống liên thông từ chối tên đăng nhập hoặc mật khẩu: kiểm tra mục cấu hình "
    "connectors.lienthong",
    en="liên thông refused the user name or password: check connectors.lienthong",
)
TOKEN_REFUSED = define_message(
    "lienthong.token_refused",
    vi="Hệ thống liên thông từ chối cả mã truy cập (token) vừa cấp",
    en="liên thông refused a fresh token",
)
NO_DOSSIER = define_message(
    "lienthong.no_dossier",
    vi="Không có hồ sơ liên thông này",
    en="no such interlinked dossier",
)
NOT_CONFIGURED = define_message(
    "lienthong.not_configured",
    vi="Chưa cấu hình hệ thống liên thông (mục connectors.lienthong)",
    en="connectors.lienthong is not configured",
)
NO_FILE = define_message(
    "lienthong.no_file", vi="Hồ sơ không có tệp thứ {n}", en="no such file ({n})"
)
