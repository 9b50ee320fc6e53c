"""The province the hub serves (``[province]``): its own codes, set once.

Connectors whose settings have ``ma_don_vi`` (the province's unit code at a ministry,
QCVN 102:2016 form) or ``ma_tinh`` (the two-digit province code) take them from here
when their own ``[connectors.<name>]`` section does not set them
(:func:`hub.connector_settings.connector_settings`). Nothing defaults to one province:
a connector that needs a code and finds it in neither place is a configuration error.

``ma_tinh`` is a province code since 1 July 2025 (34 provinces), checked with
``vietnam-provinces``: Kon Tum (62) is part of Quảng Ngãi (51) since then.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["PROVINCE_FIELDS", "ProvinceSettings", "current_province_name"]

#: Connector settings fields the province section fills when a connector leaves them out.
PROVINCE_FIELDS = ("ma_don_vi", "ma_tinh")


def current_province_name(code: str) -> str | None:
    """The name of a province code in force since 1 July 2025, or None (unknown, retired)."""
    from vietnam_provinces import Province, ProvinceCode

    try:
        return Province.from_code(ProvinceCode(int(code))).name
    except ValueError:
        return None


class ProvinceSettings(BaseModel):
    """``[province]``: the province's own codes, read by every connector that needs them."""

    model_config = ConfigDict(extra="forbid")

    #: mã đơn vị: the province's unit code at the ministries (``000.00.22.H34`` form).
    ma_don_vi: str | None = Field(
        default=None, pattern=r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$", max_length=40
    )
    #: mã tỉnh: the two-digit province code since 1 July 2025 (``51`` = Quảng Ngãi).
    ma_tinh: str | None = Field(default=None, pattern=r"^\d{2}$")

    @field_validator("ma_tinh")
    @classmethod
    def _current_province(cls, value: str | None) -> str | None:
        if value is not None and current_province_name(value) is None:
            raise ValueError(
                "not a province code in force since 1 July 2025 (34 provinces; "
                "Kon Tum 62 is part of Quảng Ngãi 51)"
            )
        return value
