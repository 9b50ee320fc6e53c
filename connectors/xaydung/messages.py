"""Bộ Xây dựng's own message codes (hub.messages, docs/messages.md); ``{system}`` is
xaydung_capphep or xaydung_quyhoach."""

from __future__ import annotations

from hub.sdk import Message, define_message

KEY_REFUSED = define_message(
    "xaydung.key_refused",
    vi="Hệ thống {system} từ chối khóa truy cập: kiểm tra mục cấu hình connectors.{system}.api_key",
    en="{system} refused the key: check connectors.{system}.api_key",
)
FILE_HASH = define_message(
    "xaydung.file_hash",
    vi="Hệ thống {system} từ chối tệp giấy phép: mã băm không khớp",
    en="{system} refused the permit file: its hash does not match",
)
APPLICANT_ID = define_message(
    "xaydung.applicant_id",
    vi="Hệ thống {system} xác định người nộp bằng số giấy tờ",
    en="{system} identifies the applicant by số giấy tờ",
)
PERMIT_FIELD_MISSING = define_message(
    "xaydung.permit_missing",
    vi="{system}: thiếu một trường của giấy phép",
    en="{system}: a permit field is missing",
)
PERMIT_FIELD_BAD = define_message(
    "xaydung.permit_bad",
    vi="{system}: một trường của giấy phép sai định dạng ({kind})",
    en="{system}: a permit field is malformed ({kind})",
)
PERMIT_FILE = define_message(
    "xaydung.permit_file",
    vi="{system}: tệp giấy phép bị từ chối ({detail})",
    en="{system}: the permit file is refused ({detail})",
)
FILE_NOT_BASE64 = define_message(
    "xaydung.file_not_base64",
    vi="nội dung tệp (noi_dung) không phải base64",
    en="noi_dung is not base64",
)
FILE_TOO_LARGE = define_message(
    "xaydung.file_too_large",
    vi="tệp lớn hơn {limit} byte",
    en="the file is larger than {limit} bytes",
)
FILE_HASH_MISMATCH = define_message(
    "xaydung.file_hash_mismatch",
    vi="mã băm sha256 không khớp với nội dung tệp",
    en="sha256 does not match the file's content",
)


class FileRefused(ValueError):
    """The permit file cannot be used; ``words`` says why in both languages."""

    def __init__(self, words: Message) -> None:
        super().__init__(words.en)
        self.words = words
