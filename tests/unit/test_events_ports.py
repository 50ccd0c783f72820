"""DomainEvent base fields and the generic port helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pendulum
import pytest
from attrs import frozen

from servicecore.errors import ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import Aggregate, check_id


@frozen(kw_only=True)
class Shipped(DomainEvent):
    carrier: str


def test_event_fields_and_coercion() -> None:
    at = dt.datetime(2024, 5, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    event = Shipped(aggregate_id="RMA-1", company_id="ACME", occurred_at=at, carrier="DHL")
    assert event.event_type == "Shipped"
    assert isinstance(event.occurred_at, pendulum.DateTime)
    assert event.occurred_at == pendulum.datetime(2024, 5, 1, 6, tz="UTC")
    assert len(event.event_id) == 32
    other = Shipped(aggregate_id="RMA-1", company_id="ACME", occurred_at=at, carrier="DHL")
    assert other.event_id != event.event_id
    fixed = Shipped(
        aggregate_id="RMA-1", company_id="ACME", occurred_at=at, carrier="DHL", event_id="e1"
    )
    assert fixed.event_id == "e1"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.carrier = "UPS"  # type: ignore[misc]


def test_event_rejects_naive_instants_and_empty_ids() -> None:
    with pytest.raises(ValidationError, match="occurred_at is a naive datetime"):
        Shipped(
            aggregate_id="R", company_id="ACME", occurred_at=dt.datetime(2024, 1, 1), carrier="x"
        )
    at = pendulum.datetime(2024, 1, 1)
    for bad in ("", None, 5):
        with pytest.raises(ValidationError, match="must be a non-empty string"):
            Shipped(aggregate_id=bad, company_id="ACME", occurred_at=at, carrier="x")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"Shipped\.company_id"):
            Shipped(aggregate_id="R", company_id=bad, occurred_at=at, carrier="x")  # type: ignore[arg-type]


@pytest.mark.parametrize("good", ["SO-1", "a", "ACME Ltd"])
def test_check_id_accepts(good: str) -> None:
    assert check_id(good) == good


@pytest.mark.parametrize("bad", ["", " SO-1", "SO-1 ", None, 7, b"SO-1"])
def test_check_id_refuses(bad: Any) -> None:
    with pytest.raises(ValidationError, match="order_id must be a non-empty string") as info:
        check_id(bad, "order_id")
    assert info.value.field == "order_id"


def test_aggregate_protocol_is_structural() -> None:
    @frozen
    class Thing:
        company_id: str
        id: str
        version: int = 0

    assert isinstance(Thing("ACME", "T-1"), Aggregate)
    assert not isinstance(object(), Aggregate)
