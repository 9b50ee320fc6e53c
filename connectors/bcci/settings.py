"""Settings of the public postal service connector (``[connectors.bcci]``).

``[connectors.bcci]`` in tthc-hub.toml, or ``TTHC_HUB_CONNECTORS__BCCI__<KEY>`` in the
environment (the secret: ``TTHC_HUB_CONNECTORS__BCCI__CONSUMER_SECRET``).
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator

from hub.sdk import ConnectorSettings, non_empty_secret

__all__ = ["BcciSettings"]


class BcciSettings(ConnectorSettings):
    """``base_url``, ``timeout_seconds``, ``max_connections`` and ``enabled`` come from
    ConnectorSettings; what VNPost issued to the province is added here."""

    #: OAuth2 client credentials: the consumer key and secret VNPost issued.
    consumer_key: str = Field(min_length=1, max_length=200)
    consumer_secret: SecretStr
    #: ``CustomerCode``: the province's contract number with VNPost.
    customer_code: str = Field(min_length=1, max_length=50)
    #: The one-stop-shop office: the sender of results, the receiver of collected dossiers.
    office_name: str = Field(min_length=1, max_length=200)
    office_address: str = Field(min_length=1, max_length=500)
    office_tel: str = Field(min_length=9, max_length=20)
    #: Post-2025 codes: the province (2 digits) and the commune (5 digits).
    office_province: str = Field(min_length=1, max_length=10)
    office_commune: str = Field(min_length=1, max_length=10)
    #: Refresh the token this many seconds before VNPost says it expires.
    token_refresh_margin_seconds: float = Field(default=60, ge=0, le=3600)
    #: Events per page of the tracking feed.
    page_size: int = Field(default=100, ge=1, le=500)
    #: The HMAC secret of VNPost's signed status notices (``POST /api/v1/callbacks/bcci``);
    #: empty: notices are refused and the feed alone is read.
    callback_secret: SecretStr = SecretStr("")

    @field_validator("consumer_secret")
    @classmethod
    def _secret_set(cls, value: SecretStr) -> SecretStr:
        return non_empty_secret(value)

    @model_validator(mode="after")
    def _office_units(self) -> BcciSettings:
        """The office's province and commune exist in the 2025 list and belong together."""
        from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

        try:
            Province.from_code(ProvinceCode(int(self.office_province)))
            ward = Ward.from_code(WardCode(int(self.office_commune)))
        except (ValueError, KeyError):
            raise ValueError(
                "office_province / office_commune: not a province and commune of the 2025 unit list"
            ) from None
        if int(ward.province_code) != int(self.office_province):
            raise ValueError(
                f"office_commune {self.office_commune} is not in province {self.office_province}"
            )
        return self
