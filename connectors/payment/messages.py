"""PayGov's own message codes (hub.messages, docs/messages.md): the words an official
reads when PayGov refuses a call, a Confirm notice is refused, or a transaction file
cannot be reconciled.

The words officials read name the "Nền tảng thanh toán" (PayGov), the fields of the
protocol in brackets (MaXacThuc, SoTien), never their values (they may be personal
data). PayGov's reply texts (``MoTaLoi``, notice.REPLY_TEXT) are the protocol's, not
these.
"""

from __future__ import annotations

from hub.sdk import ContractError, Message, define_message, message

SYSTEM = "payment"

# --- PayGov's error codes (client.ERROR_CODES) -----------------------------------------
TOKEN = define_message(
    "payment.token",
    vi="Nền tảng thanh toán từ chối mã truy cập: kiểm tra mục cấu hình connectors.payment.token",
    en="PayGov refused the token: check connectors.payment.token",
)
SECRET = define_message(
    "payment.secret",
    vi="Nền tảng thanh toán từ chối chữ ký (MaXacThuc): kiểm tra mục cấu hình "
    "connectors.payment.secret",
    en="PayGov refused MaXacThuc: check connectors.payment.secret",
)
UNKNOWN_TRANSACTION = define_message(
    "payment.unknown_transaction",
    vi="Nền tảng thanh toán không có giao dịch này",
    en="PayGov does not know this transaction",
)

# --- the dossier (mapping) --------------------------------------------------------------
PAYER_ID = define_message(
    "payment.payer_id",
    vi="số giấy tờ tùy thân của người nộp tiền (in trên biên lai)",
    en="the payer's identity number (printed on the receipt)",
)
NO_FEE = define_message(
    "payment.no_fee",
    vi="Hồ sơ không còn phí, lệ phí phải nộp (le_phi)",
    en="the dossier owes no fee (le_phi)",
)
NOT_AMOUNT = define_message(
    "payment.not_amount",
    vi="Nền tảng thanh toán gửi {field} không phải số tiền nguyên (VND)",
    en="PayGov sent {field} that is not a whole amount (VND)",
)

# --- the Confirm notice (notice.py, routes.py) -----------------------------------------
NOTICE_NOT_OBJECT = define_message(
    "payment.notice_not_object",
    vi="Thông báo thanh toán không phải một đối tượng JSON",
    en="the notice is not a JSON object",
)
NOTICE_LACKS = define_message(
    "payment.notice_lacks",
    vi="Thông báo thanh toán thiếu {fields}",
    en="the notice lacks {fields}",
)
NOTICE_TYPE = define_message(
    "payment.notice_type",
    vi="Thông báo thanh toán có loại bản tin (LoaiBanTin) khác CONFIRM",
    en="LoaiBanTin is not CONFIRM",
)
NOTICE_PARTNER = define_message(
    "payment.notice_partner",
    vi="Thông báo thanh toán có mã đối tác (MaDoiTac) không phải của tỉnh",
    en="MaDoiTac is not the province's",
)
NOTICE_SIGNATURE = define_message(
    "payment.notice_signature",
    vi="Thông báo thanh toán không có chữ ký hợp lệ (MaXacThuc)",
    en="MaXacThuc does not sign the notice",
)
NOTICE_AMOUNT_FORMAT = define_message(
    "payment.notice_amount_format",
    vi="Số tiền (SoTien) của thông báo thanh toán không phải số nguyên",
    en="SoTien is not a whole number",
)
NOTICE_TIME_FORMAT = define_message(
    "payment.notice_time_format",
    vi="Thời gian giao dịch (ThoiGianGD) của thông báo thanh toán sai định dạng yyyyMMddHHmmss",
    en="ThoiGianGD is not yyyyMMddHHmmss",
)
NOTICE_STALE = define_message(
    "payment.notice_stale",
    vi="Thời gian giao dịch (ThoiGianGD) của thông báo thanh toán nằm ngoài khoảng "
    "chấp nhận (quá cũ hoặc ở tương lai)",
    en="ThoiGianGD is outside the accepted window",
)
NOTICE_UNKNOWN = define_message(
    "payment.notice_unknown",
    vi="Mã tham chiếu (MaThamChieu) không phải yêu cầu thanh toán mà hệ thống đã gửi",
    en="MaThamChieu is not a payment the hub asked for",
)
NOTICE_AMOUNT = define_message(
    "payment.notice_amount",
    vi="Số tiền đã thanh toán (SoTien) khác số tiền yêu cầu",
    en="SoTien differs from the amount asked",
)

# --- the API's look-ups (routes.py) ------------------------------------------------------
NO_PAYMENT = define_message(
    "payment.no_payment",
    vi="Hồ sơ chưa có yêu cầu thanh toán",
    en="no payment for this dossier",
)
NO_RECEIPT = define_message(
    "payment.no_receipt",
    vi="Giao dịch thanh toán này chưa có biên lai",
    en="no receipt for this payment",
)

# --- the daily transaction file (reconcile.py) ------------------------------------------
FILE_FORMAT = define_message(
    "payment.file_format",
    vi="Tệp giao dịch phải là csv hoặc json, không phải {fmt}",
    en="a transaction file is csv or json, not {fmt}",
)
FILE_NO_LIST = define_message(
    "payment.file_no_list",
    vi="Tệp giao dịch JSON không có danh sách giao dịch (GiaoDich)",
    en="the JSON transaction file has no GiaoDich list",
)
FILE_COLUMNS = define_message(
    "payment.file_columns",
    vi="Tệp giao dịch CSV thiếu các cột {columns}",
    en="the CSV transaction file lacks the columns {columns}",
)
FILE_NOT_LIST = define_message(
    "payment.file_not_list",
    vi="Mục GiaoDich của tệp giao dịch không phải một danh sách",
    en="the transaction file's GiaoDich is not a list",
)
ROW_NOT_RECORD = define_message(
    "payment.row_not_record",
    vi="Dòng {row} của tệp giao dịch không phải một bản ghi",
    en="row {row} of the transaction file is not a record",
)
ROW_LACKS = define_message(
    "payment.row_lacks",
    vi="Dòng {row} của tệp giao dịch thiếu {fields}",
    en="row {row} of the transaction file lacks {fields}",
)
ROW_AMOUNT = define_message(
    "payment.row_amount",
    vi="Dòng {row} của tệp giao dịch: số tiền (SoTien) không phải số nguyên",
    en="row {row} of the transaction file: SoTien is not a whole number",
)
ROW_TIME = define_message(
    "payment.row_time",
    vi="Dòng {row} của tệp giao dịch: thời gian giao dịch (ThoiGianGD) sai định dạng "
    "yyyyMMddHHmmss",
    en="row {row} of the transaction file: ThoiGianGD is not yyyyMMddHHmmss",
)


def lacks(operation: str, field: str) -> ContractError:
    """PayGov's answer to ``operation`` lacks ``field``."""
    return ContractError(
        message("contract.missing", operation=operation, field=field), system=SYSTEM
    )


def bad_format(field: str, expected: str) -> ContractError:
    """PayGov sent ``field`` in another form than ``expected``."""
    words = message("contract.format", system=SYSTEM, field=field, expected=expected)
    return ContractError(words, system=SYSTEM)


def refused(words: Message) -> ContractError:
    """A PayGov message or transaction file that cannot be read, in ``words``."""
    return ContractError(words, system=SYSTEM)
