"""Bad-input entries for service orders (found by tests/bad_input/entries.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pendulum

import servicecore.orders.creation as creation
import servicecore.orders.generation as generation
import servicecore.orders.model as model
import servicecore.orders.removal as removal
from servicecore.agreements.plan import PlannedLine, PlannedOrder, ServiceOrderPlan, TransactionType
from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.storage.memory import InMemoryStore
from tests.bad_input import valid as v
from tests.bad_input.engine import Entry, call, fields_call, method, use_case

MODULES: tuple[Any, ...] = (model, generation, creation, removal)

AT = pendulum.datetime(2024, 3, 1, 9)

EXCLUDED: dict[str, str] = {
    "servicecore.orders.model.SERVICE_ORDERS": "an AggregateType constant, not callable",
    "servicecore.orders.generation.GENERATED_LINE_KEYS": "an AggregateType constant",
    "servicecore.orders.model.LineStatus": "an enum",
    "servicecore.orders.model.OrderProgress": "an enum",
    "servicecore.orders.model.JournalRecord": "an event payload built only by post_order",
    "servicecore.orders.model.OrderLinesPosted": "an event built only by post_order",
    "servicecore.orders.model.OrderStageChanged": "an event built only by change_stage",
    "servicecore.orders.model.ServiceOrderCreated": "an event built only by generation",
    "servicecore.orders.model.ServiceOrderCancelled": "an event built only by cancel_order",
    "servicecore.orders.model.ServiceOrderDeleted": "an event built only by delete_service_order",
    "servicecore.orders.model.StageChange": "a log entry built only by change_stage",
    "servicecore.orders.generation.GeneratedLineKey": "a key record built only by generation",
}


def _tree() -> model.StageTree:
    return model.StageTree.define(
        [
            model.Stage(id="new"),
            model.Stage(id="work", parent="new", requires_reason=True),
            model.Stage(id="done", parent="work", can_post=True),
        ]
    )


def _line(id: str = "1") -> model.OrderLine:
    return model.OrderLine(
        id=id,
        transaction_type=TransactionType.HOUR,
        quantity=Decimal(1),
        cost_price=Money.of("1", "EUR"),
        sales_price=Money.of("2", "EUR"),
        worker_id="W",
    )


def _order(id: str = "SO-1", agreement: str = "AG", lines: bool = True) -> model.ServiceOrder:
    order = model.new_service_order(
        company_id="ACME",
        id=id,
        customer_id="C",
        currency="EUR",
        tree=_tree(),
        at=AT,
        agreement_id=agreement,
    )
    if lines:
        order, _ = model.add_line(order, _line(), tree=_tree(), at=AT)
    return order


def _done() -> model.ServiceOrder:
    order, _ = model.change_stage(_order(), "work", tree=_tree(), at=AT, reason="go")
    order, _ = model.change_stage(order, "done", tree=_tree(), at=AT)
    return order


def _store_with_order() -> InMemoryStore:
    store = v.store()
    with store.unit_of_work("ACME") as uow:
        uow[model.SERVICE_ORDERS].add(_order())
        uow.commit()
    return store


def _plan() -> ServiceOrderPlan:
    day = pendulum.date(2024, 3, 4)
    planned = PlannedLine(
        agreement_id="AG",
        agreement_line_id="L",
        calculated_date=day,
        transaction_type=TransactionType.FEE,
        quantity=Decimal(1),
        cost_price=Money.of("1", "EUR"),
        sales_price=Money.of("2", "EUR"),
    )
    order = PlannedOrder(
        agreement_id="AG",
        customer_id="C",
        combine_key="x",
        preferred_date=day,
        currency="EUR",
        lines=(planned,),
    )
    return ServiceOrderPlan(start=day, end=day, orders=(order,))


def entries() -> list[Entry]:
    m = "servicecore.orders.model."
    g = "servicecore.orders.generation."
    c = "servicecore.orders.creation."
    r = "servicecore.orders.removal."
    tree = _tree()
    return [
        Entry(m + "Stage", lambda: fields_call(model.Stage)),
        Entry(m + "OrderLine", lambda: call(_line, id="1")),
        Entry(m + "StageTree", lambda: call(model.StageTree.define, stages=[model.Stage(id="r")])),
        Entry(
            m + "StageTree.define",
            lambda: call(model.StageTree.define, stages=[model.Stage(id="r")]),
        ),
        Entry(m + "StageTree.stage", lambda: method(tree, "stage", stage_id="new")),
        Entry(m + "StageTree.next_stages", lambda: method(tree, "next_stages", stage_id="new")),
        Entry(
            m + "StageTree.previous_stage", lambda: method(tree, "previous_stage", stage_id="work")
        ),
        Entry(m + "ServiceOrder", lambda: fields_call(model.ServiceOrder)),
        Entry(m + "ServiceOrder.line", lambda: method(_order(), "line", line_id="1")),
        Entry(
            m + "new_service_order",
            lambda: call(
                model.new_service_order,
                company_id="ACME",
                id="SO",
                customer_id="C",
                currency="EUR",
                tree=tree,
                at=AT,
                agreement_id="AG",
                priority="high",
                preferred_service_time=AT,
                address="Main St 1",
                responsible_id="R",
                preferred_technician_id="T",
                sla_id="GOLD",
                project_id="P",
                source="manual",
                source_reference="WEB-1",
            ),
        ),
        Entry(
            m + "add_line",
            lambda: call(model.add_line, order=_order(lines=False), line=_line(), tree=tree, at=AT),
        ),
        Entry(
            m + "change_stage",
            lambda: call(
                model.change_stage, order=_order(), to_stage="work", tree=tree, at=AT, reason="go"
            ),
        ),
        Entry(
            m + "cancel_line",
            lambda: call(model.cancel_line, order=_order(), line_id="1", tree=tree, at=AT),
        ),
        Entry(
            m + "revoke_line",
            lambda: call(
                model.revoke_line,
                order=model.cancel_line(_order(), "1", tree=tree, at=AT)[0],
                line_id="1",
                tree=tree,
                at=AT,
            ),
        ),
        Entry(
            m + "delete_line",
            lambda: call(model.delete_line, order=_order(), line_id="1", tree=tree, at=AT),
        ),
        Entry(
            m + "move_line",
            lambda: call(
                model.move_line,
                source=_order(),
                target=_order("SO-2", lines=False),
                line_id="1",
                tree=tree,
                at=AT,
            ),
        ),
        Entry(
            m + "sign_off_line",
            lambda: call(model.sign_off_line, order=_order(), line_id="1", at=AT),
        ),
        Entry(
            m + "sign_off_order",
            lambda: call(
                model.sign_off_order, order=model.sign_off_line(_order(), "1", at=AT)[0], at=AT
            ),
        ),
        Entry(
            m + "post_order",
            lambda: call(
                model.post_order,
                order=model.sign_off_line(_done(), "1", at=AT)[0],
                tree=tree,
                at=AT,
                transaction_types=[TransactionType.HOUR],
            ),
        ),
        Entry(
            g + "generate_service_orders",
            lambda: use_case(
                generation.generate_service_orders,
                plan=_plan(),
                tree=tree,
                clock=FixedClock(AT),
                sla_of=None,
            ),
        ),
        Entry(
            c + "create_order_from_sales_order",
            lambda: use_case(
                creation.create_order_from_sales_order,
                sales_order_id="SALES-1",
                order_id="SO-NEW",
                customer_id="C",
                currency="EUR",
                tree=tree,
                clock=FixedClock(AT),
                lines=[_line()],
                priority="high",
                address="Main St 1",
                responsible_id="R",
                preferred_technician_id="T",
                project_id="P",
                preferred_service_time=AT,
            ),
        ),
        Entry(
            c + "create_order_from_web_request",
            lambda: use_case(
                creation.create_order_from_web_request,
                web_request_id="WEB-1",
                order_id="SO-NEW",
                customer_id="C",
                currency="EUR",
                tree=tree,
                clock=FixedClock(AT),
                lines=[_line()],
                priority="high",
                address="Main St 1",
                responsible_id="R",
                preferred_technician_id="T",
                project_id="P",
                preferred_service_time=AT,
            ),
        ),
        Entry(
            m + "cancel_order",
            lambda: call(model.cancel_order, order=_order(), tree=tree, at=AT),
        ),
        Entry(
            r + "cancel_service_order",
            lambda: use_case(
                removal.cancel_service_order,
                store=_store_with_order(),
                order_id="SO-1",
                tree=tree,
                clock=FixedClock(AT),
            ),
        ),
        Entry(
            r + "delete_service_order",
            lambda: use_case(
                removal.delete_service_order,
                store=_store_with_order(),
                order_id="SO-1",
                tree=tree,
                clock=FixedClock(AT),
            ),
        ),
    ]
