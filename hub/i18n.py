"""User-facing words in Vietnamese (default) and English.

Officials read the CLI tables, reports and the dashboard in Vietnamese; English is
there with ``--lang en`` or ``TTHC_HUB_LANG=en``. Validation errors of the API carry
both languages.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["error_class_words", "error_messages", "lang", "t"]

_TEXT: dict[str, tuple[str, str]] = {
    # key: (vi, en)
    "job.id": ("Mã việc", "Job"),
    "job.connector": ("Hệ thống", "Connector"),
    "job.ma_ho_so": ("Mã hồ sơ", "Dossier code"),
    "job.state": ("Trạng thái", "State"),
    "job.attempts": ("Số lần gửi", "Attempts"),
    "job.next_run_at": ("Lần gửi tiếp", "Next attempt"),
    "job.error": ("Lỗi", "Error"),
    "job.event": ("Sự kiện", "Event"),
    "state.pending": ("Chờ gửi", "Pending"),
    "state.running": ("Đang gửi", "Running"),
    "state.failed": ("Lỗi tạm thời, chờ gửi lại", "Failed, will retry"),
    "state.succeeded": ("Đã đồng bộ", "Synced"),
    "state.dead": ("Lỗi, cần xử lý", "Dead, needs an operator"),
    "connector.name": ("Mã hệ thống", "Name"),
    "connector.title": ("Hệ thống", "System"),
    "connector.capabilities": ("Chức năng", "Capabilities"),
    "jobs.title": ("Danh sách việc đồng bộ", "Sync jobs"),
    "connectors.title": ("Các hệ thống kết nối", "Connectors"),
    "demo.title": ("Kết quả chạy thử", "Demo summary"),
    "demo.ingested": ("Sự kiện đã nhận", "Events ingested"),
    "demo.jobs": ("Việc đồng bộ", "Sync jobs"),
    "demo.synced": ("Đã đồng bộ", "Synced"),
    "demo.retried": ("Đã gửi lại sau lỗi tạm thời", "Retried after transient errors"),
    "demo.dead": ("Lỗi, cần xử lý", "Dead (need an operator)"),
    "demo.held": ("Chờ sau việc lỗi", "Held back behind a dead job"),
    "demo.inbox": (
        "Hồ sơ chờ tiếp nhận / Mới đăng ký (nộp tại Bộ, ngành)",
        "Ministry-filed dossiers in the inbox",
    ),
    "demo.inbox_taken": ("Đã tiếp nhận từ hộp thư đến", "Received from the inbox"),
    "demo.lost": ("Thất lạc", "Lost"),
    "demo.duplicates": ("Gửi trùng tại Bộ (đã chặn)", "Duplicates at the ministry (deduplicated)"),
    "demo.dossiers_synced": ("Hồ sơ đồng bộ đầy đủ", "Dossiers fully synced"),
    "demo.dossiers_dead": ("Hồ sơ lỗi (kèm lý do)", "Dossiers dead (with reason)"),
    "demo.reasons": ("Lý do lỗi", "Reasons"),
    "demo.progress": ("Đang đồng bộ", "Syncing"),
    "mocks.title": ("Máy chủ giả lập", "Mock servers"),
    "state.skipped": ("Bỏ qua (có lý do)", "Skipped (with a reason)"),
    "state.cancelled": ("Đã hủy (có lý do)", "Cancelled (with a reason)"),
    "job.operator": ("Thao tác của cán bộ", "Operator action"),
    "job.attempts_title": ("Các lần gửi", "Attempts"),
    "job.waits_for": ("Đang chờ việc trước", "Waits for"),
    "job.holds_back": ("Đang giữ các việc sau", "Holds back"),
    "status.title": ("Tình trạng kết nối", "Connector status"),
    "status.queue": ("Hàng đợi", "Queue"),
    "status.oldest": ("Việc chờ lâu nhất", "Oldest waiting"),
    "status.last_success": ("Lần gửi thành công gần nhất", "Last success"),
    # --- reconciliation (hub/reconcile.py, issue 7) ---
    "reconcile.title": (
        "Đối soát hồ sơ giữa tỉnh và Bộ, ngành",
        "Reconciliation: province vs ministries",
    ),
    "reconcile.run": ("Lần đối soát", "Run"),
    "reconcile.connector": ("Hệ thống", "Connector"),
    "reconcile.period": ("Kỳ đối soát", "Period"),
    "reconcile.state": ("Tình trạng", "State"),
    "reconcile.province_count": ("Hồ sơ ở tỉnh", "At the province"),
    "reconcile.remote_count": ("Hồ sơ ở Bộ", "At the ministry"),
    "reconcile.matched": ("Khớp", "Matching"),
    "reconcile.in_flight": ("Đang đồng bộ", "Sync in flight"),
    "reconcile.repaired": ("Đã khắc phục", "Repaired"),
    "reconcile.started_at": ("Bắt đầu", "Started"),
    "reconcile.ma_ho_so": ("Mã hồ sơ", "Dossier code"),
    "reconcile.ma_tthc": ("Mã TTHC", "Procedure code"),
    "reconcile.kind": ("Loại chênh lệch", "Difference"),
    "reconcile.province_status": ("Trạng thái ở tỉnh", "Status at the province"),
    "reconcile.remote_status": ("Trạng thái ở Bộ", "Status at the ministry"),
    "reconcile.province_result": ("Kết quả ở tỉnh", "Result at the province"),
    "reconcile.remote_result": ("Kết quả ở Bộ", "Result at the ministry"),
    "reconcile.province_updated_at": ("Cập nhật ở tỉnh", "Updated at the province"),
    "reconcile.remote_updated_at": ("Cập nhật ở Bộ", "Updated at the ministry"),
    "reconcile.action": ("Đề xuất xử lý", "Suggested action"),
    "reconcile.repair": ("Đã xử lý", "Repair"),
    "reconcile.count": ("Số lượng", "Count"),
    "reconcile.summary": ("Tổng hợp", "Summary"),
    "reconcile.findings": ("Chênh lệch", "Differences"),
    "reconcile.none": ("Không có chênh lệch", "No differences"),
    "reconcile.listing": ("Đọc danh sách của Bộ", "Reading the ministry's listing"),
    "reconcile.comparing": ("Đối chiếu với dữ liệu tỉnh", "Comparing with the mirror"),
    "reconcile.kind.only_province": ("Chỉ có ở tỉnh", "Only at the province"),
    "reconcile.kind.only_ministry": ("Chỉ có ở Bộ", "Only at the ministry"),
    "reconcile.kind.status_mismatch": ("Lệch trạng thái", "Status mismatch"),
    "reconcile.kind.result_mismatch": ("Lệch kết quả", "Result mismatch"),
    "reconcile.kind.stale": ("Bộ chậm cập nhật", "Ministry behind"),
    "reconcile.action.resend": ("Gửi lại hồ sơ cho Bộ", "Re-send the dossier to the ministry"),
    "reconcile.action.pull": ("Lấy hồ sơ về hộp thư đến", "Pull the dossier into the inbox"),
    "reconcile.action.rerun_dead_job": (
        "Xử lý việc đồng bộ lỗi trước (tthc-hub jobs retry)",
        "Re-run the dead job first (tthc-hub jobs retry)",
    ),
    "status.error_rate": ("Tỷ lệ lỗi (1 giờ)", "Error rate (1 h)"),
    "audit.title": ("Nhật ký thao tác", "Audit log"),
    "audit.at": ("Thời điểm", "When"),
    "audit.actor": ("Người thực hiện", "Who"),
    "audit.action": ("Thao tác", "Action"),
    "audit.target": ("Đối tượng", "Target"),
    "audit.reason": ("Lý do", "Reason"),
    "audit.count": ("Số lượng", "Count"),
    # --- connectors list, status health, CLI errors (issue 13) ---
    "connector.state": ("Tình trạng", "State"),
    "connector.state.enabled": ("Đang bật", "enabled"),
    "connector.state.disabled": ("Đã tắt", "disabled"),
    "connector.state.not_configured": ("Chưa cấu hình", "not configured"),
    "connector.state.misconfigured": ("Cấu hình sai", "misconfigured"),
    "connectors.none_configured": (
        "Chưa cấu hình hệ thống nào: thêm mục [connectors.<tên>] vào tthc-hub.toml "
        "(xem tthc-hub.example.toml)",
        "No connector is configured: add a [connectors.<name>] section to tthc-hub.toml "
        "(see tthc-hub.example.toml)",
    ),
    "status.health": ("Kết nối tới Bộ", "Health"),
    "status.health.ok": ("Tốt", "OK"),
    "status.health.failing": ("Lỗi", "Failing"),
    "cli.error": ("Lỗi", "error"),
    "cli.config_error": ("Lỗi cấu hình", "configuration error"),
    "mocks.unknown": ("Không có máy chủ giả lập", "No such mock"),
    "mocks.running": ("Đang chạy, nhấn Ctrl+C để dừng", "Running; press Ctrl+C to stop"),
    "catalog.title": ("Danh mục thủ tục hành chính", "Procedure catalog"),
    "catalog.ma_tthc": ("Mã TTHC", "Procedure code"),
    "catalog.name": ("Tên thủ tục", "Procedure"),
    "catalog.sector": ("Ngành / lĩnh vực", "Sector / field"),
    "catalog.field": ("Lĩnh vực", "Field"),
    "catalog.level": ("Cấp thực hiện", "Level"),
    "catalog.days": ("Thời hạn (ngày làm việc)", "Time limit (working days)"),
    "catalog.variants": ("Quy trình", "Processes"),
    "catalog.fees": ("Phí, lệ phí", "Fees"),
    "catalog.channels": ("Cách thức thực hiện", "Channels"),
    "catalog.source": ("Văn bản", "Decision"),
    "catalog.not_stated": ("không quy định trong văn bản", "not stated in the decision"),
    "catalog.process": ("Quy trình", "Process"),
    "catalog.step": ("Bước", "Step"),
    "catalog.content": ("Nội dung công việc", "Task"),
    "catalog.responsible": ("Trách nhiệm", "Responsible"),
    "catalog.duration": ("Thời gian (ngày)", "Duration (days)"),
    "catalog.total": ("Tổng (các bước / văn bản)", "Total (steps / decision)"),
    "catalog.mismatch": ("Chênh lệch", "Mismatch"),
    "catalog.truncated": (
        "Văn bản nguồn bị cắt ở quy trình này, không có tổng thời gian",
        "The source text ends inside this process; no stated total",
    ),
    "catalog.unknown": ("Mã TTHC không có trong danh mục", "Unknown procedure code"),
    "catalog.bad_date": ("Thời điểm tiếp nhận không hợp lệ", "Bad reception time"),
    "catalog.received": ("Tiếp nhận", "Received"),
    "catalog.clock_starts": ("Bắt đầu tính thời gian", "Clock starts"),
    "catalog.deadlines": ("Thời hạn từng bước", "Step deadlines"),
    "catalog.deadline": ("Hạn", "Deadline"),
    "catalog.ngay_hen_tra": ("Ngày hẹn trả kết quả", "Appointment date for the result"),
    "catalog.working_days": ("ngày làm việc", "working days"),
    "channel.truc_tiep": ("Trực tiếp", "In person"),
    "channel.truc_tuyen": ("Trực tuyến", "Online"),
    "channel.buu_chinh": ("Bưu chính công ích", "Public postal service"),
    # --- CLI output (issue 22)
    "capability.push": ("gửi hồ sơ", "push"),
    "capability.pull": ("lấy hồ sơ nộp tại Bộ", "pull"),
    "capability.fetch": ("tra cứu hồ sơ", "fetch"),
    "capability.list": ("danh sách đối soát", "list"),
    "capability.track": ("theo dõi kết quả", "track"),
    "capability.lookup": ("tra cứu", "lookup"),
    "tasks.title": ("Tác vụ gửi lại, bỏ qua, hủy", "Tasks"),
    "tasks.id": ("Mã tác vụ", "id"),
    "tasks.kind": ("Thao tác", "kind"),
    "tasks.state": ("Tình trạng", "state"),
    "tasks.by": ("Người thực hiện", "by"),
    "tasks.filter": ("Bộ lọc", "filter"),
    "tasks.done": ("Đã xử lý", "done"),
    "tasks.applied": ("Đã áp dụng", "applied"),
    "tasks.refused": ("Bị từ chối", "refused"),
    "tasks.created": ("Tạo lúc", "created"),
    "lookups.title": ("Tra cứu tại các Bộ, ngành", "Look-ups"),
    "lookups.connector": ("Hệ thống", "Connector"),
    "lookups.query": ("Tra cứu", "Query"),
    "lookups.name": ("Tên", "Name"),
    "lookups.params": ("Tham số", "Parameters"),
    "lookups.kind": ("Loại", "Kind"),
    "keys.bad_role": ("Vai trò không hợp lệ", "unknown role(s)"),
    "keys.use": ("dùng", "use"),
    "keys.shown_once": ("Khóa (chỉ hiện một lần, trao cho", "key (shown once, give it to"),
    "keys.add_to": ("Thêm vào tthc-hub.toml:", "add to tthc-hub.toml:"),
    "db.up_to_date": ("Cơ sở dữ liệu đã ở phiên bản mới nhất", "schema up to date"),
    "serve.loopback_only": (
        "Không chạy trên địa chỉ ngoài máy khi chưa cấu hình api_keys",
        "refusing to serve on a non-loopback address without api_keys in the settings",
    ),
    "mocks.loopback_only": (
        "Máy chủ giả lập chỉ lắng nghe trên địa chỉ nội bộ",
        "the mocks only bind loopback addresses",
    ),
    "mocks.mock": ("Máy chủ giả lập", "mock"),
    "cli.plugins_not_loaded": (
        "chưa nạp được các nhóm lệnh của plugin",
        "plugin command groups not loaded",
    ),
    # --- tthc-hub dossiers (at-risk, apologize)
    "dossiers.title": ("Hồ sơ sắp đến hạn, quá hạn", "Dossiers at risk or overdue"),
    "dossiers.title_overdue": ("Hồ sơ quá hạn", "Overdue dossiers"),
    "dossiers.ma_ho_so": ("Mã hồ sơ", "Dossier code"),
    "dossiers.ma_tthc": ("Mã TTHC", "Procedure code"),
    "dossiers.state": ("Tình trạng", "State"),
    "dossiers.han": ("Hạn trả kết quả", "Due"),
    "dossiers.step": ("Bước hiện tại", "Current step"),
    "dossiers.step_due": ("Hạn bước", "Step due"),
    "dossiers.apology": ("Đã hẹn lại", "Rescheduled"),
    "dossiers.at_risk": ("Sắp đến hạn (còn ≤ 1 ngày làm việc)", "At risk (≤ 1 working day left)"),
    "dossiers.overdue": ("Quá hạn", "Overdue"),
    "dossiers.no": ("Chưa", "No"),
    "dossiers.recorded": ("Đã ghi nhận ngày hẹn trả mới", "New appointment date recorded"),
    "dossiers.late": (
        "Lưu ý: văn bản xin lỗi gửi muộn hơn 01 ngày làm việc trước hạn",
        "Note: the apology came later than one working day before the deadline",
    ),
    "dossiers.bad_date": (
        "Ngày giờ không hợp lệ (YYYY-MM-DD HH:MM)",
        "Bad date (YYYY-MM-DD HH:MM)",
    ),
    "dossiers.refused": ("Không ghi nhận được", "Refused"),
}

#: pydantic error types and our own, in Vietnamese. English comes from the message.
_ERRORS_VI: dict[str, str] = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép",
    "string_too_short": "giá trị quá ngắn",
    "string_too_long": "giá trị quá dài",
    "string_type": "phải là chuỗi ký tự",
    "string_pattern_mismatch": "sai định dạng",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "greater_than_equal": "giá trị nhỏ hơn mức cho phép",
    "less_than_equal": "giá trị lớn hơn mức cho phép",
    "date_from_datetime_parsing": "sai định dạng ngày (YYYY-MM-DD)",
    "date_parsing": "sai định dạng ngày (YYYY-MM-DD)",
    "date_type": "sai định dạng ngày (YYYY-MM-DD)",
    "datetime_parsing": "sai định dạng ngày giờ (ISO 8601)",
    "datetime_from_date_parsing": "sai định dạng ngày giờ (ISO 8601)",
    "datetime_type": "sai định dạng ngày giờ (ISO 8601)",
    "enum": "giá trị không nằm trong danh sách cho phép",
    "literal_error": "giá trị không nằm trong danh sách cho phép",
    "model_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "dict_type": "phải là một đối tượng JSON",
    "bool_parsing": "phải là true hoặc false",
    "json_invalid": "nội dung không phải JSON hợp lệ",
    "body_too_deep": "nội dung JSON lồng nhau quá sâu",
    "event_id_conflict": "mã sự kiện này đã được nhận trước đó với nội dung khác",
    "union_tag_invalid": "sai loại",
    "ma_ho_so_format": (
        "mã hồ sơ phải có dạng <mã cơ quan>-<YYMMDD>-<NNNN>, ví dụ 000.00.22.H34-231125-0001"
    ),
    "ma_ho_so_date": "phần ngày của mã hồ sơ không phải ngày hợp lệ (YYMMDD)",
    "ma_tthc_format": "mã TTHC phải có dạng 2.000986, 2.000880.000.00.00.H34 hoặc 1.011516.H34",
    "ma_tthc_unknown": "mã TTHC không có trong danh mục thủ tục",
    "phone_format": "số điện thoại phải gồm 10 hoặc 11 chữ số, bắt đầu bằng 0 hoặc +84",
    "id_number_format": "số giấy tờ phải là CCCD 12 chữ số hoặc CMND 9 chữ số",
    "id_type_mismatch": "loại định danh không khớp với độ dài số giấy tờ",
    "birth_date_range": "ngày sinh phải từ 01/01/1900 đến hôm nay",
    "id_number_zero": "số giấy tờ không được toàn chữ số 0",
    "id_number_province": "3 chữ số đầu của CCCD phải là mã tỉnh (Thông tư 59/2021/TT-BCA)",
    "date_range": "ngày phải trong khoảng 01/01/1900 đến 31/12/2100",
    "text_character": (
        "văn bản chứa ký tự điều khiển hoặc ký tự ẩn (NUL, xuống dòng, bidi, độ rộng 0)"
    ),
    "too_long": "quá dài (chuỗi ký tự hoặc danh sách)",
    "string_unicode": "chuỗi ký tự không phải Unicode hợp lệ",
    "json_too_deep": "dữ liệu bổ sung lồng quá nhiều cấp",
    "json_too_large": "dữ liệu bổ sung quá lớn",
    "json_string_too_long": "dữ liệu bổ sung có chuỗi quá dài",
    "json_text_character": "dữ liệu bổ sung chứa ký tự điều khiển hoặc ký tự ẩn",
    "json_key": "dữ liệu bổ sung có tên trường không hợp lệ",
    "json_int_range": "dữ liệu bổ sung có số nguyên vượt quá 64 bit",
    "json_not_finite": "dữ liệu bổ sung chứa NaN hoặc Infinity",
    "json_type": "dữ liệu bổ sung chứa giá trị không phải JSON",
    "delivery_address_required": "trả kết quả qua bưu chính cần có địa chỉ",
    "date_order": "ngày tiếp nhận sớm hơn ngày nộp",
    "reception_date_required": "hồ sơ đã tiếp nhận phải có ngày tiếp nhận",
    "return_date_required": "hồ sơ đã trả kết quả phải có ngày trả",
    "snapshot_mismatch": "mã hồ sơ trong snapshot khác mã hồ sơ của sự kiện",
    "invalid_transition": "chuyển trạng thái không hợp lệ theo quy định một cửa",
    "body_too_large": "nội dung yêu cầu quá lớn",
    "batch_too_large": "lô sự kiện quá lớn",
    "empty_batch": "lô sự kiện rỗng",
    "deadline_unavailable": "không tính được thời hạn (thiếu quy trình hoặc thời gian giải quyết)",
}


#: The error classes (``HubError.code``) in words; English keeps the code itself.
_ERROR_CLASSES_VI: dict[str, str] = {
    "mapping": "Thiếu dữ liệu Bộ yêu cầu",
    "rejected": "Bộ, ngành từ chối",
    "contract": "Trả lời sai giao thức",
    "reply_too_complex": "Trả lời quá lớn",
    "connector_bug": "Lỗi bộ kết nối",
    "hub_bug": "Lỗi của tthc-hub",
    "unreadable_event": "Không đọc được dữ liệu đã lưu",
    "unrecordable_outcome": "Không ghi được kết quả",
    "permanent": "Lỗi không gửi lại được",
    "transient": "Lỗi tạm thời",
    "timeout": "Hết thời gian chờ",
    "connection": "Không kết nối được",
    "connection_reset": "Mất kết nối",
    "malformed": "Trả lời không đọc được",
    "busy": "Hệ thống Bộ đang bận",
    "transport": "Lỗi đường truyền",
    "error": "Lỗi",
    "config": "Lỗi cấu hình",
    "ingest": "Sự kiện không nhận được",
    "refused": "Thao tác bị từ chối",
    "invalid": "Dữ liệu không hợp lệ",
    "not_found": "Không tìm thấy",
    "bad_action": "Thao tác không hợp lệ",
    "bad_sort": "Cách sắp xếp không hợp lệ",
    "reason_required": "Thiếu lý do",
    "bad_request": "Yêu cầu không hợp lệ",
    "unauthorized": "Chưa xác thực",
    "forbidden": "Không có quyền",
    "method_not_allowed": "Phương thức không được hỗ trợ",
    "replayed": "Yêu cầu gửi lặp lại",
    "body_too_large": "Nội dung quá lớn",
    "unavailable": "Dịch vụ tạm thời không sẵn sàng",
    "rate_limited": "Quá nhiều yêu cầu",
    "callback_rejected": "Thông báo bị từ chối",
    "reconcile": "Không đối soát được",
}


def error_class_words(code: str | None, language: str | None = None) -> str:
    """An error class (``mapping``, ``http_503``) in words of ``language``."""
    code = code or ""
    if (language or lang()) == "en":
        return code
    if code.startswith("http_"):
        return f"Lỗi HTTP {code[5:]}"
    return _ERROR_CLASSES_VI.get(code, code)


def lang() -> str:
    value = os.environ.get("TTHC_HUB_LANG", "vi").lower()
    return "en" if value.startswith("en") else "vi"


def t(key: str, language: str | None = None, *, default: str | None = None) -> str:
    """The words of ``key`` in ``language`` (default: the hub's); ``default`` (else the
    key) when there are none."""
    vi, en = _TEXT.get(key, (default or key, default or key))
    return en if (language or lang()) == "en" else vi


def error_messages(error_type: str, message_en: str) -> dict[str, Any]:
    """``{"message_vi": ..., "message_en": ...}`` for one validation error."""
    return {"message_vi": _ERRORS_VI.get(error_type, message_en), "message_en": message_en}
