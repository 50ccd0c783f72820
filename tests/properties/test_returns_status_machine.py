"""Invariant 18 and the return status machines, as a stateful test against a hand model.

The model below is written from the domain notes (4.3 R4-R9, invariant 18), not from the
code: packing slip only from REGISTERED for the full quantity, invoice only from RECEIVED
(or an awaiting credit-only line), header cancel only from CREATED, a split keeps the
total quantity, the header opens at the first arrival and closes when every line is final.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from servicecore.errors import ServiceCoreError
from servicecore.returns import DispositionAction, ReturnOrder
from tests.builders.returns import AT, CODE_OF, LATER, eur, order, setup

FINAL = {"invoiced", "cancelled"}
ARRIVING = [a for a in DispositionAction if a is not DispositionAction.CREDIT_ONLY]
"""Actions an arrival may take; None below means quarantine, CREDIT_ONLY is refused."""


class ReturnOrderMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.order: ReturnOrder = order()
        self.header = "created"
        self.lines: dict[str, dict[str, object]] = {}  # id -> qty, status, credit_only
        self.added = Decimal(0)
        self.count = 0

    def _attempt(self, allowed: bool, command: object) -> bool:
        before = self.order
        try:
            changed, _ = command()  # type: ignore[operator]
        except ServiceCoreError:
            assert not allowed, "the model allowed a refused command"
            assert self.order == before
            return False
        assert allowed, "a command the model refuses was accepted"
        self.order = changed
        return True

    def _pick(self, index: int, *statuses: str) -> str | None:
        """A line, preferably in one of ``statuses`` (any line when ``index`` is odd, so
        refusals are tried too)."""
        ids = sorted(self.lines)
        preferred = [i for i in ids if self.lines[i]["status"] in statuses]
        pool = preferred if preferred and index % 2 == 0 else ids
        return pool[(index // 2) % len(pool)] if pool else None

    def _close_if_done(self) -> None:
        if self.lines and all(ln["status"] in FINAL for ln in self.lines.values()):
            self.header = "closed"

    @rule(qty=st.integers(1, 9), kind=st.integers(0, 3))
    def add_line(self, qty: int, kind: int) -> None:
        credit_only = kind == 3  # one line in four is credit only
        self.count += 1
        line_id = f"L{self.count}"
        allowed = self.header in ("created", "open") and not any(
            ln["status"] in ("received", "invoiced") for ln in self.lines.values()
        )
        done = self._attempt(
            allowed,
            lambda: self.order.add_line(
                setup(),
                line_id=line_id,
                item_id="PUMP",
                quantity=Decimal(-qty),
                price=eur("10"),
                cost_price=eur("4"),
                replacement_item_id="PUMP-NEW",
                disposition_code="KEEP" if credit_only else None,
                at=AT,
            ),
        )
        if done:
            self.lines[line_id] = {
                "qty": Decimal(-qty),
                "status": "awaiting",
                "credit_only": credit_only,
            }
            self.added += Decimal(-qty)

    @rule(
        index=st.integers(0, 20),
        part=st.integers(0, 9),
        action=st.sampled_from([*ARRIVING, None, DispositionAction.CREDIT_ONLY]),
    )
    def arrive(self, index: int, part: int, action: DispositionAction | None) -> None:
        line_id = self._pick(index, "awaiting")
        if line_id is None:
            return
        line = self.lines[line_id]
        expected = -line["qty"]  # type: ignore[operator]
        arrived = 1 + part % (int(expected) + 1)  # 1 .. one more than expected
        allowed = (
            self.header in ("created", "open")
            and line["status"] == "awaiting"
            and not line["credit_only"]
            and arrived <= expected
            and action is not DispositionAction.CREDIT_ONLY
        )
        done = self._attempt(
            allowed,
            lambda: self.order.register_arrival(
                setup(),
                line_id,
                quantity=Decimal(arrived),
                disposition_code=None if action is None else CODE_OF[action],
                quarantine=action is None,
                at=LATER,
            ),
        )
        if done:
            line["status"] = "quarantine" if action is None else "registered"
            if arrived < expected:
                [rest] = [ln for ln in self.order.lines if ln.id not in self.lines]
                self.lines[rest.id] = {
                    "qty": line["qty"] + arrived,  # type: ignore[operator]
                    "status": "awaiting",
                    "credit_only": False,
                }
                line["qty"] = Decimal(-arrived)
            self.header = "open"

    @rule(index=st.integers(0, 20), action=st.sampled_from(list(DispositionAction)))
    def end_inspection(self, index: int, action: DispositionAction) -> None:
        line_id = self._pick(index, "quarantine")
        if line_id is None:
            return
        line = self.lines[line_id]
        allowed = line["status"] == "quarantine" and action is not DispositionAction.CREDIT_ONLY
        if self._attempt(
            allowed,
            lambda: self.order.end_inspection(
                setup(), line_id, disposition_code=CODE_OF[action], at=LATER
            ),
        ):
            line["status"] = "registered"

    @rule(index=st.integers(0, 20), full=st.booleans())
    def packing_slip(self, index: int, full: bool) -> None:
        line_id = self._pick(index, "registered")
        if line_id is None:
            return
        line = self.lines[line_id]
        qty = -line["qty"] if full else -line["qty"] + 1  # type: ignore[operator]
        allowed = line["status"] == "registered" and full
        if self._attempt(
            allowed, lambda: self.order.post_packing_slip(line_id, quantity=qty, at=LATER)
        ):
            line["status"] = "received"

    @rule(index=st.integers(0, 20))
    def invoice(self, index: int) -> None:
        line_id = self._pick(index, "received", "awaiting")
        if line_id is None:
            return
        line = self.lines[line_id]
        allowed = line["status"] == "received" or (
            line["status"] == "awaiting" and bool(line["credit_only"])
        )
        if self._attempt(allowed, lambda: self.order.invoice(line_ids=[line_id], at=LATER)):
            line["status"] = "invoiced"
            self._close_if_done()

    @rule(attempt=st.integers(0, 5))
    def cancel(self, attempt: int) -> None:
        if attempt != 5:  # cancelling ends the run's interest: try it seldom
            return
        allowed = self.header == "created" and not any(
            ln["status"] == "invoiced" for ln in self.lines.values()
        )
        if self._attempt(allowed, lambda: self.order.cancel(at=LATER)):
            self.header = "cancelled"
            for line in self.lines.values():
                line["status"] = "cancelled"

    @invariant()
    def matches_the_model(self) -> None:
        assert self.order.status.value == self.header
        actual = {ln.id: (ln.quantity, ln.status.value) for ln in self.order.lines}
        assert actual == {i: (ln["qty"], ln["status"]) for i, ln in self.lines.items()}

    @invariant()
    def quantities_are_negative_and_splits_keep_the_total(self) -> None:
        assert all(ln.quantity < 0 for ln in self.order.lines)
        assert sum((ln.quantity for ln in self.order.lines), Decimal(0)) == self.added


ReturnOrderMachine.TestCase.settings = settings(
    max_examples=80, stateful_step_count=30, deadline=None
)
TestReturnOrderMachine = ReturnOrderMachine.TestCase
