"""The console's words, Vietnamese first (hub/i18n.py holds the shared ones, which the
console also uses: job states, reconciliation kinds, audit columns), and the reason
behind each class of error with what an operator does about it."""

from __future__ import annotations

import re

from hub.i18n import t as shared_t

__all__ = ["explain", "t"]

_TEXT: dict[str, tuple[str, str]] = {
    "app": ("Bảng điều hành tthc-hub", "tthc-hub operator console"),
    "nav.overview": ("Tổng quan", "Overview"),
    "nav.jobs": ("Việc đồng bộ", "Sync jobs"),
    "nav.tasks": ("Tác vụ hàng loạt", "Bulk tasks"),
    "nav.reconcile": ("Đối soát", "Reconciliation"),
    "nav.inbox": ("Hồ sơ chờ tiếp nhận", "Inbox"),
    "nav.deadlines": ("Hồ sơ sắp/quá hạn", "At risk / overdue"),
    "nav.audit": ("Nhật ký", "Audit log"),
    "nav.keys": ("Khóa truy cập", "API keys"),
    "signin.title": ("Đăng nhập", "Sign in"),
    "signin.key": ("Khóa truy cập (API key)", "API key"),
    "signin.button": ("Đăng nhập", "Sign in"),
    "signin.bad": ("Khóa truy cập không đúng", "Unknown API key"),
    "signin.open": (
        "Chưa cấu hình khóa truy cập nào: hub đang mở cho người dùng trên máy này "
        "(chỉ nghe trên 127.0.0.1). Bấm Đăng nhập để vào với mọi quyền.",
        "No API key is configured: the hub is open to this machine only (it listens on "
        "127.0.0.1). Press Sign in to enter with every role.",
    ),
    "signout": ("Đăng xuất", "Sign out"),
    "signed_in_as": ("Đang đăng nhập", "Signed in as"),
    "roles": ("Quyền", "Roles"),
    "lang.switch": ("English", "Tiếng Việt"),
    "csrf": (
        "Phiên biểu mẫu không hợp lệ hoặc đã hết hạn; tải lại trang rồi thử lại.",
        "The form's token is missing or stale; reload the page and try again.",
    ),
    "forbidden": ("Bạn không có quyền thực hiện thao tác này", "You lack the role for this"),
    "not_found": ("Không tìm thấy", "Not found"),
    "refused": ("Thao tác bị từ chối", "Action refused"),
    "ov.health": ("Kết nối tới Bộ", "Health"),
    "ov.circuit": ("Cầu dao", "Circuit breaker"),
    "ov.circuit.closed": ("Đóng (bình thường)", "Closed (normal)"),
    "ov.circuit.open": ("Mở (tạm ngừng gửi)", "Open (sending paused)"),
    "ov.circuit.half_open": ("Thử lại", "Half-open"),
    "ov.circuit.none": ("Không chạy ở tiến trình này", "Not run in this process"),
    "ov.oldest": ("Việc chờ lâu nhất", "Oldest waiting"),
    "ov.rate": (
        "Gửi thành công / lỗi mỗi phút (1 giờ qua)",
        "Delivered / failed per minute (last hour)",
    ),
    "ov.dead": ("Việc lỗi theo nguyên nhân", "Dead jobs by reason"),
    "ov.none": ("Chưa có hệ thống nào", "No connector yet"),
    "ov.minutes": ("phút", "min"),
    "jobs.filter": ("Lọc", "Filter"),
    "jobs.any": ("(tất cả)", "(any)"),
    "jobs.since": ("Từ", "From"),
    "jobs.until": ("Đến", "To"),
    "jobs.error_class": ("Loại lỗi", "Error class"),
    "jobs.ma_tthc": ("Mã TTHC", "Procedure code"),
    "jobs.updated": ("Cập nhật", "Updated"),
    "jobs.next": ("Trang sau", "Next page"),
    "jobs.first": ("Trang đầu", "First page"),
    "jobs.none": ("Không có việc nào khớp bộ lọc", "No job matches the filter"),
    "jobs.selected": ("Các việc đã chọn", "Selected jobs"),
    "jobs.all_matching": ("Mọi việc khớp bộ lọc", "Every job matching the filter"),
    "jobs.bulk": ("Thao tác hàng loạt", "Bulk action"),
    "jobs.preview": ("Xem trước", "Preview"),
    "act.retry": ("Gửi lại", "Re-run"),
    "act.skip": ("Bỏ qua", "Skip"),
    "act.cancel": ("Hủy", "Cancel"),
    "act.reason": ("Lý do (bắt buộc)", "Reason (required)"),
    "act.as_was": ("Gửi như lúc đó", "As it was"),
    "act.current": ("Gửi trạng thái hiện tại", "Current state"),
    "act.done": ("Đã thực hiện", "Done"),
    "act.reason_required": ("Cần nhập lý do", "A reason is required"),
    "preview.title": ("Xem trước thao tác hàng loạt", "Preview of a bulk action"),
    "preview.count": ("Số việc sẽ bị tác động", "Jobs it will touch"),
    "preview.sample": ("Ví dụ", "Sample"),
    "preview.run": ("Thực hiện", "Run it"),
    "preview.back": ("Quay lại", "Back"),
    "task.title": ("Tác vụ", "Task"),
    "task.progress": ("Tiến độ", "Progress"),
    "task.applied": ("Đã áp dụng", "Applied"),
    "task.refused": ("Bị từ chối", "Refused"),
    "task.pause": ("Tạm dừng", "Pause"),
    "task.resume": ("Tiếp tục", "Resume"),
    "task.state.queued": ("Đang chờ", "Queued"),
    "task.state.running": ("Đang chạy", "Running"),
    "task.state.paused": ("Tạm dừng", "Paused"),
    "task.state.done": ("Hoàn thành", "Done"),
    "task.state.failed": ("Thất bại", "Failed"),
    "detail.why": ("Vì sao lỗi", "Why it failed"),
    "detail.fix": ("Cần làm gì", "What to fix"),
    "detail.field": ("Trường dữ liệu", "Field"),
    "detail.message": (
        "Thông báo gốc (đã che dữ liệu cá nhân)",
        "Original message (personal data masked)",
    ),
    "detail.timeline": ("Diễn biến hồ sơ", "The dossier's history"),
    "detail.events": ("Sự kiện", "Events"),
    "detail.jobs": ("Các việc đồng bộ", "Jobs"),
    "detail.request": ("Yêu cầu gửi đi", "Request"),
    "detail.response": ("Trả lời", "Response"),
    "detail.no_payloads": (
        "Nội dung yêu cầu/trả lời chỉ hiển thị với quyền payload-viewer",
        "Request and response excerpts are shown to the payload-viewer role only",
    ),
    "detail.outcome": ("Kết quả", "Outcome"),
    "detail.duration": ("Thời gian (ms)", "Duration (ms)"),
    "rec.download": ("Tải về", "Download"),
    "rec.by_kind": ("Chênh lệch theo loại", "Differences by kind"),
    "rec.repair": ("Khắc phục", "Repair"),
    "rec.dry_run": ("Chạy thử khắc phục (không thay đổi gì)", "Repair dry run (changes nothing)"),
    "rec.apply": ("Khắc phục thật", "Repair for real"),
    "rec.none": ("Chưa có lần đối soát nào", "No reconciliation run yet"),
    "rec.kind_all": ("(mọi loại)", "(every kind)"),
    "inbox.title": (
        "Hồ sơ chờ tiếp nhận — Mới đăng ký",
        "Dossiers awaiting reception — newly filed",
    ),
    "inbox.pulled": ("Nhận về lúc", "Pulled at"),
    "inbox.none": ("Không có hồ sơ chờ tiếp nhận", "No dossier awaits reception"),
    "dl.title": ("Hồ sơ sắp đến hạn hoặc quá hạn", "Dossiers at risk or overdue"),
    "dl.ngay_hen_tra": ("Ngày hẹn trả", "Appointment date"),
    "dl.state": ("Tình trạng hạn", "Deadline state"),
    "dl.at_risk": ("Sắp đến hạn", "At risk"),
    "dl.overdue": ("Quá hạn", "Overdue"),
    "dl.new_date": ("Ngày hẹn trả mới", "New appointment date"),
    "dl.apology": ("Ghi nhận văn bản xin lỗi", "Record the apology letter"),
    "dl.apology_sent": ("Đã gửi văn bản xin lỗi", "Apology sent"),
    "rec.run_now": ("Đối soát ngay", "Reconcile now"),
    "dl.none": ("Không có hồ sơ sắp hoặc quá hạn", "No dossier at risk or overdue"),
    "keys.title": ("Khóa truy cập API", "API keys"),
    "keys.name": ("Tên", "Name"),
    "keys.hash": ("Mã băm (SHA-256, 12 ký tự đầu)", "Hash (SHA-256, first 12)"),
    "keys.how": (
        "Khóa được lưu dạng mã băm trong tthc-hub.toml. Tạo khóa mới: "
        "tthc-hub keys new --name <tên> --role <quyền>, thêm mục in ra vào tệp cấu hình "
        "rồi khởi động lại; xóa mục đó để thu hồi (phiên đăng nhập của khóa hết hiệu lực ngay).",
        "Keys are kept hashed in tthc-hub.toml. Make one with "
        "tthc-hub keys new --name <name> --role <role>, add the printed entry to the settings "
        "and restart; remove the entry to revoke it (its console sessions end at once).",
    ),
    "none": ("—", "—"),
}

#: Per error class: (why in Vietnamese, what to fix, why in English, what to fix).
_WHY: dict[str, tuple[str, str, str, str]] = {
    "mapping": (
        "Hồ sơ thiếu hoặc sai thông tin mà Bộ, ngành yêu cầu, nên chưa gửi được.",
        "Bổ sung hoặc sửa trường dữ liệu nêu dưới đây trên hệ thống một cửa của tỉnh, "
        "rồi Gửi lại với \u201cGửi trạng thái hiện tại\u201d.",
        "The dossier lacks a detail the ministry requires, so it was not sent.",
        "Complete or correct the field below in the province's one-stop-shop system, then "
        "re-run with \u201cCurrent state\u201d.",
    ),
    "rejected": (
        "Hệ thống của Bộ, ngành đã từ chối hồ sơ.",
        "Đọc thông báo của Bộ bên dưới; sửa dữ liệu theo thông báo rồi gửi lại, "
        "hoặc liên hệ đầu mối của Bộ nếu thông báo không rõ.",
        "The ministry's system refused the dossier.",
        "Read the ministry's message below; correct the data it names and re-run, or ask the "
        "ministry's contact when the message is unclear.",
    ),
    "contract": (
        "Bộ trả lời không đúng định dạng đã thống nhất.",
        "Báo đầu mối kỹ thuật của Bộ kèm mã việc; gửi lại khi Bộ đã sửa.",
        "The ministry answered in a shape that breaks the agreed contract.",
        "Report it to the ministry's technical contact with the job id; re-run once fixed.",
    ),
    "timeout": (
        "Hệ thống của Bộ không trả lời trong thời gian chờ.",
        "Thường tự hết; nếu kéo dài, kiểm tra kết nối tới Bộ rồi gửi lại hàng loạt theo bộ lọc.",
        "The ministry's system did not answer in time.",
        "Usually passes; if it lasts, check the link to the ministry, then re-run by filter.",
    ),
    "connection": (
        "Không kết nối được tới hệ thống của Bộ.",
        "Kiểm tra mạng, VPN và địa chỉ base_url của hệ thống; gửi lại khi đã thông.",
        "The hub could not connect to the ministry's system.",
        "Check the network, the VPN and the connector's base_url; re-run once it connects.",
    ),
    "http_5xx": (
        "Hệ thống của Bộ đang gặp lỗi (HTTP 5xx).",
        "Chờ Bộ khắc phục, rồi gửi lại hàng loạt các việc lỗi theo bộ lọc loại lỗi này.",
        "The ministry's system is failing (HTTP 5xx).",
        "Wait for the ministry to recover, then re-run the dead jobs of this error class.",
    ),
    "http_4xx": (
        "Bộ từ chối yêu cầu (HTTP 4xx): thường do khóa hoặc quyền truy cập.",
        "Kiểm tra thông tin xác thực của hệ thống trong tệp cấu hình; gửi lại sau khi sửa.",
        "The ministry refused the request (HTTP 4xx), often its credentials.",
        "Check the connector's credentials in the settings; re-run once corrected.",
    ),
}
_OTHER = (
    "Lỗi không tự khắc phục được khi gửi sang Bộ.",
    "Đọc thông báo gốc bên dưới, xử lý nguyên nhân rồi gửi lại.",
    "A failure that retrying alone does not fix.",
    "Read the original message below, remove its cause, then re-run.",
)
_ALIASES = {"connection_reset": "connection", "transport": "connection", "malformed": "contract"}
_FIELD = re.compile(r"\(field: ([^)]+)\)")


def t(key: str, language: str = "vi") -> str:
    """The console's word for ``key``; else hub.i18n's (states, reconcile kinds)."""
    pair = _TEXT.get(key)
    if pair is None:
        return shared_t(key, language)
    return pair[1] if language == "en" else pair[0]


def explain(error_class: str | None, message: str | None, language: str = "vi") -> dict[str, str]:
    """Why a job failed and what to fix, in ``language``; the field the message names."""
    cls = _ALIASES.get(error_class or "", error_class or "")
    if cls.startswith("http_5"):
        cls = "http_5xx"
    elif cls.startswith("http_4"):
        cls = "http_4xx"
    why_vi, fix_vi, why_en, fix_en = _WHY.get(cls, _OTHER)
    found = _FIELD.search(message or "")
    return {
        "why": why_en if language == "en" else why_vi,
        "fix": fix_en if language == "en" else fix_vi,
        "field": found.group(1) if found else "",
    }
