"""Subscription values pickled before ``subscriptions.model`` and ``subscriptions.billing``
became packages (issue 9) still load: a pickle names a class by its module, and the old
modules are now packages that re-export every class."""

from __future__ import annotations

import base64
import datetime as dt
import pickle
import zlib

from attrs import evolve

from servicecore.money import Money
from servicecore.subscriptions import (
    Alignment,
    Billing,
    CancelMode,
    InvoiceCredit,
    InvoicePayment,
    SubscriptionGroup,
    activate,
    add_service_credit,
    create_subscription,
    generate_fees,
    plan_fees,
    reduce_days,
    reduce_price,
)

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def values() -> tuple[object, ...]:
    """A subscription with fees of every kind a command adds, a plan, events, a group,
    an invoice and an enum member (each class of the moved modules at least once)."""
    group = SubscriptionGroup(company_id="ACME", id="Q", accrue_revenue=False)
    sub, created = create_subscription(
        company_id="ACME",
        id="S1",
        group=group,
        customer_id="C1",
        price=Money.of("300.00", "EUR"),
        start=dt.date(2024, 1, 15),
        billing=Billing.IN_ARREARS,
        alignment=Alignment.billing_day(15),
        at=AT,
    )
    sub, _ = activate(sub, at=AT)
    sub, generated = generate_fees(sub, dt.date(2024, 1, 15), dt.date(2024, 4, 15), at=AT)
    first = sub.fees[0].id
    sub, _ = reduce_price(sub, first, Money.of("30.00", "EUR"), at=AT)
    sub, _ = reduce_days(sub, first, dt.date(2024, 1, 20), dt.date(2024, 1, 21), at=AT)
    credit = InvoiceCredit(amount=Money.of("5.00", "EUR"), reason="outage", reference="SLA-1")
    sub, _ = add_service_credit(sub, credit, dt.date(2024, 2, 15), at=AT)
    plan = plan_fees(sub, dt.date(2024, 1, 15), dt.date(2024, 7, 15))
    invoice = InvoicePayment(invoice_date=dt.date(2024, 2, 15), due=dt.date(2024, 3, 1))
    events = tuple(evolve(e, event_id=f"E{i}") for i, e in enumerate((*created, *generated)))
    return group, sub, plan, events, invoice, CancelMode.END_OF_TERM


# pickle.dumps(values(), protocol=4), compressed, made with the modules before the split
BEFORE_THE_SPLIT = (
    "eNqNVs1vE0cUtxPb64/ETgLi0gP0FtTGsQMp/VCrpoYiZOKGfEjcrPHu2DNmP6zZ3ahGqtQeoFDNLYNEVan0Br3w"
    "IbUHpPbAH1OJf6G3vpnZ9W5MXCASmX2Z+b3fvPd78973uQc3FzLq3yo/62N2SE1segzX/bDnm4yOAuq5ft3xLGwL"
    "vryXsl5lXjgSR+L8D+I7scrLpueMkDvuUkvw3FZr+4rgc3KdvSG4cYiZD2dEO8NzLnKw4BnBl6h76IHDLnUDcI3A"
    "w5k0B4bNkDHsmrC9eC3eM/GYC10aCLLIcwdycSR43vHcgIg7YhfWphe6gWhnwx6vItNkIe4yfIjdEIv7fElZkJ24"
    "7nBjhFnXQmNxj5cYdhB1LcwEyfCV3fhrx0YmdrCrvfUp8wPtrWYybNFAeWA+wMGxakvZdmMTHKl6jA6oC34tFGBf"
    "ny0PGKBKz75oV2EP7LeALTJlmCXS4jfatKUtAGT4oT/CrqURluNA2hhZEVCGn4qtXr/v4yC2hz1AXEhnchJSkicF"
    "YvC5vaYgJUAoDmSOZUZJkVfM0A88B2IkszrXakJSJtEjSzzvB4gFgi9KXqEdOnV5R9DCZfnrSLRyxutsTROel9Q7"
    "vABHgtBXMU4T2tNmuGdBBuEQR4HqIR93R4xKQSynlQJ5x2PIyLb6PVFIATlKBNywsEkdKTDjcrSS4BcajXqjocGL"
    "kdbGglzjxVb8kajNhBoA5lcOYHPFoa7HulKAENK5sAciy0uFfCvIDT7fjEENZcMWKM7oUdum7kBe1vgqWgOJMnW7"
    "CJwhFsmhhGw6cJXIYGtpa/KVULkFsEoXkz+2pQXQKpEXpWMdarlq1/iyjXylAZBDV9fJfWBdGjGPoVhopZ3JlwSD"
    "4IdKq+OYW8AoGHT2iiYkduCxMazLADPEZiC10QEJyBx1TYLcAVbprexIS0sZkouUcL+PdYLJlzyvM0uuh7074Fwr"
    "XL4avjjPy1BLoZK/L0u+sIMZ9axEuZ+Sz5XATiuiZCv6PKM+FWCuj4HLKpCZ/xonJEDvtb3m+u76RmPj4lqjudbc"
    "hHJOP39K/5vEkYmDk3GoDYYHoY2YjkxhpAmR+1OEascIzdUiQrzSD227G5/6jXRIOzrZAQmlpUkOyE04sBCXsyor"
    "8lg+Un2sn0coJVCQL5NY4QsqVNjq9pnniA7U+4MTr7ohr0p+Vlf7lTxKMX8c052P6ZIn5E8g9jt5Sl6SZx3ynFTI"
    "i9nQF2ZCv4yhcynovyPoVzOgV6YStL7TjNF/4TUttok+dMweQUifvBnWtQtTYQWvj8kz8pA8j4DOJUDkxVty8v8k"
    "L28kJKsT1KSagONPJ3JsXqpf3DiZY4JzTuFMR6oMJPbW965vraUiVI2eyq5uUrHzE/I9t5Qk5Z8pXvm1zTdCl9Y0"
    "ecbzkePnvOCFAYJSV/zgAa6NPD8ASUZtFyqarLczpCHblINc3YlT8u7I3qK+ZfFXRtBXqRf66nmBWnh/9qgSP7Oq"
    "VqFfp7rb0Qy1Xpyp1ldxYPKJWofZbCbz1nIlT4d5ue/ttbI5y7sGiAgUUgSq70hg5d0IfDSTwEqKgJEi8N47Ejg7"
    "ReBH2WZhTLQxpPieGkROpfs+DEyQ/ORV5wtoMIBnFozRIwwDCq94purVoCZQ1vKxcSOgcrYsypFjXy6PxOr2a6Od"
    "hZ+M/uHFXkjtgEIf4cYAw6QRMPmcn57gBLfrEuY2zBIAtR8vYU8JOv6ImrdsLO6q3nqw34IJU64DNUPI+TLQ89GV"
    "hiCXyMdwyX/5IkjRv4pdzI5db/iBjI+61PBDWA7X4b9pvsPPwCjRh1/AAnBh7jKglYEXKP+H5A/yF4Q1H3iBHMOO"
    "peSTN9+ru2owvaZLaweNjw0WUwUNowPMylEjyEYDzQhRqwtvY0ddrNxC0H7sbTkayYEBQijHCxgKHbU/EPX/AMSm"
    "wPM="
)


def test_pickles_made_before_the_split_load_as_the_same_values() -> None:
    loaded = pickle.loads(zlib.decompress(base64.b64decode(BEFORE_THE_SPLIT)))
    assert loaded == values()


def test_values_pickle_and_load_as_themselves() -> None:
    made = values()
    assert pickle.loads(pickle.dumps(made)) == made
