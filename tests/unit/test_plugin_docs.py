"""Every hook spec is documented in docs/plugins.md (with an example) and tested."""

from __future__ import annotations

import re
from pathlib import Path

from servicecore.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "plugins.md"


def hook_names() -> list[str]:
    return sorted(
        name
        for name, obj in vars(hookspecs).items()
        if callable(obj) and hasattr(obj, "servicecore_spec")
    )


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## +(\S+) *$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_hooks_are_found() -> None:
    names = hook_names()
    assert "servicecore_on_events" in names
    assert all(name.startswith("servicecore_") for name in names)


def test_every_hook_has_a_section_with_a_runnable_example() -> None:
    documented = sections()
    for name in hook_names():
        assert name in documented, f"docs/plugins.md has no '## {name}' section"
        assert ">>>" in documented[name], f"the '## {name}' section has no runnable example"


def test_every_hook_is_mentioned_by_a_test() -> None:
    this = Path(__file__).resolve()
    sources = [
        p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py") if p.resolve() != this
    ]
    for name in hook_names():
        assert any(name in text for text in sources), f"no test under tests/ mentions {name}"


def test_every_hook_is_called_through_the_facade() -> None:
    manager = (ROOT / "src" / "servicecore" / "plugins" / "manager.py").read_text()
    for name in hook_names():
        assert f"hook.{name}" in manager, f"Hooks has no typed method calling {name}"
