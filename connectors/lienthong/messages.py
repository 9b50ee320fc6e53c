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
