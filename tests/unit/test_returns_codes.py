"""Return set-up and returned quantities: what each disposition action does, which charges
and code lists a set-up accepts, and what a sales line gives back when a return releases it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.money import Money
from servicecore.returns import (
    Charge,
    DispositionAction,
    DispositionCode,
    ReasonCode,
    ReturnedEntry,
    ReturnedQuantity,
    ReturnSetup,
    charge_amount,
)
from tests.builders.returns import eur

A = DispositionAction
EFFECTS = {
    # action: (receives goods, scraps, replaces, ships back, credits the price)
    A.CREDIT: (True, False, False, False, True),
    A.CREDIT_ONLY: (False, False, False, False, True),
    A.SCRAP: (True, True, False, False, True),
    A.REPLACE_AND_CREDIT: (True, False, True, False, True),
    A.REPLACE_AND_SCRAP: (True, True, True, False, True),
    A.RETURN_TO_CUSTOMER: (True, False, False, True, False),
}
"""The six actions of the domain notes (4.2), written out by hand."""


@pytest.mark.parametrize("action", list(A), ids=lambda a: a.name)
def test_each_disposition_action_has_exactly_its_documented_effects(action: A) -> None:
    assert (
        action.receives_goods,
        action.scraps,
        action.replaces,
        action.ships_back,
        action.credits_price,
    ) == EFFECTS[action]


@pytest.mark.parametrize("percent", [Decimal("NaN"), Decimal("Infinity"), 10, "10", 10.0], ids=repr)
def test_a_percentage_charge_is_a_finite_decimal(percent: object) -> None:
    with pytest.raises(ValidationError) as err:
        Charge(code="FEE", percent=percent)  # type: ignore[arg-type]
    assert err.value.field == "charge.percent"
    assert err.value.allowed == "a Decimal between -100 and 100"


def test_a_percentage_charge_lies_between_minus_100_and_100() -> None:
    for beyond in (Decimal("100.01"), Decimal("-100.5")):
        with pytest.raises(ValidationError) as err:
            Charge(code="FEE", percent=beyond)
        assert err.value.field == "charge.percent"
    whole_fee = Charge(code="FEE", percent=Decimal(-100))
    assert charge_amount(whole_fee, eur("-80")) == eur("80.00")  # the whole line
    assert charge_amount(Charge(code="BONUS", percent=Decimal(100)), eur("-80")) == eur("-80.00")


def test_a_fixed_charge_in_another_currency_than_the_line_is_refused() -> None:
    usd_fee = Charge(code="FEE", amount=Money.of("5", "USD"))
    with pytest.raises(ValidationError) as err:
        charge_amount(usd_fee, eur("-80"))
    assert err.value.field == "charge.amount"
    assert err.value.allowed == "a charge in EUR"


@pytest.mark.parametrize("what", ["reasons", "dispositions"])
def test_a_set_up_defines_each_code_once(what: str) -> None:
    codes: dict[str, tuple[ReasonCode, ...] | tuple[DispositionCode, ...]] = {
        "reasons": (ReasonCode(id="DAMAGED"), ReasonCode(id="DAMAGED", group="QUALITY")),
        "dispositions": (
            DispositionCode(id="RESTOCK", action=A.CREDIT),
            DispositionCode(id="RESTOCK", action=A.SCRAP),
        ),
    }
    with pytest.raises(ValidationError) as err:
        ReturnSetup(company_id="ACME", id="default", **{what: codes[what]})  # type: ignore[arg-type]
    assert err.value.field == what
    assert err.value.value == {"reasons": "DAMAGED", "dispositions": "RESTOCK"}[what]


def test_a_return_line_releases_at_most_what_it_took_from_the_sales_line() -> None:
    ledger = ReturnedQuantity(company_id="ACME", id="SL-1", invoiced=Decimal(5))
    ledger = ledger.reserve("RMA-1", "1", Decimal(3)).reserve("RMA-2", "1", Decimal(1))
    for return_id, line_id, quantity in (("RMA-1", "1", 4), ("RMA-1", "2", 1)):
        with pytest.raises(BusinessRuleError) as err:
            ledger.release(return_id, line_id, Decimal(quantity))
        assert err.value.rule == "release-at-most-taken"
        assert (err.value.entity, err.value.id) == ("sales line", "SL-1")
    partly = ledger.release("RMA-1", "1", Decimal(2))
    assert partly.entries == (
        ReturnedEntry(return_id="RMA-2", line_id="1", quantity=Decimal(1)),
        ReturnedEntry(return_id="RMA-1", line_id="1", quantity=Decimal(1)),
    )
    assert (partly.returned, partly.remaining) == (Decimal(2), Decimal(3))
