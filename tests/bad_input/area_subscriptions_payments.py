"""Bad-input entries for subscription payments, restarts and the invoice schedule options
of issue 17 item 5 (found by tests/bad_input/entries.py).

The names live in ``servicecore.subscriptions`` (already a swept module), so ``MODULES``
adds none; the entries are keyed by that package.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from servicecore import subscriptions as sb
from servicecore.storage.memory import InMemoryStore

from . import valid as v
from .engine import Entry, call, fields_call, method, use_case

MODULES: tuple[Any, ...] = ()

_P = "servicecore.subscriptions."

EXCLUDED: dict[str, str] = {
    _P + "OverdueAction": "an Enum",
    _P + "PaymentStatus": "an Enum",
}

JAN, APR = dt.date(2023, 1, 1), dt.date(2023, 4, 1)


def _invoiced() -> sb.Subscription:
    """SUB-1 with its January invoice recorded (due Jan 15) and its April one paid."""
    sub, _ = sb.record_invoice(v.subscription(), JAN, dt.date(2023, 1, 15), at=v.AT)
    sub, _ = sb.record_invoice(sub, APR, dt.date(2023, 4, 15), at=v.AT)
    sub, _ = sb.record_payment(sub, APR, dt.date(2023, 4, 10), at=v.AT)
    return sub


def _cancelled() -> sb.Subscription:
    sub, _ = sb.cancel(v.subscription(), sb.CancelMode.IMMEDIATE, dt.date(2023, 5, 1), at=v.AT)
    return sub


def _store_with(sub: sb.Subscription) -> InMemoryStore:
    store = v.store()
    with store.unit_of_work("ACME") as uow:
        stored = uow[sb.SUBSCRIPTIONS].get(sub.id)
        uow[sb.SUBSCRIPTIONS].save(attrs.evolve(sub, version=stored.version))
        uow.commit()
    return store


def _payment() -> sb.InvoicePayment:
    return sb.InvoicePayment(invoice_date=JAN, due=dt.date(2023, 1, 15))


def entries() -> list[Entry]:
    def add(key: str, build: Any) -> Entry:
        return Entry(_P + key, build)

    later = dt.date(2023, 7, 1)
    return [
        add("InvoicePayment", lambda: call(sb.InvoicePayment, invoice_date=JAN, due=later)),
        add("InvoicePayment.status_on", lambda: method(_payment(), "status_on", day=later)),
        add("Subscription.status_on", lambda: method(v.subscription(), "status_on", day=later)),
        add("Subscription.invoice", lambda: method(_invoiced(), "invoice", invoice_date=JAN)),
        add("InvoiceRecorded", lambda: fields_call(sb.InvoiceRecorded)),
        add("InvoicePaymentRecorded", lambda: fields_call(sb.InvoicePaymentRecorded)),
        add("PaymentLapsed", lambda: fields_call(sb.PaymentLapsed)),
        add("SubscriptionRestarted", lambda: fields_call(sb.SubscriptionRestarted)),
        add("NextInvoiceDateSet", lambda: fields_call(sb.NextInvoiceDateSet)),
        add(
            "record_invoice",
            lambda: call(
                sb.record_invoice,
                sub=v.subscription(),
                invoice_date=JAN,
                due=dt.date(2023, 1, 15),
                at=v.AT,
            ),
        ),
        add(
            "record_payment",
            lambda: call(
                sb.record_payment,
                sub=_invoiced(),
                invoice_date=JAN,
                paid_on=dt.date(2023, 1, 10),
                at=v.AT,
            ),
        ),
        add("lapse_day", lambda: call(sb.lapse_day, payment=_payment(), group=v.group())),
        add(
            "lapsed_invoices",
            lambda: call(sb.lapsed_invoices, sub=_invoiced(), group=v.group(), on=later),
        ),
        add(
            "apply_overdue",
            lambda: call(sb.apply_overdue, sub=_invoiced(), group=v.group(), on=later, at=v.AT),
        ),
        add(
            "restart",
            lambda: call(
                sb.restart,
                sub=_cancelled(),
                group=v.group(),
                id="SUB-2",
                start=later,
                at=v.AT,
                price=v.EUR,
                end=dt.date(2024, 7, 1),
            ),
        ),
        add("plan_due_fees", lambda: call(sb.plan_due_fees, sub=v.subscription(), on=later)),
        add(
            "generate_due_fees",
            lambda: call(sb.generate_due_fees, sub=v.subscription(), on=later, at=v.AT),
        ),
        add(
            "set_next_invoice_date",
            lambda: call(
                sb.set_next_invoice_date, sub=v.subscription(), on=dt.date(2023, 7, 15), at=v.AT
            ),
        ),
        add(
            "record_subscription_invoice",
            lambda: use_case(
                sb.record_subscription_invoice,
                sub_id="SUB-1",
                invoice_date=JAN,
                due=dt.date(2023, 1, 15),
                clock=v.clock(),
            ),
        ),
        add(
            "record_subscription_payment",
            lambda: use_case(
                sb.record_subscription_payment,
                store=_store_with(_invoiced()),
                sub_id="SUB-1",
                invoice_date=JAN,
                paid_on=dt.date(2023, 1, 10),
                clock=v.clock(),
            ),
        ),
        add(
            "run_overdue_checks",
            lambda: use_case(
                sb.run_overdue_checks, store=_store_with(_invoiced()), on=later, clock=v.clock()
            ),
        ),
        add(
            "restart_subscription",
            lambda: use_case(
                sb.restart_subscription,
                store=_store_with(_cancelled()),
                sub_id="SUB-1",
                new_id="SUB-9",
                start=later,
                clock=v.clock(),
            ),
        ),
        add(
            "run_due_invoice_schedule",
            lambda: use_case(
                sb.run_due_invoice_schedule, sub_id="SUB-1", on=later, clock=v.clock()
            ),
        ),
        add(
            "set_subscription_next_invoice_date",
            lambda: use_case(
                sb.set_subscription_next_invoice_date,
                sub_id="SUB-1",
                on=dt.date(2023, 7, 15),
                clock=v.clock(),
            ),
        ),
    ]
