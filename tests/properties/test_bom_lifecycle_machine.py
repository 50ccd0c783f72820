"""Stateful test of the BOM version lifecycle against a hand-written model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from servicecore.bom import Bom, BomLine, BomStatus, UnitOfMeasure
from servicecore.errors import BusinessRuleError, InvalidTransitionError

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
BASE = dt.date(2024, 1, 1)
PCS = UnitOfMeasure("pcs", 0)

# The model: what each action may do from each status (written from the issue, not the code).
ALLOWED = {
    ("draft", "approve"): "approved",
    ("approved", "activate"): "active",
    ("approved", "archive"): "archived",
    ("active", "archive"): "archived",
}
INF = 10**9


class BomLifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.bom, _ = Bom.create(
            "ACME", "X", lines=[BomLine(10, "Y", Decimal(1), PCS)], effective_from=BASE, at=AT
        )
        self.status = {1: "draft"}
        self.span = {1: (0, INF)}
        self.frozen_lines: dict[int, tuple[BomLine, ...]] = {}

    numbers = st.integers(1, 8)

    def _exists(self, n: int) -> bool:
        return n in self.status

    @rule(start=st.integers(0, 300), length=st.none() | st.integers(1, 200), qty=st.integers(1, 9))
    def add_draft(self, start: int, length: int | None, qty: int) -> None:
        end = None if length is None else BASE + dt.timedelta(days=start + length)
        self.bom, events = self.bom.add_draft(
            lines=[BomLine(10, "Y", Decimal(qty), PCS)],
            effective_from=BASE + dt.timedelta(days=start),
            effective_to=end,
            at=AT,
        )
        n = len(self.status) + 1
        self.status[n] = "draft"
        self.span[n] = (start, INF if length is None else start + length)
        assert events[0].event_type == "BomVersionDrafted"

    @rule(n=numbers, action=st.sampled_from(["approve", "activate", "archive"]))
    def transition(self, n: int, action: str) -> None:
        if not self._exists(n):
            return
        target = ALLOWED.get((self.status[n], action))
        overlap = action == "activate" and any(
            self.status[m] == "active"
            and self.span[m][0] < self.span[n][1]
            and self.span[n][0] < self.span[m][1]
            for m in self.status
            if m != n
        )
        command = getattr(self.bom, action)
        kwargs: dict[str, object] = {"at": AT}
        if action == "approve":
            kwargs["catalog"] = []
        if target is None:
            with pytest.raises(InvalidTransitionError):
                command(n, **kwargs)
        elif overlap:
            with pytest.raises(BusinessRuleError, match="overlap"):
                command(n, **kwargs)
        else:
            self.bom, _ = command(n, **kwargs)
            self.status[n] = target
            if action == "approve":
                self.frozen_lines[n] = self.bom.get_version(n).lines

    @rule(n=numbers, cut=st.integers(1, 400))
    def close(self, n: int, cut: int) -> None:
        if not self._exists(n):
            return
        start, end = self.span[n]
        new_end = start + cut
        if self.status[n] not in ("approved", "active") or new_end > end:
            with pytest.raises(BusinessRuleError):
                self.bom.close(n, effective_to=BASE + dt.timedelta(days=new_end), at=AT)
            return
        self.bom, _ = self.bom.close(n, effective_to=BASE + dt.timedelta(days=new_end), at=AT)
        self.span[n] = (start, new_end)

    @precondition(lambda self: len(self.status) < 8)
    @rule(n=numbers)
    def revise(self, n: int) -> None:
        if not self._exists(n):
            return
        self.bom, _ = self.bom.revise(n, at=AT)
        m = len(self.status) + 1
        self.status[m] = "draft"
        self.span[m] = self.span[n]
        assert self.bom.get_version(m).lines == self.bom.get_version(n).lines

    @rule(n=numbers, qty=st.integers(1, 9))
    def edit(self, n: int, qty: int) -> None:
        if not self._exists(n):
            return
        lines = [BomLine(10, "Y", Decimal(qty), PCS)]
        if self.status[n] != "draft":
            with pytest.raises(BusinessRuleError, match="only drafts"):
                self.bom.edit_draft(n, lines=lines)
            return
        self.bom, _ = self.bom.edit_draft(n, lines=lines)

    @invariant()
    def statuses_follow_the_model(self) -> None:
        assert {v.number: v.status.value for v in self.bom.versions} == self.status

    @invariant()
    def active_versions_never_overlap(self) -> None:
        active = [v for v in self.bom.versions if v.status is BomStatus.ACTIVE]
        for a in active:
            for b in active:
                assert a is b or not a.overlaps(b)

    @invariant()
    def released_lines_never_change(self) -> None:
        for n, lines in self.frozen_lines.items():
            assert self.bom.get_version(n).lines == lines


TestBomLifecycle = BomLifecycleMachine.TestCase
