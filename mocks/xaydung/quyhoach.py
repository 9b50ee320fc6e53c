"""The mock of Hệ thống cung cấp thông tin quy hoạch toàn quốc (``tthc-hub mocks serve``)."""

from __future__ import annotations

from typing import Any

from hub.testing.mock import MockConfig

from .app import create_app as _create_app

__all__ = ["create_app"]


def create_app(config: MockConfig | None = None) -> Any:
    return _create_app(config, system="quyhoach")
