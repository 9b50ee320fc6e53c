"""The hub's message codes for refused requests and operator actions (the API's error
details, the CLI's refusals) and the look-ups; see hub.reasons for the rest."""

from __future__ import annotations

from collections.abc import Iterable

from hub.messages import Message
from hub.messages import define_message as _d

BODY_TOO_LARGE = _d(
    "api.body_too_large",
    vi="Nội dung yêu cầu vượt quá {limit} byte",
    en="the body exceeds {limit} bytes",
)
NO_CALLBACK = _d(
    "api.no_callback",
    vi="Không có điểm nhận thông báo (callback) của hệ thống này",
    en="no such callback",
)
CALLBACK_REFUSED = _d("api.callback_refused", vi="Thông báo bị từ chối", en="callback refused")
CALLBACK_REPLAYED = _d(
    "api.callback_replayed",
    vi="Thông báo này đã được nhận trước đó",
    en="callback already received",
)
BODY_TOO_DEEP = _d(
    "api.body_too_deep",
    vi="Nội dung JSON lồng nhau quá sâu",
    en="the body is nested too deeply",
)
JSON_INVALID = _d(
    "api.json_invalid",
    vi="Nội dung không phải JSON hợp lệ ({kind})",
    en="the body is not valid JSON: {kind}",
)
EMPTY_BATCH = _d("api.empty_batch", vi="Lô sự kiện rỗng", en="no events")
BATCH_TOO_LARGE = _d(
    "api.batch_too_large",
    vi="Mỗi yêu cầu chỉ được tối đa {limit} sự kiện",
    en="at most {limit} events per request",
)
MA_TTHC_UNKNOWN = _d(
    "api.ma_tthc_unknown",
    vi="mã TTHC không có trong danh mục thủ tục",
    en="mã TTHC is not in the procedure catalog",
)
UNKNOWN_DOSSIER = _d("api.unknown_dossier", vi="Không tìm thấy hồ sơ", en="unknown dossier")
UNKNOWN_CONNECTOR = _d(
    "api.unknown_connector",
    vi="Không có hệ thống kết nối {connector}",
    en="unknown connector {connector}",
)
REMOTE_UNKNOWN_DOSSIER = _d(
    "api.remote_unknown_dossier",
    vi="Hệ thống {connector} không có hồ sơ này",
    en="the ministry ({connector}) does not know this dossier",
)
#: The HTTP errors FastAPI and Starlette raise themselves, with their own English words.
HTTP_WORDS = {
    status: _d(f"api.http_{status}", vi=vi, en=en)
    for status, vi, en in (
        (400, "Yêu cầu không hợp lệ", "Bad Request"),
        (401, "Chưa xác thực: thiếu hoặc sai khóa API", "Not authenticated"),
        (403, "Không có quyền thực hiện", "Forbidden"),
        (404, "Không tìm thấy", "Not Found"),
        (405, "Phương thức không được hỗ trợ", "Method Not Allowed"),
        (413, "Nội dung yêu cầu quá lớn", "Request Entity Too Large"),
        (503, "Dịch vụ tạm thời không sẵn sàng", "Service Unavailable"),
    )
}
FORBIDDEN_PAYLOADS = _d(
    "api.forbidden_payloads",
    vi="Xem nội dung gửi nhận cần quyền payload-viewer",
    en="viewing payloads needs the payload-viewer role",
)
BAD_REPORT_FORMAT = _d(
    "api.bad_report_format",
    vi="Không có định dạng báo cáo {fmt}; dùng một trong: {formats}",
    en="unknown report format {fmt}; use {formats}",
)
BAD_PERIOD = _d("api.bad_period", vi="Kỳ đối soát không hợp lệ: {detail}", en="{detail}")
CONCURRENT_INGEST = _d(
    "ingest.concurrent",
    vi="Các yêu cầu khác đang tạo cùng hồ sơ của lô này; chưa lưu gì của lô: hãy gửi lại",
    en="other requests kept creating the dossiers of this batch at the same moment; "
    "nothing of it was kept: send it again",
)
INVALID_TRANSITION = _d(
    "ingest.invalid_transition",
    vi="Hồ sơ {code}: trạng thái không được chuyển từ {old} ({old_vi}) sang {new} ({new_vi})",
    en="trạng thái cannot go from {old} ({old_vi}) to {new} ({new_vi}) for dossier {code}",
)

# --- operator actions -------------------------------------------------------------
BAD_SORT = _d(
    "ops.bad_sort",
    vi="Không sắp xếp được theo {sort}; dùng một trong: {sorts}",
    en="unknown sort {sort}; use one of {sorts}",
)
BAD_ACTION = _d(
    "ops.bad_action",
    vi="Không có thao tác {kind}; dùng retry, skip hoặc cancel",
    en="unknown action {kind}; use retry, skip or cancel",
)
REASON_REQUIRED = _d(
    "ops.reason_required",
    vi="Thao tác {kind} cần lý do (--reason): ghi rõ vì sao không gửi việc này",
    en="{kind} needs a reason (--reason): say why this job is not sent",
)
NO_JOB = _d("ops.no_job", vi="Không có việc đồng bộ số {job_id}", en="there is no job {job_id}")
NO_TASK = _d("ops.no_task", vi="Không có tác vụ số {op_id}", en="there is no task {op_id}")
TASK_STATE = _d(
    "ops.task_state",
    vi="Tác vụ {op_id} không thể chuyển sang {state} lúc này",
    en="task {op_id} cannot be {state} now",
)
ACTION_REFUSED = _d("ops.refused", vi="Thao tác bị từ chối: {detail}", en="{detail}")

# --- the worker ---------------------------------------------------------------------
MISSING_EVENT = _d(
    "worker.missing_event",
    vi="Sự kiện {event_id} của việc này không còn trong cơ sở dữ liệu",
    en="event {event_id} of this job is missing from the store",
)
BAD_REMOTE_ID = _d(
    "worker.bad_remote_id",
    vi="Bộ, ngành trả về mã hồ sơ mà tthc-hub không lưu được (dài quá {limit} ký tự "
    "hoặc có ký tự NUL)",
    en="the ministry answered with an id for this dossier that the hub cannot keep "
    "(longer than {limit} characters or with a NUL character)",
)
REPLY_TOO_LARGE = _d(
    "contract.reply_too_large",
    vi="Hệ thống {system} trả lời vượt giới hạn {limit} byte{size}, bị từ chối không đọc "
    "(tăng connectors.{system}.max_reply_bytes nếu câu trả lời lớn như vậy là bình thường)",
    en="{system} answered a reply over the limit of {limit} bytes{size}; refused unread "
    "(raise connectors.{system}.max_reply_bytes if such replies are expected)",
)

# --- look-ups ---------------------------------------------------------------------
LOOKUP_NOT_FOUND = _d(
    "lookup.not_found",
    vi="Hệ thống {system} không có mã hồ sơ này",
    en="{system} does not know this mã hồ sơ",
)
LOOKUP_NOT_FOUND_CODE = _d(
    "lookup.not_found_code",
    vi="Hệ thống {system} không có {what} này",
    en="{system} does not know this {what}",
)
NO_LOOKUP_CONNECTOR = _d(
    "lookup.no_connector",
    vi="Không có hệ thống {connector} có chức năng tra cứu",
    en="no connector {connector} with look-ups",
)
NO_QUERY = _d(
    "lookup.no_query",
    vi="Hệ thống {connector} không có phép tra cứu {query} (có: {names})",
    en="{connector} has no look-up {query} (it has: {names})",
)
RATE_LIMITED = _d(
    "lookup.rate_limited",
    vi="Quá nhiều lượt tra cứu tới {connector}: tối đa {rate} lượt mỗi phút",
    en="too many look-ups at {connector}: at most {rate} a minute",
)
BAD_PARAM = _d(
    "lookup.bad_param",
    vi="--param phải có dạng TÊN=GIÁ_TRỊ, nhận {got} không có dấu '='",
    en="--param must be NAME=VALUE, got {got} without '='",
)

# --- API keys (hub.auth) -------------------------------------------------------------
KEY_REQUIRED = _d(
    "auth.key_required",
    vi="Cần khóa API: Authorization: Bearer <khóa>",
    en="an API key is required: Authorization: Bearer <key>",
)
KEY_LACKS_ROLE = _d(
    "auth.lacks_role",
    vi="Khóa API này không có quyền {roles}",
    en="this key lacks the role {roles}",
)
KEY_UNKNOWN = _d("auth.unknown_key", vi="Khóa API không hợp lệ", en="unknown API key")

# --- deadlines (hub.calendar) ---------------------------------------------------------
NO_WORKING_TIME = _d(
    "deadline.no_working_time",
    vi="Không có thời gian làm việc nào trong mười năm",
    en="no working time within ten years",
)
NEGATIVE_DURATION = _d(
    "deadline.negative", vi="Thời hạn không được âm", en="a duration cannot be negative"
)
CHOOSE_VARIANT = _d(
    "deadline.choose_variant",
    vi="Thủ tục {ma_tthc} có nhiều quy trình; chọn một: {names}",
    en="{ma_tthc} has several processes; choose one: {names}",
)
NO_VARIANT = _d(
    "deadline.no_variant",
    vi="Thủ tục {ma_tthc} không có quy trình {variant}; các quy trình: {names}",
    en="{ma_tthc} has no variant {variant}; its variants: {names}",
)
NO_STATED_TIME = _d(
    "deadline.no_stated_time",
    vi="Văn bản không quy định thời gian giải quyết của thủ tục {ma_tthc} {which}",
    en="the decision states no processing time for {ma_tthc} {which}",
)
NO_TIMEZONE = _d(
    "deadline.no_timezone",
    vi="Thời điểm {moment} thiếu múi giờ; ghi thêm +07:00",
    en="{moment} has no timezone; give +07:00",
)
CIRCUIT_OPEN = _d(
    "lookup.circuit_open",
    vi="Tạm ngừng gọi hệ thống {connector} sau nhiều lần lỗi liên tiếp",
    en="{connector} is paused by the circuit breaker after repeated failures",
)
NOT_LISTABLE = _d(
    "reconcile.not_listable",
    vi="Hệ thống {connector} không liệt kê được hồ sơ Bộ đang giữ (đối soát được: {names})",
    en="connector {connector} cannot list what its ministry holds (reconcilable: {names})",
)
NO_RUN = _d(
    "reconcile.no_run",
    vi="Không có lần đối soát số {run_id}",
    en="there is no reconciliation run {run_id}",
)

# --- the apology's new appointment date (hub.deadlines) --------------------------------
APOLOGY_REASON = _d(
    "apology.reason_required",
    vi="Cần ghi lý do chậm trả kết quả",
    en="a reason is required (the reason for the delay)",
)
APOLOGY_NO_DOSSIER = _d(
    "apology.no_dossier", vi="Không có hồ sơ {ma_ho_so}", en="there is no dossier {ma_ho_so}"
)
APOLOGY_FINISHED = _d(
    "apology.finished",
    vi="Hồ sơ {ma_ho_so} đã giải quyết xong ({status})",
    en="dossier {ma_ho_so} is finished ({status})",
)
APOLOGY_TWICE = _d(
    "apology.twice",
    vi="Hồ sơ {ma_ho_so} đã được hẹn lại ({moved_to}, ghi nhận {sent}); quy định chỉ cho "
    "hẹn lại một lần",
    en="dossier {ma_ho_so} already has a new appointment date ({moved_to}, recorded {sent}); "
    "the decision allows it only once",
)
APOLOGY_NO_DATE = _d(
    "apology.no_date",
    vi="Hồ sơ {ma_ho_so} chưa có ngày hẹn trả để dời",
    en="dossier {ma_ho_so} has no ngày hẹn trả to move",
)
APOLOGY_NOT_LATER = _d(
    "apology.not_later",
    vi="Ngày hẹn mới {new} không sau ngày hẹn hiện tại {old}",
    en="the new appointment date {new} is not after the current one {old}",
)

# --- callbacks from a ministry (hub.callbacks; logged, answered 401 without details) ---
CALLBACK_HEADERS = _d(
    "callback.headers",
    vi="Thông báo thiếu X-Timestamp, X-Nonce hoặc X-Signature",
    en="the callback lacks X-Timestamp, X-Nonce or X-Signature",
)
CALLBACK_SIGNATURE = _d(
    "callback.signature",
    vi="Chữ ký của thông báo không khớp",
    en="the callback's signature does not match",
)
CALLBACK_TIMESTAMP = _d(
    "callback.timestamp",
    vi="X-Timestamp của thông báo không phải thời điểm",
    en="the callback's X-Timestamp is not a time",
)
CALLBACK_STALE = _d("callback.stale", vi="Thông báo đã quá cũ", en="the callback is not fresh")
#: Words made in both languages where they arise (a look-up parameter's fault): each
#: template shows its own and takes the other as empty (``:.0``), so both take both.
BILINGUAL = _d("text.bilingual", vi="{vi}{en:.0}", en="{en}{vi:.0}")

# --- catalog mismatches (hub.catalog) ------------------------------------------------
WHERE_VARIANT = _d("catalog.where_variant", vi="quy trình {variant}", en="variant {variant}")
WHERE_PROCESS = _d("catalog.where_process", vi="quy trình", en="the process")
MISMATCH_TOTAL = _d(
    "catalog.mismatch_total",
    vi="{where}: các bước cộng lại {computed} ngày làm việc, văn bản quy định {stated}",
    en="{where}: steps add up to {computed} working days, the decision states {stated}",
)
MISMATCH_STEP = _d(
    "catalog.mismatch_step",
    vi="{where}, bước {step}: các bước con cộng lại {computed} ngày làm việc, bước quy định "
    "{stated}",
    en="{where}, step {step}: sub-steps add up to {computed} working days, the step states "
    "{stated}",
)
DEAD_BEFORE = _d(
    "ops.dead_before",
    vi="Việc {dead} của cùng hồ sơ và hệ thống vẫn đang lỗi; hãy gửi lại hoặc bỏ qua việc đó "
    "trước, để Bộ nhận các sự kiện đúng thứ tự",
    en="job {dead} of the same dossier and connector is still dead; re-run or skip it first, "
    "so the ministry gets the events in order",
)
WRONG_STATE = _d(
    "ops.wrong_state",
    vi="Việc {job_id} đang ở trạng thái {state}; thao tác {kind} chỉ áp dụng cho việc {states}",
    en="job {job_id} is {state}; {kind} applies to {states} jobs",
)
CHANGED = _d(
    "ops.changed",
    vi="Việc {job_id} vừa thay đổi trong khi thao tác; hãy xem lại",
    en="job {job_id} changed while this action ran; look again",
)
DECLARED = _d("contract.declared", vi=" (khai báo {n} byte)", en=" ({n} bytes declared)")

# --- bounds and callbacks (issue #23) ------------------------------------------------
CALLBACK_UNAVAILABLE = _d(
    "api.callback_unavailable",
    vi="Chưa xử lý được thông báo lúc này; hãy gửi lại sau",
    en="the callback cannot be handled now; send it again later",
)
CALLBACK_STALE_NONCE = _d(
    "api.callback_bad_nonce",
    vi="Mã chống lặp (nonce) của thông báo phải có tối đa {limit} ký tự in được",
    en="the callback's nonce must be at most {limit} printable characters",
)
LOOKUP_REFUSED = _d(
    "api.lookup_refused",
    vi="Bộ, ngành từ chối yêu cầu tra cứu này: {reason}",
    en="the ministry refused this look-up: {reason}",
)

# --- filters and names that match nothing by mistake (the API's and the CLI's) ---------
NONE = _d("text.none", vi="(không có)", en="(none)")
CONTROL_CHARACTER = _d(
    "api.control_character",
    vi="Đường dẫn hoặc chuỗi truy vấn có ký tự điều khiển",
    en="the path or query string holds a control character",
)
UNKNOWN_CONNECTOR_OF = _d(
    "api.unknown_connector_of",
    vi="Không có hệ thống kết nối này; tthc-hub có: {names}",
    en="unknown connector; this hub has: {names}",
)
NOT_RECONCILABLE = _d(
    "reconcile.unknown_connector",
    vi="Không có hệ thống kết nối này; các hệ thống đối soát được: {names}",
    en="unknown connector; those that can be reconciled: {names}",
)
UNKNOWN_STATE = _d(
    "ops.unknown_state",
    vi="Không có trạng thái việc này; dùng một trong: {values}",
    en="unknown job state; use one of {values}",
)
UNKNOWN_JOB_CONNECTOR = _d(
    "ops.unknown_connector",
    vi="Không có hệ thống kết nối này; dùng một trong: {names}",
    en="unknown connector; use one of {names}",
)
DATE_OUT_OF_RANGE = _d(
    "ops.date_range",
    vi="Mốc `{name}` phải nằm trong các năm {first} đến {last}",
    en="{name} must be within the years {first} to {last}",
)
UNKNOWN_SORT = _d(
    "ops.unknown_sort",
    vi="Không sắp xếp được theo cách này; dùng một trong: {values}",
    en="unknown sort; use one of {values}",
)
UNKNOWN_FORMAT = _d(
    "reconcile.unknown_format",
    vi="Không có định dạng báo cáo này; dùng một trong: {values}",
    en="unknown report format; use one of {values}",
)
SINCE_AFTER_UNTIL = _d(
    "ops.since_after_until",
    vi="Mốc `since` sau mốc `until`: không việc nào khớp được",
    en="since is after until: nothing can match",
)


def names_or_none(names: Iterable[str]) -> str | Message:
    """``a, b, c`` for a list of valid values, or "(none)" in the reader's language."""
    return ", ".join(names) or NONE()
