"""Settings of the two Bộ Xây dựng connectors.

``[connectors.xaydung_capphep]`` (Hệ thống cấp phép xây dựng toàn quốc) and
``[connectors.xaydung_quyhoach]`` (Hệ thống cung cấp thông tin quy hoạch toàn quốc):
two national systems, each with its own address and key, or
``TTHC_HUB_CONNECTORS__XAYDUNG_CAPPHEP__API_KEY`` in the environment.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.sdk import ConnectorSettings, non_empty_secret

__all__ = ["CapPhepSettings", "QuyHoachSettings", "XaydungSettings"]


class XaydungSettings(ConnectorSettings):
    """``base_url``, ``timeout_seconds``, ``max_connections`` and ``enabled`` come from
    ConnectorSettings; what the ministry issued to the province is added here."""

    #: The key the ministry issued; sent in the ``ApiKey`` header of every call.
    api_key: SecretStr
    #: Records per page of the ministry's listings.
    page_size: int = Field(default=100, ge=1, le=500)
    #: MaDonVi: the province's unit code at the ministry (QCVN 102:2016 agency code).
    ma_don_vi: str = Field(min_length=1, max_length=40)  # or [province] ma_don_vi

    @field_validator("api_key")
    @classmethod
    def _secret_set(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)


class CapPhepSettings(XaydungSettings):
    """``[connectors.xaydung_capphep]``: construction permits."""


class QuyHoachSettings(XaydungSettings):
    """``[connectors.xaydung_quyhoach]``: planning information."""
