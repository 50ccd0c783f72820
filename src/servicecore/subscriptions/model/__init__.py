"""Subscription groups, subscriptions, fees, their lifecycle, events and repository ports.

A package (``values``: billing options, alignments, prices, invoices and the fee;
``aggregate``: the subscription and its group, lifecycle, events, repositories;
``commands``: the commands on one subscription) whose ``__init__`` re-exports every
public name, so ``from servicecore.subscriptions.model import X`` keeps working.
"""

from __future__ import annotations

from servicecore.subscriptions.model.aggregate import (
    LIFECYCLE as LIFECYCLE,
)
from servicecore.subscriptions.model.aggregate import (
    SUBSCRIPTION_GROUPS as SUBSCRIPTION_GROUPS,
)
from servicecore.subscriptions.model.aggregate import (
    SUBSCRIPTIONS as SUBSCRIPTIONS,
)
from servicecore.subscriptions.model.aggregate import (
    Subscription,
    SubscriptionActivated,
    SubscriptionCancelled,
    SubscriptionCreated,
    SubscriptionEnded,
    SubscriptionGroup,
    SubscriptionGroupRepository,
    SubscriptionPriceChanged,
    SubscriptionRepository,
    SubscriptionResumed,
    SubscriptionStatus,
    SubscriptionSuspended,
)
from servicecore.subscriptions.model.aggregate import (
    check_subscription as check_subscription,
)
from servicecore.subscriptions.model.commands import (
    _check_not_final as _check_not_final,
)
from servicecore.subscriptions.model.commands import (
    _clock as _clock,
)
from servicecore.subscriptions.model.commands import (
    activate,
    change_price,
    create_subscription,
    end_subscription,
    index_group,
    index_subscription,
    resume,
    suspend,
)
from servicecore.subscriptions.model.values import (
    Alignment,
    AlignmentKind,
    Billing,
    CreditReversal,
    Fee,
    FeeKind,
    InvoiceCredit,
    InvoicePayment,
    OverdueAction,
    PaymentStatus,
    PriceChange,
    Proration,
    RemainderPlacement,
    ServiceCreditLike,
    Suspension,
)

__all__ = [
    "Alignment",
    "AlignmentKind",
    "Billing",
    "CreditReversal",
    "Fee",
    "FeeKind",
    "InvoiceCredit",
    "InvoicePayment",
    "OverdueAction",
    "PaymentStatus",
    "PriceChange",
    "Proration",
    "RemainderPlacement",
    "ServiceCreditLike",
    "Subscription",
    "SubscriptionActivated",
    "SubscriptionCancelled",
    "SubscriptionCreated",
    "SubscriptionEnded",
    "SubscriptionGroup",
    "SubscriptionGroupRepository",
    "SubscriptionPriceChanged",
    "SubscriptionRepository",
    "SubscriptionResumed",
    "SubscriptionStatus",
    "SubscriptionSuspended",
    "Suspension",
    "activate",
    "change_price",
    "create_subscription",
    "end_subscription",
    "index_group",
    "index_subscription",
    "resume",
    "suspend",
]
