"""Settings of the MONRE connector (``[connectors.monre]``)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.sdk import AddressForm, ConnectorSettings, non_empty_secret

__all__ = ["MonreSettings"]


class MonreSettings(ConnectorSettings):
    """What the MONRE connector needs; read from ``settings.connector("monre")``."""

    #: The province's unit code at MONRE (``XacThuc/MaDonVi`` header).
    ma_don_vi: str = Field(min_length=1, max_length=40)  # or [province] ma_don_vi
    #: The key MONRE issued to the province (``XacThuc/KhoaTruyCap`` header).
    access_key: SecretStr
    #: Records per page for LayDanhSachHoSoMoi and DanhSachHoSo (the XSD allows 1..500).
    page_size: int = Field(default=100, ge=1, le=500)
    #: PhongBan when a process step names no office.
    phong_ban: str = ""
    #: The administrative units MONRE takes: ``hai_cap`` (tỉnh, xã since 1 July 2025) or
    #: ``ba_cap`` (the old tỉnh, huyện, xã from the address's ``don_vi_cu``).
    address_form: AddressForm = AddressForm.HAI_CAP

    @field_validator("access_key")
    @classmethod
    def _non_empty_key(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)
