"""Settings of the MOLISA connector (``[connectors.molisa]``)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.sdk import AddressForm, ConnectorSettings, non_empty_secret

__all__ = ["MolisaSettings"]


class MolisaSettings(ConnectorSettings):
    """What the MOLISA connector needs; read from ``settings.connector("molisa")``."""

    #: The key MOLISA issued to the province; it travels in every request body.
    accept_key: SecretStr
    #: Records per page for LayDanhSachHoSoMoi and DanhSachHoSo: the contract's maximum
    #: for both by default (a 1M-dossier reconciliation is 2,000 requests, not 10,000).
    page_size: int = Field(default=500, ge=1, le=500)
    #: Listing pages (DanhSachHoSo, for reconciliation) asked for ahead of the one being
    #: mapped: two keep MOLISA busy while the hub maps a page (against the mock, 100,000
    #: rows listed in 1.7-2.2 s with two, 2.2-3.3 s with one). 1 keeps a single request
    #: at the ministry at a time.
    listing_ahead: int = Field(default=2, ge=1, le=4)
    #: Local mã TTHC -> the code MOLISA knows; unmapped codes are sent as the national code.
    ma_tthc_map: dict[str, str] = Field(default_factory=dict)
    #: DonViXuLy when the dossier names none.
    don_vi_xu_ly: str = ""
    #: Send each result file with its content (NoiDungTep), as the guide does; a result
    #: file without ``noi_dung`` is then a mapping error, refused before sending.
    result_content_required: bool = True
    #: The administrative units MOLISA takes: ``hai_cap`` (tỉnh, xã since 1 July 2025) or
    #: ``ba_cap`` (the old tỉnh, huyện, xã from the address's ``don_vi_cu``).
    address_form: AddressForm = AddressForm.HAI_CAP

    @field_validator("accept_key")
    @classmethod
    def _non_empty_key(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)
