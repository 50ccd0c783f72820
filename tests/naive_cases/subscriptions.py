"""Naive-datetime cases of the subscriptions area.

Subscription commands are stamped with ``at=`` (an aware instant); each refuses a naive
one with ``ValidationError``. Dates (start, end, invoice days) are calendar dates and
refuse datetimes altogether (tested in tests/unit/test_subscriptions.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from servicecore.money import Money
from servicecore.recurrence import Period
from servicecore.subscriptions import (
    CancelMode,
    IndexMethod,
    InvoiceCredit,
    activate,
    add_non_regular_fee,
    add_service_credit,
    cancel,
    change_price,
    create_subscription,
    end_subscription,
    generate_fees,
    index_group,
    index_subscription,
    post_accruals,
    reduce_days,
    reduce_price,
    resume,
    suspend,
)
from tests.bad_input import valid as v

_M = "servicecore.subscriptions.model."
_B = "servicecore.subscriptions.billing."
_J = "servicecore.subscriptions.journal."
_D = dt.date(2023, 2, 1)


def _fee_id() -> str:
    return str(v.subscription().fees[0].id)


CASES: dict[str, Callable[[dt.datetime], object]] = {
    _M + "create_subscription": lambda n: create_subscription(
        company_id="ACME",
        id="SUB-9",
        group=v.group(),
        customer_id="C-1",
        price=Money.of("10.00", "EUR"),
        start=_D,
        at=n,
    ),
    _M + "activate": lambda n: activate(v.draft_subscription(), at=n),
    _M + "suspend": lambda n: suspend(v.subscription(), _D, at=n),
    _M + "resume": lambda n: resume(suspend(v.subscription(), _D, at=v.AT)[0], _D, at=n),
    _M + "end_subscription": lambda n: end_subscription(v.subscription(), on=_D, at=n),
    _M + "change_price": lambda n: change_price(
        v.subscription(), Money.of("20.00", "EUR"), _D, at=n
    ),
    _M + "index_subscription": lambda n: index_subscription(
        v.subscription(), IndexMethod.INDEX_BY_PCT, Decimal(5), _D, at=n
    ),
    _M + "index_group": lambda n: index_group(
        [v.subscription()], "QUARTERLY", IndexMethod.INDEX_BY_PCT, Decimal(5), _D, at=n
    ),
    _B + "generate_fees": lambda n: generate_fees(
        v.draft_subscription(), _D, dt.date(2023, 6, 1), at=n
    ),
    _B + "cancel": lambda n: cancel(v.subscription(), CancelMode.IMMEDIATE, _D, at=n),
    _B + "reduce_days": lambda n: reduce_days(
        v.subscription(), _fee_id(), _D, dt.date(2023, 2, 3), at=n
    ),
    _B + "reduce_price": lambda n: reduce_price(
        v.subscription(), _fee_id(), Money.of("5.00", "EUR"), at=n
    ),
    _B + "add_service_credit": lambda n: add_service_credit(
        v.subscription(),
        InvoiceCredit(amount=Money.of("5.00", "EUR"), reason="SLA", reference="CR-1"),
        _D,
        at=n,
    ),
    _B + "add_non_regular_fee": lambda n: add_non_regular_fee(
        v.subscription(), Period(_D, dt.date(2023, 3, 1)), Money.of("5.00", "EUR"), at=n
    ),
    _J + "post_accruals": lambda n: post_accruals(
        v.subscription(), v.group(), dt.date(2023, 3, 31), at=n
    ),
}
