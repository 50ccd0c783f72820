"""Every calendar and SLA entry point that takes an instant refuses a naive datetime."""

from __future__ import annotations

import datetime as dt

import pytest

from servicecore.errors import ValidationError
from tests.naive_cases.calendars_sla import CASES


@pytest.mark.parametrize("name", sorted(CASES))
def test_naive_datetime_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="naive"):
        CASES[name](dt.datetime(2024, 6, 3, 9))
