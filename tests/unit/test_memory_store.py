"""In-memory store specifics (the contract suite covers the port rules)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pendulum
import pytest
from attrs import evolve, frozen

from servicecore.errors import (
    ConcurrencyError,
    PermissionDeniedError,
    StorageError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.plugins import Hooks, get_plugin_manager, hookimpl, reset_default_hooks
from servicecore.ports import AggregateType, Repository
from servicecore.storage.memory import InMemoryStore, InMemoryUnitOfWork


@frozen
class Note:
    company_id: str
    id: str
    text: str = ""
    version: int = 0


@frozen
class Other:
    company_id: str
    id: str
    version: int = 0


@frozen
class Versionless:
    company_id: str
    id: str


NOTES: AggregateType[Note, Repository[Note]] = AggregateType(
    kind="note", cls=Note, repository=Repository
)


class NotAttrs:
    def __init__(self) -> None:
        self.company_id, self.id, self.version = "ACME", "X", 0


@frozen(kw_only=True)
class Noted(DomainEvent):
    pass


def noted(company: str = "ACME") -> Noted:
    return Noted(aggregate_id="N-1", company_id=company, occurred_at=pendulum.datetime(2024, 1, 1))


def store() -> InMemoryStore:
    return InMemoryStore(publish=lambda events: None)


def test_store_opens_units_of_work_for_valid_company_ids() -> None:
    s = store()
    assert isinstance(s("ACME"), InMemoryUnitOfWork)
    assert s.unit_of_work("ACME").company_id == "ACME"
    with pytest.raises(ValidationError, match="company_id"):
        s(" ACME")


def test_unit_of_work_must_be_open() -> None:
    uow = store()("ACME")
    with pytest.raises(StorageError, match="not open"):
        uow[NOTES].get("N-1")
    with pytest.raises(StorageError):
        uow.commit()
    with pytest.raises(StorageError):
        uow.record([noted()])
    with uow, pytest.raises(StorageError, match="already open"):
        uow.__enter__()
    with uow:  # may be opened again once closed
        assert uow[NOTES].list_all() == []


def test_rollback_outside_the_block_drops_nothing_and_raises_nothing() -> None:
    # A host's error handler may call rollback() whether or not the block was entered.
    s = store()
    uow = s("ACME")
    uow.rollback()
    with uow:
        uow[NOTES].add(Note("ACME", "N-1"))
        uow.commit()
    uow.rollback()  # after the block: what was committed stays
    with s("ACME") as again:
        assert [(n.id, n.version) for n in again[NOTES].list_all()] == [("N-1", 1)]
    with pytest.raises(StorageError, match="not open"):
        uow.commit()


def test_after_a_commit_the_next_read_begins_a_new_snapshot() -> None:
    s = store()
    with s("ACME") as mine:
        mine[NOTES].add(Note("ACME", "N-1"))
        mine.commit()
        with s("ACME") as other:
            other[NOTES].add(Note("ACME", "N-2"))
            other.commit()
        assert [n.id for n in mine[NOTES].list_all()] == ["N-1", "N-2"]


def test_one_entity_type_per_kind() -> None:
    others: AggregateType[Other, Repository[Other]] = AggregateType(
        kind="note", cls=Other, repository=Repository
    )
    s = store()
    with s("ACME") as uow:
        repo = uow[NOTES]
        assert uow[NOTES] is repo
        with pytest.raises(ValidationError, match="already holds Note"):
            uow[others]
    with s("ACME") as uow, pytest.raises(ValidationError, match="already holds Note"):
        uow[others]  # also in a later unit of work (the store remembers)


def test_typed_access_needs_an_aggregate_type() -> None:
    with store()("ACME") as uow, pytest.raises(ValidationError, match="AggregateType"):
        uow["note"]  # type: ignore[index]


def test_repository_checks_what_it_is_given() -> None:
    with store()("ACME") as uow:
        repo = uow[NOTES]
        with pytest.raises(ValidationError, match="takes a Note, not Other"):
            repo.add(Other("ACME", "N-1"))  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="version 0"):
            repo.add(Note("ACME", "N-1", version=3))
        with pytest.raises(ValidationError, match="id must be"):
            repo.add(Note("ACME", ""))
        with pytest.raises(ValidationError):
            repo.get("")
    with pytest.raises(ValidationError, match="must be an attrs class"):
        AggregateType(kind="loose", cls=NotAttrs, repository=Repository)
    with pytest.raises(ValidationError, match="has no field version"):
        AggregateType(kind="versionless", cls=Versionless, repository=Repository)  # type: ignore[type-var,arg-type]
    with pytest.raises(ValidationError, match="kind"):
        AggregateType(kind="", cls=Note, repository=Repository)


def test_record_checks_events() -> None:
    with store()("ACME") as uow:
        with pytest.raises(ValidationError, match="takes DomainEvent instances"):
            uow.record(["not an event"])  # type: ignore[list-item]
        with pytest.raises(PermissionDeniedError, match="belongs to company 'GLOBEX'"):
            uow.record([noted("GLOBEX")])


def test_add_then_save_in_one_unit_of_work_stays_an_add() -> None:
    s = store()
    with s("ACME") as uow:
        repo = uow[NOTES]
        repo.add(Note("ACME", "N-1"))
        repo.save(Note("ACME", "N-1", text="edited"))
        uow.commit()
        assert repo.get("N-1") == Note("ACME", "N-1", text="edited", version=1)


def test_delete_then_add_in_one_unit_of_work_replaces() -> None:
    s = store()
    with s("ACME") as uow:
        uow[NOTES].add(Note("ACME", "N-1", "old"))
        uow.commit()
    with s("ACME") as uow:
        repo = uow[NOTES]
        repo.delete(repo.get("N-1"))
        repo.add(Note("ACME", "N-1", "new"))
        uow.commit()
    with s("ACME") as uow:
        assert uow[NOTES].get("N-1") == Note("ACME", "N-1", "new", version=2)


def test_stale_save_after_delete_and_re_add_is_refused() -> None:
    """The same version number coming back must not hide a lost update (ABA)."""
    s = store()
    with s("ACME") as uow:
        uow[NOTES].add(Note("ACME", "N-1", "first"))
        uow.commit()
    with s("ACME") as stale:
        old = stale[NOTES].get("N-1")
        with s("ACME") as uow:
            repo = uow[NOTES]
            repo.delete(repo.get("N-1"))
            uow.commit()
        with s("ACME") as uow:
            uow[NOTES].add(Note("ACME", "N-1", "second"))
            uow.commit()
        stale[NOTES].save(evolve(old, text="lost update"))
        with pytest.raises(ConcurrencyError):
            stale.commit()
    with s("ACME") as uow:
        assert uow[NOTES].get("N-1").text == "second"


def test_history_is_pruned_when_no_snapshot_needs_it() -> None:
    s = store()
    with s("ACME") as uow:
        uow[NOTES].add(Note("ACME", "N-1"))
        uow.commit()
    reader = s("ACME")
    with reader:
        reader[NOTES].get("N-1")
        for n in range(5):
            with s("ACME") as uow:
                repo = uow[NOTES]
                repo.save(evolve(repo.get("N-1"), text=str(n)))
                uow.commit()
        # the open reader still needs its version
        assert reader[NOTES].get("N-1").version == 1
        assert len(s._history[("note", "ACME", "N-1")]) >= 2
    with s("ACME") as uow:
        repo = uow[NOTES]
        repo.save(evolve(repo.get("N-1"), text="last"))
        uow.commit()
    # only what the committing unit of work's own snapshot could see, and the new version
    assert len(s._history[("note", "ACME", "N-1")]) <= 2
    assert s._active == {}


def test_commit_without_changes_still_publishes_recorded_events() -> None:
    published: list[Sequence[DomainEvent]] = []
    s = InMemoryStore(publish=published.append)
    event = noted()
    with s("ACME") as uow:
        uow.record([event])
        uow.commit()
        uow.commit()  # nothing more to publish
    assert published == [[event]]


class Recorder:
    def __init__(self) -> None:
        self.seen: list[DomainEvent] = []

    @hookimpl
    def servicecore_on_events(self, events: Sequence[DomainEvent]) -> None:
        self.seen.extend(events)


def test_default_publisher_is_the_plugin_facade() -> None:
    recorder = Recorder()
    reset_default_hooks(Hooks(get_plugin_manager(plugins=[recorder], load_entrypoints=False)))
    try:
        s = InMemoryStore()
        event = noted()
        with s("ACME") as uow:
            uow.record([event])
        assert recorder.seen == []
        with s("ACME") as uow:
            uow.record([event])
            uow.commit()
        assert recorder.seen == [event]
    finally:
        reset_default_hooks()


def test_logging_plugin_logs_published_events(caplog: pytest.LogCaptureFixture) -> None:
    reset_default_hooks(Hooks(get_plugin_manager(load_entrypoints=False)))
    try:
        with (
            caplog.at_level(logging.DEBUG, logger="servicecore.events"),
            InMemoryStore()("ACME") as uow,
        ):
            uow.record([noted()])
            uow.commit()
        assert "Noted" in caplog.text
        assert "company=ACME aggregate=N-1" in caplog.text
    finally:
        reset_default_hooks()
