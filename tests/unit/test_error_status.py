"""Each hub error carries the HTTP status the API answers with; a client's mistake is
never a 502."""

from __future__ import annotations

import pytest

from hub.errors import (
    ActionRefused,
    ConfigError,
    HubError,
    IngestError,
    MappingError,
    RejectedError,
    TransientError,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (IngestError("bad transition", code="invalid_transition", status=409), 409),
        (IngestError("bad field", code="invalid"), 422),
        (ActionRefused("there is no job 9", code="not_found"), 404),
        (ActionRefused("job 9 is dead first"), 409),
        (ActionRefused("skip needs a reason", code="reason_required"), 422),
        (ActionRefused("unknown sort", code="bad_sort"), 422),
        (TransientError("busy", system="molisa", code="http_503"), 503),
        (RejectedError("refused", system="molisa"), 502),
        (MappingError("needs a birth date", field="chu_ho_so.ngay_sinh"), 502),
        (ConfigError("bad url"), 500),
        (HubError("something of ours"), 500),
    ],
)
def test_each_error_has_its_status(error: HubError, status: int) -> None:
    assert error.status == status


def test_no_client_mistake_is_a_bad_gateway() -> None:
    for cls in (IngestError, ActionRefused):
        codes = ["x", *getattr(cls, "status_by_code", {})]
        for code in codes:
            err = cls("r", code=code)
            assert 400 <= err.status < 500, (cls.__name__, code, err.status)
