"""An agreement's state as of a date, and renewal into a new term."""

from __future__ import annotations

import pendulum
from attrs import evolve

from servicecore.agreements.model.agreement import (
    ENDING_SOON_DAYS,
    Agreement,
    AgreementRenewed,
    AgreementState,
)
from servicecore.agreements.model.checks import _check_agreement, _check_period, _refuse
from servicecore.clock import to_date, to_instant
from servicecore.errors import (
    BusinessRuleError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.ports import (
    check_id,
)

__all__ = [
    "agreement_state",
    "line_state",
    "renew_agreement",
]


def _state(
    start: pendulum.Date,
    end: pendulum.Date | None,
    day: pendulum.Date,
    soon: int,
    cancelled: bool,
    renewed: bool,
) -> AgreementState:
    if cancelled:
        return AgreementState.CANCELLED
    if day < start:
        return AgreementState.UPCOMING
    if end is None:
        return AgreementState.IN_PROGRESS
    if day > end:
        return AgreementState.CLOSED if renewed else AgreementState.TO_RENEW
    if (end - day).in_days() < soon:
        return AgreementState.ENDING_SOON
    return AgreementState.IN_PROGRESS


def _check_soon(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3660:
        raise ValidationError(
            f"ending_soon_days: expected 0..3660 days, got {value!r}",
            field="ending_soon_days",
            value=value,
            allowed="a whole number of days from 0 to 3660",
        )
    return value


def agreement_state(
    agreement: Agreement, on: object, *, ending_soon_days: int = ENDING_SOON_DAYS
) -> AgreementState:
    """The state of ``agreement`` on the date ``on``.

    Cancelled wins; before the start it is upcoming; after the end it is to renew, or
    closed once renewed; in the last ``ending_soon_days`` days of its term it is ending
    soon; otherwise (and always when open-ended) in progress.
    """
    _check_agreement(agreement)
    day = to_date(on, "on")
    soon = _check_soon(ending_soon_days)
    return _state(
        agreement.start,
        agreement.end,
        day,
        soon,
        agreement.cancelled,
        agreement.renewed_by is not None,
    )


def line_state(
    agreement: Agreement, line_id: str, on: object, *, ending_soon_days: int = ENDING_SOON_DAYS
) -> AgreementState:
    """The state of one line on ``on``: as :func:`agreement_state` over the line's own
    validity (clipped to the agreement's); a stopped line reads as cancelled."""
    _check_agreement(agreement)
    line = agreement.line(check_id(line_id, "line_id"))
    day = to_date(on, "on")
    soon = _check_soon(ending_soon_days)
    start = max(agreement.start, line.start) if line.start else agreement.start
    ends = [e for e in (agreement.end, line.end) if e is not None]
    end = min(ends) if ends else None
    return _state(
        start,
        end,
        day,
        soon,
        agreement.cancelled or line.stopped,
        agreement.renewed_by is not None,
    )


def renew_agreement(
    agreement: Agreement, *, new_id: str, at: object, end: object = None
) -> tuple[Agreement, Agreement, tuple[DomainEvent, ...]]:
    """Renew into a new term with the same lines: the new agreement ``new_id`` starts the
    day after the old one ends and runs as long (the same number of months when the term
    is whole months, else of days), or until ``end``. Returns the old
    agreement (marked renewed), the new one and the events."""
    _check_agreement(agreement)
    check_id(new_id, "new_id")
    when = to_instant(at, "at")
    if agreement.end is None:
        raise BusinessRuleError(
            f"agreement {agreement.id!r} is open-ended: there is no term to renew",
            rule="renew-needs-end",
            entity="agreement",
            id=agreement.id,
        )
    if agreement.renewed_by is not None:
        raise _refuse(agreement, "renew", f"renewed by {agreement.renewed_by}")
    if agreement.cancelled or agreement.is_template:
        raise _refuse(agreement, "renew", "cancelled" if agreement.cancelled else "template")
    if new_id == agreement.id:
        raise ValidationError(
            "new_id: the renewal is a new agreement",
            field="new_id",
            value=new_id,
            allowed="an id other than the renewed agreement's",
        )
    start = agreement.end.add(days=1)
    if end is None:
        months = (start.year - agreement.start.year) * 12 + start.month - agreement.start.month
        if months > 0 and agreement.start.add(months=months) == start:  # whole months
            last = start.add(months=months).subtract(days=1)
        else:
            last = start.add(days=(agreement.end - agreement.start).in_days())
    else:
        last = to_date(end, "end")
    _check_period(start, last, "end")
    lines = tuple(
        evolve(ln, start=None, end=None, generated_through=None)
        for ln in agreement.lines
        if not ln.stopped
    )
    new = evolve(
        agreement,
        id=new_id,
        start=start,
        end=last,
        lines=lines,
        suspended=False,
        renewal_of=agreement.id,
        renewed_by=None,
        version=0,
    )
    old = evolve(agreement, renewed_by=new_id)
    event = AgreementRenewed(
        aggregate_id=agreement.id,
        company_id=agreement.company_id,
        occurred_at=when,
        new_agreement_id=new_id,
        new_start=start,
    )
    return old, new, (event,)
