"""The demo's SLA-credit, price-reduction and accrual-posting rows print hand-checked figures."""

from __future__ import annotations

from servicecore.demo.tour import run_tour


def test_demo_shows_a_breach_credited_once_on_the_next_invoice() -> None:
    lines: list[str] = []
    run_tour(lines.append)
    text = "\n".join(lines)
    assert "== SLA service credits on the next invoice ==" in text
    # 16 business hours from Mon 09:00: Mon 7 h + Tue 8 h + Wed 08-09 -> Wed 09:00.
    assert "-> breached 2024-06-05 09:00:00+02:00" in text
    # 10 % of 499.00 SEK, once, on the July invoice next to July's fee.
    assert "-> service_credit -49.90 SEK, regular 499.00 SEK" in text


def test_demo_shows_a_price_reduction_and_its_accrual_posting() -> None:
    lines: list[str] = []
    run_tour(lines.append)
    text = "\n".join(lines)
    # 90.00 over Q1 2023's 90 days: 31, 28 and 31 days.
    assert "-> revenue -31.00 EUR, -28.00 EUR, -31.00 EUR" in text
    # Jan + Feb of the fee (103.34 + 93.33) less Jan + Feb of the reduction (31.00 + 28.00).
    assert "-> 4 journal entries, net 137.67 EUR" in text
