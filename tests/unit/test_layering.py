"""Imports flow one way (DESIGN section 2): a test walks them and fails on reversed arrows.

kernel (errors money clock calendars recurrence events lifecycle ports)
  <- domain (agreements orders repairs bom sla subscriptions returns dispatch, and any other
     new top-level module or package unless listed here; no cycles among them)
  <- uow, serialization, plugins
  <- storage, testing, cli, demo (and ``__main__``)
  <- the package root ``servicecore/__init__.py`` (convenience re-exports: outermost)

Every ``import`` is counted, wherever it is: inside functions, under ``TYPE_CHECKING``,
relative (``from . import x``) or through the root (``from servicecore import money``).
A module may import its own component (``servicecore.plugins.manager`` ->
``servicecore.plugins.hookspecs``) and anything in its layer or below.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

import servicecore

SRC = Path(servicecore.__file__).resolve().parent
ROOT = ""  # the component name of the package root

KERNEL = frozenset(
    {"errors", "money", "clock", "calendars", "recurrence", "events", "lifecycle", "ports"}
)
SERVICES = frozenset({"uow", "serialization", "plugins"})
OUTER = frozenset({"storage", "testing", "cli", "demo", "report", "__main__"})
LAYER_NAMES = ("kernel", "domain", "uow/serialization/plugins", "storage/testing/cli", "root")


def layer_of(component: str) -> int:
    if component == ROOT:
        return 4
    if component in KERNEL:
        return 0
    if component in SERVICES:
        return 2
    if component in OUTER:
        return 3
    return 1  # domain, the default for new modules


def component_of(module: str) -> str:
    """``servicecore.plugins.manager`` -> ``plugins``; ``servicecore`` -> the root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def module_name(path: Path, src: Path) -> tuple[str, bool]:
    rel = path.relative_to(src.parent).with_suffix("")
    parts = list(rel.parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def imports_of(source: str, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """(imported servicecore module, line) for every import in ``source``."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "servicecore" or alias.name.startswith("servicecore."):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base != "servicecore" and not base.startswith("servicecore."):
                continue
            if base == "servicecore":
                # `from servicecore import money` imports the module; `import Money` the root
                for alias in node.names:
                    target = f"servicecore.{alias.name}"
                    yield (target if _is_module(target) else "servicecore"), node.lineno
            else:
                yield base, node.lineno


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (SRC / rel).with_suffix(".py").exists() or (SRC / rel / "__init__.py").exists()


Edge = tuple[str, str, str, int]  # importer module, imported module, file, line


def edges(src: Path = SRC) -> list[Edge]:
    found: list[Edge] = []
    for path in sorted(src.rglob("*.py")):
        module, is_package = module_name(path, src)
        for target, line in imports_of(path.read_text(encoding="utf-8"), module, is_package):
            found.append((module, target, str(path.relative_to(src.parent)), line))
    return found


def reversed_arrows(all_edges: list[Edge]) -> list[str]:
    problems = []
    for importer, target, file, line in all_edges:
        a, b = component_of(importer), component_of(target)
        if a == b:
            continue
        if layer_of(a) < layer_of(b):
            problems.append(
                f"{file}:{line} imports {target}: {importer} is in the "
                f"{LAYER_NAMES[layer_of(a)]} layer and may not import from the "
                f"{LAYER_NAMES[layer_of(b)]} layer above it"
            )
    return problems


def domain_cycles(all_edges: list[Edge]) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for importer, target, _file, _line in all_edges:
        a, b = component_of(importer), component_of(target)
        if a != b and layer_of(a) == 1 and layer_of(b) == 1:
            graph.setdefault(a, set()).add(b)
    cycles: list[list[str]] = []
    seen_cycles: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycle = [*path[path.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    cycles.append(cycle)
            elif len(path) < 20:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return cycles


def _where(all_edges: list[Edge], a: str, b: str) -> str:
    return ", ".join(
        f"{file}:{line}"
        for importer, target, file, line in all_edges
        if component_of(importer) == a and component_of(target) == b
    )


# -- the rule, on the real source ---------------------------------------------------------------
def test_no_reversed_arrows() -> None:
    problems = reversed_arrows(edges())
    assert not problems, "imports against the layering (DESIGN section 2):\n" + "\n".join(problems)


def test_no_cycles_among_domain_modules() -> None:
    all_edges = edges()
    cycles = domain_cycles(all_edges)
    assert not cycles, "import cycles among domain modules:\n" + "\n".join(
        " -> ".join(cycle)
        + "  ("
        + "; ".join(_where(all_edges, x, y) for x, y in itertools.pairwise(cycle))
        + ")"
        for cycle in cycles
    )


def test_the_walk_sees_the_known_arrows() -> None:
    pairs = {(component_of(a), component_of(b)) for a, b, _f, _l in edges()}
    assert ("clock", "errors") in pairs
    assert ("storage", "plugins") in pairs  # a lazy import inside a function
    assert (ROOT, "money") in pairs
    assert ("plugins", "events") in pairs


# -- the checker itself ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("module", "is_package", "source", "expected"),
    [
        ("servicecore.money", False, "import servicecore.errors", ["servicecore.errors"]),
        ("servicecore.money", False, "from servicecore import errors", ["servicecore.errors"]),
        ("servicecore.money", False, "from servicecore import Money", ["servicecore"]),
        ("servicecore.money", False, "from . import clock", ["servicecore.clock"]),
        (
            "servicecore.money",
            False,
            "from .storage.memory import X",
            ["servicecore.storage.memory"],
        ),
        ("servicecore.plugins.manager", False, "from .. import events", ["servicecore.events"]),
        (
            "servicecore.plugins",
            True,
            "from .manager import Hooks",
            ["servicecore.plugins.manager"],
        ),
        (
            "servicecore.money",
            False,
            "def f():\n    from servicecore.storage import memory\n",
            ["servicecore.storage"],
        ),
        (
            "servicecore.money",
            False,
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import servicecore.uow\n",
            ["servicecore.uow"],
        ),
        ("servicecore.money", False, "import attrs\nfrom decimal import Decimal", []),
    ],
)
def test_imports_are_collected(
    module: str, is_package: bool, source: str, expected: list[str]
) -> None:
    assert [target for target, _line in imports_of(source, module, is_package)] == expected


def test_layers() -> None:
    assert [layer_of(c) for c in ("errors", "sla", "service_objects", "uow", "cli", ROOT)] == [
        0,
        1,
        1,
        2,
        3,
        4,
    ]


def test_reversed_arrow_is_reported_with_file_and_line() -> None:
    problems = reversed_arrows(
        [
            (
                "servicecore.subscriptions.core",
                "servicecore.uow",
                "servicecore/subscriptions/core.py",
                7,
            ),
            ("servicecore.uow", "servicecore.subscriptions", "servicecore/uow.py", 3),
            ("servicecore.money", "servicecore", "servicecore/money.py", 9),
        ]
    )
    assert problems == [
        "servicecore/subscriptions/core.py:7 imports servicecore.uow: "
        "servicecore.subscriptions.core is in the domain layer and may not import from the "
        "uow/serialization/plugins layer above it",
        "servicecore/money.py:9 imports servicecore: servicecore.money is in the kernel layer "
        "and may not import from the root layer above it",
    ]


def test_domain_cycles_are_found() -> None:
    cycles = domain_cycles(
        [
            ("servicecore.orders", "servicecore.repairs", "o.py", 1),
            ("servicecore.repairs.core", "servicecore.bom", "r.py", 2),
            ("servicecore.bom", "servicecore.orders", "b.py", 3),
            ("servicecore.sla", "servicecore.calendars", "s.py", 4),
        ]
    )
    assert cycles == [["bom", "orders", "repairs", "bom"]]


def test_import_servicecore_loads_no_domain_module() -> None:
    """``import servicecore`` stays light: hook specs name domain types for typing only."""
    import subprocess
    import sys

    code = (
        "import sys, servicecore; "
        "print('\\n'.join(m for m in sys.modules if m.startswith('servicecore.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    domain = sorted(m for m in loaded if layer_of(component_of(m)) == 1)
    assert domain == [], f"import servicecore loaded domain modules: {domain}"
    assert "servicecore.clock" in loaded  # the kernel does load (the check reads something)


def test_no_two_public_classes_of_different_areas_share_a_name() -> None:
    import importlib
    import inspect
    import pkgutil

    owners: dict[str, set[str]] = {}
    for info in pkgutil.walk_packages(servicecore.__path__, "servicecore."):
        if info.name.startswith("servicecore.testing") or "._" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj):
                owners.setdefault(name, set()).add(f"{obj.__module__}.{obj.__qualname__}")
    shared = {name: sorted(where) for name, where in owners.items() if len(where) > 1}
    assert not shared, f"public classes sharing a name across areas: {shared}"


def test_test_modules_share_builders_instead_of_importing_each_other() -> None:
    tests_root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in sorted(tests_root.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                last = node.module.rpartition(".")[2]
                if last.startswith("test_"):
                    offenders.append(f"{path.relative_to(tests_root)}:{node.lineno}")
    assert not offenders, f"test modules importing other test modules: {offenders}"
