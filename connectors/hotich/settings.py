"""Settings of the hộ tịch connector (``[connectors.hotich]``)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.sdk import ConnectorSettings, non_empty_secret

__all__ = ["DEFAULT_MODULES", "HotichSettings"]

#: National mã TTHC -> the hộ tịch module (đăng ký khai sinh, khai tử, kết hôn, cấp xã).
DEFAULT_MODULES = {"1.001193": "LTKS", "1.000656": "LTKT", "1.000894": "LTKH"}


class HotichSettings(ConnectorSettings):
    """What the hộ tịch connector needs; read from ``settings.connector("hotich")``."""

    #: The key the Ministry of Justice issued to the province (header ``api-key``).
    api_key: SecretStr
    #: maDonVi: the province's one-stop unit code, as the ministry knows it.
    ma_don_vi: str = Field(min_length=1, max_length=40)  # or [province] ma_don_vi
    #: maTinh of LayKetQua (two-digit province code since 1 July 2025), or [province] ma_tinh.
    ma_tinh: str = Field(pattern=r"^\d{2}$")
    #: mã TTHC (national or local form) -> module; a dossier may also name its module in
    #: ``extra["ho_tich"]["module"]``.
    modules: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_MODULES))

    @field_validator("api_key")
    @classmethod
    def _non_empty_key(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)

    @field_validator("modules")
    @classmethod
    def _known_modules(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(k for k, v in value.items() if v not in ("LTKS", "LTKT", "LTKH"))
        if bad:
            raise ValueError(f"modules must be LTKS, LTKT or LTKH (wrong for {', '.join(bad)})")
        return value
