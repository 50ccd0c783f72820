"""``servicecore.uow.run_command``: the generic load / command / save / record use case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from attrs import evolve, frozen

from servicecore.errors import (
    BusinessRuleError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.ports import AggregateType, Repository
from servicecore.storage.memory import InMemoryStore
from servicecore.uow import run_command

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@frozen
class Note:
    company_id: str
    id: str
    text: str
    version: int = 0


NOTES: AggregateType[Note, Repository[Note]] = AggregateType(
    kind="note", cls=Note, repository=Repository
)


@frozen(kw_only=True)
class Edited(DomainEvent):
    text: str


def edit(note: Note, text: str) -> tuple[Note, tuple[DomainEvent, ...]]:
    if not text:
        raise BusinessRuleError("a note needs text", rule="N1")
    event = Edited(aggregate_id=note.id, company_id=note.company_id, occurred_at=AT, text=text)
    return evolve(note, text=text), (event,)


@pytest.fixture
def store_and_log() -> tuple[InMemoryStore, list[DomainEvent]]:
    published: list[DomainEvent] = []
    store = InMemoryStore(publish=published.extend)
    with store.unit_of_work("ACME") as uow:
        uow[NOTES].add(Note("ACME", "N-1", "first"))
        uow.commit()
    return store, published


def _text(store: InMemoryStore) -> tuple[str, int]:
    with store.unit_of_work("ACME") as uow:
        note = uow[NOTES].get("N-1")
        return note.text, note.version


def test_loads_applies_saves_and_records(
    store_and_log: tuple[InMemoryStore, list[DomainEvent]],
) -> None:
    store, published = store_and_log
    with store.unit_of_work("ACME") as uow:
        changed = run_command(uow, NOTES, "N-1", lambda n: edit(n, "x"))
        assert changed.text == "x"
        assert published == []  # recorded, not yet published
        uow.commit()
    assert _text(store) == ("x", 2)
    assert [e.event_type for e in published] == ["Edited"]


def test_a_failing_command_stages_nothing(
    store_and_log: tuple[InMemoryStore, list[DomainEvent]],
) -> None:
    store, published = store_and_log
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(BusinessRuleError):
            run_command(uow, NOTES, "N-1", lambda n: edit(n, ""))
        uow.commit()
    assert _text(store) == ("first", 1)
    assert published == []


def test_missing_id_is_not_found(store_and_log: tuple[InMemoryStore, list[DomainEvent]]) -> None:
    store, _ = store_and_log
    with store.unit_of_work("ACME") as uow, pytest.raises(NotFoundError):
        run_command(uow, NOTES, "N-9", lambda n: edit(n, "x"))


def test_another_companys_aggregate_is_not_found(
    store_and_log: tuple[InMemoryStore, list[DomainEvent]],
) -> None:
    store, _ = store_and_log
    with store.unit_of_work("GLOBEX") as uow, pytest.raises(NotFoundError):
        run_command(uow, NOTES, "N-1", lambda n: edit(n, "x"))
    assert _text(store) == ("first", 1)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (lambda n: n, r"not \(aggregate, events\)"),
        (lambda n: (evolve(n, id="N-2"), ()), "must keep the id and company"),
        (lambda n: (evolve(n, company_id="GLOBEX"), ()), "must keep the id and company"),
    ],
)
def test_a_command_of_the_wrong_shape_is_refused_and_nothing_is_saved(
    store_and_log: tuple[InMemoryStore, list[DomainEvent]],
    command: Any,
    message: str,
) -> None:
    store, _ = store_and_log
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(ValidationError, match=message):
            run_command(uow, NOTES, "N-1", command)
        uow.commit()
    assert _text(store) == ("first", 1)


@pytest.mark.parametrize(("ident", "command"), [("", None), (" N-1", None), ("N-1", "edit")])
def test_bad_arguments_raise_validation_error(
    store_and_log: tuple[InMemoryStore, list[DomainEvent]], ident: str, command: object
) -> None:
    store, _ = store_and_log
    bad: Any = command
    with store.unit_of_work("ACME") as uow, pytest.raises(ValidationError):
        run_command(uow, NOTES, ident, bad)


def _foreign_event(note: Note) -> tuple[Note, tuple[DomainEvent, ...]]:
    event = Edited(aggregate_id=note.id, company_id="GLOBEX", occurred_at=AT, text="x")
    return evolve(note, text="changed"), (event,)


def test_a_command_with_an_event_of_another_company_stages_nothing(
    store_and_log: tuple[InMemoryStore, list[DomainEvent]],
) -> None:
    """Issue 15 item 11: the save used to be staged before the events were checked, so the
    next commit stored the change without its events."""
    store, published = store_and_log
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(PermissionDeniedError, match="GLOBEX"):
            run_command(uow, NOTES, "N-1", _foreign_event)
        uow.commit()
    assert _text(store) == ("first", 1)
    assert published == []


@pytest.mark.parametrize(
    "command",
    [
        lambda n: None,
        lambda n: (None, []),
        lambda n: (n, None),
        lambda n: (n, ["not an event"]),
        lambda n: ("not a note", []),
    ],
)
def test_a_command_returning_nothing_useful_gets_a_servicecore_error(
    store_and_log: tuple[InMemoryStore, list[DomainEvent]], command: Any
) -> None:
    store, published = store_and_log
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(ValidationError):
            run_command(uow, NOTES, "N-1", command)
        uow.commit()
    assert _text(store) == ("first", 1)
    assert published == []


def test_a_type_that_is_not_an_aggregate_type_is_refused(
    store_and_log: tuple[InMemoryStore, list[DomainEvent]],
) -> None:
    store, _ = store_and_log
    with store.unit_of_work("ACME") as uow, pytest.raises(ValidationError, match="AggregateType"):
        run_command(uow, "note", "N-1", lambda n: edit(n, "x"))  # type: ignore[arg-type]
