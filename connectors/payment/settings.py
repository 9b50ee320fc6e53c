"""Settings of the PayGov payment connector (``[connectors.payment]``).

``[connectors.payment]`` in tthc-hub.toml, or ``TTHC_HUB_CONNECTORS__PAYMENT__<KEY>``
in the environment::

    [connectors.payment]
    base_url = "https://paygov.example.gov.vn"
    token = "..."             # the bearer token PayGov issued
    secret = "..."            # the shared secret of MaXacThuc
    ma_doi_tac = "UBND-KONTUM"
    ma_don_vi = "000.00.22.H34"
    ten_don_vi = "UBND tỉnh Kon Tum"
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from hub.sdk import ConnectorSettings, non_empty_secret

__all__ = ["PaymentSettings"]


class PaymentSettings(ConnectorSettings):
    """``base_url``, ``timeout_seconds``, ``max_connections`` and ``enabled`` come from
    ConnectorSettings; what PayGov issued to the province is added here."""

    #: The bearer token PayGov issued; sent in ``Authorization: Bearer`` on every call.
    token: SecretStr
    #: The shared secret appended to every MaXacThuc (both directions).
    secret: SecretStr
    #: The province's partner code at PayGov (MaDoiTac).
    ma_doi_tac: str = Field(min_length=1, max_length=50)
    #: The receiving unit printed on the receipt (ThongTinBienLai.MaDonVi / TenDonVi).
    ma_don_vi: str = Field(default="", max_length=50)
    ten_don_vi: str = Field(default="", max_length=300)
    #: MaKenhThanhToan and MaThietBi of the INIT: the channel is the province's portal.
    ma_kenh_thanh_toan: str = Field(default="1", max_length=10)
    ma_thiet_bi: str = Field(default="1", max_length=10)
    #: The Ip field of the INIT: the province portal's public address.
    ip: str = Field(default="127.0.0.1", max_length=45)
    #: A Confirm notice whose ThoiGianGD is older than this is refused as stale.
    confirm_max_age_hours: float = Field(default=72.0, gt=0)
    #: A payment still pending this long after INIT is queried, then reported.
    pending_query_minutes: float = Field(default=30.0, gt=0)
    #: How often the hub's scheduler sweeps (records new INITs, queries and reports the
    #: pending ones, fetches receipts); ``tthc-hub payment sweep`` runs one by hand.
    sweep_every_seconds: float = Field(default=300.0, gt=0)

    @field_validator("token", "secret")
    @classmethod
    def _secret_set(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)
