"""Builders of subscription test data (shared by unit and property tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from servicecore.money import Money
from servicecore.subscriptions import (
    Alignment,
    Subscription,
    SubscriptionGroup,
    activate,
    create_subscription,
)

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def group(**kwargs: Any) -> SubscriptionGroup:
    return SubscriptionGroup(company_id="ACME", id="M", **kwargs)


def active(
    *,
    grp: SubscriptionGroup | None = None,
    price: str = "100.00",
    start: dt.date = dt.date(2024, 1, 1),
    sid: str = "S1",
    alignment: Alignment | None = None,
    **kwargs: Any,
) -> Subscription:
    """An ACTIVE subscription of ``grp`` (monthly, calendar-aligned unless told)."""
    sub, _ = create_subscription(
        company_id="ACME",
        id=sid,
        group=grp if grp is not None else group(),
        customer_id="C1",
        price=Money.of(price, "EUR"),
        start=start,
        at=AT,
        alignment=alignment if alignment is not None else Alignment.calendar(),
        **kwargs,
    )
    sub, _ = activate(sub, at=AT)
    return sub
