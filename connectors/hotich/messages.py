"""Hộ tịch's own message codes (hub.messages, docs/messages.md). The refusals come from
the civil-status registration authority (cơ quan đăng ký hộ tịch)."""

from __future__ import annotations

from hub.sdk import define_message

AUTH = define_message(
    "hotich.auth",
    vi="Hệ thống hộ tịch từ chối api-key: kiểm tra mục cấu hình connectors.hotich.api_key",
    en="hộ tịch refused the api-key: check connectors.hotich.api_key",
)
REFUSED = define_message(
    "hotich.refused",
    vi="Cơ quan đăng ký hộ tịch từ chối yêu cầu (mã lỗi {code})",
    en="the civil-status registration authority refused the request (error code {code})",
)
DETAIL_INVALID = define_message(
    "hotich.detail_invalid",
    vi="Thông tin hộ tịch của hồ sơ không dùng được ({kind})",
    en="hộ tịch cannot use this detail ({kind})",
)
NO_MODULE = define_message(
    "hotich.no_module",
    vi="Thủ tục này chưa gắn với loại việc hộ tịch: đặt extra.ho_tich.module "
    "hoặc mục cấu hình connectors.hotich.modules",
    en="hộ tịch has no module for this procedure: set extra.ho_tich.module or "
    "connectors.hotich.modules",
)
MODULE_REQUIRES = define_message(
    "hotich.module_requires",
    vi="Hệ thống hộ tịch ({module}) yêu cầu thông tin này",
    en="hộ tịch ({module}) requires this detail",
)
NOT_RECEIVED = define_message(
    "hotich.not_received",
    vi="Hệ thống hộ tịch chỉ nhận hồ sơ đã được tiếp nhận tại tỉnh",
    en="hộ tịch takes a dossier once it is received at the province",
)
NO_PULL = define_message(
    "hotich.no_pull",
    vi="Hệ thống hộ tịch không có chức năng {what}",
    en="hộ tịch offers no {what}",
)
