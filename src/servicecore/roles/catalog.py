"""The permission catalog: one permission per public command, found by walking the API.

A *command* is a public function (named in the ``__all__`` of a domain module) that takes
a unit of work (``uow``: a use case) or an instant ``at`` (a pure command). Its permission
is ``"<area>.<function name>"``, the area being the top-level servicecore module
(``sla_clocks`` counts as ``sla``). Nothing is listed by hand: a module merged tomorrow
gets its permissions the first time the catalog is read.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from attrs import frozen

from servicecore.errors import ValidationError

__all__ = ["Permission", "command_permissions", "permission_for"]

NOT_DOMAIN = (
    "servicecore.testing",
    "servicecore.storage",
    "servicecore.plugins",
    "servicecore.cli",
    "servicecore.demo",
    "servicecore.ports",
    "servicecore.uow",
    "servicecore.roles",
)
"""Modules whose functions are no domain commands."""

AREAS = {"sla_clocks": "sla"}
"""Top-level modules filed under another area's name."""


@frozen(kw_only=True)
class Permission:
    """The permission to run one command: ``name`` (``area.function``), the command's
    qualified name, and its ``kind`` (``use case`` takes a unit of work, ``command`` is
    pure and takes ``at``)."""

    name: str
    area: str
    command: str
    kind: str
    summary: str


def _is_command(obj: object) -> bool:
    if not inspect.isfunction(obj):
        return False
    params = inspect.signature(obj).parameters
    return "uow" in params or "at" in params


def _area(module: str) -> str:
    top = module.split(".")[1]
    return AREAS.get(top, top)


@cache
def _walk() -> tuple[Mapping[str, Permission], Mapping[int, str]]:
    root = str(Path(__file__).resolve().parents[1])  # the servicecore package directory
    by_func: dict[int, tuple[Callable[..., Any], str]] = {}
    for info in pkgutil.walk_packages([root], "servicecore."):
        if info.name.startswith(NOT_DOMAIN) or "._" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if callable(obj) and _is_command(obj) and id(obj) not in by_func:
                by_func[id(obj)] = (obj, f"{obj.__module__}.{obj.__qualname__}")
    names: dict[str, list[tuple[int, Callable[..., Any], str]]] = {}
    for key, (func, qualified) in by_func.items():
        names.setdefault(f"{_area(func.__module__)}.{func.__name__}", []).append(
            (key, func, qualified)
        )
    permissions: dict[str, Permission] = {}
    of_func: dict[int, str] = {}
    for short, found in names.items():
        for key, func, qualified in found:
            # two commands of one area with one name: both get their module path instead
            name = short if len(found) == 1 else qualified.removeprefix("servicecore.")
            doc = (inspect.getdoc(func) or "").strip().splitlines()
            permissions[name] = Permission(
                name=name,
                area=_area(func.__module__),
                command=qualified,
                kind="use case" if "uow" in inspect.signature(func).parameters else "command",
                summary=doc[0] if doc else "",
            )
            of_func[key] = name
    ordered = dict(sorted(permissions.items()))
    return MappingProxyType(ordered), MappingProxyType(of_func)


def command_permissions() -> Mapping[str, Permission]:
    """Every command's permission, by name (sorted)."""
    return _walk()[0]


def permission_for(command: Callable[..., Any]) -> Permission:
    """The permission of ``command``; ``ValidationError`` when it is no public command."""
    name = _walk()[1].get(id(command))
    if name is None:
        raise ValidationError(
            f"command: {command!r} is not a public servicecore command (a function in a "
            "domain module's __all__ taking uow or at)",
            field="command",
            value=command,
            allowed="a public command such as servicecore.orders.add_line",
        )
    return _walk()[0][name]
