"""Naive-datetime cases of subscription payments, restarts and invoice-date options: each
command stamped with ``at=`` refuses a naive instant with ``ValidationError``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from servicecore.subscriptions import (
    CancelMode,
    apply_overdue,
    cancel,
    generate_due_fees,
    record_invoice,
    record_payment,
    restart,
    set_next_invoice_date,
)
from tests.bad_input import valid as v

_B = "servicecore.subscriptions.billing."
_P = "servicecore.subscriptions.payments."
JAN = dt.date(2023, 1, 1)
DUE = dt.date(2023, 1, 15)


CASES: dict[str, Callable[[dt.datetime], object]] = {
    _B + "generate_due_fees": lambda n: generate_due_fees(
        v.subscription(), dt.date(2023, 7, 1), at=n
    ),
    _B + "set_next_invoice_date": lambda n: set_next_invoice_date(
        v.subscription(), dt.date(2023, 7, 15), at=n
    ),
    _P + "record_invoice": lambda n: record_invoice(v.subscription(), JAN, DUE, at=n),
    _P + "record_payment": lambda n: record_payment(
        record_invoice(v.subscription(), JAN, DUE, at=v.AT)[0], JAN, DUE, at=n
    ),
    _P + "apply_overdue": lambda n: apply_overdue(
        record_invoice(v.subscription(), JAN, DUE, at=v.AT)[0], v.group(), dt.date(2023, 3, 1), at=n
    ),
    _P + "restart": lambda n: restart(
        cancel(v.subscription(), CancelMode.IMMEDIATE, dt.date(2023, 5, 1), at=v.AT)[0],
        v.group(),
        id="SUB-9",
        start=dt.date(2023, 7, 1),
        at=n,
    ),
}
