"""Lifecycles refuse to exist unless sound; apply() enforces the table."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from servicecore.errors import InvalidTransitionError, ValidationError
from servicecore.lifecycle import Lifecycle


class Job(enum.Enum):
    NEW = "new"
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"


class Other(enum.Enum):
    X = "x"


GOOD = [
    (Job.NEW, "start", Job.ACTIVE),
    (Job.ACTIVE, "pause", Job.PAUSED),
    (Job.PAUSED, "resume", Job.ACTIVE),
    (Job.ACTIVE, "finish", Job.DONE),
]


def job() -> Lifecycle[Job]:
    return Lifecycle.define("job", Job, initial=Job.NEW, transitions=GOOD, final=[Job.DONE])


def test_apply_actions_can_is_final() -> None:
    lc = job()
    assert lc.apply(Job.NEW, "start", id="J-1") is Job.ACTIVE
    assert lc.actions(Job.ACTIVE) == ("finish", "pause")
    assert lc.can(Job.PAUSED, "resume")
    assert not lc.can(Job.PAUSED, "finish")
    assert lc.is_final(Job.DONE)
    assert not lc.is_final(Job.NEW)
    assert lc.initial is Job.NEW
    assert lc.final == frozenset({Job.DONE})


def test_invalid_transition_error_fields() -> None:
    with pytest.raises(InvalidTransitionError) as info:
        job().apply(Job.PAUSED, "finish", id="J-1")
    err = info.value
    assert (err.entity, err.id, err.state, err.action, err.allowed) == (
        "job",
        "J-1",
        "paused",
        "finish",
        ("resume",),
    )
    assert str(err) == (
        "cannot finish job 'J-1' in state 'paused' (actions allowed in that state: resume)"
    )


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        job().table[Job.NEW]["jump"] = Job.DONE  # type: ignore[index]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"transitions": [*GOOD, (Job.NEW, "x", Other.X)]}, "not a member of Job"),
        ({"transitions": [*GOOD, (Job.NEW, "start", Job.DONE)]}, "leads both to ACTIVE and DONE"),
        ({"final": [Job.NEW, Job.DONE]}, "initial state NEW cannot be final"),
        ({"transitions": [*GOOD, (Job.DONE, "reopen", Job.ACTIVE)]}, "final state DONE has"),
        ({"transitions": GOOD[:1] + GOOD[3:] + [(Job.ACTIVE, "pause", Job.PAUSED)]}, "no way out"),
        (
            {
                "transitions": [
                    (Job.NEW, "finish", Job.DONE),
                    (Job.ACTIVE, "pause", Job.PAUSED),
                    (Job.PAUSED, "resume", Job.ACTIVE),
                ]
            },
            "cannot be reached from NEW",
        ),
        ({"transitions": [*GOOD, (Job.NEW, "start")]}, r"is not \(source, action, target\)"),
        ({"transitions": [*GOOD, (Job.NEW, 1, Job.DONE)]}, r"is not \(source, action, target\)"),
        ({"initial": Other.X}, "initial state"),
        ({"final": [Other.X]}, "final state"),
    ],
)
def test_unsound_lifecycles_are_refused(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"initial": Job.NEW, "transitions": GOOD, "final": [Job.DONE]}
    args.update(kwargs)
    with pytest.raises(ValidationError, match=message):
        Lifecycle.define("job", Job, **args)


def test_repeating_an_identical_transition_is_harmless() -> None:
    lc = Lifecycle.define(
        "job", Job, initial=Job.NEW, transitions=[*GOOD, GOOD[0]], final=[Job.DONE]
    )
    assert lc.apply(Job.NEW, "start", id="J") is Job.ACTIVE


@pytest.mark.parametrize("state", [Other.X, "active", None, ["unhashable"]])
def test_foreign_states_are_a_validation_error(state: Any) -> None:
    lc = job()
    with pytest.raises(ValidationError, match="is not a state of Job"):
        lc.apply(state, "start", id="J-1")
    with pytest.raises(ValidationError):
        lc.actions(state)
    with pytest.raises(ValidationError):
        lc.can(state, "start")
    with pytest.raises(ValidationError):
        lc.is_final(state)
