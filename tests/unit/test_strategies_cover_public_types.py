"""Every public attrs type of servicecore has a Hypothesis strategy (``st.from_type``).

The test walks the public API: every module of the ``servicecore`` package (testing aids,
storage and the command line aside) and the names in its ``__all__``. A new type without a
strategy fails here instead of in a host's property test.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servicecore

NOT_DOMAIN = ("servicecore.testing", "servicecore.storage", "servicecore.cli", "servicecore.demo")


def public_modules() -> list[Any]:
    modules = []
    for info in pkgutil.walk_packages(servicecore.__path__, "servicecore."):
        if info.name.startswith(NOT_DOMAIN) or "._" in info.name:
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "__all__"):
            modules.append(module)
    return modules


def public_attrs_types() -> list[type[Any]]:
    found: dict[str, type[Any]] = {}
    for module in public_modules():
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and attrs.has(obj):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def test_the_walk_finds_the_areas() -> None:
    names = {cls.__name__ for cls in public_attrs_types()}
    assert {"Money", "ServiceLevelAgreement", "Subscription", "Repair", "Bom"} <= names


@pytest.mark.parametrize("cls", public_attrs_types(), ids=lambda c: c.__qualname__)
def test_from_type_draws_the_type(cls: type[Any]) -> None:
    @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_type(cls))
    def draw(value: Any) -> None:
        assert isinstance(value, cls)

    draw()
