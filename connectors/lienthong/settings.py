"""Settings of the liên thông connector (``[connectors.lienthong]``)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from hub.sdk import ConnectorSettings

__all__ = ["LienthongSettings"]


class LienthongSettings(ConnectorSettings):
    user_name: str = Field(min_length=1)
    password: SecretStr
    #: coQuanXuLy of status pushes when the dossier names no don_vi_xu_ly.
    co_quan_xu_ly: str = "Ủy ban nhân dân cấp xã"
    page_size: int = Field(default=50, ge=1, le=500)
