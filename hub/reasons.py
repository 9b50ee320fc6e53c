"""The hub's own message codes (hub.messages): reasons of the error tree, the generic
reasons every connector uses (a ministry's reply that breaks its contract, a refused
call, a missing field), and the API's refusals. A connector's own codes live in its
``messages.py`` (docs/messages.md).

Vietnamese follows the user guide's terms; ``{system}`` is a connector's short name
(molisa, monre, hotich, ...), never translated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.messages import Message
from hub.messages import define_message as _d

if TYPE_CHECKING:
    from hub.errors import MappingError

# --- the error tree and ministry_errors --------------------------------------------
TEXT = _d("text", vi="{text}", en="{text}")  # a ministry's own words, passed on as they are
FIELD = _d("mapping.field", vi="{reason} (trường: {field})", en="{reason} (field: {field})")
REQUIRED = _d(
    "mapping.required",
    vi="Hệ thống {system} yêu cầu {what}",
    en="{system} requires {what}",
)
NO_STATUS_CODE = _d(
    "mapping.no_status_code",
    vi="Hệ thống {system} không có mã trạng thái tương ứng với trạng thái {status} của hồ sơ",
    en="{system} has no status code for the dossier status {status}",
)
RESULT_REQUIRED = _d(
    "mapping.result_required",
    vi="Sự kiện trả kết quả phải kèm kết quả giải quyết",
    en="a result event needs the result (kết quả)",
)
TIMEOUT = _d(
    "transport.timeout",
    vi="Hệ thống {system} không trả lời kịp thời ({kind})",
    en="no answer from {system} in time ({kind})",
)
CALL_TIMEOUT = _d(
    "transport.call_timeout",
    vi="Lời gọi tới hệ thống {system} không xong trong {seconds} giây",
    en="the call to {system} did not finish within {seconds} s",
)
CONNECT = _d(
    "transport.connect",
    vi="Không kết nối được tới hệ thống {system}",
    en="cannot connect to {system}",
)
RESET = _d(
    "transport.reset",
    vi="Hệ thống {system} ngắt kết nối giữa chừng",
    en="{system} dropped the connection",
)
TRANSPORT = _d(
    "transport.other",
    vi="Lỗi đường truyền khi gọi hệ thống {system} ({kind})",
    en="transport error talking to {system} ({kind})",
)
HTTP_TRANSIENT = _d(
    "transport.http",
    vi="Hệ thống {system} trả lời mã HTTP {status}, sẽ gửi lại",
    en="{system} answered HTTP {status}",
)
HTTP_REFUSED = _d(
    "rejected.http",
    vi="Hệ thống {system} từ chối yêu cầu (HTTP {status}): {excerpt}",
    en="{system} refused the request with HTTP {status}: {excerpt}",
)
NOT_JSON = _d(
    "transport.not_json",
    vi="Hệ thống {system} trả lời nội dung không phải JSON hợp lệ",
    en="{system} answered with a body that is not valid JSON",
)
NOT_XML = _d(
    "transport.not_xml",
    vi="{operation}: hệ thống {system} trả lời nội dung không phải XML",
    en="{operation}: {system} answered with a body that is not XML",
)
CONNECTOR_BUG = _d(
    "connector.bug",
    vi="Lỗi của bộ kết nối {system} ({kind}), cần bộ phận kỹ thuật xử lý: {detail}",
    en="connector error in {system} ({kind}), needs a fix: {detail}",
)
REMOTE_FAULT = _d(
    "rejected.remote",
    vi="{operation}: {meaning}{where}: {detail}",
    en="{operation}: {meaning}{where}: {detail}",
)
NOT_FOUND = _d(
    "rejected.not_found",
    vi="Hệ thống {system} không tìm thấy hồ sơ",
    en="{system} has no such record",
)
ALREADY_EXISTS = _d(
    "rejected.already_exists",
    vi="Hệ thống {system} đã có hồ sơ này",
    en="{system} already holds this record",
)
SESSION_REFUSED = _d(
    "rejected.session",
    vi="Hệ thống {system} từ chối cả phiên làm việc mới: kiểm tra tài khoản kết nối",
    en="{system} refused a fresh session: check the adapter account",
)
WHERE_FIELD = _d("rejected.where_field", vi=" (trường {field})", en=" (field {field})")
NOWHERE = _d("rejected.nowhere", vi="", en="")
UNKNOWN_FAULT = _d(
    "rejected.unknown_fault",
    vi="Hệ thống {system} báo lỗi {fault}",
    en="{system} answered the fault {fault}",
)
INVALID_DATA = _d(
    "rejected.invalid_data",
    vi="Hệ thống {system} báo dữ liệu không hợp lệ",
    en="{system} found invalid data",
)
BUSY = _d("transient.busy", vi="Hệ thống {system} đang bận", en="{system} is busy")
WRONG_CREDENTIALS = _d(
    "rejected.credentials",
    vi="Hệ thống {system} từ chối thông tin đăng nhập: kiểm tra mục cấu hình {setting}",
    en="{system} refused the credentials: check {setting}",
)
DOSSIER_UNKNOWN = _d(
    "rejected.dossier_unknown",
    vi="Hệ thống {system} không có hồ sơ này",
    en="{system} does not know this dossier",
)
STATE_CONFLICT = _d(
    "rejected.state_conflict",
    vi="Hệ thống {system} từ chối thay đổi ở trạng thái hiện tại của hồ sơ",
    en="{system} refused the change in the dossier's current state",
)
REMOTE_CODE = _d(
    "rejected.remote_code",
    vi="Hệ thống {system} từ chối yêu cầu với mã lỗi {code}",
    en="{system} refused the request with error code {code}",
)

# --- a reply that breaks the contract -------------------------------------------
NO_FIELD = _d(
    "contract.missing",
    vi="Trả lời của {operation} thiếu {field}",
    en="{operation} answered without {field}",
)
BAD_FORMAT = _d(
    "contract.format",
    vi="Hệ thống {system} gửi {field} sai định dạng {expected}",
    en="{system} sent {field} that is not {expected}",
)
UNKNOWN_VALUE = _d(
    "contract.unknown_value",
    vi="Hệ thống {system} gửi {field} có giá trị ngoài danh mục",
    en="{system} sent an unknown {field}",
)
NOT_OBJECT = _d(
    "contract.not_object",
    vi="Trả lời của {operation} không đúng cấu trúc",
    en="the answer of {operation} is not a structure",
)
BAD_RECORD = _d(
    "contract.record",
    vi="Một bản ghi của hệ thống {system} không chuyển được thành hồ sơ: {detail}",
    en="a {system} record does not map to a dossier: {detail}",
)
XML_ENTITIES = _d(
    "contract.xml_entities",
    vi="{what}: trả lời có khai báo DTD hoặc thực thể XML, bị từ chối",
    en="{what}: the answer declares a DTD or entities (refused)",
)
XML_BROKEN = _d(
    "contract.xml_broken",
    vi="{what} không phải XML hợp lệ",
    en="{what} is not well-formed XML",
)
SCHEMA = _d(
    "contract.schema",
    vi="{operation}: dữ liệu không đúng lược đồ của hệ thống {system} ({detail})",
    en="{operation}: the data breaks the {system} schema ({detail})",
)
REPLY_LIMIT = _d(
    "contract.reply_limit",
    vi="Hệ thống {system} trả lời có {what} vượt giới hạn {limit}, bị từ chối trước khi đọc",
    en="{system} answered a reply with {what} over the limit of {limit}; refused before parsing",
)
NO_OPERATION = _d(
    "contract.no_operation",
    vi="Hệ thống {system} không có thao tác cho loại sự kiện {event_type}",
    en="no {system} operation for the event type {event_type}",
)
FILE_EMPTY = _d(
    "contract.file_empty",
    vi="Tệp {n} của hồ sơ {ma_ho_so} rỗng",
    en="file {n} of {ma_ho_so} is empty",
)
FILE_CHANGED = _d(
    "contract.file_changed",
    vi="Tệp {n} của hồ sơ {ma_ho_so} khác tệp đã lấy về (sha256)",
    en="file {n} of {ma_ho_so} differs from the one pulled (sha256)",
)
REMOTE_FILE = _d(
    "contract.remote_file",
    vi="Hợp đồng giao tiếp của {system} trỏ tới tệp ở xa: {url}",
    en="the {system} contract refers to a remote file: {url}",
)

# --- the worker and the retry policy -------------------------------------------
RETRIES_EXHAUSTED = _d(
    "retry.exhausted",
    vi="Đã gửi {attempts} lần trong {minutes} phút không thành công; lỗi gần nhất: {last}",
    en="gave up after {attempts} attempts over {minutes} min; last error: {last}",
)

# --- the hub's own faults (rare; the detail is technical) ---------------------------
UNREADABLE = _d(
    "hub.unreadable",
    vi="Không đọc lại được dữ liệu đã lưu của việc này ({detail})",
    en="{detail}",
)
UNRECORDABLE = _d(
    "hub.unrecordable",
    vi="Không ghi được kết quả của lần gửi này: {detail}",
    en="the outcome of this attempt could not be recorded: {detail}",
)
HUB_BUG = _d(
    "hub.bug",
    vi="tthc-hub gặp lỗi khi xử lý việc này: {detail}",
    en="the hub failed on this job: {detail}",
)

# --- what a ministry requires: the canonical fields in words ----------------------
_LABELS: dict[str, tuple[str, str]] = {
    "chu_ho_so.so_giay_to": ("số CCCD/CMND của chủ hồ sơ", "the owner's CCCD/CMND number"),
    "chu_ho_so.ngay_sinh": ("ngày sinh của chủ hồ sơ", "the owner's birth date"),
    "chu_ho_so.so_dien_thoai": ("số điện thoại của chủ hồ sơ", "the owner's phone number"),
    "chu_ho_so.ho_ten": ("họ tên của chủ hồ sơ", "the owner's name"),
    "ngay_tiep_nhan": ("ngày tiếp nhận hồ sơ", "the reception date"),
    "ngay_tra": ("ngày trả kết quả", "the return date"),
    "ket_qua": ("kết quả giải quyết", "the result"),
    "ket_qua.files": ("tệp kết quả", "the result's file"),
    "ket_qua.so": ("số của giấy tờ kết quả", "the result's number (số)"),
    "ket_qua.ngay_ky": ("ngày ký của giấy tờ kết quả", "the result's signing date"),
    "ket_qua.loai_giay_to": ("loại giấy tờ của kết quả", "the result's document type"),
    "ket_qua.co_quan_cap": ("cơ quan cấp giấy tờ kết quả", "the result's issuing agency"),
    "qua_trinh": ("bước xử lý của hồ sơ", "the processing step"),
    "qua_trinh.phong_ban": ("phòng ban xử lý của bước", "the step's responsible office"),
    "qua_trinh.han_xu_ly": ("hạn xử lý của bước", "the step's deadline"),
    "extra.ho_tich": ("thông tin hộ tịch của hồ sơ", "the civil-status detail of the dossier"),
    "extra.ho_tich.module": ("loại việc hộ tịch (module)", "the civil-status module"),
}
FIELD_PATH = _d("field.path", vi="trường {path}", en="the field {path}")
_LABEL_MAKERS = {path: _d(f"field.{path}", vi=vi, en=en) for path, (vi, en) in _LABELS.items()}


def field_label(path: str) -> Message:
    """A canonical field in words (``qua_trinh[2].han_xu_ly`` → the step's deadline)."""
    import re

    plain = re.sub(r"\[\d+\]", "", path)
    make = _LABEL_MAKERS.get(plain)
    return make() if make is not None else FIELD_PATH(path=path)


def missing(system: str, field: str, what: Message | None = None) -> MappingError:
    """The MappingError of a field the ministry requires and the dossier lacks."""
    from hub.errors import MappingError

    return MappingError(
        REQUIRED(system=system, what=what or field_label(field)), field=field, system=system
    )


import hub.reasons_api  # noqa: E402,F401  (the API's and operators' codes)
