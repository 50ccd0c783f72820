"""The invoice schedule: fee planning, gap filling, corrections, cancellation and credits.

Amounts are computed in integer minor units with exact integer division and one half-up
rounding per fee; ``Money`` appears only at the boundary.

A package (``valuation``: what billable days are worth; ``ledger``: settled ledgers and
the corrections of issued fees; ``schedule``: planning, generating and cancelling;
``adjustments``: reduction days, price reductions, service credits, one-off fees) whose
``__init__`` re-exports every public name, so ``from servicecore.subscriptions.billing
import X`` keeps working.
"""

from __future__ import annotations

from servicecore.subscriptions.billing.adjustments import (
    DaysReduced,
    PriceReduced,
    ServiceCreditAdded,
    add_non_regular_fee,
    add_service_credit,
    reduce_days,
    reduce_price,
)
from servicecore.subscriptions.billing.ledger import _forget_settled as _forget_settled
from servicecore.subscriptions.billing.schedule import (
    CancelMode,
    FeePlan,
    FeesGenerated,
    NextInvoiceDateSet,
    cancel,
    generate_due_fees,
    generate_fees,
    next_invoice_date,
    plan_due_fees,
    plan_fees,
    set_next_invoice_date,
)
from servicecore.subscriptions.billing.schedule import _generate as _generate
from servicecore.subscriptions.billing.valuation import _worth as _worth
from servicecore.subscriptions.patterns import round_half_up

__all__ = [
    "CancelMode",
    "DaysReduced",
    "FeePlan",
    "FeesGenerated",
    "NextInvoiceDateSet",
    "PriceReduced",
    "ServiceCreditAdded",
    "add_non_regular_fee",
    "add_service_credit",
    "cancel",
    "generate_due_fees",
    "generate_fees",
    "next_invoice_date",
    "plan_due_fees",
    "plan_fees",
    "reduce_days",
    "reduce_price",
    "round_half_up",
    "set_next_invoice_date",
]
