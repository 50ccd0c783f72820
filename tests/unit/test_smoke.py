from __future__ import annotations

from servicecore import Money, split


def test_split_sums_to_whole() -> None:
    fee = Money.of("100.00", "EUR")
    assert Money.sum(split(fee, 3), "EUR") == fee
