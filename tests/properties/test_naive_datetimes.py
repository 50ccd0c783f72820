"""Every public entry point taking an instant refuses naive datetimes with ValidationError.

The discovery walks every module of ``servicecore`` (except the testing kit, whose
strategies take naive bounds on purpose), and every public function, public method and
hand-written constructor defined there, and keeps those with a parameter annotated as an
instant: ``datetime.datetime`` or a subclass (``pendulum.DateTime``), or a union/Optional
containing one. String annotations (``from __future__ import annotations``) are resolved
in the defining module. Protocol classes are skipped (their implementations are found);
attrs-generated constructors are skipped (their fields use converters; add a case anyway
when you like, as ``kernel.py`` does for ``DomainEvent``).

Each entry point needs a case in ``tests/naive_cases/<area>.py`` (see that package).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

import servicecore
from servicecore.errors import ValidationError
from servicecore.testing.strategies import naive_datetimes

EXCLUDED_PACKAGES = ("servicecore.testing",)
CASES_DIR = Path(__file__).resolve().parent.parent / "naive_cases"
_TEXTUAL_INSTANT = re.compile(r"(?<![\w.])(?:\w+\.)*(?:datetime|DateTime)\b(?!\.)")

Case = Callable[[dt.datetime], object]


# -- discovery --------------------------------------------------------------------------------
def _is_instant_type(tp: Any) -> bool:
    if isinstance(tp, type):
        return issubclass(tp, dt.datetime)
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _is_instant_type(typing.get_args(tp)[0])
    if origin is typing.Union or isinstance(tp, types.UnionType):
        return any(_is_instant_type(arg) for arg in typing.get_args(tp))
    return False


def _resolve(annotation: Any, namespace: dict[str, Any]) -> Any:
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, dict(namespace))
    except Exception:
        return annotation


def _takes_instant(func: Callable[..., Any], namespace: dict[str, Any]) -> bool:
    func = inspect.unwrap(func)
    try:
        hints: dict[str, Any] = typing.get_type_hints(func, globalns=namespace)
    except Exception:
        hints = {
            name: _resolve(value, namespace)
            for name, value in getattr(func, "__annotations__", {}).items()
        }
    hints.pop("return", None)
    for value in hints.values():
        if isinstance(value, str):  # unresolvable: judge the text
            if _TEXTUAL_INSTANT.search(value):
                return True
        elif _is_instant_type(value):
            return True
    return False


def _modules() -> Iterator[types.ModuleType]:
    yield servicecore
    for info in pkgutil.walk_packages(servicecore.__path__, "servicecore."):
        if info.name.startswith(EXCLUDED_PACKAGES):
            continue
        yield importlib.import_module(info.name)


def _is_protocol(cls: type) -> bool:
    return bool(getattr(cls, "_is_protocol", False))


def entry_points_of(module: types.ModuleType) -> Iterator[str]:
    """Qualified names of the public entry points of ``module`` that take an instant."""
    namespace = vars(module)
    for name, obj in sorted(namespace.items()):
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            if _takes_instant(obj, namespace):
                yield f"{module.__name__}.{name}"
        elif inspect.isclass(obj) and not _is_protocol(obj):
            for attr, member in sorted(vars(obj).items()):
                if attr.startswith("_") and attr != "__init__":
                    continue
                if attr == "__init__" and attrs.has(obj):
                    continue  # generated from the fields
                if isinstance(member, staticmethod | classmethod):
                    member = member.__func__
                if inspect.isfunction(member) and _takes_instant(member, namespace):
                    yield f"{module.__name__}.{obj.__qualname__}.{attr}"


def discover() -> set[str]:
    return {name for module in _modules() for name in entry_points_of(module)}


def load_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for path in sorted(CASES_DIR.glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"_naive_cases_{path.stem}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        for key, case in module.CASES.items():
            assert key not in cases, f"{key} has cases in two files"
            cases[key] = case
    return cases


def _covered(name: str, cases: dict[str, Case]) -> bool:
    return name in cases or (name.endswith(".__init__") and name[: -len(".__init__")] in cases)


def _resolves(key: str) -> bool:
    parts = key.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


CASES = load_cases()
DISCOVERED = discover()


# -- the checks ---------------------------------------------------------------------------------
def test_every_entry_point_taking_an_instant_has_a_case() -> None:
    missing = sorted(name for name in DISCOVERED if not _covered(name, CASES))
    assert not missing, (
        "public entry points taking an instant without a naive-datetime case in "
        f"tests/naive_cases/<area>.py: {missing}"
    )


def test_every_case_names_something_that_exists() -> None:
    stale = sorted(key for key in CASES if not _resolves(key))
    assert not stale, f"naive-datetime cases for names that do not exist: {stale}"


def test_the_kernel_entry_points_are_discovered() -> None:
    assert {
        "servicecore.clock.FixedClock.__init__",
        "servicecore.clock.FixedClock.set",
        "servicecore.clock.SteppingClock.__init__",
    } <= DISCOVERED
    assert not any(name.startswith("servicecore.testing") for name in DISCOVERED)


NAIVE_SAMPLES = [
    dt.datetime(2024, 1, 1, 9, 0),
    dt.datetime(2024, 3, 31, 2, 30),  # in a DST gap in Europe
    dt.datetime(2024, 10, 27, 2, 30, fold=1),
    dt.datetime(1999, 12, 31, 23, 59, 59, 999_999),
]


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_raises_validation_error(name: str) -> None:
    for naive in NAIVE_SAMPLES:
        with pytest.raises(ValidationError) as info:
            CASES[name](naive)
        assert "naive" in str(info.value)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=15)
@given(naive=naive_datetimes())
def test_case_raises_for_any_naive_datetime(name: str, naive: dt.datetime) -> None:
    with pytest.raises(ValidationError):
        CASES[name](naive)


# -- the discovery itself is tested on a synthetic module ---------------------------------------
SYNTHETIC = """
from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Optional, TYPE_CHECKING

import attrs
import pendulum

if TYPE_CHECKING:
    from somewhere import Unknown


def takes_stdlib(at: datetime) -> None: ...
def takes_alias(at: dt.datetime) -> None: ...
def takes_pendulum(at: pendulum.DateTime) -> None: ...
def takes_optional(at: Optional[datetime] = None) -> None: ...
def takes_union(at: datetime | str) -> None: ...
def takes_pipe_none(at: pendulum.DateTime | None) -> None: ...
def takes_date(day: dt.date) -> None: ...
def takes_object(at: object) -> None: ...
def takes_unresolvable(at: Unknown, when: datetime) -> None: ...
def returns_instant() -> datetime: ...
def _private(at: datetime) -> None: ...


class Service:
    def __init__(self, start: datetime) -> None: ...
    def method(self, at: pendulum.DateTime) -> None: ...
    @classmethod
    def build(cls, at: datetime) -> Service: ...
    @staticmethod
    def check(at: datetime) -> None: ...
    def other(self, n: int) -> None: ...
    def _hidden(self, at: datetime) -> None: ...


@attrs.frozen
class Value:
    at: pendulum.DateTime

    def shifted(self, to: dt.datetime) -> Value: ...
"""


def test_discovery_on_string_annotations() -> None:
    module = types.ModuleType("servicecore_synthetic")
    sys.modules[module.__name__] = module
    try:
        exec(compile(SYNTHETIC, "<synthetic>", "exec"), vars(module))
        found = set(entry_points_of(module))
    finally:
        del sys.modules[module.__name__]
    prefix = "servicecore_synthetic."
    assert found == {
        prefix + name
        for name in (
            "takes_stdlib",
            "takes_alias",
            "takes_pendulum",
            "takes_optional",
            "takes_union",
            "takes_pipe_none",
            "takes_unresolvable",
            "Service.__init__",
            "Service.method",
            "Service.build",
            "Service.check",
            "Value.shifted",
        )
    }
