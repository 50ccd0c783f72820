"""Generating stored agreements' orders, templates with orders, manual orders with an SLA."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from attrs import evolve

from servicecore.agreements import (
    AGREEMENT_GROUPS,
    AGREEMENTS,
    TEMPLATE_GROUPS,
    AgreementGroup,
    TemplateGroup,
    create_agreement,
    create_agreement_group,
    create_template_group,
    renew_stored_agreement,
    suspend_agreement,
)
from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, NotFoundError
from servicecore.orders import (
    GENERATED_LINE_KEYS,
    SERVICE_ORDERS,
    ServiceOrder,
    Stage,
    StageTree,
    change_order_stage,
    create_order_for_agreement,
    delete_line,
    generate_orders_from_agreements,
    make_agreement_template,
)
from servicecore.sla import SLAS, ClockKind, ClockState, ServiceLevelAgreement, Target
from servicecore.sla_clocks import SLA_CLOCKS
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE
from tests.builders.agreements import agreement, line

D = pendulum.date
NOW = pendulum.datetime(2024, 1, 2, 9)


def _store(*agreements: object, group_sla: str | None = None) -> InMemoryStore:
    store = InMemoryStore()
    clock = FixedClock(NOW)
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(
            uow, AgreementGroup(company_id="ACME", id="STD", sla_id=group_sla), clock=clock
        )
        for sla_id in ("GOLD", "SILVER"):
            uow[SLAS].add(
                ServiceLevelAgreement(
                    company_id="ACME",
                    id=sla_id,
                    name=sla_id,
                    targets={"high": (Target.calendar_hours(1), Target.calendar_hours(4))},
                    breach_reason_required=True,
                )
            )
        for ag in agreements:
            create_agreement(uow, ag, clock=clock)  # type: ignore[arg-type]
        uow.commit()
    return store


def _generate(store: InMemoryStore, start: pendulum.Date, end: pendulum.Date, **kw: object) -> int:
    with store.unit_of_work("ACME") as uow:
        made = generate_orders_from_agreements(
            uow,
            start,
            end,
            tree=TREE,
            clock=FixedClock(NOW),
            **kw,  # type: ignore[arg-type]
        )
        uow.commit()
    return len(made)


def _orders(store: InMemoryStore) -> list[ServiceOrder]:
    with store.unit_of_work("ACME") as uow:
        return sorted(uow[SERVICE_ORDERS].list_all(), key=lambda o: o.lines[0].calculated_date)  # type: ignore[arg-type, return-value]


def test_generation_is_idempotent_and_records_generated_through() -> None:
    store = _store(agreement(line()))
    assert _generate(store, D(2024, 1, 1), D(2024, 3, 31)) == 3
    assert _generate(store, D(2024, 1, 1), D(2024, 3, 31)) == 0
    assert _generate(store, D(2024, 2, 1), D(2024, 4, 30)) == 1  # overlap: only April
    with store.unit_of_work("ACME") as uow:
        assert uow[AGREEMENTS].get("AG-1").line("1").generated_through == D(2024, 4, 1)
    assert [str(o.lines[0].calculated_date) for o in _orders(store)] == [
        "2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01",
    ]  # fmt: skip
    assert all(o.sla_id is None and o.source == "generated" for o in _orders(store))


def test_continuous_back_fills_a_deleted_date_and_plain_runs_do_not() -> None:
    store = _store(agreement(line()))
    _generate(store, D(2024, 1, 1), D(2024, 3, 31))
    feb = next(o for o in _orders(store) if o.lines[0].calculated_date == D(2024, 2, 1))
    with store.unit_of_work("ACME") as uow:  # delete February's order (its key stays claimed)
        uow[SERVICE_ORDERS].delete(feb)
        uow[GENERATED_LINE_KEYS].delete(uow[GENERATED_LINE_KEYS].list_for_order(feb.id)[0])
        uow.commit()
    assert _generate(store, D(2024, 1, 1), D(2024, 3, 31)) == 0
    assert _generate(store, D(2024, 1, 1), D(2024, 3, 31), continuous=True) == 1
    assert len(_orders(store)) == 3


def test_a_cancelled_or_deleted_line_is_never_generated_again() -> None:
    store = _store(agreement(line()))
    _generate(store, D(2024, 1, 1), D(2024, 1, 31))
    order = _orders(store)[0]
    emptied, _ = delete_line(order, "1", tree=TREE, at=NOW)
    with store.unit_of_work("ACME") as uow:
        uow[SERVICE_ORDERS].save(emptied)
        uow.commit()
    assert _generate(store, D(2024, 1, 1), D(2024, 1, 31), continuous=True) == 0


def test_suspended_agreements_generate_nothing() -> None:
    ag, _ = suspend_agreement(agreement(line()), at=NOW)
    store = _store(ag)
    assert _generate(store, D(2024, 1, 1), D(2024, 12, 31)) == 0


def test_an_agreement_with_orders_cannot_become_a_template() -> None:
    store = _store(agreement(line()), agreement(line(), id="AG-2"))
    with store.unit_of_work("ACME") as uow:
        create_template_group(
            uow, TemplateGroup(company_id="ACME", id="ROOT"), clock=FixedClock(NOW)
        )
        create_template_group(
            uow,
            TemplateGroup(company_id="ACME", id="PUMPS", parent_id="ROOT"),
            clock=FixedClock(NOW),
        )
        uow.commit()
    _generate(store, D(2024, 1, 1), D(2024, 1, 31), agreement_ids=["AG-1"])
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError, match="cannot become a template"):
            make_agreement_template(uow, "AG-1", "PUMPS", clock=FixedClock(NOW))
        template = make_agreement_template(uow, "AG-2", "PUMPS", clock=FixedClock(NOW))
        uow.commit()
    assert template.is_template
    with store.unit_of_work("ACME") as uow:
        assert [g.id for g in uow[TEMPLATE_GROUPS].list_children("ROOT")] == ["PUMPS"]
        assert [a.id for a in uow[AGREEMENTS].list_templates("PUMPS")] == ["AG-2"]
        with pytest.raises(NotFoundError):
            create_template_group(
                uow,
                TemplateGroup(company_id="ACME", id="X", parent_id="NOPE"),
                clock=FixedClock(NOW),
            )
    assert _generate(store, D(2024, 1, 1), D(2024, 3, 31), agreement_ids=["AG-2"]) == 0


def test_create_agreement_needs_its_group() -> None:
    store = _store()
    with store.unit_of_work("ACME") as uow, pytest.raises(NotFoundError, match="group_id"):
        create_agreement(uow, evolve(agreement(), group_id="NOPE"), clock=FixedClock(NOW))


def test_renew_a_stored_agreement() -> None:
    store = _store(agreement(line(), end=D(2024, 12, 31)))
    with store.unit_of_work("ACME") as uow:
        new = renew_stored_agreement(uow, "AG-1", new_id="AG-1-2025", clock=FixedClock(NOW))
        uow.commit()
    assert (new.start, new.end) == (D(2025, 1, 1), D(2025, 12, 31))
    with store.unit_of_work("ACME") as uow:
        assert uow[AGREEMENTS].get("AG-1").renewed_by == "AG-1-2025"
        assert [a.id for a in uow[AGREEMENTS].list_for_customer("C-1")] == ["AG-1", "AG-1-2025"]
        assert [g.id for g in uow[AGREEMENT_GROUPS].list_all()] == ["STD"]


def test_a_manual_order_takes_the_agreement_sla_and_starts_its_clocks() -> None:
    store = _store(agreement(line(), sla_id="GOLD"), group_sla="SILVER")
    with store.unit_of_work("ACME") as uow:
        order = create_order_for_agreement(
            uow, "AG-1", order_id="SO-1", tree=TREE, clock=FixedClock(NOW), priority="high"
        )
        uow.commit()
    assert order.sla_id == "GOLD"
    with store.unit_of_work("ACME") as uow:
        clocks = uow[SLA_CLOCKS].list_for_subject("SO-1")
    assert sorted(c.clock.kind.value for c in clocks) == ["resolution", "response"]
    assert clocks[0].clock.started_at == NOW


def test_else_the_group_sla_and_without_any_no_clock() -> None:
    store = _store(agreement(line()), group_sla="SILVER")
    with store.unit_of_work("ACME") as uow:
        order = create_order_for_agreement(
            uow, "AG-1", order_id="SO-1", tree=TREE, clock=FixedClock(NOW), priority="high"
        )
        uow.commit()
    assert order.sla_id == "SILVER"
    bare = _store(agreement(line()))
    with bare.unit_of_work("ACME") as uow:
        order = create_order_for_agreement(
            uow, "AG-1", order_id="SO-1", tree=TREE, clock=FixedClock(NOW), priority="high"
        )
        assert order.sla_id is None
        assert uow[SLA_CLOCKS].list_for_subject("SO-1") == []


def test_no_manual_order_outside_validity_or_from_a_suspended_agreement() -> None:
    ag, _ = suspend_agreement(agreement(line(), id="AG-S"), at=NOW)
    store = _store(agreement(line(), start=D(2024, 6, 1)), ag)
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError, match="validity"):
            create_order_for_agreement(
                uow, "AG-1", order_id="SO-1", tree=TREE, clock=FixedClock(NOW), priority="high"
            )
        with pytest.raises(BusinessRuleError, match="suspended"):
            create_order_for_agreement(
                uow, "AG-S", order_id="SO-2", tree=TREE, clock=FixedClock(NOW), priority="high"
            )


def _status(store: InMemoryStore, at: pendulum.DateTime) -> tuple[ClockState, dt.timedelta]:
    with store.unit_of_work("ACME") as uow:
        (stored,) = [
            c
            for c in uow[SLA_CLOCKS].list_for_subject("SO-1")
            if c.clock.kind is ClockKind.RESOLUTION
        ]
    status = stored.clock.status_at(at)
    return status.state, status.used


HOLD_TREE = StageTree.define(
    [
        Stage(id="new"),
        Stage(id="work", parent="new"),
        Stage(id="hold", parent="work", stops_sla_clock=True),
    ]
)


def test_stage_flags_stop_and_restart_the_clock_and_breach_needs_a_reason() -> None:
    store = _store(agreement(line(), sla_id="GOLD"))
    clock = FixedClock(NOW)
    with store.unit_of_work("ACME") as uow:
        create_order_for_agreement(
            uow, "AG-1", order_id="SO-1", tree=HOLD_TREE, clock=clock, priority="high"
        )
        uow.commit()
    clock.set(NOW.add(hours=1))
    with store.unit_of_work("ACME") as uow:
        change_order_stage(uow, "SO-1", "work", tree=HOLD_TREE, clock=clock)
        change_order_stage(uow, "SO-1", "hold", tree=HOLD_TREE, clock=clock, reason="parts")
        uow.commit()
    assert _status(store, NOW.add(hours=30)) == (ClockState.PAUSED, dt.timedelta(hours=1))
    clock.set(NOW.add(hours=30))
    with store.unit_of_work("ACME") as uow:
        change_order_stage(uow, "SO-1", "work", tree=HOLD_TREE, clock=clock)
        uow.commit()
    assert _status(store, NOW.add(hours=32)) == (ClockState.WARNING, dt.timedelta(hours=3))
    clock.set(NOW.add(hours=35))  # 6 h used: breached
    with store.unit_of_work("ACME") as uow:
        before = uow[SERVICE_ORDERS].get("SO-1")
        with pytest.raises(BusinessRuleError, match="reason"):
            change_order_stage(uow, "SO-1", "hold", tree=HOLD_TREE, clock=clock, reason=None)
        assert uow[SERVICE_ORDERS].get("SO-1") == before
        change_order_stage(uow, "SO-1", "hold", tree=HOLD_TREE, clock=clock, reason="late parts")
        uow.commit()
    assert _status(store, NOW.add(hours=40)) == (ClockState.BREACHED, dt.timedelta(hours=6))
