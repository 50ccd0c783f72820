"""servicecore registers its strategies through Hypothesis' entry point: no import needed."""

from __future__ import annotations

from importlib.metadata import entry_points

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from servicecore.money import Currency, Money


def test_entry_point_is_declared() -> None:
    declared = {ep.name: ep.value for ep in entry_points(group="hypothesis")}
    assert declared["servicecore"] == "servicecore.testing.strategies:_hypothesis_setup_hook"


@given(st.from_type(Money), st.from_type(Currency), st.from_type(pendulum.DateTime))
def test_from_type_works(amount: Money, currency: Currency, at: pendulum.DateTime) -> None:
    assert isinstance(amount, Money)
    assert isinstance(currency, Currency)
    assert isinstance(at, pendulum.DateTime)
    assert at.utcoffset() is not None
