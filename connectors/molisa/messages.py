"""MOLISA's own message codes (hub.messages, docs/messages.md): the words an official
reads when MOLISA refuses or when a dossier lacks what MOLISA requires."""

from __future__ import annotations

from hub.sdk import ContractError, define_message, message

SYSTEM = "molisa"

RECEPTION_DATE = define_message(
    "molisa.reception_date",
    vi="Hệ thống molisa yêu cầu ngày tiếp nhận khi hồ sơ đã được tiếp nhận",
    en="MOLISA requires the reception date once a dossier is received",
)
WRONG_KEY = define_message(
    "molisa.wrong_key",
    vi="Hệ thống molisa từ chối AcceptKey: kiểm tra mục cấu hình connectors.molisa.accept_key",
    en="MOLISA refused the AcceptKey: check connectors.molisa.accept_key",
)
POST_WITHOUT_ADDRESS = define_message(
    "molisa.post_without_address",
    vi="{where}: chọn trả kết quả qua bưu chính (HinhThucTra) nhưng không có địa chỉ "
    "(NOHT_*/HKTT_*) cho nhan_ket_qua.dia_chi",
    en="{where} asks for delivery by post (HinhThucTra) without an address "
    "(NOHT_*/HKTT_*), needed for nhan_ket_qua.dia_chi",
)


def lacks(operation: str, field: str) -> ContractError:
    """MOLISA's answer to ``operation`` lacks ``field``."""
    return ContractError(
        message("contract.missing", operation=operation, field=field), system=SYSTEM
    )


def bad_format(field: str, expected: str) -> ContractError:
    """MOLISA sent ``field`` in another form than ``expected``."""
    words = message("contract.format", system=SYSTEM, field=field, expected=expected)
    return ContractError(words, system=SYSTEM)


RESULT_CONTENT = define_message(
    "molisa.result_content",
    vi="Hệ thống molisa nhận nội dung tệp kết quả, không chỉ đường dẫn tới tệp",
    en="MOLISA takes the result file's content, not only its link",
)
