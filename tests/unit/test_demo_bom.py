from __future__ import annotations

from servicecore.demo.tour import run_tour


def test_demo_shows_bom_versions_service_bom_and_repairs() -> None:
    lines: list[str] = []
    run_tour(lines.append)
    text = "\n".join(lines)
    assert "== BOM versions, service BOMs and repairs ==" in text
    assert "MOTOR v1: MOTOR 10, ROTOR 10, SCREW 42" in text  # 10 * 4 * 1.05 = 42
    assert "MOTOR v2: MOTOR 10, ROTOR2 10" in text
    assert "refused: create a cycle PUMP -> MOTOR -> PUMP" in text
    assert "-> MOTOR, SCREW, ROTOR2" in text
