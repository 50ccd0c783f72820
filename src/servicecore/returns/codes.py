"""Return reason codes, disposition codes and the six disposition actions, with their charges.

A :class:`ReturnSetup` is the host's set-up of return management for one company: the
validity days that give a return order its deadline, the reason codes (grouped for
reporting) and the disposition codes, each mapped to exactly one of the six built-in
:class:`DispositionAction` members. Reason and disposition codes may carry automatic
:class:`Charge` s: a fixed amount, or a percentage of the (negative) line amount.

>>> from servicecore.money import Money
>>> setup = ReturnSetup(
...     company_id="ACME", id="default", validity_days=30,
...     reasons=(ReasonCode(id="DAMAGED", group="QUALITY"),),
...     dispositions=(DispositionCode(id="RESTOCK", action=DispositionAction.CREDIT,
...                   charges=(Charge(code="FEE", amount=Money.of("5", "EUR")),)),))
>>> setup.disposition("RESTOCK").action.name
'CREDIT'
>>> setup.reasons_in_group("QUALITY")
('DAMAGED',)
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import attrs
from attrs import frozen

from servicecore.errors import NotFoundError, ValidationError
from servicecore.money import Money
from servicecore.ports import AggregateType, Repository, check_id, check_int, check_type

__all__ = [
    "MAX_VALIDITY_DAYS",
    "RETURN_SETUPS",
    "Charge",
    "DispositionAction",
    "DispositionCode",
    "ReasonCode",
    "ReturnSetup",
    "ReturnSetupRepository",
    "charge_amount",
]

MAX_VALIDITY_DAYS = 3660
"""The longest validity a return order may have (ten years), so a deadline is always a date."""


class DispositionAction(enum.Enum):
    """The six built-in actions a disposition code maps to (D365 return disposition)."""

    CREDIT = "credit"
    CREDIT_ONLY = "credit_only"
    SCRAP = "scrap"
    REPLACE_AND_CREDIT = "replace_and_credit"
    REPLACE_AND_SCRAP = "replace_and_scrap"
    RETURN_TO_CUSTOMER = "return_to_customer"

    @property
    def receives_goods(self) -> bool:
        """Whether the goods come back (every action but credit only)."""
        return self is not DispositionAction.CREDIT_ONLY

    @property
    def scraps(self) -> bool:
        return self in (DispositionAction.SCRAP, DispositionAction.REPLACE_AND_SCRAP)

    @property
    def replaces(self) -> bool:
        return self.name.startswith("REPLACE")

    @property
    def ships_back(self) -> bool:
        return self is DispositionAction.RETURN_TO_CUSTOMER

    @property
    def credits_price(self) -> bool:
        """Whether the customer is credited the price (all but return to customer)."""
        return self is not DispositionAction.RETURN_TO_CUSTOMER


def _check_charge(inst: Charge, _a: object, _v: str) -> None:
    check_id(inst.code, "charge.code")
    if (inst.amount is None) == (inst.percent is None):
        raise ValidationError(
            f"charge {inst.code!r}: give exactly one of amount and percent",
            field="charge",
            value=(inst.amount, inst.percent),
            allowed="a fixed Money amount, or a percentage of the line amount",
        )
    if inst.amount is not None:
        check_type(inst.amount, Money, "charge.amount")
    if inst.percent is not None:
        if not isinstance(inst.percent, Decimal) or not inst.percent.is_finite():
            raise ValidationError(
                f"charge {inst.code!r}: percent must be a finite Decimal, not {inst.percent!r}",
                field="charge.percent",
                value=inst.percent,
                allowed="a Decimal between -100 and 100",
            )
        if abs(inst.percent) > 100:
            raise ValidationError(
                f"charge {inst.code!r}: percent {inst.percent} is beyond 100",
                field="charge.percent",
                value=inst.percent,
                allowed="a Decimal between -100 and 100",
            )


@frozen(kw_only=True)
class Charge:
    """An automatic charge: a fixed ``amount`` the customer pays, or a ``percent`` of the
    line amount.

    A return line's amount is negative, so a positive percentage gives a negative charge
    (it adds to the credit); a restocking fee as a percentage is a negative percentage
    (D365 rule). A fixed amount is charged as given: positive means the customer pays.
    """

    code: str = attrs.field(validator=_check_charge)
    amount: Money | None = None
    percent: Decimal | None = None


def charge_amount(charge: Charge, line_amount: Money) -> Money:
    """What ``charge`` costs the customer on a line worth ``line_amount`` (negative on returns).

    >>> from servicecore.money import Money
    >>> charge_amount(Charge(code="FEE", percent=Decimal("-10")), Money.of("-80", "EUR"))
    Money('8.00', 'EUR')
    >>> charge_amount(Charge(code="FEE", amount=Money.of("5", "EUR")), Money.of("-80", "EUR"))
    Money('5.00', 'EUR')
    """
    check_type(charge, Charge, "charge")
    check_type(line_amount, Money, "line_amount")
    if charge.amount is not None:
        if charge.amount.currency != line_amount.currency:
            raise ValidationError(
                f"charge {charge.code!r} is in {charge.amount.currency}, the line in "
                f"{line_amount.currency}",
                field="charge.amount",
                value=charge.amount,
                allowed=f"a charge in {line_amount.currency}",
            )
        return charge.amount.rounded()
    assert charge.percent is not None
    return line_amount.scaled(charge.percent, 100)


def _tuple(value: Any) -> Any:
    """Lists become tuples; anything else is left for the validator to refuse."""
    return tuple(value) if isinstance(value, list) else value


@frozen(kw_only=True)
class ReasonCode:
    """A return reason (header), in a ``group`` used for reporting, with automatic charges."""

    id: str
    group: str | None = None
    description: str = ""
    charges: tuple[Charge, ...] = attrs.field(default=(), converter=_tuple)


@frozen(kw_only=True)
class DispositionCode:
    """A host's disposition code (scrap, donate, refurbish...) mapped to one action."""

    id: str
    action: DispositionAction
    description: str = ""
    charges: tuple[Charge, ...] = attrs.field(default=(), converter=_tuple)


def _check_setup(inst: ReturnSetup, _a: object, _v: str) -> None:
    check_id(inst.company_id, "company_id")
    check_id(inst.id, "id")
    check_int(inst.validity_days, "validity_days", minimum=0, maximum=MAX_VALIDITY_DAYS)
    for what, codes, cls in (
        ("reasons", inst.reasons, ReasonCode),
        ("dispositions", inst.dispositions, DispositionCode),
    ):
        check_type(codes, tuple, what, f"a tuple of {cls.__name__}")
        seen: set[str] = set()
        for code in codes:
            check_type(code, cls, what)
            check_id(code.id, f"{what}.id")
            if code.id in seen:
                raise ValidationError(
                    f"{what}: code {code.id!r} is defined twice",
                    field=what,
                    value=code.id,
                    allowed="unique codes",
                )
            seen.add(code.id)
            check_type(code.charges, tuple, f"{what}.charges", "a tuple of Charge")
            for charge in code.charges:
                check_type(charge, Charge, f"{what}.charges")
        for code in codes:
            if isinstance(code, DispositionCode):
                check_type(code.action, DispositionAction, "dispositions.action")


@frozen(kw_only=True)
class ReturnSetup:
    """Return management set-up of one company (an aggregate): validity days and codes."""

    company_id: str = attrs.field(validator=_check_setup)
    id: str
    validity_days: int = 0
    reasons: tuple[ReasonCode, ...] = attrs.field(default=(), converter=_tuple)
    dispositions: tuple[DispositionCode, ...] = attrs.field(default=(), converter=_tuple)
    version: int = 0

    def reason(self, code: str) -> ReasonCode:
        """The reason ``code``; ``NotFoundError`` when the set-up has none."""
        for reason in self.reasons:
            if reason.id == code:
                return reason
        raise NotFoundError(
            f"reason_code: set-up {self.id!r} has no reason {code!r} "
            f"(known: {', '.join(r.id for r in self.reasons) or 'none'})",
            entity="return reason code",
            id=str(code),
        )

    def disposition(self, code: str) -> DispositionCode:
        """The disposition ``code``; ``NotFoundError`` when the set-up has none."""
        for disposition in self.dispositions:
            if disposition.id == code:
                return disposition
        raise NotFoundError(
            f"disposition_code: set-up {self.id!r} has no disposition {code!r} "
            f"(known: {', '.join(d.id for d in self.dispositions) or 'none'})",
            entity="disposition code",
            id=str(code),
        )

    def reasons_in_group(self, group: str) -> tuple[str, ...]:
        """The reason codes of ``group``, sorted (for reporting by group)."""
        check_id(group, "group")
        return tuple(sorted(r.id for r in self.reasons if r.group == group))


class ReturnSetupRepository(Repository[ReturnSetup]):
    """Stored :class:`ReturnSetup` s (usually one per company)."""


RETURN_SETUPS: AggregateType[ReturnSetup, ReturnSetupRepository] = AggregateType(
    kind="return_setup", cls=ReturnSetup, repository=ReturnSetupRepository
)
"""Return set-ups in storage: ``uow[RETURN_SETUPS]``."""
