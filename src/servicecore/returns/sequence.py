"""Number sequences for RMA numbers, and the seam through which a host supplies its own.

A :class:`NumberSequence` is a small stored aggregate: ``allocate`` gives the next number
and the advanced sequence. Because the sequence is saved at the version it was read, two
units of work that allocate concurrently cannot both commit: the second gets a
``ConcurrencyError`` and retries, so no number is ever given twice.

A use case that needs a number takes a ``numbering``: any callable ``(uow) -> str``.
:class:`StoredSequence` is the built-in one; a host with its own numbering passes a function.

>>> seq = NumberSequence(company_id="ACME", id="RMA", prefix="RMA-", width=5)
>>> seq, number = seq.allocate()
>>> number, seq.next_number
('RMA-00001', 2)
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from attrs import evolve, frozen

from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.ports import (
    AggregateType,
    Repository,
    UnitOfWork,
    check_id,
    check_int,
    check_type,
)

__all__ = [
    "MAX_SEQUENCE_WIDTH",
    "NUMBER_SEQUENCES",
    "NumberSequence",
    "NumberSequenceRepository",
    "Numbering",
    "StoredSequence",
]

MAX_SEQUENCE_WIDTH = 20
"""The widest zero padding a sequence may ask for."""

Numbering = Callable[[UnitOfWork], str]
"""Gives the next number inside a unit of work: ``numbering(uow) -> "RMA-00001"``."""


def _check(inst: NumberSequence, _a: object, _v: str) -> None:
    check_id(inst.company_id, "company_id")
    check_id(inst.id, "id")
    check_type(inst.prefix, str, "prefix")
    check_int(inst.width, "width", minimum=1, maximum=MAX_SEQUENCE_WIDTH)
    check_int(inst.next_number, "next_number", minimum=1)
    check_int(inst.version, "version", minimum=0)


@frozen(kw_only=True)
class NumberSequence:
    """A stored counter that formats numbers as ``prefix`` + zero-padded counter."""

    company_id: str = attrs.field(validator=_check)
    id: str
    prefix: str = ""
    width: int = 6
    next_number: int = 1
    version: int = 0

    def allocate(self) -> tuple[NumberSequence, str]:
        """The sequence moved on by one, and the number it gave.

        ``BusinessRuleError`` once the counter outgrows ``width`` digits (never wraps).
        """
        text = str(self.next_number)
        if len(text) > self.width:
            raise BusinessRuleError(
                f"number sequence {self.id!r} is exhausted: {self.next_number} has more than "
                f"{self.width} digits",
                rule="sequence-exhausted",
                entity="number sequence",
                id=self.id,
            )
        return evolve(self, next_number=self.next_number + 1), self.prefix + text.zfill(self.width)


class NumberSequenceRepository(Repository[NumberSequence]):
    """Stored :class:`NumberSequence` s."""


NUMBER_SEQUENCES: AggregateType[NumberSequence, NumberSequenceRepository] = AggregateType(
    kind="number_sequence", cls=NumberSequence, repository=NumberSequenceRepository
)
"""Number sequences in storage: ``uow[NUMBER_SEQUENCES]``."""


@frozen
class StoredSequence:
    """The built-in :data:`Numbering`: allocates from the stored sequence ``sequence_id``."""

    sequence_id: str = attrs.field(validator=lambda _i, _a, v: check_id(v, "sequence_id"))

    def __call__(self, uow: UnitOfWork) -> str:
        repo = uow[NUMBER_SEQUENCES]
        moved, number = repo.get(self.sequence_id).allocate()
        repo.save(moved)
        return number


def _check_numbering(value: object) -> Numbering:
    if not callable(value):
        raise ValidationError(
            f"numbering must be callable, not {value!r}",
            field="numbering",
            value=value,
            allowed="StoredSequence('RMA') or a function (uow) -> number",
        )
    return value
