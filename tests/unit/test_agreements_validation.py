"""Agreement rules and refusals not covered elsewhere: line checks, templates, copying,
renewal terms, plan input checks and the storage checks of the agreement use cases.

Every expected value is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from attrs import evolve

from servicecore.agreements import (
    AGREEMENTS,
    TEMPLATE_GROUPS,
    AgreementGroup,
    AgreementRenewed,
    TemplateGroup,
    TimeBand,
    TimeWindow,
    add_agreement_line,
    cancel_agreement,
    copy_agreement_lines,
    create_agreement,
    create_agreement_group,
    create_template_group,
    make_template,
    plan_service_orders,
    plan_service_orders_compact,
    renew_agreement,
)
from servicecore.clock import FixedClock
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from servicecore.money import Currency, Money
from servicecore.recurrence import Interval
from servicecore.storage.memory import InMemoryStore
from tests.builders.agreements import AT, agreement, line

D = pendulum.date
CLOCK = FixedClock(pendulum.datetime(2024, 1, 2, 9))


# -- line checks ----------------------------------------------------------------------------
_AWARE = dt.time(8, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("band", "field"),
    [
        (TimeBand(start_after=_AWARE, end_before=dt.time(17)), "line.time_band.start_after"),
        (TimeBand(start_after=dt.time(6), end_before=_AWARE), "line.time_band.end_before"),
        (TimeBand(start_after="08:00", end_before=dt.time(17)), "line.time_band.start_after"),  # type: ignore[arg-type]
    ],
)
def test_a_time_band_is_a_local_time_of_day(band: TimeBand, field: str) -> None:
    ag = agreement(line("1"))
    with pytest.raises(ValidationError) as e:
        add_agreement_line(ag, line("2", time_band=band), at=AT)
    assert e.value.field == field
    assert e.value.allowed == "a datetime.time without time zone"
    assert [ln.id for ln in ag.lines] == ["1"]


@pytest.mark.parametrize("name", ["cost_price", "sales_price"])
def test_a_line_price_is_never_negative(name: str) -> None:
    ag = agreement()
    with pytest.raises(ValidationError) as e:
        add_agreement_line(ag, line("1", **{name: Money.of("-0.01", "EUR")}), at=AT)
    assert e.value.field == f"line.{name}"
    assert e.value.allowed == "zero or more"
    assert ag.lines == ()
    free, _ = add_agreement_line(ag, line("1", **{name: Money.of("0", "EUR")}), at=AT)
    assert getattr(free.line("1"), name) == Money.of("0", "EUR")  # zero is allowed


# -- templates and copying -----------------------------------------------------------------
def test_a_template_cannot_be_made_a_template_again() -> None:
    template, _ = make_template(agreement(line()), "TPL", order_count=0, at=AT)
    with pytest.raises(InvalidTransitionError) as e:
        make_template(template, "OTHER", order_count=0, at=AT)
    assert (e.value.state, e.value.action) == ("template", "make template")
    assert template.template_group_id == "TPL"


def test_copied_lines_skip_line_ids_the_target_already_uses() -> None:
    source = agreement(line("1"), line("2"), id="AG-SRC")
    target = agreement(line("2"), id="AG-2")  # one line, already numbered "2"
    copied, events = copy_agreement_lines(source, target, at=AT)
    # numbering goes on from the line count (1): "2" is taken, so the copies are 3 and 4
    assert [ln.id for ln in copied.lines] == ["2", "3", "4"]
    assert events[0].line_ids == ("3", "4")  # type: ignore[attr-defined]


def test_lines_are_copied_only_between_agreements_in_one_currency() -> None:
    source = agreement(line("1"), id="AG-SRC")
    target = evolve(agreement(id="AG-USD"), currency=Currency.of("USD"))
    with pytest.raises(CurrencyMismatchError) as e:
        copy_agreement_lines(source, target, at=AT)
    assert (e.value.expected, e.value.actual) == ("USD", "EUR")
    assert target.lines == ()


def test_an_agreement_does_not_copy_lines_from_itself() -> None:
    ag = agreement(line("1"))
    with pytest.raises(ValidationError) as e:
        copy_agreement_lines(ag, ag, at=AT)
    assert e.value.field == "target"
    assert [ln.id for ln in ag.lines] == ["1"]


# -- renewal --------------------------------------------------------------------------------
def test_a_cancelled_agreement_or_a_template_is_not_renewed() -> None:
    term = agreement(line(), end=D(2024, 12, 31))
    cancelled, _ = cancel_agreement(term, at=AT)
    with pytest.raises(InvalidTransitionError) as e:
        renew_agreement(cancelled, new_id="AG-2", at=AT)
    assert (e.value.state, e.value.action) == ("cancelled", "renew")
    template, _ = make_template(term, "TPL", order_count=0, at=AT)
    with pytest.raises(InvalidTransitionError) as e:
        renew_agreement(template, new_id="AG-2", at=AT)
    assert e.value.state == "template"
    assert cancelled.renewed_by is None
    assert template.renewed_by is None


def test_the_renewal_needs_an_id_of_its_own() -> None:
    term = agreement(line(), end=D(2024, 12, 31))
    with pytest.raises(ValidationError) as e:
        renew_agreement(term, new_id=term.id, at=AT)
    assert e.value.field == "new_id"
    assert term.renewed_by is None


@pytest.mark.parametrize(
    ("start", "end", "new_start", "new_end"),
    [
        # 10 days (Jan 1-10) -> the next 10 days
        (D(2024, 1, 1), D(2024, 1, 10), D(2024, 1, 11), D(2024, 1, 20)),
        # Jan 15 - Mar 1 2024 is 17 + 29 + 1 = 47 days, not whole months (Jan 15 + 2
        # months is Mar 15): Mar 2 + 46 days = Apr 17, again 47 days (30 + 17)
        (D(2024, 1, 15), D(2024, 3, 1), D(2024, 3, 2), D(2024, 4, 17)),
    ],
)
def test_a_term_of_no_whole_months_renews_for_as_many_days(
    start: pendulum.Date, end: pendulum.Date, new_start: pendulum.Date, new_end: pendulum.Date
) -> None:
    old, new, events = renew_agreement(
        agreement(line(), start=start, end=end), new_id="AG-NEXT", at=AT
    )
    assert (new.start, new.end) == (new_start, new_end)
    assert old.renewed_by == "AG-NEXT"
    assert isinstance(events[0], AgreementRenewed)
    assert events[0].new_start == new_start


# -- planning input -------------------------------------------------------------------------
def test_a_plan_refuses_the_same_agreement_twice() -> None:
    ag = agreement(line())
    with pytest.raises(ValidationError) as e:
        plan_service_orders([ag, agreement(line(), id="AG-2"), ag], D(2024, 1, 1), D(2024, 3, 31))
    assert (e.value.field, e.value.value) == ("agreements", "AG-1")


def test_the_size_of_a_compact_plan_counts_every_planned_line() -> None:
    # Line 1 monthly, on its dates: Jan 1, Feb 1, Mar 1 (3). Line 2 every 2 weeks from
    # Jan 1 with a week window, placed: Jan 1, 15, 29, Feb 12, 26, Mar 11, 25 (7).
    ag = agreement(line("1"), line("2", interval=Interval.weeks(2), time_window=TimeWindow.week()))
    compact = plan_service_orders_compact([ag], D(2024, 1, 1), D(2024, 3, 31))
    assert len(compact) == 10
    plan = compact.to_plan()
    assert sum(len(order.lines) for order in plan.orders) == 10


# -- use cases over storage -----------------------------------------------------------------
def _store() -> InMemoryStore:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(uow, AgreementGroup(company_id="ACME", id="STD"), clock=CLOCK)
        create_template_group(uow, TemplateGroup(company_id="ACME", id="TPL"), clock=CLOCK)
        uow.commit()
    return store


def test_a_template_group_is_not_its_own_parent() -> None:
    store = _store()
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError) as e:
            create_template_group(
                uow, TemplateGroup(company_id="ACME", id="LOOP", parent_id="LOOP"), clock=CLOCK
            )
        assert (e.value.rule, e.value.id) == ("template-tree", "LOOP")
        assert [g.id for g in uow[TEMPLATE_GROUPS].list_all()] == ["TPL"]


def test_an_agreement_is_stored_only_in_its_own_company() -> None:
    store = _store()
    foreign = evolve(agreement(line()), company_id="OTHER")
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError) as e:
            create_agreement(uow, foreign, clock=CLOCK)
        assert (e.value.rule, e.value.id) == ("same-company", "AG-1")
        assert uow[AGREEMENTS].list_all() == []


def test_a_template_is_stored_only_in_an_existing_template_group() -> None:
    store = _store()
    template = evolve(agreement(line(), id="AG-T"), template_group_id="TPL")
    orphan = evolve(agreement(line(), id="AG-O"), template_group_id="NOPE")
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(NotFoundError) as e:
            create_agreement(uow, orphan, clock=CLOCK)
        assert e.value.id == "NOPE"
        create_agreement(uow, template, clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        assert [a.id for a in uow[AGREEMENTS].list_templates("TPL")] == ["AG-T"]
        assert [a.id for a in uow[AGREEMENTS].list_all()] == ["AG-T"]
