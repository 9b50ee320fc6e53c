"""A time sent without a UTC offset is the province's wall clock (+07:00).

Before, a naive ``ngay_nop`` beside an aware ``ngay_tiep_nhan`` made the model's order
check raise TypeError (a 500 at the API) instead of validating.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from hub.api import _FAST_EVENT, _FAST_EVENTS
from hub.models import DossierEvent, EventType
from hub.testing.samples import sample_dossier, sample_event

VALIDATORS = {
    "model": DossierEvent.model_validate_json,
    "api one": _FAST_EVENT.validate_json,
    "api batch": lambda body: _FAST_EVENTS.validate_json(f"[{body}]")[0],
}


def _event(**times: str) -> dict[str, Any]:
    event = sample_event(sample_dossier(7), EventType.CREATED, seq=1).model_dump(mode="json")
    event["snapshot"].update(times)
    return event


@pytest.mark.parametrize("validate", VALIDATORS.values(), ids=VALIDATORS.keys())
def test_naive_times_read_as_vietnam_time(validate: Any) -> None:
    body = _event(ngay_nop="2026-11-02T08:00:00", ngay_tiep_nhan="2026-11-02T01:30:00Z")
    body["occurred_at"] = "2026-11-02T08:30:00"
    event = validate(json.dumps(body))
    assert event.snapshot.ngay_nop.utcoffset() == timedelta(hours=7)
    assert event.snapshot.ngay_nop.hour == 8
    assert event.occurred_at.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("validate", VALIDATORS.values(), ids=VALIDATORS.keys())
def test_a_naive_and_an_aware_time_are_compared_not_crashed_on(validate: Any) -> None:
    # 09:00 in Vietnam is 02:00 UTC: received at 01:30 UTC is before it was filed
    body = _event(ngay_nop="2026-11-02T09:00:00", ngay_tiep_nhan="2026-11-02T01:30:00Z")
    with pytest.raises(ValidationError) as caught:
        validate(json.dumps(body))
    assert [e["type"] for e in caught.value.errors()] == ["date_order"]
    assert caught.value.errors()[0]["loc"][-1] == "snapshot"
