"""The issue's bad-input acceptance: a servicecore error naming the field, storage unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from servicecore.agreements import (
    AGREEMENTS,
    AgreementGroup,
    add_agreement_line,
    create_agreement,
    create_agreement_group,
)
from servicecore.clock import FixedClock
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    ServiceCoreError,
    ValidationError,
)
from servicecore.money import Money
from servicecore.orders import (
    GENERATED_LINE_KEYS,
    SERVICE_ORDERS,
    change_order_stage,
    create_order_for_agreement,
    generate_orders_from_agreements,
    move_line,
)
from servicecore.recurrence import Interval
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE
from tests.builders.agreements import agreement, line

NOW = pendulum.datetime(2024, 1, 2, 9)
CLOCK = FixedClock(NOW)


def _store() -> InMemoryStore:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(uow, AgreementGroup(company_id="ACME", id="STD"), clock=CLOCK)
        create_agreement(uow, agreement(line()), clock=CLOCK)
        create_agreement(uow, agreement(line(), id="AG-2"), clock=CLOCK)
        for n, ag in enumerate(("AG-1", "AG-2"), start=1):
            create_order_for_agreement(
                uow, ag, order_id=f"SO-{n}", tree=TREE, clock=CLOCK, priority="high"
            )
        uow.commit()
    return store


def _everything(store: InMemoryStore) -> list[Any]:
    with store.unit_of_work("ACME") as uow:
        return [
            sorted(uow[AGREEMENTS].list_all(), key=lambda x: x.id),
            sorted(uow[SERVICE_ORDERS].list_all(), key=lambda x: x.id),
            sorted(uow[GENERATED_LINE_KEYS].list_all(), key=lambda x: x.id),
        ]


def _attempt(store: InMemoryStore, call: Callable[[Any], object]) -> None:
    with store.unit_of_work("ACME") as uow:
        call(uow)
        uow.commit()


def _refused(store: InMemoryStore, call: Callable[[Any], object]) -> ServiceCoreError:
    before = _everything(store)
    with pytest.raises(ServiceCoreError) as e:
        _attempt(store, call)
    assert _everything(store) == before
    return e.value


def test_a_reversed_range_names_end() -> None:
    store = _store()
    error = _refused(
        store,
        lambda uow: generate_orders_from_agreements(
            uow, pendulum.date(2024, 3, 1), pendulum.date(2024, 2, 1), tree=TREE, clock=CLOCK
        ),
    )
    assert isinstance(error, ValidationError)
    assert error.field == "end"


def test_a_zero_interval_names_count() -> None:
    with pytest.raises(ValidationError) as e:
        Interval.days(0)
    assert e.value.field == "count"


def test_a_line_in_another_currency_names_the_price() -> None:
    store = _store()

    def add(uow: Any) -> None:
        ag = uow[AGREEMENTS].get("AG-1")
        changed, _ = add_agreement_line(ag, line("2", sales_price=Money.of("90", "USD")), at=NOW)
        uow[AGREEMENTS].save(changed)

    error = _refused(store, add)
    assert isinstance(error, CurrencyMismatchError)
    assert "line.sales_price" in str(error)


def test_an_unknown_stage_names_stage() -> None:
    store = _store()
    error = _refused(
        store, lambda uow: change_order_stage(uow, "SO-1", "nope", tree=TREE, clock=CLOCK)
    )
    assert isinstance(error, ValidationError)
    assert error.field == "stage"


def test_a_move_between_agreements_names_target() -> None:
    store = _store()
    with store.unit_of_work("ACME") as uow:  # give SO-1 a line to move
        generate_orders_from_agreements(
            uow, pendulum.date(2024, 1, 1), pendulum.date(2024, 1, 31), tree=TREE, clock=CLOCK
        )
        uow.commit()

    def move(uow: Any) -> None:
        source = next(
            o for o in uow[SERVICE_ORDERS].list_for_agreement("AG-1") if o.source == "generated"
        )
        target = uow[SERVICE_ORDERS].get("SO-2")
        new_source, new_target = move_line(source, target, "1", tree=TREE, at=NOW)
        uow[SERVICE_ORDERS].save(new_source)
        uow[SERVICE_ORDERS].save(new_target)

    error = _refused(store, move)
    assert isinstance(error, BusinessRuleError)
    assert str(error).startswith("target:")
