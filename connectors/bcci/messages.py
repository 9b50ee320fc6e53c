"""bcci's own message codes (hub.messages, docs/messages.md): what VNPost's Status codes
mean, and the words an official reads when a dossier lacks what a postal order needs.

The authority is "Bưu chính công ích (VNPost)"; ``{system}`` stays the connector's
short name where the hub's generic codes are used instead (contract.missing, ...).
"""

from __future__ import annotations

from hub.sdk import Message, define_message

_WHO_VI = "Bưu chính công ích (VNPost)"
_WHO_EN = "bcci (VNPost)"

#: VNPost Status -> (worth a retry?, its words); connectors/bcci/client.py uses it.
STATUS: dict[str, tuple[bool, Message]] = {}

_TABLE: dict[str, tuple[bool, str, str]] = {
    "1": (False, "báo dữ liệu của đơn hàng không hợp lệ", "found invalid data in the order"),
    "2": (False, "đã có đơn hàng này", "already holds this order"),
    "3": (False, "đang giữ đơn hàng này với dữ liệu khác", "holds this order with other data"),
    "4": (False, "không có đơn hàng này", "holds no such order"),
    "5": (False, "không hủy được đơn hàng nữa", "cannot cancel the order any more"),
    "99": (True, "đang bận", "is busy"),
}

for _code, (_transient, _vi, _en) in _TABLE.items():
    _make = define_message(
        f"bcci.status.{_code}", vi=f"{_WHO_VI} {_vi} (Status {_code})", en=f"{_WHO_EN} {_en}"
    )
    STATUS[_code] = (_transient, _make())

REFUSED = define_message(
    "bcci.refused",
    vi=f"{_WHO_VI} từ chối yêu cầu (Status {{code}})",
    en=f"{_WHO_EN} refused the request with Status {{code}}",
)
CREDENTIALS = define_message(
    "bcci.credentials",
    vi=f"{_WHO_VI} từ chối consumer_key hoặc consumer_secret: kiểm tra mục cấu hình "
    "connectors.bcci",
    en=f"{_WHO_EN} refused the consumer key or secret: check connectors.bcci",
)

# --- callbacks (status notices) ---------------------------------------------------------
NO_CALLBACK_SECRET = define_message(
    "bcci.no_callback_secret",
    vi="Chưa cấu hình connectors.bcci.callback_secret nên không nhận được thông báo của Bưu điện",
    en="no callback_secret is configured (connectors.bcci.callback_secret)",
)
NOTICE_SHAPE = define_message(
    "bcci.notice_shape",
    vi="Thông báo của Bưu điện không đúng cấu trúc `{{Data: [...]}}`",
    en="the notice is not `{{Data: [...]}}`",
)

# --- the operators' API ---------------------------------------------------------------
NO_SHIPMENT = define_message(
    "bcci.no_shipment",
    vi="Hồ sơ này chưa có bưu gửi nào",
    en="no shipment for this dossier",
)

# --- what a postal order needs (mapping) ------------------------------------------------
UNITS_REQUIRED = define_message(
    "bcci.units_required",
    vi="Bưu điện cần mã tỉnh và mã xã của địa chỉ",
    en="VNPost needs the province and commune codes of the address",
)
UNKNOWN_UNIT = define_message(
    "bcci.unknown_unit",
    vi="Mã tỉnh {province} hoặc mã xã {commune} không có trong danh mục đơn vị hành chính năm 2025",
    en="unknown province {province} or commune {commune} in the 2025 unit list",
)
UNIT_ELSEWHERE = define_message(
    "bcci.unit_elsewhere",
    vi="Xã {commune} không thuộc tỉnh {province}",
    en="commune {commune} does not belong to province {province}",
)
PHONE_REQUIRED = define_message(
    "bcci.phone_required",
    vi="Bưu điện cần số điện thoại của người dân",
    en="VNPost needs the citizen's số điện thoại",
)
STREET_REQUIRED = define_message(
    "bcci.street_required",
    vi="Bưu điện cần địa chỉ chi tiết (số nhà, đường, thôn)",
    en="VNPost needs a street address",
)
NOT_BY_POST = define_message(
    "bcci.not_by_post",
    vi="Người dân không chọn nhận kết quả qua bưu chính",
    en="the result is not to be delivered by post",
)
