"""Settings of the liên thông connector (``[connectors.lienthong]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

__all__ = ["LienthongSettings"]


class LienthongSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    base_url: str = Field(min_length=1)
    user_name: str = Field(min_length=1)
    password: SecretStr
    #: coQuanXuLy of status pushes when the dossier names no don_vi_xu_ly.
    co_quan_xu_ly: str = "Ủy ban nhân dân cấp xã"
    timeout_seconds: float = Field(default=30.0, gt=0)
    page_size: int = Field(default=50, ge=1, le=500)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")
