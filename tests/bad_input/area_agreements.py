"""Bad-input entries for agreements and their order use cases (found by entries.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pendulum

import servicecore.agreements.model as model
import servicecore.agreements.plan as plan
import servicecore.agreements.planning as planning
import servicecore.agreements.use_cases as use_cases
import servicecore.orders.from_agreements as from_agreements
from servicecore.calendars import ALWAYS_OPEN
from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.orders import OrderLine, Stage, StageTree, new_service_order
from servicecore.plugins import Hooks, get_plugin_manager
from servicecore.recurrence import Interval
from servicecore.sla import SLAS, ServiceLevelAgreement, Target
from servicecore.storage.memory import InMemoryStore
from tests.bad_input.engine import Entry, call, fields_call, method, use_case

MODULES: tuple[Any, ...] = (model, planning, use_cases, plan, from_agreements)

AT = pendulum.datetime(2024, 3, 1, 9)
DAY = pendulum.date(2024, 3, 1)

_M = "servicecore.agreements.model."
_P = "servicecore.agreements.plan."
EXCLUDED: dict[str, str] = {
    _M + "AGREEMENTS": "an AggregateType constant",
    _M + "AGREEMENT_GROUPS": "an AggregateType constant",
    _M + "TEMPLATE_GROUPS": "an AggregateType constant",
    _M + "ENDING_SOON_DAYS": "a number constant",
    _M + "MAX_QUANTITY": "a number constant",
    _M + "AgreementState": "an enum",
    _M + "CombineBy": "an enum",
    _M + "WindowKind": "an enum",
    _M + "AgreementChanged": "an event built only by the commands",
    _M + "AgreementRenewed": "an event built only by renew_agreement",
    _P + "TransactionType": "an enum",
    "servicecore.agreements.planning.MAX_PLAN_DAYS": "a number constant",
    "servicecore.agreements.planning.Row": "a type alias",
    "servicecore.agreements.planning.Run": "a type alias",
    "servicecore.orders.from_agreements.SLA_OPEN_STATUS": "a status constant",
    "servicecore.orders.from_agreements.SLA_STOPPED_STATUS": "a status constant",
}


def _tree() -> StageTree:
    return StageTree.define(
        [
            Stage(id="new"),
            Stage(id="work", parent="new"),
            Stage(id="hold", parent="work", stops_sla_clock=True),
        ]
    )


def _line(id: str = "1", **overrides: Any) -> model.AgreementLine:
    fields: dict[str, Any] = {
        "id": id,
        "transaction_type": plan.TransactionType.FEE,
        "quantity": Decimal(1),
        "cost_price": Money.of("1", "EUR"),
        "sales_price": Money.of("2", "EUR"),
        "interval": Interval.months(1),
    }
    fields.update(overrides)
    return model.AgreementLine(**fields)


def _agreement(id: str = "AG-1", **overrides: Any) -> model.Agreement:
    fields: dict[str, Any] = {
        "company_id": "ACME",
        "id": id,
        "customer_id": "C",
        "group_id": "STD",
        "currency": "EUR",
        "start": pendulum.date(2024, 1, 1),
        "end": pendulum.date(2024, 12, 31),
        "service_object_ids": ("X-1",),
        "sla_id": "GOLD",
    }
    fields.update(overrides)
    ag = model.new_agreement(**fields)
    for line in (_line("1", service_object_id="X-1"), _line("2")):
        ag, _ = model.add_agreement_line(ag, line, at=AT)
    return ag


def _template() -> model.Agreement:
    return model.make_template(_agreement("TPL-1"), "TPL", order_count=0, at=AT)[0]


def _compact() -> planning.CompactPlan:
    return planning.plan_service_orders_compact([_agreement()], DAY, DAY.add(days=60))


def _store() -> InMemoryStore:
    store = InMemoryStore(publish=lambda events: None)
    clock = FixedClock(AT)
    with store.unit_of_work("ACME") as uow:
        uow[SLAS].add(
            ServiceLevelAgreement(
                company_id="ACME",
                id="GOLD",
                name="Gold",
                targets={"high": (Target.calendar_hours(1), Target.calendar_hours(4))},
            )
        )
        use_cases.create_agreement_group(
            uow, model.AgreementGroup(company_id="ACME", id="STD", sla_id="GOLD"), clock=clock
        )
        use_cases.create_template_group(
            uow, model.TemplateGroup(company_id="ACME", id="TPL"), clock=clock
        )
        use_cases.create_agreement(uow, _agreement(), clock=clock)
        use_cases.create_agreement(uow, _agreement("AG-2"), clock=clock)
        from_agreements.create_order_for_agreement(
            uow, "AG-1", order_id="SO-1", tree=_tree(), clock=clock, priority="high"
        )
        uow.commit()
    return store


def entries() -> list[Entry]:
    m, p = _M, _P
    u = "servicecore.agreements.use_cases."
    f = "servicecore.orders.from_agreements."
    clock = FixedClock(AT)
    tree = _tree()
    hooks = Hooks(get_plugin_manager(load_entrypoints=False))
    order = new_service_order(
        company_id="ACME", id="SO-1", customer_id="C", currency="EUR", tree=tree, at=AT
    )
    hour = OrderLine(
        id="1",
        transaction_type=plan.TransactionType.HOUR,
        quantity=Decimal(1),
        cost_price=Money.of("1", "EUR"),
        sales_price=Money.of("2", "EUR"),
        worker_id="W",
    )
    return [
        Entry(
            "servicecore.plugins.Hooks.validate_stage_change",
            lambda: method(
                hooks, "validate_stage_change", order=order, to_stage="work", reason=None
            ),
        ),
        Entry(
            "servicecore.plugins.Hooks.price_line",
            lambda: method(hooks, "price_line", order=order, line=hour),
        ),
        Entry(m + "TimeWindow", lambda: fields_call(model.TimeWindow)),
        Entry(m + "TimeWindow.week", lambda: call(model.TimeWindow.week)),
        Entry(m + "TimeWindow.month", lambda: call(model.TimeWindow.month)),
        Entry(
            m + "TimeWindow.manual",
            lambda: call(model.TimeWindow.manual, days_before=1, days_after=2),
        ),
        Entry(
            m + "TimeWindow.range_for",
            lambda: method(model.TimeWindow.week(), "range_for", day=DAY),
        ),
        Entry(
            m + "TimeBand",
            lambda: fields_call(model.TimeBand, start_after=dt.time(8), end_before=dt.time(12)),
        ),
        Entry(m + "AgreementLine", lambda: fields_call(model.AgreementLine)),
        Entry(m + "Agreement", lambda: fields_call(model.Agreement)),
        Entry(m + "Agreement.line", lambda: method(_agreement(), "line", line_id="1")),
        Entry(m + "AgreementGroup", lambda: fields_call(model.AgreementGroup)),
        Entry(m + "TemplateGroup", lambda: fields_call(model.TemplateGroup)),
        Entry(
            m + "new_agreement",
            lambda: call(
                model.new_agreement,
                company_id="ACME",
                id="AG",
                customer_id="C",
                group_id="STD",
                currency="EUR",
                start=DAY,
                end=DAY.add(days=30),
                project_id="P",
                description="",
                combine_by=model.CombineBy.OBJECT,
                sla_id="GOLD",
                preferred_technician_id="T",
                service_manager_id="M",
                service_object_ids=["X-1"],
                service_task_ids=["CLEAN"],
            ),
        ),
        Entry(
            m + "add_agreement_line",
            lambda: call(model.add_agreement_line, agreement=_agreement(), line=_line("3"), at=AT),
        ),
        Entry(
            m + "suspend_agreement",
            lambda: call(model.suspend_agreement, agreement=_agreement(), at=AT),
        ),
        Entry(
            m + "resume_agreement",
            lambda: call(
                model.resume_agreement,
                agreement=model.suspend_agreement(_agreement(), at=AT)[0],
                at=AT,
            ),
        ),
        Entry(
            m + "cancel_agreement",
            lambda: call(model.cancel_agreement, agreement=_agreement(), at=AT),
        ),
        Entry(
            m + "stop_line",
            lambda: call(model.stop_line, agreement=_agreement(), line_id="1", at=AT),
        ),
        Entry(
            m + "restart_line",
            lambda: call(
                model.restart_line,
                agreement=model.stop_line(_agreement(), "1", at=AT)[0],
                line_id="1",
                at=AT,
            ),
        ),
        Entry(
            m + "make_template",
            lambda: call(
                model.make_template,
                agreement=_agreement(),
                template_group_id="TPL",
                order_count=0,
                at=AT,
            ),
        ),
        Entry(
            m + "copy_template_lines",
            lambda: call(
                model.copy_template_lines,
                template=_template(),
                target=_agreement("AG-2"),
                at=AT,
                line_ids=["1"],
            ),
        ),
        Entry(
            m + "copy_agreement_lines",
            lambda: call(
                model.copy_agreement_lines,
                source=_agreement(),
                target=_agreement("AG-2"),
                at=AT,
                line_ids=["1", "2"],
                with_relations=True,
            ),
        ),
        Entry(
            m + "agreement_state",
            lambda: call(
                model.agreement_state, agreement=_agreement(), on=DAY, ending_soon_days=30
            ),
        ),
        Entry(
            m + "line_state",
            lambda: call(
                model.line_state, agreement=_agreement(), line_id="1", on=DAY, ending_soon_days=30
            ),
        ),
        Entry(
            m + "renew_agreement",
            lambda: call(
                model.renew_agreement,
                agreement=_agreement(),
                new_id="AG-NEXT",
                at=AT,
                end=pendulum.date(2025, 6, 30),
            ),
        ),
        Entry(
            "servicecore.agreements.planning.plan_service_orders",
            lambda: call(
                planning.plan_service_orders,
                agreements=[_agreement()],
                start=DAY,
                end=DAY.add(days=90),
                transaction_types=[plan.TransactionType.FEE],
                calendar=ALWAYS_OPEN,
                continuous=True,
            ),
        ),
        Entry(
            "servicecore.agreements.planning.plan_service_orders_compact",
            lambda: call(
                planning.plan_service_orders_compact,
                agreements=[_agreement()],
                start=DAY,
                end=DAY.add(days=90),
                transaction_types=None,
                calendar=None,
                continuous=False,
            ),
        ),
        Entry(
            "servicecore.agreements.planning.CompactPlan",
            lambda: fields_call(planning.CompactPlan, agreements=()),
        ),
        Entry(
            "servicecore.agreements.planning.CompactPlan.keys",
            lambda: method(_compact(), "keys"),
        ),
        Entry(
            "servicecore.agreements.planning.CompactPlan.rows",
            lambda: method(_compact(), "rows"),
        ),
        Entry(
            "servicecore.agreements.planning.CompactPlan.to_plan",
            lambda: method(_compact(), "to_plan"),
        ),
        Entry(p + "PlannedLine", lambda: fields_call(plan.PlannedLine)),
        Entry(p + "PlannedOrder", lambda: fields_call(plan.PlannedOrder, lines=())),
        Entry(p + "ServiceOrderPlan", lambda: fields_call(plan.ServiceOrderPlan)),
        Entry(
            u + "create_agreement_group",
            lambda: use_case(
                use_cases.create_agreement_group,
                store=_store(),
                group=model.AgreementGroup(company_id="ACME", id="NEW", sla_id="GOLD"),
                clock=clock,
            ),
        ),
        Entry(
            u + "create_template_group",
            lambda: use_case(
                use_cases.create_template_group,
                store=_store(),
                group=model.TemplateGroup(company_id="ACME", id="SUB", parent_id="TPL"),
                clock=clock,
            ),
        ),
        Entry(
            u + "create_agreement",
            lambda: use_case(
                use_cases.create_agreement,
                store=_store(),
                agreement=_agreement("AG-9"),
                clock=clock,
            ),
        ),
        Entry(
            u + "renew_stored_agreement",
            lambda: use_case(
                use_cases.renew_stored_agreement,
                store=_store(),
                agreement_id="AG-1",
                new_id="AG-1B",
                clock=clock,
                end=None,
            ),
        ),
        Entry(
            f + "generate_orders_from_agreements",
            lambda: use_case(
                from_agreements.generate_orders_from_agreements,
                store=_store(),
                start=DAY,
                end=DAY.add(days=60),
                tree=tree,
                clock=clock,
                agreement_ids=["AG-1", "AG-2"],
                transaction_types=None,
                calendar=None,
                continuous=False,
            ),
        ),
        Entry(
            f + "make_agreement_template",
            lambda: use_case(
                from_agreements.make_agreement_template,
                store=_store(),
                agreement_id="AG-2",
                template_group_id="TPL",
                clock=clock,
            ),
        ),
        Entry(
            f + "create_order_for_agreement",
            lambda: use_case(
                from_agreements.create_order_for_agreement,
                store=_store(),
                agreement_id="AG-2",
                order_id="SO-2",
                tree=tree,
                clock=clock,
                priority="high",
                lines=[],
            ),
        ),
        Entry(
            f + "change_order_stage",
            lambda: use_case(
                from_agreements.change_order_stage,
                store=_store(),
                order_id="SO-1",
                to_stage="work",
                tree=tree,
                clock=clock,
                reason="go",
                validator=None,
            ),
        ),
    ]
