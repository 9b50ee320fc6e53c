"""MONRE's own message codes (hub.messages, docs/messages.md)."""

from __future__ import annotations

from hub.sdk import define_message

BACKEND_TIMEOUT = define_message(
    "monre.backend_timeout",
    vi="Hệ thống monre hết thời gian chờ ở hệ thống nghiệp vụ của Bộ",
    en="MONRE timed out in its own back end",
)
