"""The order hooks: servicecore_validate_stage_change and servicecore_price_line."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest
from attrs import evolve

from servicecore.agreements import (
    AgreementGroup,
    TransactionType,
    create_agreement,
    create_agreement_group,
)
from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, PluginError, ValidationError
from servicecore.money import Money
from servicecore.orders import (
    SERVICE_ORDERS,
    OrderLine,
    ServiceOrder,
    Stage,
    StageTree,
    change_order_stage,
    create_order_for_agreement,
)
from servicecore.plugins import Hooks, get_plugin_manager, hookimpl
from servicecore.storage.memory import InMemoryStore
from tests.builders.agreements import agreement, line

NOW = pendulum.datetime(2024, 3, 1, 9)
TREE = StageTree.define([Stage(id="new"), Stage(id="work", parent="new")])


def _store() -> InMemoryStore:
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(
            uow, AgreementGroup(company_id="ACME", id="STD"), clock=FixedClock(NOW)
        )
        create_agreement(uow, agreement(line()), clock=FixedClock(NOW))
        uow.commit()
    return store


def _hour(sales: str = "0") -> OrderLine:
    return OrderLine(
        id="1",
        transaction_type=TransactionType.HOUR,
        quantity=Decimal(2),
        cost_price=Money.of("40", "EUR"),
        sales_price=Money.of(sales, "EUR"),
        worker_id="W-1",
    )


class Veto:
    @hookimpl
    def servicecore_validate_stage_change(
        self, order: ServiceOrder, to_stage: str, reason: str | None
    ) -> None:
        if to_stage == "work" and reason != "approved":
            raise BusinessRuleError("work needs approval")


class Rates:
    @hookimpl
    def servicecore_price_line(self, order: ServiceOrder, line: OrderLine) -> OrderLine | None:
        if line.transaction_type is TransactionType.HOUR:
            return evolve(line, sales_price=Money.of("95", order.currency))
        return None


class Broken:
    @hookimpl
    def servicecore_price_line(self, order: ServiceOrder, line: OrderLine) -> OrderLine | None:
        return evolve(line, id="other")


def _hooks(*plugins: object) -> Hooks:
    return Hooks(get_plugin_manager(plugins=list(plugins), load_entrypoints=False))


def test_servicecore_validate_stage_change_refuses_and_nothing_is_saved() -> None:
    store = _store()
    hooks = _hooks(Veto())
    with store.unit_of_work("ACME") as uow:
        create_order_for_agreement(
            uow, "AG-1", order_id="SO-1", tree=TREE, clock=FixedClock(NOW), priority="high"
        )
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError, match="approval"):
            change_order_stage(
                uow,
                "SO-1",
                "work",
                tree=TREE,
                clock=FixedClock(NOW),
                validator=hooks.validate_stage_change,
            )
        assert uow[SERVICE_ORDERS].get("SO-1").stage == "new"
        moved = change_order_stage(
            uow,
            "SO-1",
            "work",
            tree=TREE,
            clock=FixedClock(NOW),
            reason="approved",
            validator=hooks.validate_stage_change,
        )
    assert moved.stage == "work"


def test_a_validator_that_crashes_is_reported_as_a_validation_error() -> None:
    store = _store()
    with store.unit_of_work("ACME") as uow:
        create_order_for_agreement(
            uow, "AG-1", order_id="SO-1", tree=TREE, clock=FixedClock(NOW), priority="high"
        )

        def crash(order: ServiceOrder, to_stage: str, reason: str | None) -> None:
            raise KeyError("boom")

        with pytest.raises(ValidationError) as e:
            change_order_stage(
                uow, "SO-1", "work", tree=TREE, clock=FixedClock(NOW), validator=crash
            )
        assert e.value.field == "validator"


def test_servicecore_price_line_prices_manual_order_lines() -> None:
    store = _store()
    with store.unit_of_work("ACME") as uow:
        order = create_order_for_agreement(
            uow,
            "AG-1",
            order_id="SO-1",
            tree=TREE,
            clock=FixedClock(NOW),
            priority="high",
            lines=[_hour()],
            pricer=_hooks(Rates()).price_line,
        )
    assert order.line("1").sales_price == Money.of("95", "EUR")
    assert order.margin == Money.of("110", "EUR")  # 2 x (95 - 40)


def test_without_a_pricing_plugin_the_line_keeps_its_prices() -> None:
    assert _hooks().price_line(_order(), _hour("70")).sales_price == Money.of("70", "EUR")


def test_a_pricing_plugin_must_keep_the_line_id() -> None:
    with pytest.raises(PluginError, match="same id"):
        _hooks(Broken()).price_line(_order(), _hour())


def _order() -> ServiceOrder:
    from servicecore.orders import new_service_order

    return new_service_order(
        company_id="ACME", id="SO-9", customer_id="C", currency="EUR", tree=TREE, at=NOW
    )
