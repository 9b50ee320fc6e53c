"""MOLISA's own message codes (hub.messages, docs/messages.md): the words an official
reads when MOLISA refuses or when a dossier lacks what MOLISA requires."""

from __future__ import annotations

from hub.sdk import define_message

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
