"""Bad input at any public entry point is refused with a servicecore error, never a crash.

For every entry point in ``tests/bad_input/entries.py`` (constructors, factory classmethods,
public methods of the value objects and aggregates, public functions and use cases), the
sweep starts from a valid call, replaces one argument with a hostile value drawn by
Hypothesis (None, floats, naive datetimes, dates for instants, huge or negative numbers,
empty or padded strings, foreign enum members, Money in another currency, lists and dicts
of the wrong shape...) and asserts that the call either succeeds or raises a
``ServiceCoreError`` with a message, leaving the object it was called on (and, for use cases,
the unit of work's staged changes) unchanged. Any other exception fails the test.

A second test keeps the table complete: every name in the ``__all__`` of the public
modules, and every public method of a listed class, is either covered or excluded with a
reason in ``EXCLUDED``.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicecore.errors import ServiceCoreError
from tests.bad_input.engine import Entry, check, hostile
from tests.bad_input.entries import ENTRIES, EXCLUDED, MODULES


def _public_names() -> set[str]:
    names: set[str] = set()
    for module in MODULES:
        for name in module.__all__:
            key = f"{module.__name__}.{name}"
            names.add(key)
            obj = getattr(module, name)
            if not inspect.isclass(obj) or key in EXCLUDED:
                continue
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, classmethod | staticmethod) or inspect.isfunction(member):
                    names.add(f"{key}.{attr}")
    return names


def test_every_public_name_is_covered_or_excluded() -> None:
    covered = {entry.key for entry in ENTRIES}
    public = _public_names()
    missing = sorted(public - covered - set(EXCLUDED))
    assert not missing, (
        "public names neither swept for bad input nor excluded with a reason in "
        f"tests/bad_input/entries.py: {missing}"
    )
    stale = sorted((covered | set(EXCLUDED)) - public)
    assert not stale, f"entries or exclusions naming no public name: {stale}"


def test_every_baseline_is_valid() -> None:
    broken: list[str] = []
    for entry in ENTRIES:
        try:
            refused = check(entry.build())
        except Exception as exc:  # pragma: no cover - a broken baseline
            broken.append(f"{entry.key}: {type(exc).__name__}: {exc}")
        else:
            if refused is not None:  # pragma: no cover - a broken baseline
                broken.append(f"{entry.key}: refused: {refused}")
    assert not broken, "baseline calls must succeed:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    "entry", ENTRIES, ids=[e.key.removeprefix("servicecore.") for e in ENTRIES]
)
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_bad_input_is_refused_cleanly(entry: Entry, data: st.DataObject) -> None:
    prepared = entry.build()
    if not prepared.params:
        check(prepared)
        return
    param = data.draw(st.sampled_from(prepared.params), label="param")
    value: Any = data.draw(hostile(), label="value")
    prepared.kwargs[param] = value
    try:
        check(prepared)
    except ServiceCoreError:  # pragma: no cover - check() returns these
        raise
    except AssertionError:
        raise
    except Exception as exc:
        raise AssertionError(
            f"{entry.key}({param}={value!r}) crashed with {type(exc).__name__}: {exc}"
        ) from exc
