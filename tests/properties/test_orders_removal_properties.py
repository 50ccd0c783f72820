"""Cancelling a whole order: created lines become cancelled, posted lines never change."""

from __future__ import annotations

import pendulum
from hypothesis import given

from servicecore.errors import InvalidTransitionError
from servicecore.orders import LineStatus, OrderProgress, ServiceOrder, cancel_order
from servicecore.testing.strategies.orders import DEFAULT_STAGES as TREE
from servicecore.testing.strategies.orders import service_orders

AT = pendulum.datetime(2024, 3, 1, 9)


@given(service_orders())
def test_cancel_order_cancels_exactly_the_created_lines_or_refuses(order: ServiceOrder) -> None:
    created = [ln.id for ln in order.lines if ln.status is LineStatus.CREATED]
    try:
        changed, events = cancel_order(order, tree=TREE, at=AT)
    except InvalidTransitionError:
        assert (
            not TREE.stage(order.stage).can_cancel
            or not created
            or order.state is OrderProgress.POSTED
        )
        return
    assert TREE.stage(order.stage).can_cancel
    assert created
    assert [ln.id for ln in changed.lines] == [ln.id for ln in order.lines]
    for before, after in zip(order.lines, changed.lines, strict=True):
        if before.status is LineStatus.CREATED:
            assert after.status is LineStatus.CANCELLED
        else:
            assert after == before
    assert changed.state is not OrderProgress.IN_PROCESS
    assert [e.line_ids for e in events] == [tuple(created)]  # type: ignore[attr-defined]
