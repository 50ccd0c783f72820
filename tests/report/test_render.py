"""The report renderers: text for the terminal, one self-contained HTML page with charts."""

from __future__ import annotations

import re
from decimal import Decimal

import pendulum

from servicecore.report import CHART_IDS, Report, SlaTier, Utilisation, render_html, render_text

from .builders import sample_report


def test_text_shows_every_section_with_its_figures() -> None:
    text = render_text(sample_report())
    assert text.startswith("servicecore report: ACME, as of 2024-03-31, in EUR\n")
    assert re.search(r"\n  Posted\s+11\n", text)
    assert re.search(r"GOLD\s+9\s+1\s+90\.0 %", text)
    assert re.search(r"SILVER\s+3\s+1\s+75\.0 %", text)
    assert re.search(r"GOLD\s+waiting for parts\s+1", text)
    assert re.search(r"TECH-ANNA\s+30\s+40\s+75\.0 %", text)
    assert re.search(r"pump leaks\s+replace seal\s+3", text)
    assert re.search(r"2024-01\s+300\.00\s+100\.00\s+200\.00", text)
    assert "MRR 100.00 EUR    ARR 1200.00 EUR" in text


def test_empty_sections_say_none_and_unknown_percentages_a_dash() -> None:
    report = Report(
        company_id="ACME",
        as_of=pendulum.date(2024, 3, 31),
        currency="EUR",
        sla_tiers=(SlaTier("GOLD", met=0, breached=0),),
        utilisation=(Utilisation("TECH-ANNA", Decimal(0), Decimal(0)),),
    )
    text = render_text(report)
    assert text.count("(none)") == 3  # stages, symptoms, revenue
    assert re.search(r"GOLD\s+0\s+0\s+-", text)
    assert "MRR -    ARR -" in text


def test_html_is_self_contained_with_one_svg_per_chart() -> None:
    page = render_html(sample_report())
    for chart_id in CHART_IDS:
        assert re.search(f'<figure id="{chart_id}"><svg', page), chart_id
    # nothing fetched when opened: no script, no external reference of any kind
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "TECH-ANNA" in page
    assert "waiting for parts" in page


def test_html_is_the_same_for_the_same_report() -> None:
    assert render_html(sample_report()) == render_html(sample_report())


def test_html_without_data_says_so_instead_of_drawing_empty_charts() -> None:
    page = render_html(Report(company_id="ACME", as_of=pendulum.date(2024, 3, 31), currency="EUR"))
    assert "<svg" not in page
    assert "No revenue yet." in page
    assert "No SLA clock has an outcome yet." in page
    assert "No booking in the week shown." in page
