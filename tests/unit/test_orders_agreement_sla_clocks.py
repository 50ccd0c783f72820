"""Manual orders for an agreement and their SLA clocks through stage changes: lines without
a pricer, an SLA that already pauses on the stopped-stage status, a fulfilled clock left
alone, and a stage change dated before the clocks' last change.

Every expected value is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum
import pytest

from servicecore.agreements import (
    AgreementGroup,
    TransactionType,
    create_agreement,
    create_agreement_group,
)
from servicecore.clock import FixedClock
from servicecore.errors import ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.orders import (
    SERVICE_ORDERS,
    SLA_STOPPED_STATUS,
    OrderLine,
    Stage,
    StageTree,
    change_order_stage,
    create_order_for_agreement,
)
from servicecore.sla import (
    SLAS,
    ClockKind,
    ClockRules,
    ClockState,
    ServiceLevelAgreement,
    StatusChange,
    Target,
)
from servicecore.sla_clocks import (
    SLA_CLOCKS,
    StoredSlaClock,
    record_sla_change,
    sla_clock_id,
)
from servicecore.storage.memory import InMemoryStore
from tests.builders.agreements import agreement, line

NOW = pendulum.datetime(2024, 1, 2, 9)

TREE = StageTree.define(
    [
        Stage(id="new"),
        Stage(id="work", parent="new"),
        Stage(id="hold", parent="work", stops_sla_clock=True),
    ]
)


def _sla(**kw: object) -> ServiceLevelAgreement:
    """Respond within 1 hour, resolve within 4 (calendar hours, 24x7)."""
    return ServiceLevelAgreement(
        company_id="ACME",
        id="GOLD",
        name="Gold",
        targets={"high": (Target.calendar_hours(1), Target.calendar_hours(4))},
        **kw,  # type: ignore[arg-type]
    )


def _store(sla: ServiceLevelAgreement, published: list[DomainEvent]) -> InMemoryStore:
    store = InMemoryStore(publish=published.extend)
    clock = FixedClock(NOW)
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(uow, AgreementGroup(company_id="ACME", id="STD"), clock=clock)
        uow[SLAS].add(sla)
        create_agreement(uow, agreement(line(), sla_id="GOLD"), clock=clock)
        uow.commit()
    return store


def _order(store: InMemoryStore, **kw: object) -> None:
    with store.unit_of_work("ACME") as uow:
        create_order_for_agreement(
            uow,
            "AG-1",
            order_id="SO-1",
            tree=TREE,
            clock=FixedClock(NOW),
            priority="high",
            **kw,  # type: ignore[arg-type]
        )
        change_order_stage(uow, "SO-1", "work", tree=TREE, clock=FixedClock(NOW))
        uow.commit()


def test_without_a_pricer_the_lines_keep_their_own_prices() -> None:
    store = _store(_sla(), [])
    hours = OrderLine(
        id="1",
        transaction_type=TransactionType.HOUR,
        quantity=Decimal(3),
        cost_price=Money.of("40", "EUR"),
        sales_price=Money.of("95", "EUR"),
        worker_id="W1",
    )
    _order(store, lines=[hours])
    with store.unit_of_work("ACME") as uow:
        stored = uow[SERVICE_ORDERS].get("SO-1")
    assert stored.lines == (hours,)
    assert stored.margin == Money.of("165", "EUR")  # 3 x (95 - 40)


def _clocks_after_hold_at_0930(rules: ClockRules) -> list[StoredSlaClock]:
    """An order under an SLA of ``rules`` for both clocks, which the order keeps (checked),
    moved to the "hold" stage at 09:30: its clocks after the move."""
    store = _store(_sla(response=rules, resolution=rules), [])
    _order(store)
    with store.unit_of_work("ACME") as uow:
        clocks = uow[SLA_CLOCKS].list_for_subject("SO-1")
    assert [c.clock.sla.rules(c.clock.kind) for c in clocks] == [rules, rules]
    with store.unit_of_work("ACME") as uow:
        change_order_stage(uow, "SO-1", "hold", tree=TREE, clock=FixedClock(NOW.add(minutes=30)))
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        return uow[SLA_CLOCKS].list_for_subject("SO-1")


def test_an_sla_already_pausing_on_the_stopped_stage_status_keeps_its_rules() -> None:
    after = _clocks_after_hold_at_0930(ClockRules(pause_statuses=(SLA_STOPPED_STATUS,)))
    (resolution,) = [c for c in after if c.clock.kind is ClockKind.RESOLUTION]
    status = resolution.clock.status_at(NOW.add(hours=10))
    assert (status.state, status.used) == (ClockState.PAUSED, dt.timedelta(minutes=30))


def test_a_fulfilled_clock_is_left_as_it_is_when_the_order_stops() -> None:
    published: list[DomainEvent] = []
    store = _store(_sla(response=ClockRules(fulfil_statuses=("responded",))), published)
    _order(store)
    response_id = sla_clock_id("SO-1", ClockKind.RESPONSE)
    resolution_id = sla_clock_id("SO-1", ClockKind.RESOLUTION)
    with store.unit_of_work("ACME") as uow:
        record_sla_change(uow, "SO-1", StatusChange(NOW.add(minutes=20), "responded"))
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        before = {c.id: c for c in uow[SLA_CLOCKS].list_for_subject("SO-1")}
    assert not before[response_id].running
    with store.unit_of_work("ACME") as uow:
        change_order_stage(uow, "SO-1", "hold", tree=TREE, clock=FixedClock(NOW.add(minutes=50)))
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        after = {c.id: c for c in uow[SLA_CLOCKS].list_for_subject("SO-1")}
        assert uow[SERVICE_ORDERS].get("SO-1").stage == "hold"
    assert after[response_id] == before[response_id]  # not saved again: same version
    assert after[resolution_id].version == before[resolution_id].version + 1
    status = after[resolution_id].clock.status_at(NOW.add(hours=10))
    assert (status.state, status.used) == (ClockState.PAUSED, dt.timedelta(minutes=50))


def test_a_stage_change_dated_before_the_clocks_last_change_is_refused() -> None:
    store = _store(_sla(), [])
    _order(store)  # clocks started at 09:00
    with store.unit_of_work("ACME") as uow:
        clocks_before = uow[SLA_CLOCKS].list_for_subject("SO-1")
        with pytest.raises(ValidationError) as e:
            change_order_stage(
                uow, "SO-1", "hold", tree=TREE, clock=FixedClock(NOW.subtract(minutes=5))
            )
        assert e.value.field == "at"
        assert uow[SERVICE_ORDERS].get("SO-1").stage == "work"
        assert uow[SLA_CLOCKS].list_for_subject("SO-1") == clocks_before


def test_an_sla_fulfilled_by_the_stopped_stage_status_is_fulfilled_when_the_order_stops() -> None:
    # A host whose SLA counts a stage that stops the clock as done lists the stopped-stage
    # status among the fulfil statuses: the order keeps those rules (the status cannot
    # also pause), and the move to "hold" at 09:30 fulfils both clocks, 30 minutes used.
    after = _clocks_after_hold_at_0930(ClockRules(fulfil_statuses=(SLA_STOPPED_STATUS,)))
    assert len(after) == 2
    for c in after:
        status = c.clock.status_at(NOW.add(hours=10))
        assert (status.state, status.used) == (ClockState.MET, dt.timedelta(minutes=30))
