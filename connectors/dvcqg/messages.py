"""The national portal's (DVCQG) own message codes (hub.messages, docs/messages.md)."""

from __future__ import annotations

from hub.sdk import define_message

WRONG_CREDENTIALS = define_message(
    "dvcqg.credentials",
    vi="Cổng DVCQG từ chối tên đăng nhập, mật khẩu hoặc dstcode: kiểm tra mục cấu hình "
    "connectors.dvcqg",
    en="the portal refused the username, password or dstcode: check connectors.dvcqg",
)
UNKNOWN_PROCEDURE = define_message(
    "dvcqg.unknown_procedure",
    vi="Cổng DVCQG không có mã TTHC này (chạy `tthc-hub dvcqg check-catalog`)",
    en="the portal does not know this mã TTHC (run `tthc-hub dvcqg check-catalog`)",
)
NOT_ALLOWED = define_message(
    "dvcqg.not_allowed",
    vi="Cổng DVCQG không cho đơn vị (madonvi) này đồng bộ hồ sơ",
    en="the portal does not let this madonvi sync the dossier",
)
CITIZEN_ID = define_message(
    "dvcqg.citizen_id",
    vi="Cổng DVCQG xác định công dân bằng số giấy tờ (CCCD/CMND)",
    en="the portal identifies a citizen by số giấy tờ (CCCD/CMND)",
)
