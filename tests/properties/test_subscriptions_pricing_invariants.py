"""Domain invariants 11 and 16 of subscription pricing, as properties.

11. Price resolution picks the most specific matching row; adding a less specific row
    never changes the result; rows of another currency or period are never chosen.
16. Indexation: raising the index by ``p`` % and then by ``-p/(1+p)`` gives the original
    index back (within the precision of Decimal), and the indexed price is
    ``base * index / 100`` rounded half-up to minor units.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from servicecore.money import Money
from servicecore.recurrence import Interval
from servicecore.subscriptions import (
    IndexMethod,
    SalesPrice,
    apply_index,
    indexed_price,
    resolve_price,
)
from servicecore.testing.strategies import dates, intervals, sales_prices

CONTEXT = st.fixed_dictionaries(
    {
        "subscription_id": st.from_regex(r"SUB-[0-9]{1,4}", fullmatch=True),
        "category": st.none() | st.sampled_from(["SubCat1", "SubCat2"]),
        "project_id": st.none() | st.sampled_from(["P1", "P2"]),
    }
)


def _matches(row: SalesPrice, ctx: dict[str, str | None], interval: Interval, on: dt.date) -> bool:
    """Whether a row applies, written from the rule's wording (S4), not from the code."""
    keys_match = all(
        getattr(row, key) is None or getattr(row, key) == ctx[key]
        for key in ("category", "project_id", "subscription_id")
    )
    valid = row.valid_from <= on and (row.valid_to is None or on < row.valid_to)
    return keys_match and valid and row.price.currency.code == "EUR" and row.interval == interval


def _filled(row: SalesPrice) -> tuple[bool, bool, bool]:
    return (row.category is not None, row.project_id is not None, row.subscription_id is not None)


# D365's order of specificity, most specific first: (category, project, subscription) filled.
SPECIFICITY = [
    (True, True, True),
    (False, True, True),
    (True, False, True),
    (False, False, True),
    (True, True, False),
    (False, True, False),
    (True, False, False),
    (False, False, False),
]


@given(
    st.lists(sales_prices("EUR") | sales_prices("USD"), max_size=12),
    CONTEXT,
    intervals(),
    dates(),
)
def test_the_most_specific_matching_row_wins(
    rows: list[SalesPrice], ctx: dict[str, str | None], interval: Interval, on: dt.date
) -> None:
    chosen = resolve_price(rows, currency="EUR", interval=interval, on=on, **ctx)  # type: ignore[arg-type]
    matching = [r for r in rows if _matches(r, ctx, interval, on)]
    if not matching:
        assert chosen is None
        return
    assert chosen is not None
    assert _matches(chosen, ctx, interval, on)
    best_rank = min(SPECIFICITY.index(_filled(r)) for r in matching)
    assert SPECIFICITY.index(_filled(chosen)) == best_rank
    same_rank = [r for r in matching if SPECIFICITY.index(_filled(r)) == best_rank]
    assert chosen.valid_from == max(r.valid_from for r in same_rank)


@given(
    st.lists(sales_prices("EUR"), min_size=1, max_size=8),
    CONTEXT,
    intervals(),
    dates(),
    sales_prices("EUR"),
)
def test_a_less_specific_row_never_changes_the_result(
    rows: list[SalesPrice],
    ctx: dict[str, str | None],
    interval: Interval,
    on: dt.date,
    extra: SalesPrice,
) -> None:
    before = resolve_price(rows, currency="EUR", interval=interval, on=on, **ctx)  # type: ignore[arg-type]
    if before is None or SPECIFICITY.index(_filled(extra)) <= SPECIFICITY.index(_filled(before)):
        return
    after = resolve_price([*rows, extra], currency="EUR", interval=interval, on=on, **ctx)  # type: ignore[arg-type]
    assert after == before


@given(
    st.lists(sales_prices("EUR"), max_size=8),
    CONTEXT,
    intervals(),
    dates(),
    st.data(),
)
def test_rows_of_another_currency_or_period_are_never_chosen(
    rows: list[SalesPrice],
    ctx: dict[str, str | None],
    interval: Interval,
    on: dt.date,
    data: st.DataObject,
) -> None:
    before = resolve_price(rows, currency="EUR", interval=interval, on=on, **ctx)  # type: ignore[arg-type]
    # Every row again, made to match everything, but in USD or in another period: all noise.
    usd = [attrs.evolve(r, price=Money.of(r.price.amount, "USD")) for r in rows]
    other = data.draw(intervals().filter(lambda i: i != interval))
    elsewhere = [attrs.evolve(r, interval=other) for r in rows]
    after = resolve_price(
        [*usd, *rows, *elsewhere],
        currency="EUR",
        interval=interval,
        on=on,
        **ctx,  # type: ignore[arg-type]
    )
    assert after == before


@given(
    st.integers(1, 10**6).map(lambda n: Decimal(n) / 100),
    st.integers(-90, 500),
    st.integers(10**3, 10**9).map(lambda n: Money.of(Decimal(n) / 100, "EUR")),
)
def test_index_up_then_back_down_restores_the_index(
    index: Decimal, percent: int, base: Money
) -> None:
    p = Decimal(percent)
    base_after, raised = apply_index(base, index, IndexMethod.INDEX_BY_PCT, p)
    assert base_after == base  # INDEX_BY_PCT changes the index, never the base
    back = -100 * p / (100 + p)
    _, restored = apply_index(base, raised, IndexMethod.INDEX_BY_PCT, back)
    assert abs(restored - index) <= index * Decimal("1e-20")


@given(
    st.integers(0, 10**9).map(lambda n: Money.of(Decimal(n) / 100, "EUR")),
    st.integers(0, 10**6).map(lambda n: Decimal(n) / 100),
)
def test_indexed_price_is_base_times_index_over_100(base: Money, index: Decimal) -> None:
    expected = (base.amount * index / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert indexed_price(base, index) == Money.of(expected, "EUR")
