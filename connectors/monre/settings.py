"""Settings of the MONRE connector (``[connectors.monre]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

__all__ = ["MonreSettings"]


class MonreSettings(BaseModel):
    """What the MONRE connector needs; read from ``settings.connector("monre")``."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    #: The ministry's base URL; the SOAP endpoint is ``{base_url}/DichVuThietYeu.asmx``.
    base_url: str = Field(min_length=1)
    #: The province's unit code at MONRE (``XacThuc/MaDonVi`` header).
    ma_don_vi: str = Field(default="000.00.22.H34", min_length=1)
    #: The key MONRE issued to the province (``XacThuc/KhoaTruyCap`` header).
    access_key: SecretStr
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: Connections per client: httpx's pool degrades above ~8 in flight (PERF-NOTES.md).
    max_connections: int = Field(default=8, ge=1, le=64)
    #: Records per page for LayDanhSachHoSoMoi and DanhSachHoSo (the XSD allows 1..500).
    page_size: int = Field(default=100, ge=1, le=500)
    #: PhongBan when a process step names no office.
    phong_ban: str = ""

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("access_key")
    @classmethod
    def _non_empty_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("access_key is empty")
        return value
