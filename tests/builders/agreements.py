"""Builders for agreement tests: small valid agreements and lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pendulum

from servicecore.agreements import (
    Agreement,
    AgreementLine,
    CombineBy,
    TransactionType,
    add_agreement_line,
    new_agreement,
)
from servicecore.money import Money
from servicecore.recurrence import Interval

AT = pendulum.datetime(2024, 1, 1, 8)
JAN_1 = pendulum.date(2024, 1, 1)


def line(id: str = "1", **overrides: Any) -> AgreementLine:
    """A fee line, 1 x 90.00 EUR (cost 40.00), monthly unless ``interval`` is given."""
    fields: dict[str, Any] = {
        "id": id,
        "transaction_type": TransactionType.FEE,
        "quantity": Decimal(1),
        "cost_price": Money.of("40", "EUR"),
        "sales_price": Money.of("90", "EUR"),
        "interval": Interval.months(1),
    }
    fields.update(overrides)
    return AgreementLine(**fields)


def agreement(
    *lines: AgreementLine,
    id: str = "AG-1",
    start: pendulum.Date = JAN_1,
    end: pendulum.Date | None = None,
    combine_by: CombineBy = CombineBy.AGREEMENT,
    objects: tuple[str, ...] = (),
    tasks: tuple[str, ...] = (),
    **overrides: Any,
) -> Agreement:
    """An agreement of customer C-1 in group STD, in EUR, with ``lines`` added."""
    result = new_agreement(
        company_id="ACME",
        id=id,
        customer_id="C-1",
        group_id="STD",
        currency="EUR",
        start=start,
        end=end,
        combine_by=combine_by,
        service_object_ids=objects,
        service_task_ids=tasks,
        **overrides,
    )
    for ln in lines:
        result, _ = add_agreement_line(result, ln, at=AT)
    return result
