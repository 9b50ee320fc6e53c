"""Settings of the MOLISA connector (``[connectors.molisa]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

__all__ = ["MolisaSettings"]


class MolisaSettings(BaseModel):
    """What the MOLISA connector needs; read from ``settings.connector("molisa")``."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    #: The ministry's base URL; the operations are under ``{base_url}/apiBTXH/``.
    base_url: str = Field(min_length=1)
    #: The key MOLISA issued to the province; it travels in every request body.
    accept_key: SecretStr
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: Connections per client: httpx's pool degrades above ~8 in flight (PERF-NOTES.md).
    max_connections: int = Field(default=8, ge=1, le=64)
    #: Records per page for LayDanhSachHoSoMoi and DanhSachHoSo.
    page_size: int = Field(default=100, ge=1, le=500)
    #: Local mã TTHC -> the code MOLISA knows; unmapped codes are sent as the national code.
    ma_tthc_map: dict[str, str] = Field(default_factory=dict)
    #: DonViXuLy when the dossier names none.
    don_vi_xu_ly: str = ""

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("accept_key")
    @classmethod
    def _non_empty_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("accept_key is empty")
        return value
