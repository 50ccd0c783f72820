"""The demo's calendar and SLA section prints the hand-checked figures."""

from __future__ import annotations

from servicecore.demo.tour import run_tour


def test_demo_shows_business_time_and_sla() -> None:
    lines: list[str] = []
    run_tour(lines.append)
    text = "\n".join(lines)
    assert "== Business calendars and SLAs ==" in text
    assert "+ 2 business h -> 2024-04-02T09:00:00+02:00" in text
    # Saturday order, 16 business hours: Monday and Tuesday 08-12, 13-17.
    assert "due 2024-06-11 17:00:00+02:00" in text
    # Waiting Mon 15:00 - Tue 10:00 overlaps 4 business hours: due Wednesday 12:00.
    assert "due 2024-06-12 12:00:00+02:00" in text
    # Wed 09:00: 13 of 16 hours used.
    assert "warning, 81.25% used" in text
