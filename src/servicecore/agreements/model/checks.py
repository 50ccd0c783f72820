"""Checks shared by the agreement commands (private helpers)."""

from __future__ import annotations

from decimal import Decimal

import pendulum

from servicecore.agreements.model.agreement import (
    MAX_QUANTITY,
    Agreement,
    AgreementChanged,
    AgreementLine,
    _check_band,
    _check_window,
)
from servicecore.agreements.plan import TransactionType
from servicecore.clock import to_date, to_instant
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    InvalidTransitionError,
    ValidationError,
)
from servicecore.money import Money
from servicecore.ports import (
    check_id,
    check_type,
)
from servicecore.recurrence import Interval

__all__: list[str] = []


# -- checks -------------------------------------------------------------------------------
def _opt_id(value: object, field: str) -> str | None:
    return None if value is None else check_id(value, field)


def _opt_date(value: object, field: str) -> pendulum.Date | None:
    return None if value is None else to_date(value, field)


def _check_period(start: pendulum.Date, end: pendulum.Date | None, field: str) -> None:
    if end is not None and end < start:
        raise ValidationError(
            f"{field}: the end {end} is before the start {start}",
            field=field,
            value=end,
            allowed=f"a date on or after {start}, or None (open-ended)",
        )


def _check_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(
            f"{field}: expected True or False, got {value!r}",
            field=field,
            value=value,
            allowed="True or False",
        )
    return value


def _check_line(agreement: Agreement, line: object, field: str = "line") -> AgreementLine:
    ln = check_type(line, AgreementLine, field)
    check_id(ln.id, f"{field}.id")
    check_type(ln.transaction_type, TransactionType, f"{field}.transaction_type")
    q = ln.quantity
    if not isinstance(q, Decimal) or not q.is_finite() or not 0 <= q <= MAX_QUANTITY:
        raise ValidationError(
            f"{field}.quantity: expected a Decimal from 0 to {MAX_QUANTITY}, got {q!r}",
            field=f"{field}.quantity",
            value=q,
            allowed=f"a finite Decimal from 0 to {MAX_QUANTITY}",
        )
    for name in ("cost_price", "sales_price"):
        price = check_type(getattr(ln, name), Money, f"{field}.{name}")
        if price.currency != agreement.currency:
            raise CurrencyMismatchError(
                f"{field}.{name}: price in {price.currency} on an agreement in "
                f"{agreement.currency} (allowed: {agreement.currency})",
                expected=str(agreement.currency),
                actual=str(price.currency),
            )
        if price.is_negative():
            raise ValidationError(
                f"{field}.{name}: a price is never negative, got {price}",
                field=f"{field}.{name}",
                value=price,
                allowed="zero or more",
            )
    check_type(ln.description, str, f"{field}.description")
    _opt_id(ln.worker_id, f"{field}.worker_id")
    if ln.service_object_id is not None:
        check_id(ln.service_object_id, f"{field}.service_object_id")
        if ln.service_object_id not in agreement.service_object_ids:
            raise BusinessRuleError(
                f"{field}.service_object_id: object {ln.service_object_id!r} has no relation "
                f"on agreement {agreement.id!r} (relations: "
                f"{', '.join(agreement.service_object_ids) or 'none'})",
                rule="A2",
                entity="agreement",
                id=agreement.id,
            )
    if ln.service_task_id is not None:
        check_id(ln.service_task_id, f"{field}.service_task_id")
        if ln.service_task_id not in agreement.service_task_ids:
            raise BusinessRuleError(
                f"{field}.service_task_id: task {ln.service_task_id!r} has no relation on "
                f"agreement {agreement.id!r} (relations: "
                f"{', '.join(agreement.service_task_ids) or 'none'})",
                rule="A2",
                entity="agreement",
                id=agreement.id,
            )
    if ln.interval is not None:
        check_type(ln.interval, Interval, f"{field}.interval", "an Interval or None")
    if ln.time_window is not None:
        _check_window(ln.time_window, f"{field}.time_window")
    if ln.time_band is not None:
        _check_band(ln.time_band, f"{field}.time_band")
    start = _opt_date(ln.start, f"{field}.start")
    end = _opt_date(ln.end, f"{field}.end")
    _opt_date(ln.generated_through, f"{field}.generated_through")
    if start is not None:
        _check_period(start, end, f"{field}.end")
    _check_bool(ln.stopped, f"{field}.stopped")
    return ln


def _check_agreement(agreement: object, field: str = "agreement") -> Agreement:
    return check_type(agreement, Agreement, field)


def _refuse(agreement: Agreement, action: str, state: str) -> InvalidTransitionError:
    return InvalidTransitionError(entity="agreement", id=agreement.id, state=state, action=action)


def _changed(agreement: Agreement, action: str, at: object, *lines: str) -> AgreementChanged:
    return AgreementChanged(
        aggregate_id=agreement.id,
        company_id=agreement.company_id,
        occurred_at=to_instant(at, "at"),
        action=action,
        line_ids=lines,
    )
