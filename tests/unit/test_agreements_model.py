"""Agreement header, lines, templates, copying, suspension, states and renewal."""

from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest
from attrs import evolve

from servicecore.agreements import (
    AgreementChanged,
    AgreementState,
    TimeBand,
    TimeWindow,
    TransactionType,
    add_agreement_line,
    agreement_state,
    cancel_agreement,
    copy_agreement_lines,
    copy_template_lines,
    line_state,
    make_template,
    new_agreement,
    renew_agreement,
    restart_line,
    resume_agreement,
    stop_line,
    suspend_agreement,
)
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from servicecore.money import Money
from tests.builders.agreements import AT, agreement, line

D = pendulum.date


def test_a_new_agreement_refuses_an_end_before_its_start() -> None:
    with pytest.raises(ValidationError) as e:
        new_agreement(
            company_id="ACME",
            id="AG",
            customer_id="C",
            group_id="G",
            currency="EUR",
            start=D(2024, 5, 1),
            end=D(2024, 4, 30),
        )
    assert e.value.field == "end"


def test_a_line_in_another_currency_is_refused_and_nothing_changes() -> None:
    ag = agreement()
    with pytest.raises(CurrencyMismatchError) as e:
        add_agreement_line(ag, line(cost_price=Money.of("1", "USD")), at=AT)
    assert "line.cost_price" in str(e.value)
    assert ag.lines == ()


def test_a_line_may_reference_only_related_objects_and_tasks() -> None:
    ag = agreement(objects=("X-1",), tasks=("CLEAN",))
    ok, _ = add_agreement_line(ag, line(service_object_id="X-1", service_task_id="CLEAN"), at=AT)
    assert ok.line("1").service_object_id == "X-1"
    with pytest.raises(BusinessRuleError, match="X-2"):
        add_agreement_line(ag, line(service_object_id="X-2"), at=AT)
    with pytest.raises(BusinessRuleError, match="PAINT"):
        add_agreement_line(ag, line(service_task_id="PAINT"), at=AT)


def test_line_ids_are_unique_and_bands_and_windows_are_checked() -> None:
    ag = agreement(line("1"))
    with pytest.raises(ValidationError, match=r"line\.id"):
        add_agreement_line(ag, line("1"), at=AT)
    import datetime as dt

    band = TimeBand(start_after=dt.time(17), end_before=dt.time(8))
    with pytest.raises(ValidationError, match="time_band"):
        add_agreement_line(ag, line("2", time_band=band), at=AT)
    with pytest.raises(ValidationError, match="days_before"):
        TimeWindow.manual(-1, 2)
    with pytest.raises(ValidationError, match="quantity"):
        add_agreement_line(ag, line("3", quantity=Decimal("-1")), at=AT)


def test_suspend_resume_and_cancel() -> None:
    ag = agreement(line())
    suspended, events = suspend_agreement(ag, at=AT)
    assert suspended.suspended
    assert isinstance(events[0], AgreementChanged)
    assert events[0].action == "suspend"
    with pytest.raises(InvalidTransitionError):
        suspend_agreement(suspended, at=AT)
    resumed, _ = resume_agreement(suspended, at=AT)
    assert not resumed.suspended
    cancelled, _ = cancel_agreement(resumed, at=AT)
    assert agreement_state(cancelled, D(2024, 6, 1)) is AgreementState.CANCELLED
    with pytest.raises(InvalidTransitionError):
        resume_agreement(cancelled, at=AT)


def test_stop_and_restart_a_line() -> None:
    ag = agreement(line("1"), line("2"))
    stopped, _ = stop_line(ag, "2", at=AT)
    assert [ln.stopped for ln in stopped.lines] == [False, True]
    with pytest.raises(InvalidTransitionError):
        stop_line(stopped, "2", at=AT)
    restarted, _ = restart_line(stopped, "2", at=AT)
    assert not restarted.line("2").stopped
    with pytest.raises(NotFoundError):
        stop_line(ag, "9", at=AT)


def test_an_agreement_with_orders_cannot_become_a_template() -> None:
    ag = agreement(line())
    with pytest.raises(BusinessRuleError, match="2 service orders"):
        make_template(ag, "TPL", order_count=2, at=AT)
    template, _ = make_template(ag, "TPL", order_count=0, at=AT)
    assert template.is_template
    assert template.template_group_id == "TPL"


def test_copy_template_lines_copies_their_relations() -> None:
    template = agreement(line("1", service_object_id="X-1"), line("2"), objects=("X-1",))
    template, _ = make_template(template, "TPL", order_count=0, at=AT)
    target = agreement(line("1"), id="AG-2")
    copied, _ = copy_template_lines(template, target, at=AT)
    assert [ln.id for ln in copied.lines] == ["1", "2", "3"]
    assert copied.line("2").service_object_id == "X-1"
    assert copied.service_object_ids == ("X-1",)
    with pytest.raises(BusinessRuleError, match="not a template"):
        copy_template_lines(target, copied, at=AT)


def test_copy_agreement_lines_relations_are_optional() -> None:
    source = agreement(line("1", service_object_id="X-1"), objects=("X-1",))
    target = agreement(id="AG-2", objects=("Y",))
    with pytest.raises(BusinessRuleError, match="X-1"):
        copy_agreement_lines(source, target, at=AT)
    copied, _ = copy_agreement_lines(source, target, at=AT, with_relations=True)
    assert copied.service_object_ids == ("Y", "X-1")  # appended to the existing ones
    assert copied.line("1").service_object_id == "X-1"


def test_a_stopped_line_cannot_be_copied() -> None:
    source, _ = stop_line(agreement(line("1"), line("2")), "1", at=AT)
    target = agreement(id="AG-2")
    with pytest.raises(BusinessRuleError, match="stopped"):
        copy_agreement_lines(source, target, at=AT, line_ids=["1"])
    copied, _ = copy_agreement_lines(source, target, at=AT)  # all lines: the stopped is left
    assert [ln.id for ln in copied.lines] == ["1"]
    assert copied.line("1").interval == source.line("2").interval


def test_states_as_of_a_date() -> None:
    ag = agreement(line(), start=D(2024, 1, 1), end=D(2024, 12, 31))
    assert agreement_state(ag, D(2023, 12, 31)) is AgreementState.UPCOMING
    assert agreement_state(ag, D(2024, 6, 1)) is AgreementState.IN_PROGRESS
    assert agreement_state(ag, D(2024, 12, 2)) is AgreementState.ENDING_SOON
    assert agreement_state(ag, D(2024, 12, 1)) is AgreementState.IN_PROGRESS
    assert agreement_state(ag, D(2025, 1, 1)) is AgreementState.TO_RENEW
    old, _new, _ = renew_agreement(ag, new_id="AG-1B", at=AT)
    assert agreement_state(old, D(2025, 1, 1)) is AgreementState.CLOSED
    assert agreement_state(agreement(), D(2099, 1, 1)) is AgreementState.IN_PROGRESS


def test_line_states_follow_the_line_validity_and_stop() -> None:
    ag = agreement(
        line("1", start=D(2024, 3, 1), end=D(2024, 3, 31)), line("2"), end=D(2024, 12, 31)
    )
    assert line_state(ag, "1", D(2024, 2, 1)) is AgreementState.UPCOMING
    assert line_state(ag, "1", D(2024, 3, 15)) is AgreementState.ENDING_SOON
    assert line_state(ag, "1", D(2024, 4, 1)) is AgreementState.TO_RENEW
    assert line_state(ag, "2", D(2024, 4, 1)) is AgreementState.IN_PROGRESS
    stopped, _ = stop_line(ag, "2", at=AT)
    assert line_state(stopped, "2", D(2024, 4, 1)) is AgreementState.CANCELLED


def test_renewal_starts_the_day_after_with_the_same_lines() -> None:
    ag = agreement(line("1"), line("2"), start=D(2024, 1, 1), end=D(2024, 12, 31))
    ag = evolve(ag, lines=(evolve(ag.lines[0], generated_through=D(2024, 12, 1)), ag.lines[1]))
    old, new, events = renew_agreement(ag, new_id="AG-2025", at=AT)
    assert (new.start, new.end) == (D(2025, 1, 1), D(2025, 12, 31))
    assert [ln.id for ln in new.lines] == ["1", "2"]
    assert new.line("1").generated_through is None
    assert new.renewal_of == "AG-1"
    assert old.renewed_by == "AG-2025"
    assert events[0].new_agreement_id == "AG-2025"  # type: ignore[attr-defined]
    with pytest.raises(InvalidTransitionError):
        renew_agreement(old, new_id="AG-X", at=AT)
    with pytest.raises(BusinessRuleError, match="open-ended"):
        renew_agreement(agreement(), new_id="AG-X", at=AT)


def test_transaction_types_are_the_four_of_d365() -> None:
    assert [t.value for t in TransactionType] == ["hour", "expense", "item", "fee"]
