"""Domain rules every storage adapter must keep for servicecore's own aggregate types.

The generic rules (:mod:`.core`) and the per-type round trip and finders (:mod:`.types`)
cover storage in general; these tests pin what servicecore's use cases rely on beyond that:
finders that see staged changes, values that must survive storage exactly (a calendar, a
fee ledger), and the optimistic read lock of BOM approval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import attrs
import pendulum

from servicecore import bom as _bom
from servicecore import repairs as _rep
from servicecore import service_objects as _so
from servicecore.errors import ConcurrencyError
from servicecore.money import Money
from servicecore.ports import UnitOfWork
from servicecore.recurrence import Interval
from servicecore.sla import SLAS, ServiceLevelAgreement, Target
from servicecore.subscriptions import SUBSCRIPTIONS, Subscription
from servicecore.testing.contract.base import _AT, _ContractBase

__all__ = ["DomainRulesContract"]

_PCS = _bom.UnitOfMeasure("pcs", 0)


def _sla(company_id: str, id: str, *, suspended: bool = False) -> ServiceLevelAgreement:
    return ServiceLevelAgreement(
        company_id=company_id,
        id=id,
        name=f"SLA {id}",
        targets={"high": (Target.business_hours(4), Target.business_days(2))},
        suspended=suspended,
    )


def _subscription(company_id: str, id: str, customer_id: str = "C1") -> Subscription:
    return Subscription(
        company_id=company_id,
        id=id,
        group_id="MONTHLY",
        customer_id=customer_id,
        interval=Interval.months(1),
        start=pendulum.Date(2024, 1, 1),
        base_price=Money.of("10.00", "EUR"),
    )


def _relation(company_id: str, id: str, *, on_order: bool) -> _so.ObjectRelation:
    return _so.ObjectRelation(
        company_id=company_id,
        id=id,
        object_id="OBJ-1" if on_order else "OBJ-2",
        owner_kind=_so.OwnerKind.SERVICE_ORDER if on_order else _so.OwnerKind.AGREEMENT,
        owner_id="SO-1" if on_order else "AG-1",
    )


def _codes(company_id: str) -> _rep.RepairCodes:
    return _rep.RepairCodes.of(
        company_id,
        "CODES",
        symptoms={"NOISE": ["RATTLE"]},
        resolutions=["FIXED"],
        stages=[_rep.RepairStage("OPEN"), _rep.RepairStage("DONE", finished=True)],
    )


def _repair(company_id: str, id: str, *, pump: bool) -> _rep.Repair:
    obj = _so.ServiceObject(
        company_id=company_id,
        id="OBJ-1" if pump else "OBJ-2",
        item_id="PUMP" if pump else "FAN",
        serial="SN",
        customer_id="C",
    )
    relation = _so.ObjectRelation(
        company_id=company_id,
        id="REL",
        object_id=obj.id,
        owner_kind=_so.OwnerKind.SERVICE_ORDER,
        owner_id="SO-1",
    )
    repair, _events = _rep.Repair.open(
        _codes(company_id), relation, obj, repair_id=id, order_id="SO-1", at=_AT
    )
    return repair


class DomainRulesContract(_ContractBase):
    """What servicecore's use cases rely on, through the host's adapter."""

    def test_list_selectable_sees_staged_changes(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow:
            uow[SLAS].add(_sla(uow.company_id, "GOLD"))
            uow[SLAS].add(_sla(uow.company_id, "OLD", suspended=True))
            uow[SLAS].add(_sla(uow.company_id, "BRONZE"))
            uow.commit()
        with open_uow() as uow:
            assert [s.id for s in uow[SLAS].list_selectable()] == ["BRONZE", "GOLD"]
            old = uow[SLAS].get("OLD")
            uow[SLAS].save(attrs.evolve(old, suspended=False))
            assert [s.id for s in uow[SLAS].list_selectable()] == ["BRONZE", "GOLD", "OLD"]
            gold = uow[SLAS].get("GOLD")
            uow[SLAS].save(attrs.evolve(gold, suspended=True))
            assert [s.id for s in uow[SLAS].list_selectable()] == ["BRONZE", "OLD"]
        with open_uow(self.OTHER_COMPANY) as uow:
            assert uow[SLAS].list_selectable() == []

    def test_stored_sla_keeps_its_calendar(self, open_uow: Callable[..., UnitOfWork]) -> None:
        from servicecore.calendars import BusinessCalendar

        office = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])
        sla = attrs.evolve(_sla(self.COMPANY, "CAL"), calendar=office)
        with open_uow() as uow:
            uow[SLAS].add(sla)
            uow.commit()
        with open_uow() as uow:
            assert uow[SLAS].get("CAL").calendar == office

    def test_subscription_finders(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow:
            uow[SUBSCRIPTIONS].add(_subscription(uow.company_id, "S-2", "C2"))
            uow[SUBSCRIPTIONS].add(_subscription(uow.company_id, "S-1", "C1"))
            uow[SUBSCRIPTIONS].add(_subscription(uow.company_id, "S-3", "C2"))
            uow.commit()
        with open_uow() as uow:
            repo = uow[SUBSCRIPTIONS]
            assert [s.id for s in repo.list_for_customer("C2")] == ["S-2", "S-3"]
            assert [s.id for s in repo.list_in_group("MONTHLY")] == ["S-1", "S-2", "S-3"]
            assert repo.list_for_customer("C9") == []
            moved = attrs.evolve(repo.get("S-2"), customer_id="C9")
            repo.save(moved)
            assert [s.id for s in repo.list_for_customer("C2")] == ["S-3"]
            assert [s.id for s in repo.list_for_customer("C9")] == ["S-2"]
        with open_uow(self.OTHER_COMPANY) as uow:
            assert uow[SUBSCRIPTIONS].list_for_customer("C2") == []

    def test_fee_ledger_round_trips(self, open_uow: Callable[..., UnitOfWork]) -> None:
        from servicecore.clock import FixedClock
        from servicecore.subscriptions import activate, generate_fees

        clock = FixedClock(_AT)
        sub, _ = activate(_subscription(self.COMPANY, "S-1"), at=clock.now())
        sub, _ = generate_fees(
            sub, pendulum.Date(2024, 1, 1), pendulum.Date(2024, 4, 1), at=clock.now()
        )
        with open_uow() as uow:
            uow[SUBSCRIPTIONS].add(sub)
            uow.commit()
        with open_uow() as uow:
            assert uow[SUBSCRIPTIONS].get("S-1").fees == sub.fees

    def test_bom_where_used(self, open_uow: Callable[..., UnitOfWork]) -> None:
        def bom(company: str, ident: str) -> _bom.Bom:
            made, _events = _bom.Bom.create(
                company,
                ident,
                lines=[_bom.BomLine(10, f"{ident}-PART", Decimal(2), _PCS)],
                effective_from=pendulum.date(2024, 1, 1),
                at=_AT,
            )
            return made

        with open_uow() as uow:
            uow[_bom.BOMS].add(bom(uow.company_id, "A"))
            uow[_bom.BOMS].add(bom(uow.company_id, "B"))
            uow.commit()
        with open_uow(self.OTHER_COMPANY) as uow:
            uow[_bom.BOMS].add(bom(uow.company_id, "A"))
            uow.commit()
        with open_uow() as uow:
            repo = uow[_bom.BOMS]
            repo.add(bom(self.COMPANY, "C"))  # staged only: seen too
            assert [x.id for x in repo.list_using_component("B-PART")] == ["B"]
            assert [x.id for x in repo.list_using_component("C-PART")] == ["C"]
            assert [x.id for x in repo.list_using_component("A-PART")] == ["A"]
            assert repo.list_using_component("NOWHERE") == []

    def test_concurrent_approvals_cannot_commit_a_cycle(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        """``approve_bom_version`` re-saves the BOMs its cycle check read; through this
        adapter, two approvals that only together close a cycle cannot both commit."""
        from servicecore.clock import FixedClock

        clock = FixedClock(_AT)
        with open_uow() as uow:
            for parent, child in (("A", "B"), ("B", "A")):
                _bom.create_bom(
                    uow,
                    parent,
                    lines=[_bom.BomLine(10, child, Decimal(1), _PCS)],
                    effective_from=pendulum.date(2024, 1, 1),
                    clock=clock,
                )
            uow.commit()
        with open_uow() as first, open_uow() as second:
            _bom.approve_bom_version(first, "A", 1, clock=clock)
            refused = False
            try:
                _bom.approve_bom_version(second, "B", 1, clock=clock)
                first.commit()
                second.commit()
            except ConcurrencyError:
                refused = True
            assert refused, "both approvals committed: the stored BOMs now form a cycle"
        with open_uow() as uow:
            stored = uow[_bom.BOMS].list_all()
            assert _bom.find_cycle(stored) is None
            statuses = sorted(x.versions[0].status.value for x in stored)
            assert statuses in (["approved", "draft"], ["draft", "draft"])

    def test_service_object_and_relation_finders(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow:
            for n, customer in ((1, "C-ODD"), (2, "C-EVEN"), (3, "C-ODD")):
                uow[_so.SERVICE_OBJECTS].add(
                    _so.ServiceObject(
                        company_id=uow.company_id,
                        id=f"O-{n}",
                        item_id="PUMP",
                        serial=f"SN-{n}",
                        customer_id=customer,
                    )
                )
            for n in (1, 2, 3, 4):
                uow[_so.OBJECT_RELATIONS].add(
                    _relation(uow.company_id, f"R-{n}", on_order=n % 2 == 0)
                )
            uow.commit()
        with open_uow() as uow:
            objects = uow[_so.SERVICE_OBJECTS]
            assert [o.id for o in objects.list_for_customer("C-ODD")] == ["O-1", "O-3"]
            assert [o.id for o in objects.list_for_customer("C-EVEN")] == ["O-2"]
            relations = uow[_so.OBJECT_RELATIONS]
            on_order = relations.list_for_owner(_so.OwnerKind.SERVICE_ORDER, "SO-1")
            assert [r.id for r in on_order] == ["R-2", "R-4"]
            on_agreement = relations.list_for_owner(_so.OwnerKind.AGREEMENT, "AG-1")
            assert [r.id for r in on_agreement] == ["R-1", "R-3"]
            assert relations.list_for_owner(_so.OwnerKind.AGREEMENT, "SO-1") == []
            assert [r.id for r in relations.list_for_object("OBJ-2")] == ["R-1", "R-3"]
        with open_uow(self.OTHER_COMPANY) as uow:
            assert uow[_so.OBJECT_RELATIONS].list_for_object("OBJ-2") == []
            assert uow[_so.SERVICE_OBJECTS].list_for_customer("C-ODD") == []

    def test_repair_finders(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow:
            for ident, pump in (("R-1", False), ("R-2", True), ("R-3", False)):
                uow[_rep.REPAIRS].add(_repair(uow.company_id, ident, pump=pump))
            uow.commit()
        with open_uow() as uow:
            repairs = uow[_rep.REPAIRS]
            assert [r.id for r in repairs.list_for_object("OBJ-2")] == ["R-1", "R-3"]
            assert [r.id for r in repairs.list_for_item("PUMP")] == ["R-2"]
            assert repairs.list_for_item("NONE") == []
        with open_uow(self.OTHER_COMPANY) as uow:
            assert uow[_rep.REPAIRS].list_for_object("OBJ-2") == []
