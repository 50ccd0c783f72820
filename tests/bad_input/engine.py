"""The machinery of the bad-input sweep: entries, hostile values, the outcome check."""

from __future__ import annotations

import copy
import datetime as dt
import enum
import inspect
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import attrs
import pendulum
from hypothesis import strategies as st

from servicecore.errors import ServiceCoreError
from servicecore.money import Money
from servicecore.recurrence import Unit
from servicecore.sla import ClockKind
from servicecore.storage.memory import InMemoryStore, InMemoryUnitOfWork
from servicecore.subscriptions import Billing, CancelMode
from servicecore.testing.strategies import naive_datetimes

from . import valid as v

CALL_BUDGET_S = 1.0
"""CPU seconds any single call of the sweep may take, bad input included."""


@dataclass
class Prepared:
    """One valid call: ``target(**kwargs)``; ``params`` are the arguments worth corrupting."""

    target: Callable[..., Any]
    kwargs: dict[str, Any]
    params: tuple[str, ...]
    subject: Any = None  # must compare equal before and after a refused call
    uow: InMemoryUnitOfWork | None = None  # its staged changes must survive a refused call


@dataclass(frozen=True)
class Entry:
    key: str  # qualified public name, e.g. "servicecore.money.Money.of"
    build: Callable[[], Prepared]
    skip: tuple[str, ...] = field(default=())


def _params(func: Callable[..., Any], skip: tuple[str, ...]) -> tuple[str, ...]:
    sig = inspect.signature(func)
    return tuple(
        name
        for name, p in sig.parameters.items()
        if name not in ("self", "cls")
        and name not in skip
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    )


def call(func: Callable[..., Any], skip: tuple[str, ...] = (), **kwargs: Any) -> Prepared:
    """A call of a function or constructor (also a bound method whose object is no subject)."""
    return Prepared(func, kwargs, _params(func, skip))


def method(subject: Any, name: str, skip: tuple[str, ...] = (), **kwargs: Any) -> Prepared:
    """A call of ``subject.name``; the subject must be unchanged after a refusal."""
    bound = getattr(subject, name)
    kept = snapshot(subject) if attrs.has(type(subject)) else None  # no value equality
    return Prepared(bound, kwargs, _params(bound, skip), subject=kept)


def snapshot(subject: Any) -> Any:
    """A copy to compare with after the call (its repr when it holds locks or caches)."""
    try:
        return copy.deepcopy(subject)
    except TypeError:
        return repr(subject)


def use_case(
    func: Callable[..., Any], store: InMemoryStore | None = None, **kwargs: Any
) -> Prepared:
    """A use case run in an open unit of work of company ACME on :func:`valid.store`."""
    uow = (store or v.store()).unit_of_work("ACME")
    uow.__enter__()
    return Prepared(func, {"uow": uow, **kwargs}, _params(func, ("uow",)), uow=uow)


# -- baselines from attrs fields ---------------------------------------------------------------
def _value_for(name: str, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _value_for(name, args[0])
    if origin is tuple:
        inner = typing.get_args(tp)
        return (_value_for(name, inner[0]),) if inner else ()
    if name in ("occurred_at", "at", "breached_at", "due_at", "recorded_at", "finished_at"):
        return v.AT
    if tp is str or tp == "str":
        return "X-1"
    if tp is bool:
        return False
    if tp is int:
        return 1
    if tp is Decimal:
        return Decimal(1)
    if tp is Money:
        return v.EUR
    if tp is pendulum.DateTime or tp is dt.datetime:
        return v.AT
    if tp is pendulum.Date or tp is dt.date:
        return v.DAY
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return next(iter(tp))
    factories: dict[str, Callable[[], Any]] = {
        "Period": v.period,
        "UnitOfMeasure": lambda: v.PCS,
        "ServiceBomChange": _bom_change,
        "Interval": lambda: v.recurrence().interval,
        "Currency": lambda: v.EUR.currency,
        "timedelta": lambda: dt.timedelta(hours=1),
        "Segment": lambda: v.sla_clock().segments[0],
    }
    return factories[getattr(tp, "__name__", str(tp))]()


def _bom_change() -> Any:
    obj, _ = v.service_object().remove_part("10.10", on=v.LATER, at=v.AT)
    assert obj.service_bom is not None
    return obj.service_bom.history[0]


def fields_call(cls: type[Any], **overrides: Any) -> Prepared:
    """A constructor call with every field given a plain valid value by its type."""
    attrs.resolve_types(cls)
    kwargs: dict[str, Any] = {}
    for a in attrs.fields(cls):
        if not a.init:
            continue
        if a.name in overrides:
            kwargs[a.name] = overrides[a.name]
        elif a.default is attrs.NOTHING:
            kwargs[a.name] = _value_for(a.name, a.type)
    return Prepared(cls, kwargs, tuple(a.name for a in attrs.fields(cls) if a.init))


# -- hostile values ----------------------------------------------------------------------------
class _Alien(enum.Enum):
    X = "x"


def hostile() -> st.SearchStrategy[Any]:
    """Wrong types, wrong shapes and wrong magnitudes, each a plausible caller mistake."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0, -1, 1, 10**20, -(10**20), 2**63]),
        st.integers(),
        st.sampled_from(["", " ", " X-1", "a b", "X-1 ", "nope", "2024-01-01", "EUR", "1.5"]),
        st.text(max_size=4),
        st.sampled_from(
            [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-1"), Decimal("0")]
        ),
        st.sampled_from([Decimal("1E+40"), Decimal("1E-40"), Decimal("0.5")]),
        st.sampled_from([Money.of("1", "JPY"), Money.of("-5.00", "USD"), Money.of("0", "EUR")]),
        st.sampled_from([Money.of("-100.00", "EUR"), Money.of("1E+30", "EUR")]),
        naive_datetimes(),
        st.sampled_from([dt.date(2024, 1, 1), dt.date(1, 1, 1), dt.date(9999, 12, 31)]),
        st.sampled_from([pendulum.datetime(2024, 1, 1, tz="UTC"), dt.time(8)]),
        st.sampled_from([dt.timedelta(0), dt.timedelta(days=-1), dt.timedelta(days=400)]),
        st.sampled_from(
            [_Alien.X, ClockKind.RESPONSE, Unit.DAY, Billing.IN_ARREARS, CancelMode.IMMEDIATE]
        ),
        st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=2)), max_size=3),
        st.lists(st.lists(st.integers(), max_size=2), max_size=2).map(tuple),
        st.dictionaries(st.text(max_size=2), st.one_of(st.none(), st.integers()), max_size=2),
        st.sampled_from([{"high": None}, {None: 1}, {"a": ["b", 1]}, [("a", "b", "c")]]),
        st.just(object()),
        st.sampled_from([b"bytes", 1j, type, print]),
    )


def _uow_state(uow: InMemoryUnitOfWork) -> tuple[Any, Any]:
    return dict(uow._staged), list(uow._events)


def check(prepared: Prepared) -> ServiceCoreError | None:
    """Run the call; return the servicecore error it raised, if any (crashes propagate).

    After a refusal the subject must be unchanged, and a use case must have staged nothing.
    """
    before = _uow_state(prepared.uow) if prepared.uow is not None else None
    original = prepared.subject
    refused: ServiceCoreError | None = None
    started = time.process_time()
    try:
        prepared.target(**prepared.kwargs)
    except ServiceCoreError as exc:
        refused = exc
        after = _uow_state(prepared.uow) if prepared.uow is not None else None
    finally:
        spent = time.process_time() - started
        if prepared.uow is not None:
            prepared.uow.__exit__(None, None, None)
    # Every input gets its answer in well under a second: a hostile one that makes a call
    # work for longer (a huge count, a far date) is a failure of the sweep. CPU time, so a
    # loaded machine does not make it flaky.
    assert spent < CALL_BUDGET_S, (
        f"the call took {spent:.2f} s of CPU (budget {CALL_BUDGET_S} s): refuse such input "
        "by a documented limit before any work"
    )
    if refused is None:
        return None
    assert str(refused).strip(), f"{type(refused).__name__} without a message"
    if original is not None:
        now = _subject_of(prepared)
        assert (repr(now) if isinstance(original, str) else now) == original, (
            "the refused call changed its subject"
        )
    assert after == before, "the refused use case staged changes"
    return refused


def _subject_of(prepared: Prepared) -> Any:
    return getattr(prepared.target, "__self__", None)
